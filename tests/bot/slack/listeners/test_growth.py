"""What /stats and the App Home tell staff about the figures, through the real app over signed
HTTP: how joins are counted, channels by name, days before the bot's data, erased members."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import urllib.error
import urllib.request

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.growth.export_import import import_slack_export
from bot.growth.texts import GROWTH
from bot.privacy.rights import erase
from bot.slack.blocks import MAX_HOME_BLOCKS
from tests.support import ENGLISH_MEMBER, MEMBER, STAFF, BotHarness, FakeClock, make_settings

ROOT = Path(__file__).resolve().parents[4]
HOUSTON = ROOT / "tests" / "fixtures" / "slack_exports" / "houstondatavis"
HOUSTON_GENERAL = "C061A2UGJ"  # named "general" in its channels.json; no such channel in the stand-in


@pytest.fixture
def staff_bot(slack, database_url, db, clock, tmp_path) -> Iterator[BotHarness]:
    """Two staff members: one French (sofia), one with an English Slack locale (alex)."""
    settings = make_settings(slack, database_url, outbox_dir=tmp_path / "outbox", staff_user_ids=f"{STAFF},{ENGLISH_MEMBER}")
    harness = BotHarness(settings, db, slack, clock)
    yield harness
    harness.close()


def _clock(bot: BotHarness) -> FakeClock:
    assert bot.clock is not None
    return bot.clock


def _stats(bot: BotHarness, user: str, text: str = "") -> str:
    before = len(bot.slack.bot_messages(bot.slack.dm_channel(user)))
    bot.command(user, "/stats", text)
    messages = bot.slack.bot_messages(bot.slack.dm_channel(user))
    assert len(messages) == before + 1
    return str(messages[-1]["blocks"])


def _home(bot: BotHarness, user: str) -> str:
    bot.client.send_event({"type": "app_home_opened", "user": user, "channel": bot.slack.dm_channel(user), "tab": "home"})
    bot.wait_idle()
    return str(bot.slack.ws.homes[user]["blocks"])


def _charts(bot: BotHarness) -> list[dict]:
    return [item.data for item in bot.slack.feed if item.kind == "file"]


def _import_houston(bot: BotHarness) -> None:
    import_slack_export(bot.services.db, str(HOUSTON), bot.settings.tz, frozenset(), _clock(bot)())


def _post_days_ago(bot: BotHarness, user: str, days: int) -> None:
    ts = f"{_clock(bot)().timestamp() - days * 86400:.6f}"
    message = bot.slack.add_message("C0ENTRAIDE", user, "Bonjour à toutes et à tous", ts=ts)
    bot.client.send_event(dict(message, channel="C0ENTRAIDE", channel_type="channel", event_ts=ts))
    bot.wait_idle()


def test_stats_and_the_home_say_how_joins_are_counted_in_the_viewers_language(staff_bot: BotHarness) -> None:
    _post_days_ago(staff_bot, MEMBER, 1)
    french, english = GROWTH("joins_rule", "fr"), GROWTH("joins_rule", "en")
    assert french in _stats(staff_bot, STAFF) and french in _home(staff_bot, STAFF)
    assert english in _stats(staff_bot, ENGLISH_MEMBER) and english in _home(staff_bot, ENGLISH_MEMBER)


def test_the_statement_is_the_one_the_growth_docs_give() -> None:
    """docs/growth.md defines how joins are counted; the line staff read quotes it, in both languages."""
    text = (ROOT / "docs" / "growth.md").read_text(encoding="utf-8")
    docs = " ".join(re.sub(r"^\s*> ?", "", text, flags=re.M).split())  # quoted lines, joined
    assert GROWTH("joins_rule", "fr") in docs and GROWTH("joins_rule", "en") in docs


def test_imported_channels_show_by_the_name_their_export_gave(staff_bot: BotHarness) -> None:
    _import_houston(staff_bot)
    text = _stats(staff_bot, STAFF, "2016-07-31")
    assert "• #general : " in text and HOUSTON_GENERAL not in text
    _clock(staff_bot).set(_clock(staff_bot)().replace(year=2016, month=7, day=31, hour=12))
    home = _home(staff_bot, ENGLISH_MEMBER)
    assert "• #general: " in home and HOUSTON_GENERAL not in home


def test_a_live_channel_no_export_named_stays_a_mention_slack_resolves(staff_bot: BotHarness) -> None:
    _post_days_ago(staff_bot, MEMBER, 1)
    assert "• <#C0ENTRAIDE> : 1" in _stats(staff_bot, STAFF)


def test_a_day_before_the_bots_first_data_gets_a_warning_not_a_partial_count(staff_bot: BotHarness) -> None:
    _import_houston(staff_bot)  # its oldest message: 5 July 2016
    text = _stats(staff_bot, STAFF, "2016-06-30")
    assert "avant les premières données du bot (le 2016-07-05)" in text and "`/stats 2016-07-05`" in text
    assert "*Membres*" not in text and "Actifs" not in text  # no figure at all
    assert _charts(staff_bot) == []  # nor a chart of them
    english = _stats(staff_bot, ENGLISH_MEMBER, "2016-06-30")
    assert "before the bot's first data (2016-07-05)" in english and "*Members*" not in english
    # The first day of data is a day like any other.
    text = _stats(staff_bot, STAFF, "2016-07-05")
    assert "*Membres*" in text and "avant les premières données" not in text and len(_charts(staff_bot)) == 1


def test_an_erased_member_at_risk_is_a_former_member(staff_bot: BotHarness) -> None:
    _post_days_ago(staff_bot, MEMBER, 45)  # active before, silent for the last 30 days: at risk
    _post_days_ago(staff_bot, ENGLISH_MEMBER, 40)
    assert f"<@{MEMBER}>" in _stats(staff_bot, STAFF)
    erase(staff_bot.services.db, MEMBER, now=_clock(staff_bot)(), via="test")
    french, english = _stats(staff_bot, STAFF), _stats(staff_bot, ENGLISH_MEMBER)
    for text, former in ((french, "membre supprimé"), (english, "former member")):
        assert f"• {former} — " in text and "ERASED-" not in text and MEMBER not in text
        assert f"<@{ENGLISH_MEMBER}>" in text  # the others are named as before
    home = _home(staff_bot, STAFF)
    assert "• membre supprimé — " in home and "ERASED-" not in home


def test_the_home_of_a_day_before_any_data_warns_too(staff_bot: BotHarness) -> None:
    _import_houston(staff_bot)
    _clock(staff_bot).set(_clock(staff_bot)().replace(year=2016, month=6, day=30))
    home = _home(staff_bot, STAFF)
    assert "avant les premières données du bot" in home and "*Membres*" not in home


# -- the Home chart --------------------------------------------------------------------------
PUBLIC_URL = "https://sogabot.example.org"  # the platform's router, which forwards to PORT


@pytest.fixture
def public_bot(slack, database_url, db, clock, tmp_path) -> Iterator[BotHarness]:
    settings = make_settings(slack, database_url, outbox_dir=tmp_path / "outbox", public_url=PUBLIC_URL,
                             staff_user_ids=f"{STAFF},{ENGLISH_MEMBER}")
    harness = BotHarness(settings, db, slack, clock)
    yield harness
    harness.close()


def assert_within_block_kit_limits(view: dict) -> None:
    """What Slack checks of a published Home, as its SDK's models check it (lengths, required
    fields, the image's address), and the project's block limit."""
    assert len(view["blocks"]) <= MAX_HOME_BLOCKS
    View(type=view["type"], blocks=view["blocks"]).validate_json()
    for block in view["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]


def _fetch(bot: BotHarness, url: str) -> tuple[int, str, bytes]:
    assert url.startswith(PUBLIC_URL + "/charts/")
    try:
        with urllib.request.urlopen(bot.url + url.removeprefix(PUBLIC_URL), timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_with_public_url_the_home_shows_the_chart_from_the_bots_own_address(public_bot: BotHarness) -> None:
    _post_days_ago(public_bot, MEMBER, 1)
    for user in (STAFF, ENGLISH_MEMBER):
        _home(public_bot, user)
    uploads = [c for c in public_bot.slack.calls if "files" in c.path or "upload" in c.path]
    assert uploads == []  # no file private to the bot, which Slack refuses in a Home
    images = {}
    for user in (STAFF, ENGLISH_MEMBER):
        view = public_bot.slack.ws.homes[user]
        assert_within_block_kit_limits(view)
        [image] = [b for b in view["blocks"] if b["type"] == "image"]
        assert "slack_file" not in image and image["image_url"].endswith(".png")
        images[user] = image
    assert images[STAFF]["alt_text"] == GROWTH("chart_title", "fr")
    assert images[ENGLISH_MEMBER]["alt_text"] == GROWTH("chart_title", "en")
    assert images[STAFF]["image_url"] != images[ENGLISH_MEMBER]["image_url"]  # one chart per language
    status, kind, body = _fetch(public_bot, images[STAFF]["image_url"])
    assert (status, kind) == (200, "image/png") and body.startswith(b"\x89PNG\r\n\x1a\n")
    _clock(public_bot).advance(hours=1)
    _home(public_bot, STAFF)  # opened again the same day: the same address, which Slack has cached
    [again] = [b for b in public_bot.slack.ws.homes[STAFF]["blocks"] if b["type"] == "image"]
    assert again["image_url"] == images[STAFF]["image_url"]


def test_without_public_url_the_home_says_stats_sends_the_chart(staff_bot: BotHarness) -> None:
    _post_days_ago(staff_bot, MEMBER, 1)
    _home(staff_bot, STAFF)
    _home(staff_bot, ENGLISH_MEMBER)
    for user, lang in ((STAFF, "fr"), (ENGLISH_MEMBER, "en")):
        view = staff_bot.slack.ws.homes[user]
        assert_within_block_kit_limits(view)
        assert "image" not in {b["type"] for b in view["blocks"]}
        assert GROWTH("home_chart_in_dm", lang) in str(view["blocks"])
    assert not [c for c in staff_bot.slack.calls if "files" in c.path or "upload" in c.path]
