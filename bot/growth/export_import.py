"""Backfill members and activity from a Slack export (`sogabot import-slack-export`).

Facts we rely on (see DESIGN.md and docs/growth.md, "Imported history"): messages are dated by
their `ts` in BOT_TIMEZONE, never by the day file's name; public channels count, private ones
only when staff ask for them, direct and group messages never (their files are not even read);
a folder no listing names is skipped; a member's join is the earliest of their first
`channel_join` in a public channel and their first counted message; members with neither were
there before the export; `deleted` users have left, date unknown; Slackbot is not a member.
Importing the same export twice changes nothing: counts are merged by taking the larger value,
dates by taking the earlier (joins, first activity) or later (last activity) one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, delete, func, insert, select
from sqlalchemy.orm import Session

from bot.growth.days import day_bit, local_day, month_start, ts_to_datetime, week_start
from bot.growth.export_files import DM, MPIM, PRIVATE, PUBLIC, Conversation, ExportError, ExportFiles
from bot.growth.ingest import (
    SLACKBOT, MessageFacts, counts_activity, first_seen_member, mark_baseline, message_facts, profile_fields,
)
from bot.growth.models import Activity, Channel, MemberMonth, MemberWeek, Question, Week
from bot.growth.upsert import insert_for
from bot.store.db import Database
from bot.store.models import Member

__all__ = ["ExportError", "ImportReport", "import_slack_export", "rebuild_rollups"]

CHUNK = 500


@dataclass
class ImportReport:
    users: int = 0
    conversations: Counter[str] = field(default_factory=Counter)  # by kind: public, private, dm, mpim
    counted_kinds: tuple[str, ...] = (PUBLIC,)
    files: int = 0
    messages_counted: int = 0
    joins: int = 0
    skipped_files: list[str] = field(default_factory=list)  # "name: reason"

    @property
    def channels(self) -> int:
        return sum(self.conversations[kind] for kind in self.counted_kinds)

    def summary(self) -> str:
        kinds = ", ".join(f"{self.conversations[kind]} {label}" for kind, label in (
            (PUBLIC, "public"), (PRIVATE, "private" if PRIVATE in self.counted_kinds else "private (not counted)"),
            (DM, "DMs (never counted)"), (MPIM, "group DMs (never counted)")))
        return (f"imported {self.users} users; channels: {kinds}; {self.files} day files read, "
                f"{self.messages_counted} member messages, {self.joins} dated joins; "
                f"{len(self.skipped_files)} file(s) skipped")


def import_slack_export(
    db: Database,
    path: str,
    tz: ZoneInfo,
    help_channels: frozenset[str],
    now: datetime,
    progress: Callable[[str], None] | None = None,
    *,
    include_private: bool = False,
) -> ImportReport:
    """Raises ExportError (one line) when `path` is not an export we can read."""
    report = ImportReport(counted_kinds=(PUBLIC, PRIVATE) if include_private else (PUBLIC,))
    with ExportFiles(path) as export:
        if not export.has_users_file():
            raise ExportError("no users.json or org_users.json: the export's people are missing")
        users = export.users()
        conversations = export.conversations()
        if not conversations and not any(True for _ in export.day_files()):
            raise ExportError("no channels.json, groups.json, dms.json or mpims.json: no conversation to read")
        report.users = len(users)
        report.conversations = Counter(c.kind for c in conversations)
        by_folder: dict[str, Conversation] = {}
        for listed in conversations:
            by_folder.setdefault(listed.folder, listed)
        bots = {u["id"] for u in users if profile_fields(u)["is_bot"]} | {SLACKBOT}
        history = _History(tz)
        day_files = list(export.day_files())
        unlisted: set[str] = set()
        for index, (folder, name) in enumerate(day_files, 1):
            conversation = by_folder.get(folder)
            if conversation is None:
                unlisted.add(folder)
                continue
            if conversation.kind not in report.counted_kinds:
                continue  # DMs, group DMs, and private channels unless asked for: not even opened
            messages = export.read_json(name)
            if messages is None:
                continue
            if not isinstance(messages, list):
                export.skipped.append(f"{name}: not a list of messages")
                continue
            report.files += 1
            history.add(messages, conversation, help_channels, bots)
            if progress and (index % 200 == 0 or index == len(day_files)):
                progress(f"read {index}/{len(day_files)} day files")
        report.skipped_files = export.skipped + [
            f"{folder}/: no channels.json or groups.json entry names this folder" for folder in sorted(unlisted)]
    report.messages_counted = history.message_count
    history.date_joins()
    report.joins = len(history.joins)
    if progress:
        progress("writing to the database…")
    _write(db, users, history, [c for c in conversations if c.kind in report.counted_kinds], now, progress)
    return report


class _History:
    """Everything the export says, aggregated in memory (counts, not text)."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.counts: dict[tuple[date, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        self.channel_joins: dict[str, float] = {}
        self.joins: dict[str, float] = {}
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.questions: list[MessageFacts] = []
        self.replies: list[MessageFacts] = []
        self.message_count = 0
        self.oldest: float | None = None  # the export's first message of any kind: where its history starts

    def add(self, messages: list[Any], conversation: Conversation, help_channels: frozenset[str], bots: set[str]) -> None:
        for message in messages:
            if not isinstance(message, dict):
                continue
            try:
                self._add_one(message, conversation, help_channels, bots)
            except (TypeError, ValueError, KeyError):
                continue  # one odd message (e.g. a ts that isn't a number) must not lose the file

    def _add_one(self, message: dict[str, Any], conversation: Conversation, help_channels: frozenset[str], bots: set[str]) -> None:
        user = message.get("user")
        channel_id = conversation.id
        if message.get("ts"):
            ts = float(message["ts"])
            self.oldest = ts if self.oldest is None else min(self.oldest, ts)
        if message.get("subtype") == "channel_join" and conversation.kind == PUBLIC and user and user not in bots:
            ts = float(message["ts"])
            self.channel_joins[user] = min(ts, self.channel_joins.get(user, ts))
        for reaction in message.get("reactions") or []:
            for reactor in reaction.get("users") or []:
                if reactor not in bots and message.get("ts"):
                    self.counts[(local_day(ts_to_datetime(message["ts"]), self.tz), reactor, channel_id)][2] += 1
        facts = message_facts(message, channel_id, help_channels)
        if facts is None or facts.user_id in bots:
            return
        ts = float(facts.ts)
        row = self.counts[(local_day(facts.at, self.tz), facts.user_id, channel_id)]
        row[0] += 1
        row[1] += int(facts.thread_ts is not None)
        self.message_count += 1
        self.first[facts.user_id] = min(ts, self.first.get(facts.user_id, ts))
        self.last[facts.user_id] = max(ts, self.last.get(facts.user_id, ts))
        if facts.is_question:
            self.questions.append(facts)
        elif facts.thread_ts:
            self.replies.append(facts)

    def date_joins(self) -> None:
        """A member joined at their first sign of life: a channel_join, or their first message."""
        for user_id in set(self.channel_joins) | set(self.first):
            self.joins[user_id] = min(t for t in (self.channel_joins.get(user_id), self.first.get(user_id)) if t is not None)


