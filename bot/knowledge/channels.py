"""Messages of opt-in Slack channels (KNOWLEDGE_SLACK_CHANNELS) become knowledge documents.

Incremental: each channel's newest ingested ts is kept in kb_slack_cursors and the next sync
asks only for newer messages. Only the text is kept (one document per top-level message, its
ref a link to the message); authors are not stored, and user mentions in the text are masked,
so no Slack user id reaches the index. Bot messages, joins and other system messages are skipped.
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

# (channel id, oldest ts exclusive or None) -> messages, newest first or in any order
History = Callable[[str, str | None], Iterable[dict[str, Any]]]
Permalink = Callable[[str, str], str]


@dataclass
class ChannelSyncReport:
    channels: int = 0
    messages: int = 0
    added: int = 0
    updated: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"channels": self.channels, "messages": self.messages, "added": self.added, "updated": self.updated}


def clean_text(text: str) -> str:
    """Slack markup to plain text, with user mentions masked (no user id in the index)."""
    text = _MENTION.sub("@…", text)
    text = _CHANNEL.sub(lambda m: "#" + m.group(1), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def is_knowledge(message: dict[str, Any]) -> bool:
    return (
        message.get("type", "message") == "message" and not message.get("subtype") and not message.get("bot_id")
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
    permalink: Permalink = default_link,
    embed: index.Embedder | None = None,
) -> ChannelSyncReport:
    """Ingest the messages posted since the last sync in each channel."""
    report = ChannelSyncReport()
    for channel_id in channel_ids:
        report.channels += 1
        with db.session() as session:
            cursor = session.get(KbSlackCursor, channel_id)
            oldest = cursor.latest_ts if cursor else None
        newest = oldest
        documents = []
        for message in history(channel_id, oldest):
            ts = message.get("ts") or ""
            if not ts or (oldest is not None and float(ts) <= float(oldest)):
                continue
            if newest is None or float(ts) > float(newest):
                newest = ts
            if not is_knowledge(message):
                continue
            text = clean_text(message["text"])
            title = next((line.strip(" #*_>") for line in text.splitlines() if line.strip()), "")[:TITLE_CHARS]
            documents.append(SourceDocument(
                key=f"channel:{channel_id}/{ts}", source=SOURCE, title=title, body=text,
                ref=permalink(channel_id, ts), kind="community", language="fr",
            ))
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


def cursors(db: Database) -> dict[str, str]:
    with db.engine.connect() as connection:
        return dict(connection.execute(select(KbSlackCursor.channel_id, KbSlackCursor.latest_ts)).all())
