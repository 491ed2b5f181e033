"""Each right through Slack, in HTTP mode: `/privacy`, its buttons, the erase modal, App Home."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.privacy.models import ErasureLog
from tests.bot.privacy.support import scan_for
from tests.support import ENGLISH_MEMBER, MEMBER, BotHarness


def _privacy(bot: BotHarness, user: str) -> dict:
    result, key = bot.command(user, "/privacy")
    assert result.status == 200
    (response,) = bot.responses(key)
    return response


def _texts(blocks: list[dict]) -> str:
    parts = []
    for block in blocks:
        for item in [block.get("text") or {}, *block.get("elements", [])]:
            parts.append(str(item.get("text", "")))
    return "\n".join(parts)


def _action_ids(blocks: list[dict]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def _press(bot: BotHarness, user: str, action_id: str, **kwargs) -> None:
    result = bot.client.block_action(user, {"type": "button", "action_id": action_id, "block_id": "privacy_actions", **kwargs},
                                     channel_id=bot.slack.dm_channel(user))
    assert result.status == 200
    bot.wait_idle()


def _files(bot: BotHarness) -> list[dict]:
    return [item.data for item in bot.slack.feed if item.kind == "file"]


def test_privacy_shows_counts_why_and_how_long_in_the_members_language(bot: BotHarness) -> None:
    bot.dm(MEMBER, "bonjour")
    response = _privacy(bot, MEMBER)
    text = _texts(response["blocks"])
    assert response["response_type"] == "ephemeral"
    assert "*Champs de profil* : 4" in text
    assert "*Questions posées au bot* : 0" in text
    assert "_Combien de temps_ : 13 mois pour le détail par jour" in text
    assert "_Combien de temps_ : 6 mois." in text
    assert "PRIVACY.md" in text
    assert _action_ids(response["blocks"]) == ["privacy_export", "privacy_opt_out", "privacy_erase"]

    english = _texts(_privacy(bot, ENGLISH_MEMBER)["blocks"])
    assert "*Profile fields*: 4" in english and "_How long_: 6 months." in english


def test_export_sends_the_members_own_json_in_a_dm_whatever_the_button_says(bot: BotHarness) -> None:
    bot.dm(ENGLISH_MEMBER, "hello")
    _privacy(bot, MEMBER)
    # A forged value naming someone else changes nothing: the presser gets their own data.
    _press(bot, MEMBER, "privacy_export", value=ENGLISH_MEMBER)
    (upload,) = _files(bot)
    assert upload["channel"] == bot.slack.dm_channel(MEMBER)
    data = json.loads(upload["content"])
    assert data["user_id"] == MEMBER
    assert data["tables"]["members"][0]["user_id"] == MEMBER
    assert data["tables"]["members"][0]["display_name"] == "camille"
    assert ENGLISH_MEMBER not in upload["content"].decode()
    assert data["summary"]["profile"] == 4
    sent = [r for r in bot.slack.feed if r.kind == "response" and "message privé" in r.data.get("text", "")]
    assert len(sent) == 1


def test_opting_out_takes_effect_at_once_and_can_be_undone(bot: BotHarness) -> None:
    _privacy(bot, MEMBER)
    bot.client.block_action(MEMBER, {"type": "button", "action_id": "privacy_opt_out"}, channel_id=bot.slack.dm_channel(MEMBER))
    # Checked before waiting for the lazy work: the choice is stored before the ack.
    assert bot.services.members.is_opted_out(MEMBER)
    bot.wait_idle()
    redrawn = [r.data for r in bot.slack.feed if r.kind == "response" and r.data.get("replace_original")][-1]
    assert "vous n'êtes plus suivi·e" in redrawn["text"]
    assert _action_ids(redrawn["blocks"]) == ["privacy_export", "privacy_opt_in", "privacy_erase"]
    assert not bot.services.members.is_opted_out(ENGLISH_MEMBER)

    _press(bot, MEMBER, "privacy_opt_in")
    assert not bot.services.members.is_opted_out(MEMBER)


def test_app_home_has_the_summary_and_its_buttons_redraw_it(bot: BotHarness) -> None:
    bot.client.send_event({"type": "app_home_opened", "user": MEMBER, "channel": bot.slack.dm_channel(MEMBER), "tab": "home"})
    bot.wait_idle()
    home = bot.slack.ws.homes[MEMBER]
    assert "• Champs de profil : 4" in _texts(home["blocks"])
    assert "privacy_opt_out" in _action_ids(home["blocks"])

    bot.client.block_action(MEMBER, {"type": "button", "action_id": "privacy_opt_out"}, view=home)
    bot.wait_idle()
    assert bot.services.members.is_opted_out(MEMBER)
    redrawn = bot.slack.ws.homes[MEMBER]
    assert "privacy_opt_in" in _action_ids(redrawn["blocks"])
    assert "seulement dans le nombre total" in _texts(redrawn["blocks"])


def test_erase_asks_for_confirmation_then_leaves_no_trace_of_the_member(bot: BotHarness) -> None:
    bot.dm(MEMBER, "bonjour")
    bot.dm(ENGLISH_MEMBER, "hello")
    _privacy(bot, MEMBER)
    _press(bot, MEMBER, "privacy_erase")
    (modal,) = [item.data for item in bot.slack.feed if item.kind == "view_open"]
    assert modal["callback_id"] == "privacy_erase_confirm"
    assert "Vos questions pour les cafés IA restent, sans votre nom" in _texts(modal["blocks"])
    assert scan_for(bot.services.db, None, MEMBER) != []  # nothing erased before the confirmation

    result = bot.client.view_submission(MEMBER, modal, {})
    assert result.status == 200
    bot.wait_idle()

    assert scan_for(bot.services.db, None, MEMBER) == []
    assert scan_for(bot.services.db, None, ENGLISH_MEMBER) == ["members.user_id"]
    confirmation = bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))[-1]
    assert "Vos données ont été effacées" in confirmation["text"]
    with bot.services.db.session() as session:
        assert session.scalars(select(ErasureLog.via)).all() == ["slack"]


def test_a_forged_modal_cannot_erase_someone_else(bot: BotHarness) -> None:
    bot.dm(MEMBER, "bonjour")
    _privacy(bot, MEMBER)
    _press(bot, MEMBER, "privacy_erase")
    (modal,) = [item.data for item in bot.slack.feed if item.kind == "view_open"]

    result = bot.client.view_submission(ENGLISH_MEMBER, modal, {})
    bot.wait_idle()

    assert result.json["response_action"] == "update"
    assert "You can only manage your own data." in _texts(result.json["view"]["blocks"])
    assert "members.user_id" in scan_for(bot.services.db, None, MEMBER)
    with bot.services.db.session() as session:
        assert session.scalars(select(ErasureLog)).all() == []
