"""The digest of one ISO week, as plain data: built from the sources, stored as JSON when staff
preview it, rendered to email and Block Kit by bot.digest.render."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.digest.observe import make_excerpt
from bot.digest.untrusted import no_merge_tags
from bot.digest.sources import DigestSources, display_names, shared_links, top_threads
from bot.digest.weeks import monday
from prompts import read_prompt
from bot.store.db import Database

log = logging.getLogger(__name__)

PROMPT_NAME = "digest_intro.md"
INTRO_MAX_CHARS = 600
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre"]


@dataclass
class DigestContent:
    iso_week: str
    week_start: str  # ISO date of the Monday
    week_end: str  # ISO date of the Sunday
    intro: str
    intro_source: str  # fixed | llm | staff
    new_members: list[dict[str, Any]] = field(default_factory=list)  # {user_id, name}
    threads: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)  # {url, title, shares}
    events: list[dict[str, Any]] = field(default_factory=list)  # {title, date, where, url}
    cafes: list[dict[str, Any]] = field(default_factory=list)  # {title, when, url}
    figures: dict[str, Any] = field(default_factory=dict)  # {members, joins, actives, before_history}
    newsletter: dict[str, Any] | None = None

    @property
    def is_quiet(self) -> bool:
        return not (self.new_members or self.threads or self.links or self.events or self.cafes)

    @property
    def period_fr(self) -> str:
        return period_fr(date.fromisoformat(self.week_start), date.fromisoformat(self.week_end))

    @property
    def subject(self) -> str:
        return f"Le digest de la communauté SOGA · semaine du {self.period_fr}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "DigestContent":
        return cls(**json.loads(text))


def date_fr(day: date, *, year: bool = True) -> str:
    text = f"{'1er' if day.day == 1 else day.day} {MONTHS_FR[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def period_fr(start: date, end: date) -> str:
    if start.month == end.month:
        return f"{'1er' if start.day == 1 else start.day} au {date_fr(end)}"
    if start.year == end.year:
        return f"{date_fr(start, year=False)} au {date_fr(end)}"
    return f"{date_fr(start)} au {date_fr(end)}"


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f} %".replace(".", ",")


def fixed_intro(content: DigestContent) -> str:
    figures = content.figures
    members, joins, actives = figures.get("members", 0), figures.get("joins", 0), figures.get("actives", 0)
    opening = "Bonjour à toutes et à tous ! Voici ce qui s'est passé cette semaine sur le Slack du SOGA."
    if figures.get("before_history"):
        return (f"{opening} Cette semaine est avant les premières données du bot : ses chiffres "
                f"({members} membres connus) sont partiels.")
    if content.is_quiet and not actives:
        return (f"{opening} La semaine a été calme : la communauté compte {members} membres. "
                "Une question, une ressource, un événement à partager ? Le Slack vous attend.")
    welcome = (f"Nous avons accueilli {joins} nouveau membre" if joins == 1 else f"Nous avons accueilli {joins} nouveaux membres") if joins else "Pas de nouvelle arrivée cette semaine"
    if not actives:
        voices = "personne n'a encore pris la parole"
    else:
        voices = f"{actives} personne a pris la parole" if actives == 1 else f"{actives} personnes ont pris la parole"
    return f"{opening} {welcome}, la communauté compte désormais {members} membres et {voices}. Bonne lecture !"


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def llm_intro(content: DigestContent, complete: Callable[[list[dict[str, str]]], str], prompt: str,
              excerpts: list[str] | None = None) -> str | None:
    """A warm intro from the model, or None when it is unusable (empty, too long, it wrote a
    number the digest doesn't hold: the cheapest sign of an invented fact, or it quoted its
    instructions). `excerpts` are the top threads' excerpts with mentions left anonymous
    ("@membre"): members' names never go to the model."""
    from integrations.llm import PromptEcho, neutralise

    if excerpts is None:
        excerpts = [t.get("excerpt") for t in content.threads if t.get("excerpt")]
    facts = {
        "semaine": content.period_fr,
        "membres": content.figures.get("members", 0),
        "nouveaux_membres": content.figures.get("joins", 0),
        "membres_actifs": content.figures.get("actives", 0),
        "sujets_phares": [neutralise(e) for e in excerpts][:3],
        "ressources_partagees": len(content.links),
        "evenements_a_venir": [{"titre": e["title"], "date": e["date"]} for e in content.events][:3],
        "cafes_ouverts": [c.get("title") for c in content.cafes][:3],
    }
    facts_text = json.dumps(facts, ensure_ascii=False)
    text = complete([{"role": "system", "content": prompt}, {"role": "user", "content": f"<facts>\n{facts_text}\n</facts>"}]).strip()
    if not text or len(text) > INTRO_MAX_CHARS:
        return None
    if PromptEcho(prompt).found_in(text):
        log.warning("LLM intro dropped: it quotes its instructions")
        return None
    allowed = {n.replace(",", ".") for n in _NUMBER.findall(facts_text)}
    if any(n.replace(",", ".") not in allowed for n in _NUMBER.findall(text)):
        log.info("LLM intro dropped: it holds a number the digest doesn't")
        return None
    return text


