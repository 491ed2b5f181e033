"""Engine and sessions. SQLite by default (WAL, foreign keys on); PostgreSQL through psycopg 3."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker


# PostgreSQL: how long a connection attempt may take (libpq's minimum is 2 s), everywhere; and
# on the ack path, how long one statement may run on the server. Acks must go out within
# Slack's 3 s: a hung database must turn into a quick error (a 5xx, so Slack redelivers),
# not into threads that wait forever (#14, 9). The main engine runs the jobs' long statements
# and has no statement timeout.
CONNECT_TIMEOUT_SECONDS = 2
ACK_STATEMENT_TIMEOUT_MS = 2000
# Checking out a pooled connection on the ack path: waiting longer than this means the pool is
# held by statements that hang.
ACK_POOL_TIMEOUT_SECONDS = 2


class DatabaseUnavailable(Exception):
    """The database can't be reached; the message is safe to show (no password)."""


def normalise_url(url: str) -> str:
    """Accept the `postgres://` URLs that Heroku-style hosts hand out and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                self.url,
                echo=echo,
                connect_args={"check_same_thread": False, "timeout": 30},
                hide_parameters=True,  # a failed statement's error names no member text
            )
            _configure_sqlite(self.engine)
        else:
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10,
                                        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS}, hide_parameters=True)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_engine = self.engine.execution_options(read_only=True)
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)

    @cached_property
    def statement_engine(self) -> Engine:
        """For single statements on the ack path (bot.core.event_ledger.DriverStatement). PostgreSQL:
        a pool of its own in autocommit and without the checkout ping, so a statement is one
        round trip instead of three (ping, statement, commit); a connection found dead is
        replaced and the statement tried again. SQLite: the engine (one statement autocommits)."""
        if self.is_sqlite:
            return self.engine
        return create_engine(
            self.url, isolation_level="AUTOCOMMIT", pool_size=8, max_overflow=8, pool_recycle=600,
            pool_timeout=ACK_POOL_TIMEOUT_SECONDS, connect_args=ack_connect_args(),
        )

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reads only. On SQLite it doesn't take the write lock (see _on_begin),
        so readers on the hot path (a member's language, a ledger status) don't queue behind
        writers; anything it writes is rolled back."""
        session = self._read_sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A Core connection for reads only, with the same guarantee as `read_session`."""
        with self._read_engine.connect() as connection:
            yield connection

    def check(self, attempts: int = 1, delay: float = 1.0) -> None:
        """Fail fast with a clear message when the database can't be reached."""
        for attempt in range(attempts):
            try:
                with self.engine.connect() as connection:
                    connection.exec_driver_sql("SELECT 1")
                return
            except OperationalError as exc:
                if attempt + 1 == attempts:
                    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unknown error"
                    raise DatabaseUnavailable(f"cannot reach the database at {self.safe_url}: {reason}") from None
                time.sleep(delay)

    def probe(self) -> None:
        """One `SELECT 1` on a fresh connection, bounded on PostgreSQL by the connect and ack
        statement timeouts (a pooled connection to a black-holed server could wait forever).
        For /healthz (bot.core.health), which also puts a deadline of its own on it."""
        if self.is_sqlite:
            with self._read_engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return
        import psycopg

        conninfo = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True, **ack_connect_args()) as connection:
            connection.execute("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()
        if "statement_engine" in self.__dict__:
            self.statement_engine.dispose()


def ack_connect_args() -> dict[str, Any]:
    return {"connect_timeout": CONNECT_TIMEOUT_SECONDS, "options": f"-c statement_timeout={ACK_STATEMENT_TIMEOUT_MS}"}


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's implicit handling.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # IMMEDIATE takes the write lock up front. A deferred transaction that reads and then
        # writes can fail at once with "database is locked" (no busy wait is possible when it
        # must upgrade its snapshot); taking the lock first makes writers queue on busy_timeout.
        # Read-only work (Database.reading/read_session) never writes, so it begins deferred
        # and reads its WAL snapshot alongside the writer instead of queueing for the lock.
        read_only = connection.get_execution_options().get("read_only")
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class _Disconnected(Exception):
    pass


class DriverStatement:
    """One statement compiled once for the engine's driver, run on a pooled DBAPI connection in
    its own transaction (on SQLite, autocommit: one statement is atomic), for the ack path: the
    event ledger's insert, an ack's read of the member's language. SQLAlchemy's per-execution
    work (transaction events, result wrapping) cost three times SQLite's own: 0.13 ms against
    0.035 ms per insert on the bench machine. Use it with Database.statement_engine."""

    def __init__(self, engine: Engine, statement: Any) -> None:
        self._engine = engine
        compiled = statement.compile(dialect=engine.dialect)
        self._sql = compiled.string
        self._order = compiled.positiontup if compiled.positional else None
        # The statement's own literals (`status == "processing"`) are parameters too.
        self._literals = {name: bind.value for name, bind in compiled.binds.items() if not bind.required and bind.callable is None}
        self._convert = {
            name: processor for name, bind in compiled.binds.items()
            if (processor := bind.type.bind_processor(engine.dialect)) is not None
        }

    def rows(self, values: dict[str, Any]) -> list[tuple]:
        values = {**self._literals, **values}
        converted = {key: self._convert[key](value) if key in self._convert else value for key, value in values.items()}
        params: Any = tuple(converted[name] for name in self._order) if self._order is not None else converted
        try:
            return self._run(params)
        except _Disconnected:
            # A pooled connection the server closed (a restart, an idle timeout): no ping guards
            # the checkout (see Database.statement_engine), so the first use finds out. The
            # statement didn't run; a fresh connection runs it.
            try:
                return self._run(params)
            except _Disconnected as again:
                raise again.__cause__ from None  # the server is really gone: its own error

    def _run(self, params: Any) -> list[tuple]:
        connection = self._engine.raw_connection()
        cursor = None
        try:
            cursor = connection.cursor()
            cursor.execute(self._sql, params)
            rows = cursor.fetchall()
            cursor.close()
            connection.commit()
            return rows
        except self._engine.dialect.loaded_dbapi.Error as exc:
            if self._engine.dialect.is_disconnect(exc, connection.driver_connection, cursor):
                connection.invalidate()
                raise _Disconnected() from exc
            connection.rollback()
            raise
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()
