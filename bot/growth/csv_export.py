"""`/stats export`: the weekly series and the cohorts as CSV text."""

from __future__ import annotations

import csv
import io
from typing import Any


def weekly_csv(figures: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["week_start", "members_total", "joined", "left", "active"])
    for week in figures["weekly"]:
        writer.writerow([week["week_start"], week["members_total"], week["joined"], week["left"], week["active"]])
    return buffer.getvalue()


def cohorts_csv(figures: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["cohort", "members", "month", "months_after_joining", "active", "share"])
    for cohort in figures["cohorts"]:
        for offset, month in enumerate(cohort["months"]):
            writer.writerow([cohort["cohort"], cohort["members"], month["month"], offset, month["active"], month["share"]])
    return buffer.getvalue()
