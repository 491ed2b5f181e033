"""Retention by default: the daily purge, and the per-table report staff check it with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import MetaData, Table, delete, func, select

from bot.privacy.policies import REGISTRY
from bot.privacy.policy import PolicyRegistry, TablePolicy
from bot.store.base import UTCDateTime
from bot.store.db import Database
from bot.store.registry import metadata as schema


def purge_expired(
    db: Database, settings: Any, *, now: datetime, registry: PolicyRegistry = REGISTRY, metadata: MetaData | None = None,
) -> dict[str, int]:
    """Apply every policy's retention rule; {table: rows purged}. Running it twice purges nothing
    the second time. Each table is its own transaction, so one failure doesn't undo the rest."""
    tables = metadata if metadata is not None else schema()
    purged: dict[str, int] = {}
    for policy, table in registry.bound(tables):
        rule = policy.retention
        if rule is None:
            continue
        with db.engine.begin() as connection:
            if rule.purge is not None:
                count = rule.purge(connection, table, now, settings)
            else:
                assert rule.column is not None and rule.max_age is not None
                cutoff = now - rule.max_age(settings)
                count = connection.execute(delete(table).where(table.c[rule.column] < cutoff)).rowcount or 0
        purged[table.name] = count
    return purged


@dataclass(frozen=True)
class TableReport:
    table: str
    rows: int
    oldest: datetime | None
    age_column: str | None
    personal: bool
    retention: str

    def age_days(self, now: datetime) -> float | None:
        return None if self.oldest is None else round((now - self.oldest).total_seconds() / 86400, 1)


def _age_column(policy: TablePolicy | None, table: Table) -> str | None:
    if policy is not None and policy.age_column:
        return policy.age_column
    if policy is not None and policy.retention is not None and policy.retention.column:
        return policy.retention.column
    return next((c.name for c in table.columns if isinstance(c.type, UTCDateTime)), None)


def _retention_text(policy: TablePolicy | None, settings: Any) -> str:
    if policy is None:
        return "not personal"
    rule = policy.retention
    if rule is None:
        return policy.note or "kept"
    if rule.purge is not None:
        return (rule.purge.__doc__ or rule.purge.__name__).strip().splitlines()[0]
    assert rule.max_age is not None
    return f"{rule.max_age(settings).days} days by {rule.column}"


def report(
    db: Database, settings: Any, *, registry: PolicyRegistry = REGISTRY, metadata: MetaData | None = None,
) -> list[TableReport]:
    """Per table: rows, the oldest row's timestamp, and the rule that keeps it in check."""
    tables = metadata if metadata is not None else schema()
    lines = []
    with db.engine.connect() as connection:
        for table in sorted(tables.sorted_tables, key=lambda t: t.name):
            policy = registry.policies.get(table.name)
            column = _age_column(policy, table)
            rows = connection.execute(select(func.count()).select_from(table)).scalar_one()
            oldest = connection.execute(select(func.min(table.c[column]))).scalar() if column else None
            if isinstance(oldest, date) and not isinstance(oldest, datetime):
                oldest = datetime.combine(oldest, time.min, tzinfo=settings.tz)
            elif oldest is not None and not isinstance(oldest, datetime):
                oldest = None
            lines.append(TableReport(table.name, rows, oldest, column, policy is not None, _retention_text(policy, settings)))
    return lines
