"""Members' rights over their data: see it, export it, stop the tracking, erase it.

Everything here goes through the registry (bot/privacy/policies.py), so a table covered there
is counted, exported and erased without touching this module.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Connection, MetaData, String, Table, delete, func, insert, select, update

from bot.privacy.models import ErasureLog
from bot.privacy.policies import REGISTRY
from bot.privacy.policy import PolicyRegistry, TablePolicy, member_columns_in
from bot.store.db import Database
from bot.store.registry import metadata as schema

from bot.privacy.names import ERASED_PREFIX
EXPORT_FORMAT = "sogabot-privacy-export/1"


def new_pseudonym() -> str:
    """Random, so it can't be traced back to the Slack id; short enough for any user id column."""
    return ERASED_PREFIX + secrets.token_hex(4)


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]  # every kind of the registry, in its order; 0 when nothing is kept
    opted_out: bool

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class ErasureReport:
    deleted: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)

    @property
    def rows_deleted(self) -> int:
        return sum(self.deleted.values())

    @property
    def rows_anonymised(self) -> int:
        return sum(self.anonymised.values())

    def add(self, bucket: dict[str, int], table: str, count: int) -> None:
        if count:
            bucket[table] = bucket.get(table, 0) + count


def _count(connection: Connection, policy: TablePolicy, table: Table, user_id: str) -> int:
    if policy.count is not None:
        return policy.count(connection, table, user_id)
    if not policy.member_columns:
        return 0
    return connection.execute(select(func.count()).select_from(table).where(policy.rows_of(table, user_id))).scalar_one()


def _opted_out(connection: Connection, tables: MetaData, user_id: str) -> bool:
    members = tables.tables["members"]
    return bool(connection.execute(select(members.c.analytics_opt_out).where(members.c.user_id == user_id)).scalar())


def what_we_keep(db: Database, user_id: str, *, registry: PolicyRegistry = REGISTRY, metadata: MetaData | None = None) -> Summary:
    tables = metadata if metadata is not None else schema()
    counts = dict.fromkeys(registry.kinds, 0)
    with db.engine.connect() as connection:
        for policy, table in registry.bound(tables):
            if policy.counts_as is not None:
                counts[policy.counts_as] += _count(connection, policy, table, user_id)
            for kind, count in policy.extra_counts.items():
                counts[kind] += count(connection, table, user_id)
        return Summary(counts, _opted_out(connection, tables, user_id))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def export(
    db: Database, user_id: str, *, now: datetime, registry: PolicyRegistry = REGISTRY, metadata: MetaData | None = None,
) -> dict[str, Any]:
    """Everything stored about the member, table by table, as JSON-ready data."""
    tables = metadata if metadata is not None else schema()
    summary = what_we_keep(db, user_id, registry=registry, metadata=tables)
    exported: dict[str, list[dict[str, Any]]] = {}
    not_exported: dict[str, str] = {}
    with db.engine.connect() as connection:
        for policy, table in registry.bound(tables):
            if not policy.export or not (policy.member_columns or policy.export_where):
                not_exported[table.name] = policy.note or "holds no rows about a member"
                continue
            columns = [c for c in table.columns if c.name not in policy.export_exclude]
            where = policy.export_where(connection, table, user_id) if policy.export_where else policy.rows_of(table, user_id)
            rows = connection.execute(select(*columns).where(where)).mappings().all()
            exported[table.name] = [{key: _jsonable(value) for key, value in row.items()} for row in rows]
    return {
        "format": EXPORT_FORMAT,
        "user_id": user_id,
        "generated_at": now.isoformat(),
        "analytics_opt_out": summary.opted_out,
        "summary": summary.counts,
        "tables": exported,
        "not_exported": not_exported,
    }


def export_json(export_data: dict[str, Any]) -> str:
    return json.dumps(export_data, ensure_ascii=False, indent=2, sort_keys=False)


# -- opt-out --------------------------------------------------------------------------------
def opt_out(members: Any, user_id: str) -> None:
    """From now on the member counts in the member total only. What is already stored stays
    (it is purged by the retention job or by an erase): opting out stops tracking, erasing
    removes the past."""
    members.set_opt_out(user_id, True)


def opt_in(members: Any, user_id: str) -> None:
    members.set_opt_out(user_id, False)


# -- erase ----------------------------------------------------------------------------------
def _referenced_columns(tables: MetaData) -> set[tuple[str, str]]:
    """(table, column) pairs other tables point at with a foreign key."""
    found = set()
    for table in tables.sorted_tables:
        for fk in table.foreign_keys:
            found.add((fk.column.table.name, fk.column.name))
    return found


def _where_pk(table: Table, row: Any) -> list[Any]:
    return [column == row[column.name] for column in table.primary_key.columns]


