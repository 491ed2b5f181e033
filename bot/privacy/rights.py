"""Members' rights over their data: see it, export it, stop the tracking, erase it.

Everything here goes through the registry (bot/privacy/policies.py), so a table covered there
is counted, exported and erased without touching this module.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Connection, MetaData, Table, func, select

from bot.privacy.erasure import ErasureReport, erase_in
from bot.privacy.policies import REGISTRY, retention_values
from bot.privacy.policy import PolicyRegistry, TablePolicy
from bot.store.db import Database
from bot.store.registry import metadata as schema

EXPORT_FORMAT = "sogabot-privacy-export/1"


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]  # every kind of the registry, in its order; 0 when nothing is kept
    opted_out: bool

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class KeptKind:
    """One kind of data as the member reads it: what, how many rows, why, for how long."""

    label: str
    count: int
    purpose: str
    retention: str


def kinds_kept(summary: Summary, lang: str, settings: Any, registry: PolicyRegistry = REGISTRY) -> list[KeptKind]:
    """Every kind of the registry, in its order, with the retention the settings in force give."""
    values = retention_values(settings, lang)
    return [KeptKind(kind.label[lang], summary.counts.get(key, 0), kind.purpose[lang], kind.retention[lang].format(**values))
            for key, kind in registry.kinds.items()]


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

