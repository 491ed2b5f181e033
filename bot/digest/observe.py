"""What the digest keeps of public channels while a week goes by: thread candidates, shared
links and who posted. Metadata first; a short excerpt and the links only for public channels,
purged once the week's digest is sent (see bot/digest/models.py for the retention)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update

from bot.digest.models import DigestIssue, DigestLink, DigestThread, SENT, SKIPPED
from bot.digest.weeks import ts_to_datetime, week_of_ts
from bot.digest.untrusted import honest_label, no_merge_tags
from bot.store.db import Database
from bot.store.models import Member

EXCERPT_CHARS = 220
# Human posts; everything else (joins, topic changes, bot posts, edits) is not a thread.
_HUMAN_SUBTYPES = {None, "thread_broadcast", "file_share"}
_SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|([^>]*))?>")
_BARE_URL = re.compile(r"(?<![<|])\bhttps?://[^\s<>|]+")
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_MENTION = re.compile(r"<#[CG][A-Z0-9]+\|([^>]*)>")
_SPECIAL = re.compile(r"<![^>]*>")


def is_public_human_message(event: dict[str, Any]) -> bool:
    """A person's post in a public channel: `channel_type` "channel" and a C… id (private
    channels are "group", DMs "im"/"mpim", and their ids start with G or D)."""
    return (
        event.get("type") == "message"
        and event.get("channel_type") == "channel"
        and str(event.get("channel") or "").startswith("C")
        and event.get("subtype") in _HUMAN_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
        and bool(event.get("ts"))
    )


def extract_links(text: str) -> list[tuple[str, str | None]]:
    """(url, label) of every web link in Slack mrkdwn, first occurrence wins. A label that
    names another address than the link's own is dropped (bot.digest.untrusted)."""
    found: dict[str, str | None] = {}
    for url, label in _SLACK_LINK.findall(text or ""):
        url = url.rstrip(".,);")
        found.setdefault(url, honest_label(url, label or None))
    for url in _BARE_URL.findall(_SLACK_LINK.sub(" ", text or "")):
        found.setdefault(url.rstrip(".,);"), None)
    return list(found.items())


def _link_text(match: re.Match[str]) -> str:
    url, label = match.group(1), match.group(2)
    return honest_label(url, label) or url


