"""The statements of live ingestion (bot.growth.ingest.ActivityRecorder), built and compiled
once per dialect: building SQLAlchemy statements costs more than running them, and ingestion
must keep up with a busy workspace."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Date, and_, bindparam, case, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.growth.models import Activity, MemberMonth, MemberWeek, Question, Week
from bot.store.base import UTCDateTime
from bot.store.models import Member


class Prepared:
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


class Statements:
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
        # PostgreSQL does all of it in one statement, see postgresql_message.)
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
            self.pg_reaction = Prepared(POSTGRESQL_REACTION, dialect)
            self.message = {kind: postgresql_message(kind) for kind in ("plain", "question", "reply")}
            for kind, statement in self.message.items():
                self.message[kind] = Prepared(statement, dialect)
        for name in ("add_counts", "member", "touch", "question", "reply", "add_week", "new_week", "count_member", "add_month"):
            if hasattr(self, name):
                setattr(self, name, Prepared(getattr(self, name), dialect))
        self.postgresql = dialect.name == "postgresql"


def postgresql_message(kind: str) -> Any:
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
POSTGRESQL_REACTION = text(
    "WITH known AS (SELECT user_id, NOT (is_bot OR analytics_opt_out) AS counts FROM members WHERE user_id = :who),"
    " added AS (INSERT INTO growth_activity (day, user_id, channel_id, week_start, month, messages, replies, reactions)"
    " SELECT :day, user_id, :channel_id, :week_start, :month, 0, 0, 1 FROM known WHERE counts"
    " ON CONFLICT (day, user_id, channel_id) DO UPDATE SET reactions = growth_activity.reactions + 1)"
    " SELECT coalesce((SELECT CASE WHEN counts THEN 2 ELSE 1 END FROM known), 0)"
).bindparams(*[bindparam(name, type_=Date) for name in ("day", "week_start", "month")])
