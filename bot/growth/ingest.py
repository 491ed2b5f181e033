"""From Slack events (live or from an export) to counts and dates. No message text is stored.

The same functions serve the live events, the export import and the daily reconciliation, so
the figures agree whichever way the history came in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from bot.growth.days import day_bit, local_day, month_start, ts_to_datetime, week_start
from bot.growth.ingest_sql import Statements
from bot.growth.models import GrowthState
from bot.core.members import PROFILE_TTL
from bot.store.db import Database
from bot.store.models import Member

# Subtypes that are a person speaking. Everything else (channel_join, bot_message,
# message_changed, channel_topic, …) is the system or an integration and never counts.
HUMAN_SUBTYPES = frozenset({None, "", "file_share", "thread_broadcast", "me_message"})
SLACKBOT = "USLACKBOT"
BASELINE_KEY = "members_baseline_at"
HISTORY_KEY = "history_starts_at"


@dataclass(frozen=True)
class MessageFacts:
    """What growth keeps of a message: who, where, when, and whether it asks something."""

    user_id: str
    channel_id: str
    ts: str
    thread_ts: str | None  # set for thread replies only
    is_question: bool
    in_help_channel: bool

    @property
    def at(self) -> datetime:
        return ts_to_datetime(self.ts)


def message_facts(
    message: dict[str, Any], channel_id: str | None, help_channels: frozenset[str], bot_user_id: str | None = None,
) -> MessageFacts | None:
    """The facts of a human message, or None when it must not count (bots, system subtypes, DMs)."""
    user = message.get("user")
    if (
        not user
        or not channel_id
        or not message.get("ts")
        or message.get("subtype") not in HUMAN_SUBTYPES
        or message.get("bot_id")
        or message.get("hidden")
        or user in (SLACKBOT, bot_user_id)
        or message.get("channel_type") in ("im", "mpim", "app_home")
    ):
        return None
    ts = str(message["ts"])
    thread_ts = message.get("thread_ts")
    is_reply = bool(thread_ts) and str(thread_ts) != ts
    in_help = channel_id in help_channels
    text = (message.get("text") or "").rstrip()
    return MessageFacts(
        user_id=user,
        channel_id=channel_id,
        ts=ts,
        thread_ts=str(thread_ts) if is_reply else None,
        is_question=not is_reply and (in_help or text.endswith("?")),
        in_help_channel=in_help,
    )


def first_seen_member(user_id: str, now: datetime, is_bot: bool = False) -> Member:
    # Stale on purpose, so the member directory fetches the real profile on first use.
    return Member(user_id=user_id, role="member", is_bot=is_bot, is_deleted=False, analytics_opt_out=False,
                  created_at=now, updated_at=now - PROFILE_TTL - timedelta(seconds=1))


def counts_activity(member: Member) -> bool:
    return not (member.is_bot or member.analytics_opt_out or member.user_id == SLACKBOT)


class ActivityRecorder:
    """Live ingestion: one short transaction per event."""

    def __init__(self, db: Database, tz: ZoneInfo, help_channels: frozenset[str], clock: Callable[[], datetime]) -> None:
        self._db = db
        self._tz = tz
        self._help_channels = help_channels
        self._clock = clock
        self._sql = Statements(db.engine.dialect)
        # On PostgreSQL, don't wait for the WAL flush at each event's commit: a crash of the
        # database server may lose the last fraction of a second of counts (at most 3 x
        # wal_writer_delay), never corrupt them; see docs/growth.md, "Performance".
        self._relaxed_commit = None if db.is_sqlite else "SET LOCAL synchronous_commit TO OFF"

    def _relax(self, connection: Connection) -> None:
        if self._relaxed_commit:
            connection.connection.dbapi_connection.cursor().execute(self._relaxed_commit)  # type: ignore[union-attr]

    def _counted_member(self, connection: Connection, user_id: str) -> bool:
        row = self._sql.member.run(connection, {"user_id": user_id}).fetchone()
        if row is None:
            now = self._clock()
            connection.execute(insert(Member.__table__), {
                "user_id": user_id, "role": "member", "is_bot": False, "is_deleted": False, "analytics_opt_out": False,
                # Stale on purpose, so the member directory fetches the real profile on first use.
                "created_at": now, "updated_at": now - PROFILE_TTL - timedelta(seconds=1),
            })
            return user_id != SLACKBOT
        return not (row[0] or row[1])

    def _add(self, connection: Connection, user_id: str, channel_id: str, day: date, messages: int, replies: int, reactions: int) -> None:
        week, month = week_start(day), month_start(day)
        self._sql.add_counts.run(connection, {
            "day": day, "user_id": user_id, "channel_id": channel_id, "week_start": week, "month": month,
            "messages": messages, "replies": replies, "reactions": reactions,
        })
        if messages:  # messages go through one statement on PostgreSQL (bot.growth.ingest_sql)
            sql = self._sql
            if sql.add_week.run(connection, {"in_week": week, "who": user_id, "messages": messages}).rowcount == 0:
                sql.new_week.run(connection, {"week_start": week, "user_id": user_id, "messages": messages})
                sql.count_member.run(connection, {"week_start": week})
            sql.add_month.run(connection, {"month": month, "user_id": user_id, "messages": messages, "days": day_bit(day)})

    def _pipeline(self, connection: Connection) -> Any:
        """On PostgreSQL, send statements together (psycopg's pipeline mode): one round trip."""
        return connection.connection.driver_connection.pipeline()  # type: ignore[union-attr]

    def message(self, message: dict[str, Any], bot_user_id: str | None = None) -> bool:
        facts = message_facts(message, message.get("channel"), self._help_channels, bot_user_id)
        if facts is None:
            return False
        at = facts.at
        with self._db.session() as session:
            connection = session.connection()
            if self._sql.postgresql:
                if self._postgresql_message(connection, facts, at, commit=True):
                    return True
                # Unknown so far (or not counted): look them up, then the same statement again.
                if not self._counted_member(connection, facts.user_id):
                    return False
                return self._postgresql_message(connection, facts, at, commit=False)
            touched = self._sql.touch.run(connection, {"who": facts.user_id, "at": at}).rowcount == 1
            if not touched:
                if not self._counted_member(connection, facts.user_id):
                    return False
                self._sql.touch.run(connection, {"who": facts.user_id, "at": at})
            self._record_message(connection, facts, at)
        return True

    def _postgresql_message(self, connection: Connection, facts: MessageFacts, at: datetime, commit: bool) -> bool:
        """BEGIN, the commit mode, the whole message and (`commit`) COMMIT in one round trip;
        the unit of work's own commit then has nothing left to do. True when the member counts."""
        day = local_day(at, self._tz)
        kind = "question" if facts.is_question else "reply" if facts.thread_ts else "plain"
        with self._pipeline(connection) as pipeline:
            self._relax(connection)
            counted = self._sql.message[kind].run(connection, {
                "who": facts.user_id, "at": at, "day": day, "week_start": week_start(day), "month": month_start(day),
                "days": day_bit(day), "channel_id": facts.channel_id, "replies": int(facts.thread_ts is not None),
                "ts": facts.ts, "thread_ts": facts.thread_ts, "in_help_channel": facts.in_help_channel,
            })
            if commit:
                connection.connection.dbapi_connection.commit()  # type: ignore[union-attr]
            else:
                pipeline.sync()
            return bool(counted.fetchone()[0] == 1)

    def _record_message(self, connection: Connection, facts: MessageFacts, at: datetime) -> None:
        self._add(connection, facts.user_id, facts.channel_id, local_day(at, self._tz), 1, int(facts.thread_ts is not None), 0)
        if facts.is_question:
            self._sql.question.run(connection, {
                "channel_id": facts.channel_id, "thread_ts": facts.ts, "asker_user_id": facts.user_id,
                "asked_at": at, "in_help_channel": facts.in_help_channel,
            })
        elif facts.thread_ts:
            self._sql.reply.run(connection, {
                "in_channel": facts.channel_id, "in_thread": facts.thread_ts, "who": facts.user_id, "at": at,
            })

    def reaction(self, event: dict[str, Any], bot_user_id: str | None = None) -> bool:
        item = event.get("item") or {}
        user = event.get("user")
        if item.get("type") != "message" or not user or user in (SLACKBOT, bot_user_id) or not item.get("channel"):
            return False
        if str(item["channel"]).startswith("D"):
            return False
        at = ts_to_datetime(event.get("event_ts") or self._clock().timestamp())
        day = local_day(at, self._tz)
        with self._db.session() as session:
            connection = session.connection()
            if self._sql.postgresql:
                with self._pipeline(connection):
                    self._relax(connection)
                    known = self._sql.pg_reaction.run(connection, {
                        "who": user, "day": day, "week_start": week_start(day), "month": month_start(day), "channel_id": item["channel"],
                    })
                    connection.connection.dbapi_connection.commit()  # type: ignore[union-attr]
                    found = known.fetchone()[0]
                if found:
                    return found == 2
            if not self._counted_member(connection, user):
                return False
            self._add(connection, user, item["channel"], day, 0, 0, 1)
        return True


# -- membership -------------------------------------------------------------------------------

def profile_fields(user: dict[str, Any]) -> dict[str, Any]:
    """The member fields growth keeps from a Slack user object (users.list, events, export)."""
    profile = user.get("profile") or {}
    return {
        "team_id": user.get("team_id"),
        "display_name": profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name"),
        "locale": user.get("locale"),
        "tz": user.get("tz"),
        "is_bot": bool(user.get("is_bot")) or user.get("id") == SLACKBOT,
    }


def _apply_profile(member: Member, user: dict[str, Any], now: datetime) -> None:
    for name, value in profile_fields(user).items():
        if value is not None and getattr(member, name) != value:
            setattr(member, name, value)
    member.updated_at = now


def apply_user(
    session: Session, user: dict[str, Any], at: datetime | None, now: datetime, *, is_new_join: bool, team_join: bool = False,
) -> str:
    """Bring one member in line with a Slack user object; returns what changed:
    "joined", "left", "rejoined", "updated" or "unchanged".

    `at` is when a join or leave happened (None: unknown, e.g. a baseline or an export).
    `is_new_join` says that an unknown user is a join (team_join, or a sync after the baseline);
    `team_join` that this is the join event itself, so a member known only from a profile look-up
    (no join date, never active) joins now.
    """
    user_id = user["id"]
    deleted = bool(user.get("deleted"))
    member = session.get(Member, user_id)
    outcome = "updated"
    if member is None:
        member = Member(user_id=user_id, role="member", is_bot=False, is_deleted=deleted, analytics_opt_out=False,
                        created_at=now, updated_at=now)
        session.add(member)
        if not deleted and is_new_join:
            member.joined_at = at
            outcome = "joined"
    elif deleted and not member.is_deleted:
        member.is_deleted = True
        member.left_at = at
        outcome = "left"
    elif not deleted and member.is_deleted:
        member.is_deleted = False
        member.left_at = None
        member.joined_at = at
        outcome = "rejoined"
    elif not deleted and team_join and member.joined_at is None and member.first_active_at is None:
        # Known only from a profile look-up so far: this team_join is their arrival.
        member.joined_at = at
        outcome = "joined"
    _apply_profile(member, user, now)
    return outcome


def baseline_taken(session: Session) -> bool:
    return session.get(GrowthState, BASELINE_KEY) is not None


def mark_baseline(session: Session, now: datetime, history_from: datetime | None = None) -> None:
    """`history_from`: an import's oldest message, when it is older than `now`."""
    if not baseline_taken(session):
        session.add(GrowthState(key=BASELINE_KEY, value=now.isoformat()))
    note_history_start(session, min(now, history_from) if history_from else now)


def note_history_start(session: Session, at: datetime) -> None:
    """The bot's first data: the first member list it took in, or the oldest message of an
    import. Figures for an earlier day say they come before it (bot.growth.stats)."""
    state = session.get(GrowthState, HISTORY_KEY)
    if state is None:
        session.add(GrowthState(key=HISTORY_KEY, value=at.isoformat()))
    elif datetime.fromisoformat(state.value) > at:
        state.value = at.isoformat()


def history_start(session: Session) -> datetime | None:
    state = session.get(GrowthState, HISTORY_KEY)
    return datetime.fromisoformat(state.value) if state is not None else None


class MembershipRecorder:
    """team_join and user_change events."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def team_join(self, user: dict[str, Any]) -> str:
        now = self._clock()
        with self._db.session() as session:
            return apply_user(session, user, now, now, is_new_join=True, team_join=True)

    def joined_general(self, user_id: str, at: datetime) -> bool:
        """A member_joined_channel in the general channel: a join, unless we knew them already."""
        now = self._clock()
        with self._db.session() as session:
            member = session.get(Member, user_id)
            if member is None:
                if not baseline_taken(session):
                    return False
                member = first_seen_member(user_id, now)
                session.add(member)
            elif member.joined_at is not None or member.first_active_at is not None or member.is_deleted:
                return False
            member.joined_at = at
            return True

    def user_change(self, user: dict[str, Any]) -> str:
        now = self._clock()
        with self._db.session() as session:
            return apply_user(session, user, now, now, is_new_join=False)