def make_excerpt(text: str, names: dict[str, str] | None = None, *, resolve_users: bool = True) -> str:
    """A short, plain excerpt: mentions become names, links their label (or their address when
    the label names another), no @channel pings, no Mailchimp merge tags.
    At capture time user mentions stay as ids, so the digest shows the names of the day."""
    names = names or {}
    if resolve_users:
        text = _USER_MENTION.sub(lambda m: "@" + names.get(m.group(1), "membre"), text or "")
    text = _CHANNEL_MENTION.sub(lambda m: "#" + m.group(1), text or "")
    text = _SLACK_LINK.sub(_link_text, text)
    text = _SPECIAL.sub("", text)
    text = no_merge_tags(re.sub(r"\s+", " ", text).strip())
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text.rfind(" ", 0, EXCERPT_CHARS - 1)
    return text[: cut if cut > EXCERPT_CHARS // 2 else EXCERPT_CHARS - 1].rstrip(" ,;:") + "…"


class DigestRecorder:
    """Called by the event router (observers) and by imports; every method is idempotent
    enough for redelivered events, which the event ledger already filters.

    Only public channels the bot is in (Slack sends it nothing else) count, never
    `excluded_channels` (STAFF_CHANNEL). An opted-out member's posts are not kept at all, and a
    mention of them in someone else's post is stored as "@membre", never as their id."""

    def __init__(self, db: Database, tz: ZoneInfo, excluded_channels: frozenset[str] = frozenset()) -> None:
        self._db = db
        self._tz = tz
        self._excluded = frozenset(c for c in excluded_channels if c)

    def record_message(self, event: dict[str, Any]) -> None:
        subtype = event.get("subtype")
        if subtype == "message_deleted":
            self.forget(event.get("channel", ""), (event.get("previous_message") or {}).get("ts") or event.get("deleted_ts", ""))
            return
        if subtype == "message_changed":
            self._record_edit(event)
            return
        if not is_public_human_message(event) or event["channel"] in self._excluded:
            return
        channel, ts, user_id = event["channel"], event["ts"], event["user"]
        week = week_of_ts(ts, self._tz)
        posted_at = ts_to_datetime(ts)
        thread_ts = event.get("thread_ts")
        with self._db.session() as session:
            untracked = _untracked(session, {user_id, *_USER_MENTION_ID.findall(event.get("text") or "")})
            if user_id in untracked:
                return
            text = _without_mentions_of(event.get("text") or "", untracked)
            if thread_ts and thread_ts != ts:
                # A reply to a parent we never saw (the bot's own post, or one from before the
                # bot) counts nowhere: such a thread has no excerpt and no author to show.
                session.execute(
                    update(DigestThread)
                    .where(DigestThread.channel_id == channel, DigestThread.ts == thread_ts)
                    .values(reply_count=DigestThread.reply_count + 1)
                )
            elif session.get(DigestThread, (channel, ts)) is None:
                session.add(DigestThread(
                    channel_id=channel, ts=ts, user_id=user_id, iso_week=week, posted_at=posted_at,
                    reply_count=int(event.get("reply_count") or 0), reaction_count=0, excerpt=make_excerpt(text, resolve_users=False),
                ))
            _add_links(session, text, week, channel, ts, user_id, posted_at)

    def _record_edit(self, event: dict[str, Any]) -> None:
        """The edited text replaces the old one: the excerpt, and the links it shared."""
        edited = event.get("message") or {}
        channel, ts = event.get("channel") or "", edited.get("ts") or ""
        if not channel or not ts:
            return
        with self._db.session() as session:
            thread = session.get(DigestThread, (channel, ts))
            had_links = session.execute(
                select(DigestLink.id).where(DigestLink.channel_id == channel, DigestLink.ts == ts).limit(1)).first()
            if thread is None and had_links is None:
                return  # not a message the digest kept
            untracked = _untracked(session, {edited.get("user") or "", *_USER_MENTION_ID.findall(edited.get("text") or "")})
            if edited.get("user") in untracked:
                return
            text = _without_mentions_of(edited.get("text") or "", untracked)
            if thread is not None and thread.excerpt is not None:
                thread.excerpt = make_excerpt(text, resolve_users=False)
            if had_links is not None:
                link = session.execute(select(DigestLink).where(DigestLink.channel_id == channel, DigestLink.ts == ts)).scalars().first()
                week, posted_at = link.iso_week, link.posted_at  # type: ignore[union-attr]
                session.execute(delete(DigestLink).where(DigestLink.channel_id == channel, DigestLink.ts == ts))
                session.flush()
                _add_links(session, text, week, channel, ts, edited.get("user"), posted_at)

    def record_reaction(self, event: dict[str, Any], delta: int) -> None:
        item = event.get("item") or {}
        if item.get("type") != "message" or not item.get("channel") or not item.get("ts"):
            return
        with self._db.session() as session:
            # Only threads we track (public channels) count; a reaction elsewhere changes nothing.
            session.execute(
                update(DigestThread)
                .where(DigestThread.channel_id == item["channel"], DigestThread.ts == item["ts"],
                       DigestThread.reaction_count + delta >= 0)
                .values(reaction_count=DigestThread.reaction_count + delta)
            )

    def forget(self, channel: str, ts: str) -> None:
        """A deleted message leaves the digest: its excerpt and its links go with it."""
        if not channel or not ts:
            return
        with self._db.session() as session:
            session.execute(delete(DigestThread).where(DigestThread.channel_id == channel, DigestThread.ts == ts))
            session.execute(delete(DigestLink).where(DigestLink.channel_id == channel, DigestLink.ts == ts))


_USER_MENTION_ID = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def _untracked(session: Any, user_ids: set[str]) -> set[str]:
    """Those of `user_ids` who opted out: nothing of theirs, not even their id, is kept."""
    ids = [u for u in user_ids if u]
    if not ids:
        return set()
    return set(session.scalars(select(Member.user_id).where(Member.user_id.in_(ids), Member.analytics_opt_out.is_(True))))


def _without_mentions_of(text: str, user_ids: set[str]) -> str:
    if not user_ids:
        return text
    return _USER_MENTION_ID.sub(lambda m: "@membre" if m.group(1) in user_ids else m.group(0), text)


def _add_links(session: Any, text: str, week: str, channel: str, ts: str, user_id: str | None, posted_at: datetime) -> None:
    for url, label in extract_links(text):
        link = session.execute(
            select(DigestLink).where(DigestLink.iso_week == week, DigestLink.url == url[:1000])
        ).scalar_one_or_none()
        if link is None:
            session.add(DigestLink(
                iso_week=week, channel_id=channel, ts=ts, user_id=user_id, url=url[:1000],
                title=(label or None) and no_merge_tags(label)[:300], shares=1, posted_at=posted_at,
            ))
            session.flush()
        else:
            link.shares += 1


def purge_week_text(db: Database, iso_week: str) -> None:
    """Once a week's digest is out (or skipped), its excerpts and links are no longer needed."""
    with db.session() as session:
        session.execute(update(DigestThread).where(DigestThread.iso_week == iso_week).values(excerpt=None))
        session.execute(delete(DigestLink).where(DigestLink.iso_week == iso_week))


def purge_expired(db: Database, now: datetime, retention_days: int, tz: ZoneInfo) -> int:
    """Drop text older than the retention, and everything of weeks already sent or skipped."""
    cutoff = now - timedelta(days=retention_days)
    with db.session() as session:
        done_weeks = list(session.execute(
            select(DigestIssue.iso_week).where(DigestIssue.state.in_([SENT, SKIPPED]))
        ).scalars())
        cleared = session.execute(
            update(DigestThread)
            .where(DigestThread.excerpt.is_not(None),
                   (DigestThread.posted_at < cutoff) | DigestThread.iso_week.in_(done_weeks))
            .values(excerpt=None)
        ).rowcount
        cleared += session.execute(
            delete(DigestLink).where((DigestLink.posted_at < cutoff) | DigestLink.iso_week.in_(done_weeks))
        ).rowcount
        # Metadata of old weeks is no use to any digest either.
        old = cutoff - timedelta(days=60)
        session.execute(delete(DigestThread).where(DigestThread.posted_at < old))
    return cleared
