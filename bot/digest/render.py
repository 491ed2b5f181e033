"""The digest as an email: HTML with inline styles (Jinja2, autoescaped) and a plain-text part."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from bot.digest.content import DigestContent, date_fr, percent


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("bot.digest", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )


def welcome_list(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " et " + names[-1]


def _context(content: DigestContent) -> dict[str, Any]:
    nl = None
    if content.newsletter:
        last, year, base = content.newsletter["last"], content.newsletter["year"], content.newsletter["baseline"]
        nl = {
            "title": last.get("title"),
            "emails_sent": last["emails_sent"],
            "emails_sent_fr": f"{last['emails_sent']:,}".replace(",", "\u202f"),
            "open": percent(last["open_rate"]),
            "proxy": percent(last["proxy_excluded_open_rate"]) if last.get("proxy_excluded_open_rate") is not None else None,
            "click": percent(last["click_rate"]),
            "year": year["year"],
            "year_open": percent(year["open_rate"]) if year.get("open_rate") is not None else None,
            "year_click": percent(year["click_rate"]),
            "base_open": percent(base["open_rate"]),
            "base_click": percent(base["click_rate"]),
            "base_year": base["year"],
        }
    events = [dict(e, when=date_fr(date.fromisoformat(e["date"]))) for e in content.events]
    return {
        "d": content,
        "welcome": welcome_list([m["name"] for m in content.new_members]),
        "events": events,
        "nl": nl,
        "preheader": content.intro[:140],
    }


def render_html(content: DigestContent) -> str:
    return _environment().get_template("digest.html.j2").render(**_context(content))


def render_text(content: DigestContent) -> str:
    text = _environment().get_template("digest.txt.j2").render(**_context(content))
    # Collapse the blank lines left by empty sections.
    lines, blank = [], 0
    for line in text.splitlines():
        blank = blank + 1 if not line.strip() else 0
        if blank <= 1:
            lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"
