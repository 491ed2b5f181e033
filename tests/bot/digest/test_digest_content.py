"""What the digest keeps from Slack, and the digest it builds from it."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.slack.blocks.digest import digest_blocks
from bot.digest.content import SlackLookups, build_digest
from bot.digest.models import DigestLink, DigestThread
from bot.digest.observe import DigestRecorder, extract_links, make_excerpt, purge_expired, purge_week_text
from bot.digest.render import render_html, render_text
from bot.digest.sources import events_from_knowledge, sources_for
from bot.digest.weeks import BadWeek, bounds, parse_week, previous_week
from integrations.llm import LLMUnavailable
from tests.bot.digest.helpers import IN_WEEK, WEEK, message, seed_week, ts_at

TZ = ZoneInfo("Europe/Paris")


def build(db, tmp_path, **kwargs):
    return build_digest(
        WEEK, db=db, tz=TZ, sources=sources_for(db, TZ, kwargs.pop("extras", {}), [tmp_path / "none"]),
        lookups=SlackLookups(channel_name=lambda c: {"C0ENTRAIDE": "entraide", "C0GENERAL": "general"}.get(c),
                             permalink=lambda c, ts: f"https://soga.slack.com/archives/{c}/p{ts.replace('.', '')}"),
        newsletter=lambda: None, **kwargs,
    )


def test_weeks_are_iso_weeks_in_the_community_time_zone() -> None:
    start, end = bounds("2026-W47", TZ)
    assert start.isoformat() == "2026-11-15T23:00:00+00:00" and end - start == timedelta(days=7)
    # Monday 00:30 in Paris is still Sunday in UTC: the week that just ended is W47.
    assert previous_week(start + timedelta(days=7, minutes=30), TZ) == "2026-W47"
    with pytest.raises(BadWeek, match="YYYY-Www"):
        parse_week("2026-47")
    with pytest.raises(BadWeek, match="no week 53"):
        parse_week("2025-W53")


def test_only_public_channels_are_recorded_and_replies_count_on_their_thread(db) -> None:
    seeds = seed_week(db, DigestRecorder(db, TZ))
    with db.session() as session:
        threads = {t.ts: t for t in session.execute(select(DigestThread)).scalars()}
        urls = sorted(link.url for link in session.execute(select(DigestLink)).scalars())
    assert set(threads) == {seeds["busy"], seeds["small"]}  # the private-channel post left no trace
    assert threads[seeds["busy"]].reply_count == 3
    assert threads[seeds["small"]].reaction_count == 1
    assert "<!channel>" not in threads[seeds["busy"]].excerpt and "gérer nos adhérents" in threads[seeds["busy"]].excerpt
    assert urls == ["https://example.org/crm", "https://outils.example.net/guide"]


def test_a_deleted_message_leaves_the_digest(db) -> None:
    recorder = DigestRecorder(db, TZ)
    seeds = seed_week(db, recorder)
    recorder.record_message({"type": "message", "subtype": "message_deleted", "channel": "C0ENTRAIDE",
                             "deleted_ts": seeds["busy"], "channel_type": "channel"})
    with db.session() as session:
        assert session.get(DigestThread, ("C0ENTRAIDE", seeds["busy"])) is None
        assert session.execute(select(DigestLink).where(DigestLink.url == "https://example.org/crm")).first() is None


def test_digest_ranks_threads_welcomes_by_name_and_respects_opt_out(db, tmp_path) -> None:
    seeds = seed_week(db, DigestRecorder(db, TZ))
    content = build(db, tmp_path)
    assert [t["ts"] for t in content.threads] == [seeds["busy"], seeds["small"]]
    assert content.threads[0]["permalink"].endswith("/p" + seeds["busy"].replace(".", ""))
    assert content.threads[0]["channel_name"] == "entraide" and content.threads[0]["author"] == "Marc"
    assert "@Marc" in content.threads[1]["excerpt"]  # mention resolved to a name
    assert [m["name"] for m in content.new_members] == ["Léa"]  # the opted-out member is not named
    assert content.figures == {"members": 3, "joins": 1, "actives": 2, "before_history": False}
    assert "1 nouveau membre" in content.intro and "3 membres" in content.intro and content.intro_source == "fixed"


def test_an_empty_week_gives_a_short_digest(db, tmp_path) -> None:
    content = build(db, tmp_path)
    assert content.is_quiet and content.threads == [] and "calme" in content.intro
    html, text = render_html(content), render_text(content)
    assert "*|UNSUB|*" in html and "*|UNSUB|*" in text and "Pas de conversation marquante" in text
    assert len(digest_blocks(content)) <= 5


def test_email_escapes_member_text_and_blocks_stay_within_limits(db, tmp_path) -> None:
    recorder = DigestRecorder(db, TZ)
    for n in range(60):
        ts = ts_at(IN_WEEK, n)
        recorder.record_message(message("C0GENERAL", "U0X", f"<b>bold</b> & <script>alert({n})</script> https://l{n}.example.org", ts))
        recorder.record_reaction({"item": {"type": "message", "channel": "C0GENERAL", "ts": ts}}, +1)
    content = build(db, tmp_path, top_n=15)
    html = render_html(content)
    assert "<script>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    blocks = digest_blocks(content)
    assert len(blocks) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    assert not any("<script>" in json.dumps(b) for b in blocks)


def test_llm_intro_is_used_and_one_inventing_numbers_falls_back(db, tmp_path) -> None:
    seed_week(db, DigestRecorder(db, TZ))
    warm = build(db, tmp_path, complete=lambda messages: "Une belle semaine : 3 membres et 1 nouvelle arrivée, bienvenue !")
    assert warm.intro_source == "llm" and warm.intro.startswith("Une belle semaine")
    invented = build(db, tmp_path, complete=lambda messages: "Bravo aux 500 participants du hackathon !")
    assert invented.intro_source == "fixed"

    def down(messages):
        raise LLMUnavailable("timeout")

    assert build(db, tmp_path, complete=down).intro_source == "fixed"


def test_providers_from_other_capabilities_win(db, tmp_path) -> None:
    extras = {
        "digest_figures": lambda monday: {"members": 138, "joins": 4, "actives": 31},
        "open_cafes": lambda: [{"title": "Café IAssos de décembre", "when": "12 décembre"}],
    }
    content = build(db, tmp_path, extras=extras)
    assert content.figures["members"] == 138 and content.cafes[0]["title"] == "Café IAssos de décembre"
    assert "Café IAssos de décembre" in render_text(content)


def test_upcoming_events_come_from_knowledge_files_of_kind_event(tmp_path) -> None:
    (tmp_path / "agenda.md").write_text(
        "---\ntitle: Agenda\nkind: event\n---\n# Agenda\n- 3 décembre 2026, Lille : hackathon données sportives ;\n"
        "- 1er mars 2027 : assemblée générale\n- 2 novembre 2026 : déjà passé\n", encoding="utf-8")
    (tmp_path / "cafe.md").write_text("---\ntitle: Café IA de décembre\nkind: event\ndate: 2026-12-10\nwhere: En ligne\n---\nTexte\n", encoding="utf-8")
    (tmp_path / "other.md").write_text("---\ntitle: X\nkind: project\n---\n- 4 décembre 2026 : pas un événement\n", encoding="utf-8")
    from datetime import date

    events = events_from_knowledge([tmp_path])(date(2026, 11, 23), date(2027, 1, 7))
    assert [(e["date"], e["title"], e["where"]) for e in events] == [
        ("2026-12-03", "hackathon données sportives", "Lille"),
        ("2026-12-10", "Café IA de décembre", "En ligne"),
    ]


def test_retention_purges_text_once_sent_and_after_the_limit(db) -> None:
    seeds = seed_week(db, DigestRecorder(db, TZ))
    assert purge_expired(db, IN_WEEK + timedelta(days=3), 21, TZ) == 0
    purge_expired(db, IN_WEEK + timedelta(days=22), 21, TZ)
    with db.session() as session:
        thread = session.get(DigestThread, ("C0ENTRAIDE", seeds["busy"]))
        assert thread.excerpt is None and thread.reply_count == 3  # metadata stays, text goes
        assert session.execute(select(DigestLink)).first() is None


def test_purge_week_text_keeps_other_weeks(db) -> None:
    recorder = DigestRecorder(db, TZ)
    seeds = seed_week(db, recorder)
    later = ts_at(IN_WEEK + timedelta(days=7))
    recorder.record_message(message("C0GENERAL", "U0OLD", "semaine suivante", later))
    purge_week_text(db, WEEK)
    with db.session() as session:
        assert session.get(DigestThread, ("C0ENTRAIDE", seeds["busy"])).excerpt is None
        assert session.get(DigestThread, ("C0GENERAL", later)).excerpt == "semaine suivante"


def test_links_and_excerpts_are_plain() -> None:
    assert extract_links("voir <https://a.org/x|le guide> et https://b.org/y.") == [("https://a.org/x", "le guide"), ("https://b.org/y", None)]
    assert make_excerpt("salut <@U1> <!here> " + "mot " * 100).startswith("salut @membre mot")
    assert len(make_excerpt("mot " * 100)) <= 220
