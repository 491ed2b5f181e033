"""Erasing a member inside a transaction, table by table as a registry's policies say.

Its own module, below both bot.privacy.rights (which erases on request) and
bot.privacy.policies (whose retention erases members who left long ago), so that neither
imports the other for it.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, MetaData, String, Table, delete, insert, select, update

from bot.privacy.models import ErasureLog
from bot.privacy.names import ERASED_PREFIX
from bot.privacy.policy import PolicyRegistry, TablePolicy, member_columns_in
from bot.store.registry import metadata as schema


def new_pseudonym() -> str:
    """Random, so it can't be traced back to the Slack id; short enough for any user id column."""
    return ERASED_PREFIX + secrets.token_hex(4)


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
    registry: PolicyRegistry, metadata: MetaData | None = None,
) -> ErasureReport:
    """Erase inside the caller's transaction (see bot.privacy.rights.erase)."""
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
