"""The declarative privacy registry: what each table holds about members and what happens to it.

Every table in `Base.metadata` gets a decision here: a `TablePolicy` (it holds member data: how
it is counted, exported, erased and purged) or a `NotPersonal` declaration with a reason.
`coverage_problems` lists the tables and member columns that have no decision; the test suite
fails on any, so a new table can't slip in unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, MetaData, Table, or_
from sqlalchemy.sql.elements import ColumnElement

# delete: the rows go. anonymise: the rows stay, the member columns become NULL (the author is
# removed). pseudonymise: the member columns get the erase's random `ERASED-…` id, the same in
# every table, so counts of distinct members per period don't change. custom: `erase` decides.
OnErase = Literal["delete", "anonymise", "pseudonymise", "custom"]

# (connection, table, user_id) -> how many items of the policy's kind the member has.
CountFn = Callable[[Connection, Table, str], int]
# (connection, table, user_id, pseudonym, now) -> rows changed.
EraseFn = Callable[[Connection, Table, str, str, datetime], int]
# (connection, table, now, settings) -> rows purged.
PurgeFn = Callable[[Connection, Table, datetime, Any], int]

Text = Mapping[str, str]  # {"fr": ..., "en": ...}


@dataclass(frozen=True)
class Kind:
    """A kind of personal datum as members see it in `/privacy` (e.g. "questions asked").

    `retention` may use {activity_months}, {qa_months}, {digest_days} and {departed_months},
    filled from the settings, so what members read is what the job does.
    """

    key: str
    label: Text
    purpose: Text
    retention: Text


@dataclass(frozen=True)
class Retention:
    """How old rows go: older than `max_age(settings)` by `column`, or a custom `purge`."""

    column: str | None = None
    max_age: Callable[[Any], timedelta] | None = None
    purge: PurgeFn | None = None

    def __post_init__(self) -> None:
        if self.purge is None and (self.column is None or self.max_age is None):
            raise ValueError("a retention rule needs a column and a max_age, or a purge function")


@dataclass(frozen=True)
class TablePolicy:
    table: str
    # Columns holding a Slack user id. Rows "about" a member are those where any of them matches.
    member_columns: tuple[str, ...]
    on_erase: OnErase
    # The kind this table's rows count as in `/privacy` (None: not shown, e.g. transient data).
    counts_as: str | None = None
    # Columns set to these values when a row is anonymised or pseudonymised (names, free text…).
    blank: Mapping[str, Any] = field(default_factory=dict)
    export: bool = True
    export_exclude: tuple[str, ...] = ()
    # The rows the member's export holds, when more than `rows_of` (e.g. texts that quote them).
    export_where: Callable[[Connection, Table, str], ColumnElement[bool]] | None = None
    count: CountFn | None = None
    # Other kinds this table's rows also count as, with their own count (e.g. feedback on Q&A).
    extra_counts: Mapping[str, CountFn] = field(default_factory=dict)
    erase: EraseFn | None = None
    retention: Retention | None = None
    # The timestamp `sogabot privacy report` ages rows by (default: the retention column, or
    # the first timezone-aware datetime column).
    age_column: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.on_erase == "custom" and self.erase is None:
            raise ValueError(f"{self.table}: on_erase='custom' needs an erase function")
        if self.on_erase != "custom" and not self.member_columns:
            raise ValueError(f"{self.table}: on_erase={self.on_erase!r} needs member columns")

    def rows_of(self, table: Table, user_id: str) -> ColumnElement[bool]:
        return or_(*(table.c[name] == user_id for name in self.member_columns))


@dataclass(frozen=True)
class NotPersonal:
    """A table (or some of its columns) that holds no member data, and why."""

    table: str
    reason: str
    columns: tuple[str, ...] = ()  # empty: the whole table


def member_columns_in(table: Table) -> list[str]:
    """Columns that hold (or point at) a Slack user id, by the naming rule of the project."""
    found = []
    for column in table.columns:
        named = column.name == "user_id" or column.name.endswith("_user_id")
        points_at_member = any(fk.target_fullname == "members.user_id" for fk in column.foreign_keys)
        if named or points_at_member:
            found.append(column.name)
    return found


class PolicyRegistry:
    def __init__(self) -> None:
        self.kinds: dict[str, Kind] = {}
        self.policies: dict[str, TablePolicy] = {}
        self.not_personal: dict[str, NotPersonal] = {}

    def kind(self, kind: Kind) -> Kind:
        self.kinds[kind.key] = kind
        return kind

    def cover(self, policy: TablePolicy) -> TablePolicy:
        if policy.table in self.policies:
            raise ValueError(f"{policy.table} already has a privacy policy")
        for kind in (policy.counts_as, *policy.extra_counts):
            if kind is not None and kind not in self.kinds:
                raise ValueError(f"{policy.table}: unknown kind {kind!r}")
        self.policies[policy.table] = policy
        return policy

    def declare_not_personal(self, table: str, reason: str, columns: tuple[str, ...] = ()) -> NotPersonal:
        if not reason.strip():
            raise ValueError(f"{table}: say why it holds no member data")
        declaration = NotPersonal(table, reason, columns)
        self.not_personal[table] = declaration
        return declaration

    def copy(self) -> PolicyRegistry:
        other = PolicyRegistry()
        other.kinds = dict(self.kinds)
        other.policies = dict(self.policies)
        other.not_personal = dict(self.not_personal)
        return other

    def bound(self, metadata: MetaData) -> Iterator[tuple[TablePolicy, Table]]:
        """The policies whose table exists, parents before children (foreign-key order).

        A policy for a table that isn't there yet (another capability's, before its merge)
        is skipped: it counts 0, exports nothing and erases nothing.
        """
        for table in metadata.sorted_tables:
            policy = self.policies.get(table.name)
            if policy is not None:
                yield policy, table


def coverage_problems(metadata: MetaData, registry: PolicyRegistry) -> list[str]:
    """Everything that keeps the registry from covering the schema, one line each."""
    problems = []
    for table in metadata.sorted_tables:
        policy = registry.policies.get(table.name)
        declared = registry.not_personal.get(table.name)
        if policy is None and declared is None:
            problems.append(f"{table.name}: no privacy decision (add a TablePolicy or declare it not personal)")
            continue
        for name in (policy.member_columns if policy else ()) + (declared.columns if declared else ()):
            if name not in table.c:
                problems.append(f"{table.name}.{name}: declared in the privacy registry but not in the table")
        for name in (*policy.blank, *policy.export_exclude) if policy else ():
            if name not in table.c:
                problems.append(f"{table.name}.{name}: declared in the privacy registry but not in the table")
        if policy and policy.retention and policy.retention.column and policy.retention.column not in table.c:
            problems.append(f"{table.name}.{policy.retention.column}: retention column not in the table")
        for name in member_columns_in(table):
            covered = policy is not None and name in policy.member_columns
            excused = declared is not None and (not declared.columns or name in declared.columns)
            if not covered and not excused:
                problems.append(f"{table.name}.{name}: holds a member id but no privacy policy covers it")
    return problems
