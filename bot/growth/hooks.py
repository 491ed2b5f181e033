"""What other capabilities may give to the growth report, through `services.extras`.

- `extras["newsletter_figures"]`: a callable with no argument returning the last newsletter's
  figures (the digest capability, once it syncs Mailchimp reports), or None when there are none:
  `{"campaign": str, "sent_at": "YYYY-MM-DD…", "emails_sent": int, "open_rate": float 0–1,
  "click_rate": float 0–1}` (every key optional).
- `extras["qa_gaps"]`: a callable with no argument returning the questions the Q&A could not
  answer well, most asked first: a list of `{"question": str, "count": int}` (or plain strings).

A missing or failing provider means "nothing to show", never a failed report.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

log = logging.getLogger(__name__)

NEWSLETTER_FIGURES = "newsletter_figures"
QA_GAPS = "qa_gaps"


class NewsletterFiguresProvider(Protocol):
    def __call__(self) -> dict[str, Any] | None: ...


class QAGapsProvider(Protocol):
    def __call__(self) -> list[dict[str, Any] | str] | None: ...


def _call(extras: Mapping[str, Any], key: str) -> Any:
    provider = extras.get(key)
    if not callable(provider):
        return None
    try:
        return provider()
    except Exception:
        log.warning("the %s provider failed; the report goes without it", key, exc_info=True)
        return None


def newsletter_figures(extras: Mapping[str, Any]) -> dict[str, Any] | None:
    figures = _call(extras, NEWSLETTER_FIGURES)
    return figures if isinstance(figures, dict) and figures else None


def qa_gaps(extras: Mapping[str, Any], limit: int = 5) -> list[dict[str, Any]]:
    gaps = _call(extras, QA_GAPS)
    if not isinstance(gaps, list):
        return []
    items = [{"question": g, "count": None} if isinstance(g, str) else g for g in gaps]
    return [g for g in items if isinstance(g, dict) and g.get("question")][:limit]
