"""Where the digest's content comes from. Each source is a small function over data the bot
already has; another capability may register a better one in `services.extras`:

- `digest_new_members(monday) -> [{"user_id", "name"}]`
- `digest_figures(monday) -> {"members", "joins", "actives"}`
- `upcoming_events(start_date, end_date) -> [{"title", "date", "where"?, "url"?}]` (knowledge)
- `open_cafes() -> [{"title", "when"?, "url"?}]` (café)

Without them the members, arrivals and actives come from growth (bot.growth.weekly: the same
computation as `/stats`), and events from the knowledge files of kind `event`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, or_, select

from bot.digest.models import DigestLink, DigestThread
from bot.digest.untrusted import no_merge_tags
from bot.privacy.names import ERASED_PREFIX
from bot.store.db import Database
from bot.store.models import Member

log = logging.getLogger(__name__)

NewMembersSource = Callable[[date], list[dict[str, Any]]]  # the week's Monday -> [{"user_id", "name"}]
FiguresSource = Callable[[date], dict[str, Any]]  # the week's Monday -> {"members", "joins", "actives", ...}
EventsSource = Callable[[date, date], list[dict[str, Any]]]
CafesSource = Callable[[], list[dict[str, Any]]]


def new_members_from_growth(db: Database, tz: ZoneInfo) -> NewMembersSource:
    from bot.growth.weekly import arrivals

    return lambda monday: arrivals(db, tz, monday)


def figures_from_growth(db: Database, tz: ZoneInfo) -> FiguresSource:
    """The week's members, arrivals and actives as `/stats` gives them for the week's Sunday."""
    from bot.growth.weekly import week_figures

    return lambda monday: week_figures(db, tz, monday)


# -- threads and links (the digest's own tables) ----------------------------------------------
@dataclass(frozen=True)
class ThreadRow:
    channel_id: str
    ts: str
    user_id: str | None
    reply_count: int
    reaction_count: int
    excerpt: str | None


def top_threads(db: Database, iso_week: str, limit: int) -> list[ThreadRow]:
    """Ranked by replies (worth two) and reactions; a thread nobody answered or reacted to is
    not a top thread. Threads of opted-out members stay out."""
    score = (DigestThread.reply_count * 2 + DigestThread.reaction_count).cast(Integer)
    with db.session() as session:
        rows = session.execute(
            select(DigestThread)
            .join(Member, Member.user_id == DigestThread.user_id, isouter=True)
            .where(DigestThread.iso_week == iso_week, score > 0,
                   or_(Member.user_id.is_(None), Member.analytics_opt_out.is_(False)))
            .order_by(score.desc(), DigestThread.reply_count.desc(), DigestThread.ts)
            .limit(limit)
        ).scalars().all()
        return [ThreadRow(r.channel_id, r.ts, r.user_id, r.reply_count, r.reaction_count, r.excerpt) for r in rows]


def shared_links(db: Database, iso_week: str, limit: int = 8) -> list[dict[str, Any]]:
    with db.session() as session:
        rows = session.execute(
            select(DigestLink)
            .join(Member, Member.user_id == DigestLink.user_id, isouter=True)
            .where(DigestLink.iso_week == iso_week,
                   or_(Member.user_id.is_(None), Member.analytics_opt_out.is_(False)))
            .order_by(DigestLink.shares.desc(), DigestLink.posted_at)
            .limit(limit)
        ).scalars().all()
        return [{"url": r.url, "title": r.title, "shares": r.shares} for r in rows]


def display_names(db: Database, user_ids: list[str]) -> dict[str, str]:
    """Names to show for these members; none for those who opted out or were erased, whose
    mentions then read "@membre" (bot.digest.observe.make_excerpt)."""
    if not user_ids:
        return {}
    with db.session() as session:
        rows = session.execute(
            select(Member.user_id, Member.display_name)
            .where(Member.user_id.in_(user_ids), Member.analytics_opt_out.is_(False), ~Member.user_id.startswith(ERASED_PREFIX))
        ).all()
    return {user_id: no_merge_tags(name) for user_id, name in rows if name}


# -- events from knowledge files ---------------------------------------------------------------
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
}
# "12 septembre 2024, Bruxelles : conférence …" or "du 26 au 29 novembre 2024 : …"
_DATED_LINE = re.compile(
    r"^\s*[-*]\s*(?:du\s+)?(\d{1,2})(?:er)?(?:\s+au\s+\d{1,2}(?:er)?)?\s+(" + "|".join(_MONTHS) + r")\s+(\d{4})"
    r"\s*(?:,\s*([^:]+?))?\s*:\s*(.+)$",
    re.I | re.M,
)


def read_front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t")):
            fields[key.strip().lower()] = value.strip().strip("'\"")
    return fields, text[match.end():]


def events_from_knowledge(folders: list[Path]) -> EventsSource:
    """Events of knowledge files of kind `event`: a file with a `date` (or `start`) in its front
    matter is one event; otherwise each dated bullet line ("- 12 septembre 2024, Bruxelles : …")
    is one."""

    def parse_all() -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for folder in folders:
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.md")):
                try:
                    fields, body = read_front_matter(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError):
                    log.warning("cannot read knowledge file %s", path)
                    continue
                if fields.get("kind") != "event":
                    continue
                when = fields.get("date") or fields.get("start") or fields.get("starts")
                if when:
                    try:
                        day = date.fromisoformat(when[:10])
                    except ValueError:
                        continue
                    events.append({"title": fields.get("title") or path.stem, "date": day.isoformat(),
                                   "where": fields.get("where") or fields.get("location"), "url": fields.get("url")})
                    continue
                for match in _DATED_LINE.finditer(body):
                    day_text, month, year, where, what = match.groups()
                    try:
                        day = date(int(year), _MONTHS[month.lower()], int(day_text))
                    except ValueError:
                        continue
                    events.append({"title": what.strip().rstrip(" ;."), "date": day.isoformat(),
                                   "where": (where or "").strip() or None, "url": None})
        return events

    cache: list[list[dict[str, Any]]] = []

    def upcoming(start: date, end: date) -> list[dict[str, Any]]:
        if not cache:
            cache.append(parse_all())
        found = [e for e in cache[0] if start.isoformat() <= e["date"] <= end.isoformat()]
        unique = {(e["date"], e["title"]): e for e in found}
        return sorted(unique.values(), key=lambda e: (e["date"], e["title"]))[:8]

    return upcoming


def no_cafes() -> list[dict[str, Any]]:
    return []


@dataclass
class DigestSources:
    new_members: NewMembersSource
    figures: FiguresSource
    upcoming_events: EventsSource
    open_cafes: CafesSource


def sources_for(db: Database, tz: ZoneInfo, extras: dict[str, Any], knowledge_folders: list[Path]) -> DigestSources:
    """Providers registered by other capabilities win; our fallbacks fill the gaps."""
    return DigestSources(
        new_members=extras.get("digest_new_members") or new_members_from_growth(db, tz),
        figures=extras.get("digest_figures") or figures_from_growth(db, tz),
        upcoming_events=extras.get("upcoming_events") or events_from_knowledge(knowledge_folders),
        open_cafes=extras.get("open_cafes") or no_cafes,
    )
