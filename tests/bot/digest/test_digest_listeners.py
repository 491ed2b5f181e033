"""The staff preview's buttons, the intro modal and /digest, through signed requests."""

from __future__ import annotations

import json

from bot.digest.observe import DigestRecorder
from bot.digest.service import workflow_for
from tests.bot.digest.helpers import WEEK, seed_week
from tests.support import MEMBER, STAFF, STAFF_CHANNEL, DIGEST_CHANNEL


def preview_message(bot):
    issue = workflow_for(bot.services).get(WEEK)
    return next(m for m in bot.slack.bot_messages(STAFF_CHANNEL) if m["ts"] == issue.preview_ts)


def press(bot, user, action_id, message):
    result = bot.client.block_action(user, {"action_id": action_id, "value": WEEK, "type": "button"},
                                     channel_id=STAFF_CHANNEL, message=message)
    bot.wait_idle()
    return result


def test_public_messages_become_thread_candidates(bot) -> None:
    parent = bot.post(MEMBER, "C0ENTRAIDE", "Un guide utile : https://guide.example.org")
    assert parent.status == 200
    ts = bot.slack.ws.messages["C0ENTRAIDE"][-1]["ts"]
    bot.post(STAFF, "C0ENTRAIDE", "merci !", thread_ts=ts)
    from bot.digest.models import DigestThread

    with bot.services.db.session() as session:
        thread = session.get(DigestThread, ("C0ENTRAIDE", ts))
        assert thread.reply_count == 1 and thread.excerpt.startswith("Un guide utile")


def test_a_member_pressing_approve_is_refused_and_nothing_happens(bot) -> None:
    seed_week(bot.services.db, DigestRecorder(bot.services.db, bot.settings.tz))
    workflow_for(bot.services).run_weekly(WEEK)
    message = preview_message(bot)
    for action in ("digest_approve", "digest_skip", "digest_retry"):
        assert press(bot, MEMBER, action, message).status == 200
    assert workflow_for(bot.services).get(WEEK).state == "draft"
    refusals = [i.data for i in bot.slack.feed if i.kind == "ephemeral" and i.data["user"] == MEMBER]
    assert len(refusals) == 3 and all("réservée" in r["text"] for r in refusals)
    assert bot.slack.bot_messages(DIGEST_CHANNEL) == []


def test_staff_approves_with_a_double_click_and_it_is_posted_once(bot) -> None:
    workflow_for(bot.services).run_weekly(WEEK)
    message = preview_message(bot)
    press(bot, STAFF, "digest_approve", message)
    press(bot, STAFF, "digest_approve", message)
    issue = workflow_for(bot.services).get(WEEK)
    assert issue.state == "sent" and issue.outbox_path  # no Mailchimp in these settings: the outbox
    assert len(bot.slack.bot_messages(DIGEST_CHANNEL)) == 1
    told = [i.data["text"] for i in bot.slack.feed if i.kind == "ephemeral" and i.data["user"] == STAFF]
    assert told == ["Ce digest est déjà envoyé : rien n'a été renvoyé."]


def test_intro_modal_refuses_members_and_saves_for_staff(bot) -> None:
    workflow_for(bot.services).run_weekly(WEEK)
    press(bot, STAFF, "digest_edit_intro", preview_message(bot))
    (opened,) = [i.data for i in bot.slack.feed if i.kind == "view_open"]
    assert opened["callback_id"] == "digest_intro_modal"
    values = {"digest_intro_block": {"digest_intro_input": {"type": "plain_text_input", "value": "Intro de l'équipe"}}}
    refused = bot.client.view_submission(MEMBER, opened, values)
    bot.wait_idle()
    assert refused.json["response_action"] == "errors" and "réservée" in refused.json["errors"]["digest_intro_block"]
    assert json.loads(workflow_for(bot.services).get(WEEK).content_json)["intro_source"] == "fixed"
    accepted = bot.client.view_submission(STAFF, opened, values)
    bot.wait_idle()
    assert accepted.status == 200 and not accepted.body
    assert json.loads(workflow_for(bot.services).get(WEEK).content_json)["intro"] == "Intro de l'équipe"
    assert "Intro de l'équipe" in json.dumps(preview_message(bot)["blocks"], ensure_ascii=False)


def test_digest_command_is_for_staff(bot) -> None:
    _result, key = bot.command(MEMBER, "/digest", "status")
    assert "réservée" in bot.responses(key)[0]["text"]
    _result, key = bot.command(STAFF, "/digest", "preview")
    assert f"<#{STAFF_CHANNEL}>" in bot.responses(key)[0]["text"]
    assert len(bot.slack.bot_messages(STAFF_CHANNEL)) == 1
    _result, key = bot.command(STAFF, "/digest", "status")
    assert bot.responses(key)[0]["text"] == f"• {WEEK} : en brouillon"
    _result, key = bot.command(STAFF, "/digest", "send-now")
    assert "envoyé" in bot.responses(key)[0]["text"] and len(bot.slack.bot_messages(DIGEST_CHANNEL)) == 1
    _result, key = bot.command(STAFF, "/digest", "preview 2026-W99")
    assert "not an ISO week" in bot.responses(key)[0]["text"]
