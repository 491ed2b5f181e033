"""Messages of opt-in Slack channels (KNOWLEDGE_SLACK_CHANNELS) become knowledge documents.

Incremental: each channel's newest ingested ts (a message or a thread reply) is kept in
kb_slack_cursors and the next sync asks only for what is newer. A thread is one document: the
top-level message followed by its replies, its ref a link to the top-level message. Replies are
followed when the sync is given a `replies` reader: history is then read from THREAD_LOOKBACK_DAYS
before the cursor, and a thread whose latest reply is newer than the cursor is read again in full
(conversations.replies, paginated) and its document rebuilt; threads without new replies are not
read. Only the text is kept; authors are not stored, and user mentions in the text are masked, so
no Slack user id reaches the index. Bot messages, joins and other system messages are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.knowledge import index
from bot.knowledge.loader import SourceDocument
from bot.knowledge.models import KbSlackCursor
from bot.store.db import Database

SOURCE = "slack_channel"
TITLE_CHARS = 80
MIN_TEXT_CHARS = 20  # "merci !", "+1": nothing to learn from
_MENTION = re.compile(r"<[@!][A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#[A-Z0-9]+\|([^>]*)>")

# A thread whose top-level message is older than this (before the cursor) is not looked at again:
# its new replies are not followed. History is re-read over this window on each sync.
THREAD_LOOKBACK_DAYS = 30

# (channel id, oldest ts exclusive or None) -> top-level messages, newest first or in any order
History = Callable[[str, str | None], Iterable[dict[str, Any]]]
# (channel id, thread ts) -> the thread's messages, the top-level one included or not, any order
Replies = Callable[[str, str], Iterable[dict[str, Any]]]
Permalink = Callable[[str, str], str]


@dataclass
class ChannelSyncReport:
    channels: int = 0
    messages: int = 0  # documents built (a message, or a thread with its replies)
    replies: int = 0  # thread replies in those documents
    added: int = 0
    updated: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"channels": self.channels, "messages": self.messages, "replies": self.replies,
                "added": self.added, "updated": self.updated}


def clean_text(text: str) -> str:
    """Slack markup to plain text, with user mentions masked (no user id in the index)."""
    text = _MENTION.sub("@…", text)
    text = _CHANNEL.sub(lambda m: "#" + m.group(1), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


# A reply also sent to the channel is still a member's reply (as a top-level message it is skipped:
# its thread holds it).
_REPLY_SUBTYPES = {None, "thread_broadcast"}


def is_knowledge(message: dict[str, Any]) -> bool:
    return (
        message.get("type", "message") == "message" and message.get("subtype") in _REPLY_SUBTYPES
        and not message.get("bot_id")
        and len(clean_text(message.get("text") or "")) >= MIN_TEXT_CHARS
    )


def default_link(channel_id: str, ts: str) -> str:
    return f"slack:{channel_id}/{ts}"


def sync_channels(
    db: Database,
    channel_ids: Iterable[str],
    history: History,
    now: datetime,
    *,
    replies: Replies | None = None,
    permalink: Permalink = default_link,
    embed: index.Embedder | None = None,
) -> ChannelSyncReport:
    """Ingest the messages posted since the last sync in each channel, and with `replies`, the
    threads that got new replies."""
    report = ChannelSyncReport()
    for channel_id in channel_ids:
        report.channels += 1
        with db.session() as session:
            cursor = session.get(KbSlackCursor, channel_id)
            oldest = cursor.latest_ts if cursor else None
        since = oldest
        if replies is not None and oldest is not None:
            since = f"{float(oldest) - THREAD_LOOKBACK_DAYS * 86400:.6f}"
        newest = oldest
        documents = []
        for message in history(channel_id, since):
            ts = message.get("ts") or ""
            if not ts:
                continue
            new_message = _after(ts, oldest)
            new_replies = replies is not None and bool(message.get("reply_count")) and _after(message.get("latest_reply"), oldest)
            if not new_message and not new_replies:
                continue
            thread: list[dict[str, Any]] = []
            if new_replies:
                thread = sorted((m for m in replies(channel_id, ts) if m.get("ts") and m.get("ts") != ts),  # type: ignore[misc]
                                key=lambda m: float(m["ts"]))
            for seen in [ts, *(m["ts"] for m in thread)]:
                if newest is None or float(seen) > float(newest):
                    newest = seen
            document, kept = _thread_document(channel_id, message, thread, permalink)
            if document is not None:
                documents.append(document)
                report.replies += kept
        report.messages += len(documents)
        result = index.sync_documents(db, documents, now, source=SOURCE, embed=embed, remove_missing=False)
        report.added += result.added
        report.updated += result.updated
        if newest is not None and newest != oldest:
            with db.session() as session:
                row = session.get(KbSlackCursor, channel_id)
                if row is None:
                    session.add(KbSlackCursor(channel_id=channel_id, latest_ts=newest, updated_at=now))
                else:
                    row.latest_ts, row.updated_at = newest, now
    return report


def _after(ts: str | None, oldest: str | None) -> bool:
    return bool(ts) and (oldest is None or float(ts) > float(oldest))  # type: ignore[arg-type]


def _thread_document(
    channel_id: str, message: dict[str, Any], thread: list[dict[str, Any]], permalink: Permalink
) -> tuple[SourceDocument | None, int]:
    """A top-level message and its replies worth keeping, as one document (the message's key:
    a thread that gets replies replaces the message's document). A short question ("Des idées ?")
    with useful replies is kept for their sake; a bot's or a system message's thread is not."""
    if message.get("type", "message") != "message" or message.get("subtype") or message.get("bot_id"):
        return None, 0
    kept = [clean_text(reply["text"]) for reply in thread if is_knowledge(reply)]
    if not kept and not is_knowledge(message):
        return None, 0
    opening = clean_text(message.get("text") or "")
    text = "\n\n".join(part for part in [opening, *kept] if part)
    title = next((line.strip(" #*_>") for line in text.splitlines() if line.strip()), "")[:TITLE_CHARS]
    ts = message["ts"]
    document = SourceDocument(
        key=f"channel:{channel_id}/{ts}", source=SOURCE, title=title, body=text,
        ref=permalink(channel_id, ts), kind="community", language="fr",
    )
    return document, len(kept)


def refresh_thread(
    db: Database, channel_id: str, root_ts: str, replies: Replies, now: datetime, *,
    permalink: Permalink = default_link, embed: index.Embedder | None = None,
) -> str:
    """After a message of an opt-in channel was edited or deleted: the thread's document is
    rebuilt from what Slack holds now (edited text replaces the old), or removed when nothing
    worth keeping is left. Returns "updated", "unchanged" or "removed"."""
    key = f"channel:{channel_id}/{root_ts}"
    try:
        messages = [m for m in replies(channel_id, root_ts) if m.get("ts")]
    except LookupError:  # the thread is gone (its root deleted, no replies)
        messages = []
    root = next((m for m in messages if m["ts"] == root_ts and m.get("subtype") != "tombstone"), None)
    thread = sorted((m for m in messages if m["ts"] != root_ts), key=lambda m: float(m["ts"]))
    document = None
    if root is not None or thread:
        document, _kept = _thread_document(channel_id, root or {"type": "message", "ts": root_ts, "text": ""}, thread, permalink)
    if document is None:
        return "removed" if index.remove_document(db, key) else "unchanged"
    report = index.sync_documents(db, [document], now, source=SOURCE, embed=embed, remove_missing=False)
    return "updated" if report.added or report.updated else "unchanged"


def thread_root(event: dict[str, Any]) -> str | None:
    """The thread a message_changed / message_deleted event touches (its root message's ts)."""
    if event.get("subtype") == "message_changed":
        message = event.get("message") or {}
        return message.get("thread_ts") or message.get("ts")
    if event.get("subtype") == "message_deleted":
        previous = event.get("previous_message") or {}
        return previous.get("thread_ts") or event.get("deleted_ts") or previous.get("ts")
    return None


def cursors(db: Database) -> dict[str, str]:
    with db.engine.connect() as connection:
        return dict(connection.execute(select(KbSlackCursor.channel_id, KbSlackCursor.latest_ts)).all())