def _replace_member(
    connection: Connection, policy: TablePolicy, table: Table, user_id: str, replacement: str | None,
    now: datetime, copy_first: bool,
) -> tuple[int, list[Any]]:
    """Anonymise or pseudonymise the member's rows; returns (rows, originals left to delete)."""
    rows = connection.execute(select(table).where(policy.rows_of(table, user_id))).mappings().all()
    originals = []
    for row in rows:
        values = {name: replacement for name in policy.member_columns if row[name] == user_id}
        for name, value in policy.blank.items():
            values[name] = value(row[name], now) if callable(value) else value
        if copy_first:
            # The id is a primary key other tables point at: add the renamed row, move the
            # children onto it, and only then delete the original.
            connection.execute(insert(table).values({**row, **values}))
            originals.append(row)
        elif table.primary_key.columns:
            connection.execute(update(table).where(*_where_pk(table, row)).values(values))
        else:
            connection.execute(update(table).where(*(table.c[k] == v for k, v in row.items())).values(values))
    return len(rows), originals


def _scrub_text(connection: Connection, tables: MetaData, registry: PolicyRegistry, user_id: str, pseudonym: str) -> int:
    """Mentions of the member in free text (`<@U…>` in a question, a payload…) get the pseudonym."""
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(user_id)}(?![A-Za-z0-9])")
    changed = 0
    for table in tables.sorted_tables:
        policy = registry.policies.get(table.name)
        exact = set(policy.member_columns if policy else ()) | set(member_columns_in(table))
        pk = list(table.primary_key.columns)
        if not pk:
            continue
        for column in table.columns:
            if column.name in exact or not isinstance(column.type, String):
                continue
            rows = connection.execute(
                select(*pk, column).where(column.contains(user_id, autoescape=True))
            ).mappings().all()
            for row in rows:
                text = pattern.sub(pseudonym, row[column.name])
                if text != row[column.name]:
                    connection.execute(update(table).where(*_where_pk(table, row)).values({column.name: text}))
                    changed += 1
    return changed


def erase_in(
    connection: Connection, user_id: str, *, now: datetime, via: str,
    registry: PolicyRegistry = REGISTRY, metadata: MetaData | None = None,
) -> ErasureReport:
    """Erase inside the caller's transaction (see `erase`)."""
    tables = metadata if metadata is not None else schema()
    pseudonym = new_pseudonym()
    report = ErasureReport()
    referenced = _referenced_columns(tables)
    bound = list(registry.bound(tables))

    def copies(policy: TablePolicy, table: Table) -> bool:
        pk_names = {c.name for c in table.primary_key.columns}
        return policy.on_erase == "pseudonymise" and any(
            name in pk_names and (table.name, name) in referenced for name in policy.member_columns
        )

    # Parents first: renamed copies of referenced rows exist before children move onto them.
    originals: dict[str, list[Any]] = {}
    for policy, table in bound:
        if copies(policy, table):
            count, originals[table.name] = _replace_member(connection, policy, table, user_id, pseudonym, now, True)
            report.add(report.anonymised, table.name, count)
    # Children first: rows pointing at the member go before the member's own row.
    for policy, table in reversed(bound):
        if table.name in originals:
            for row in originals[table.name]:
                connection.execute(delete(table).where(*_where_pk(table, row)))
        elif policy.on_erase == "delete":
            result = connection.execute(delete(table).where(policy.rows_of(table, user_id)))
            report.add(report.deleted, table.name, result.rowcount or 0)
        elif policy.on_erase in ("anonymise", "pseudonymise"):
            replacement = pseudonym if policy.on_erase == "pseudonymise" else None
            count, _ = _replace_member(connection, policy, table, user_id, replacement, now, False)
            report.add(report.anonymised, table.name, count)
        else:
            assert policy.erase is not None
            report.add(report.anonymised, table.name, policy.erase(connection, table, user_id, pseudonym, now))
    scrubbed = _scrub_text(connection, tables, registry, user_id, pseudonym)
    report.add(report.anonymised, "(mentions in text)", scrubbed)
    log = ErasureLog.__table__
    connection.execute(
        insert(log).values(
            erased_at=now, via=via[:16], rows_deleted=report.rows_deleted, rows_anonymised=report.rows_anonymised,
            tables=json.dumps({"deleted": report.deleted, "anonymised": report.anonymised}, sort_keys=True),
        )
    )
    return report


def erase(
    db: Database, user_id: str, *, now: datetime, via: str,
    registry: PolicyRegistry = REGISTRY, metadata: MetaData | None = None,
) -> ErasureReport:
    """Delete or anonymise everything about the member, in one transaction, per the policies.

    Rows that feed the community figures are pseudonymised with one random id per erase (the
    same in every table), so the figures for past periods don't change; the profile fields that
    said who it was are blanked. The erase is logged without any personal data.
    """
    with db.engine.begin() as connection:
        return erase_in(connection, user_id, now=now, via=via, registry=registry, metadata=metadata)