def _write(db: Database, users: list[dict[str, Any]], history: _History, channels: list[Conversation], now: datetime,
           progress: Callable[[str], None] | None) -> None:
    with db.session() as session, session.no_autoflush:
        for conversation in channels:
            if conversation.name:  # a conversation without a name (a DM) gets no Channel row
                session.merge(Channel(channel_id=conversation.id, name=conversation.name[:255], kind=conversation.kind))
        known = {m.user_id: m for m in session.scalars(select(Member))}
        for user in users:
            _merge_member(session, known, user, history.joins.get(user["id"]), now)
        counted: set[str] = set()
        for user_id in {key[1] for key in history.counts}:
            member = known.get(user_id)
            if member is None:
                # Someone the users file doesn't list (a guest, another org's member): seen, not joined.
                member = known[user_id] = first_seen_member(user_id, now)
                session.add(member)
            if counts_activity(member):
                counted.add(user_id)
                first, last = history.first.get(user_id), history.last.get(user_id)
                if first is not None:
                    first_at, last_at = ts_to_datetime(first), ts_to_datetime(last)  # type: ignore[arg-type]
                    member.first_active_at = min(member.first_active_at or first_at, first_at)
                    member.last_active_at = max(member.last_active_at or last_at, last_at)
        session.flush()
        rows = [
            {"day": day, "user_id": user_id, "channel_id": channel_id, "week_start": week_start(day), "month": month_start(day),
             "messages": counts[0], "replies": counts[1], "reactions": counts[2]}
            for (day, user_id, channel_id), counts in history.counts.items() if user_id in counted
        ]
        if rows:
            stmt = insert_for(session, Activity.__table__)
            session.connection().execute(stmt.on_conflict_do_update(
                index_elements=["day", "user_id", "channel_id"],
                set_={name: case((stmt.excluded[name] > Activity.__table__.c[name], stmt.excluded[name]),
                                 else_=Activity.__table__.c[name])
                      for name in ("messages", "replies", "reactions")},
            ), rows)
        rebuild_rollups(session, sorted(counted))
        _write_questions(session, history, counted)
        mark_baseline(session, now, ts_to_datetime(history.oldest) if history.oldest is not None else None)
    if progress:
        progress(f"stored {len(rows)} member-day-channel rows")


