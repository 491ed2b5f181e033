"""The staff report: the figures of D and of the periods before it, for the changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.growth.stats import GrowthStats, compute_stats
from bot.store.db import Database


@dataclass
class GrowthReport:
    stats: GrowthStats
    previous: GrowthStats  # D-28: for the 28-day figures and the member total
    previous_week: GrowthStats  # D-7: for the 7-day figures


def build_report(db: Database, tz: ZoneInfo, as_of: date) -> GrowthReport:
    return GrowthReport(
        stats=compute_stats(db, tz, as_of),
        previous=compute_stats(db, tz, as_of - timedelta(days=28)),
        previous_week=compute_stats(db, tz, as_of - timedelta(days=7)),
    )
