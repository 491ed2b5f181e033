from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.core.settings import Settings


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: `func` is a 'module:function' reference taking the Services.

    Jobs are idempotent: running one twice changes nothing the second time.
    """

    id: str
    func: str
    # Builds the APScheduler trigger arguments from the settings, e.g. {"trigger": "cron", ...}.
    trigger: Callable[[Settings], dict[str, Any]]
    description: str = ""