def _write_questions(session: Session, history: _History, counted: set[str]) -> None:
    """Questions with their first reply from someone else, merged keeping the earliest reply."""
    first_reply: dict[tuple[str, str], float] = {}
    askers = {(q.channel_id, q.ts): q.user_id for q in history.questions if q.user_id in counted}
    for reply in history.replies:
        key = (reply.channel_id, reply.thread_ts or "")
        if reply.user_id in counted and key in askers and askers[key] != reply.user_id:
            first_reply[key] = min(float(reply.ts), first_reply.get(key, float(reply.ts)))
    rows = [
        {"channel_id": q.channel_id, "thread_ts": q.ts, "asker_user_id": q.user_id, "asked_at": q.at,
         "first_reply_at": ts_to_datetime(first_reply[(q.channel_id, q.ts)]) if (q.channel_id, q.ts) in first_reply else None,
         "in_help_channel": q.in_help_channel}
        for q in history.questions if q.user_id in counted
    ]
    if rows:
        table = Question.__table__
        stmt = insert_for(session, table)
        new, old = stmt.excluded.first_reply_at, table.c.first_reply_at
        session.connection().execute(stmt.on_conflict_do_update(
            index_elements=["channel_id", "thread_ts"],
            set_={"first_reply_at": case((old.is_(None), new), (and_(new.is_not(None), new < old), new), else_=old)},
        ), rows)


def _merge_member(session: Session, known: dict[str, Member], user: dict[str, Any], join_ts: float | None, now: datetime) -> None:
    member = known.get(user["id"])
    joined = ts_to_datetime(join_ts) if join_ts is not None else None
    if member is None:
        member = known[user["id"]] = Member(
            user_id=user["id"], role="member", is_bot=False, is_deleted=bool(user.get("deleted")),
            analytics_opt_out=False, created_at=now, updated_at=now, joined_at=joined,
        )
        session.add(member)
    else:
        if joined is not None and (member.joined_at is None or joined < member.joined_at) and not member.is_deleted:
            member.joined_at = joined
        if user.get("deleted") and not member.is_deleted:
            member.is_deleted = True
    for name, value in profile_fields(user).items():
        if value is not None and getattr(member, name) != value:
            setattr(member, name, value)


def rebuild_rollups(session: Session, user_ids: list[str]) -> None:
    """Recompute the weekly and monthly rollups of these members from their activity rows."""
    for start in range(0, len(user_ids), CHUNK):
        chunk = user_ids[start : start + CHUNK]
        session.execute(delete(MemberWeek).where(MemberWeek.user_id.in_(chunk)))
        session.execute(insert(MemberWeek).from_select(
            ["week_start", "user_id", "messages"],
            select(Activity.week_start, Activity.user_id, func.sum(Activity.messages))
            .where(Activity.user_id.in_(chunk), Activity.messages > 0)
            .group_by(Activity.week_start, Activity.user_id),
        ))
        # The months carry a mask of the days with a message: built here (no portable bit_or).
        months: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
        for day, user_id, messages in session.execute(
            select(Activity.day, Activity.user_id, func.sum(Activity.messages))
            .where(Activity.user_id.in_(chunk), Activity.messages > 0)
            .group_by(Activity.day, Activity.user_id)
        ):
            row = months[(month_start(day), user_id)]
            row[0] += int(messages)
            row[1] |= day_bit(day)
        session.execute(delete(MemberMonth).where(MemberMonth.user_id.in_(chunk)))
        if months:
            session.execute(insert(MemberMonth), [
                {"month": month, "user_id": user_id, "messages": messages, "days": days}
                for (month, user_id), (messages, days) in months.items()
            ])
    # The members per week (growth_weeks) follow the week rollup.
    session.execute(delete(Week))
    session.execute(insert(Week).from_select(
        ["week_start", "members"], select(MemberWeek.week_start, func.count()).group_by(MemberWeek.week_start),
    ))
