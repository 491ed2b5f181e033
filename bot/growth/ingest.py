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

from sqlalchemy import Connection, Date, and_, bindparam, case, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.growth.days import day_bit, local_day, month_start, ts_to_datetime, week_start
from bot.growth.models import Activity, GrowthState, MemberMonth, MemberWeek, Question, Week
from bot.core.members import PROFILE_TTL
from bot.store.base import UTCDateTime
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


class _Prepared:
    """A statement compiled once, run straight on the DB-API cursor of the unit of work's
    connection. SQLAlchemy's per-execution work (cache key, parameters, result set-up) costs
    ten times what SQLite spends running these small statements."""

    def __init__(self, statement: Any, dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.order = compiled.positiontup if compiled.positional else None
        # Values written in the statement itself (e.g. `members + 1`) become parameters too.
        self.constants = {name: bind.value for name, bind in compiled.binds.items() if bind.value is not None}
        self.processors = {
            name: processor for name, bind in compiled.binds.items()
            if (processor := bind.type._cached_bind_processor(dialect)) is not None
        }

    def run(self, connection: Connection, params: dict[str, Any]) -> Any:
        params = {**self.constants, **params}
        values = {name: (self.processors[name](value) if name in self.processors else value) for name, value in params.items()}
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(self.sql, [values[name] for name in self.order] if self.order is not None else values)
        return cursor


class _Statements:
    """The hot path's statements, built once per dialect: building SQLAlchemy statements costs
    more than running them, and ingestion must keep up with a busy workspace."""

    def __init__(self, dialect: Any) -> None:
        insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
        activity, weeks, months = Activity.__table__, MemberWeek.__table__, MemberMonth.__table__
        questions, members = Question.__table__, Member.__table__
        add = insert(activity).values({c: bindparam(c) for c in (
            "day", "user_id", "channel_id", "week_start", "month", "messages", "replies", "reactions")})
        self.add_counts = add.on_conflict_do_update(
            index_elements=["day", "user_id", "channel_id"],
            set_={name: activity.c[name] + add.excluded[name] for name in ("messages", "replies", "reactions")},
        )
        # The week rollup and the week's member count (growth_weeks) move together: the count
        # goes up when a member's first message of the week creates their row.
        counter = insert(Week.__table__).values(week_start=bindparam("week_start"), members=1)
        self.count_member = counter.on_conflict_do_update(
            index_elements=["week_start"], set_={"members": Week.__table__.c.members + 1})
        # (SQLite only: writers are serialised there, so "no row updated" safely means "insert".
        # PostgreSQL does all of it in one statement, see _postgresql_message.)
        self.add_week = (update(weeks).where(weeks.c.week_start == bindparam("in_week"), weeks.c.user_id == bindparam("who"))
                         .values(messages=weeks.c.messages + bindparam("messages")))
        self.new_week = insert(weeks).values(week_start=bindparam("week_start"), user_id=bindparam("user_id"),
                                             messages=bindparam("messages"))
        month = insert(months).values(month=bindparam("month"), user_id=bindparam("user_id"), messages=bindparam("messages"),
                                      days=bindparam("days"))
        self.add_month = month.on_conflict_do_update(index_elements=["month", "user_id"], set_={
            "messages": months.c.messages + month.excluded.messages, "days": months.c.days.op("|")(month.excluded.days),
        })
        self.member = select(members.c.is_bot, members.c.analytics_opt_out).where(members.c.user_id == bindparam("user_id"))
        at = bindparam("at", type_=UTCDateTime)
        # Touching the member's activity dates also tells whether they count (one statement
        # instead of a look-up and an update on the hot path).
        self.touch = (
            update(members)
            .where(members.c.user_id == bindparam("who"), members.c.is_bot.is_(False), members.c.analytics_opt_out.is_(False))
            .values(
                first_active_at=case((or_(members.c.first_active_at.is_(None), members.c.first_active_at > at), at),
                                     else_=members.c.first_active_at),
                last_active_at=case((or_(members.c.last_active_at.is_(None), members.c.last_active_at < at), at),
                                    else_=members.c.last_active_at),
                # Activity is not a profile refresh: keep the member directory's freshness date.
                updated_at=members.c.updated_at,
            )
        )
        self.question = insert(questions).values({c: bindparam(c, type_=UTCDateTime if c == "asked_at" else None) for c in (
            "channel_id", "thread_ts", "asker_user_id", "asked_at", "in_help_channel")}).on_conflict_do_nothing(
            index_elements=["channel_id", "thread_ts"])
        self.reply = (
            update(questions)
            .where(and_(
                questions.c.channel_id == bindparam("in_channel"),
                questions.c.thread_ts == bindparam("in_thread"),
                questions.c.asker_user_id != bindparam("who"),
                or_(questions.c.first_reply_at.is_(None), questions.c.first_reply_at > at),
            ))
            .values(first_reply_at=at)
        )
        if dialect.name == "postgresql":
            self.pg_reaction = _Prepared(_POSTGRESQL_REACTION, dialect)
            self.message = {kind: _postgresql_message(kind) for kind in ("plain", "question", "reply")}
            for kind, statement in self.message.items():
                self.message[kind] = _Prepared(statement, dialect)
        for name in ("add_counts", "member", "touch", "question", "reply", "add_week", "new_week", "count_member", "add_month"):
            if hasattr(self, name):
                setattr(self, name, _Prepared(getattr(self, name), dialect))
        self.postgresql = dialect.name == "postgresql"


def _postgresql_message(kind: str) -> Any:
    """On PostgreSQL, a whole message in one statement: touch the member's activity dates (which
    also tells whether they count), then, only if they do, add the counts, the week and month
    rollups, the week's member count and the question or its first reply. Returns 1 when counted.
    Each data-modifying CTE writes a different table, so their order does not matter."""
    parts = [
        "touched AS (UPDATE members SET"
        " first_active_at = CASE WHEN first_active_at IS NULL OR first_active_at > :at THEN :at ELSE first_active_at END,"
        " last_active_at = CASE WHEN last_active_at IS NULL OR last_active_at < :at THEN :at ELSE last_active_at END"
        " WHERE user_id = :who AND is_bot IS false AND analytics_opt_out IS false RETURNING user_id)",
        "counts AS (INSERT INTO growth_activity (day, user_id, channel_id, week_start, month, messages, replies, reactions)"
        " SELECT :day, user_id, :channel_id, :week_start, :month, 1, :replies, 0 FROM touched"
        " ON CONFLICT (day, user_id, channel_id) DO UPDATE SET messages = growth_activity.messages + 1,"
        " replies = growth_activity.replies + excluded.replies)",
        "week AS (INSERT INTO growth_member_weeks (week_start, user_id, messages) SELECT :week_start, user_id, 1 FROM touched"
        " ON CONFLICT (week_start, user_id) DO UPDATE SET messages = growth_member_weeks.messages + 1"
        " RETURNING xmax = 0 AS created)",
        "week_members AS (INSERT INTO growth_weeks (week_start, members) SELECT :week_start, 1 FROM week WHERE created"
        " ON CONFLICT (week_start) DO UPDATE SET members = growth_weeks.members + 1)",
        "month_days AS (INSERT INTO growth_member_months (month, user_id, messages, days) SELECT :month, user_id, 1, :days FROM touched"
        " ON CONFLICT (month, user_id) DO UPDATE SET messages = growth_member_months.messages + 1,"
        " days = growth_member_months.days | excluded.days)",
    ]
    if kind == "question":
        parts.append(
            "question AS (INSERT INTO growth_questions (channel_id, thread_ts, asker_user_id, asked_at, in_help_channel)"
            " SELECT :channel_id, :ts, user_id, :at, :in_help_channel FROM touched ON CONFLICT (channel_id, thread_ts) DO NOTHING)")
    elif kind == "reply":
        parts.append(
            "reply AS (UPDATE growth_questions SET first_reply_at = :at WHERE channel_id = :channel_id AND thread_ts = :thread_ts"
            " AND asker_user_id != :who AND (first_reply_at IS NULL OR first_reply_at > :at) AND EXISTS (SELECT 1 FROM touched))")
    return text("WITH " + ", ".join(parts) + " SELECT count(*) FROM touched").bindparams(
        *[bindparam(name, type_=Date) for name in ("day", "week_start", "month")])


# On PostgreSQL, a reaction in one statement: 2 when the member counts (and the reaction was
# added), 1 when known but not counted (a bot, opted out), 0 when unknown.
_POSTGRESQL_REACTION = text(
    "WITH known AS (SELECT user_id, NOT (is_bot OR analytics_opt_out) AS counts FROM members WHERE user_id = :who),"
    " added AS (INSERT INTO growth_activity (day, user_id, channel_id, week_start, month, messages, replies, reactions)"
    " SELECT :day, user_id, :channel_id, :week_start, :month, 0, 0, 1 FROM known WHERE counts"
    " ON CONFLICT (day, user_id, channel_id) DO UPDATE SET reactions = growth_activity.reactions + 1)"
    " SELECT coalesce((SELECT CASE WHEN counts THEN 2 ELSE 1 END FROM known), 0)"
).bindparams(*[bindparam(name, type_=Date) for name in ("day", "week_start", "month")])


class ActivityRecorder:
    """Live ingestion: one short transaction per event."""

    def __init__(self, db: Database, tz: ZoneInfo, help_channels: frozenset[str], clock: Callable[[], datetime]) -> None:
        self._db = db
        self._tz = tz
        self._help_channels = help_channels
        self._clock = clock
        self._sql = _Statements(db.engine.dialect)
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
        if messages:  # messages go through _postgresql_message on PostgreSQL
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