@dataclass
class SlackLookups:
    """What the digest asks Slack: both may return None (no token, channel gone, …)."""

    channel_name: Callable[[str], str | None] = lambda _channel: None
    permalink: Callable[[str, str], str | None] = lambda _channel, _ts: None


def build_digest(
    iso_week: str,
    *,
    db: Database,
    tz: ZoneInfo,
    sources: DigestSources,
    lookups: SlackLookups,
    newsletter: Callable[[], dict[str, Any] | None],
    top_n: int = 5,
    events_horizon_days: int = 45,
    complete: Callable[[list[dict[str, str]]], str] | None = None,
) -> DigestContent:
    first_day = monday(iso_week)
    threads = top_threads(db, iso_week, top_n)
    mentioned = [m for t in threads for m in _MENTION.findall(t.excerpt or "")]
    names = display_names(db, [t.user_id for t in threads if t.user_id] + mentioned)
    channel_names: dict[str, str | None] = {}
    thread_items = []
    for thread in threads:
        if thread.channel_id not in channel_names:
            channel_names[thread.channel_id] = lookups.channel_name(thread.channel_id)
        thread_items.append({
            "channel_id": thread.channel_id,
            "channel_name": no_merge_tags(channel_names[thread.channel_id] or thread.channel_id),
            "ts": thread.ts,
            "user_id": thread.user_id,
            "author": names.get(thread.user_id or "", None),
            # Excerpts were made plain at capture; make_excerpt again resolves leftover mentions.
            "excerpt": make_excerpt(thread.excerpt, names) if thread.excerpt else None,
            "reply_count": thread.reply_count,
            "reaction_count": thread.reaction_count,
            "permalink": lookups.permalink(thread.channel_id, thread.ts),
        })
    next_monday = first_day + timedelta(days=7)
    content = DigestContent(
        iso_week=iso_week,
        week_start=first_day.isoformat(),
        week_end=(first_day + timedelta(days=6)).isoformat(),
        intro="",
        intro_source="fixed",
        new_members=[dict(m, name=no_merge_tags(str(m.get("name") or ""))) for m in sources.new_members(first_day)],
        threads=thread_items,
        links=shared_links(db, iso_week),
        events=sources.upcoming_events(next_monday, next_monday + timedelta(days=events_horizon_days)),
        cafes=sources.open_cafes(),
        figures=sources.figures(first_day),
        newsletter=newsletter(),
    )
    content.intro = fixed_intro(content)
    if complete is not None:
        from integrations.llm import LLMUnavailable

        try:
            anonymous = [make_excerpt(t.excerpt) for t in threads if t.excerpt]  # mentions become "@membre"
            written = llm_intro(content, complete, read_prompt(PROMPT_NAME), anonymous)
        except (LLMUnavailable, OSError) as exc:
            log.info("digest intro without LLM: %s", exc)
            written = None
        if written:
            content.intro, content.intro_source = written, "llm"
    return content
