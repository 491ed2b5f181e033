"""The café intake over HTTP mode: signed commands, buttons, modals, shortcuts and DMs."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot.cafe.models import Question, Vote
from bot.console.slack_standin import BOT_ID
from tests.bot.cafe.cafe_support import all_text, announcement, ask_form, cafe_form, cafes, create_cafe, last_response, last_view
from tests.support import ENGLISH_MEMBER, FACILITATOR, MEMBER, BotHarness

OTHER = "U0OTHER"


@pytest.fixture(autouse=True)
def other_member(slack) -> None:
    slack.add_user(OTHER, "dominique")


def ask_by_modal(bot: BotHarness, user: str, cafe_id: int, text: str, anonymous: bool = False):
    bot.client.block_action(user, {"action_id": "cafe_ask", "value": str(cafe_id), "type": "button"}, channel_id="C0GENERAL",
                            message=announcement(bot))
    bot.wait_idle()
    result = bot.client.view_submission(user, last_view(bot), ask_form(text, anonymous=anonymous))
    bot.wait_idle()
    return result


def n_questions(bot: BotHarness) -> int:
    with bot.services.db.session() as session:
        return session.scalar(select(func.count()).select_from(Question))


def test_facilitator_creates_a_cafe_and_it_is_announced_with_a_button(bot: BotHarness) -> None:
    cafe_id = create_cafe(bot, approval=False)
    message = announcement(bot)
    assert "Café IAssos de décembre" in message["text"]
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons][:1] == ["cafe_ask"] and buttons[0]["text"]["text"] == "Poser une question"
    info = cafes(bot).get(cafe_id)
    assert (info.announcement_channel, info.announcement_ts) == ("C0GENERAL", message["ts"])
    confirmations = bot.slack.bot_messages(bot.slack.dm_channel(FACILITATOR))
    assert any("est créé" in m["text"] for m in confirmations)
    assert cafes(bot).reminders(cafe_id)["announce"][1] is not None  # marked sent


def test_cafe_modal_refuses_an_intake_closing_after_the_start(bot: BotHarness) -> None:
    bot.command(FACILITATOR, "/cafe", "new")
    result = bot.client.view_submission(FACILITATOR, last_view(bot), cafe_form(close_date="2026-12-05"))
    assert result.json["response_action"] == "errors" and "cafe_close_date" in result.json["errors"]
    bot.wait_idle()
    assert cafes(bot).cafes() == []


def test_members_are_politely_refused_facilitator_commands(bot: BotHarness) -> None:
    for verb in ("new", "themes", "export md", "close", "reopen"):
        _, key = bot.command(MEMBER, "/cafe", verb)
        assert "réservée" in bot.responses(key)[-1]["text"], verb
    assert not [item for item in bot.slack.feed if item.kind == "view_open"]


def test_a_forged_cafe_submission_by_a_member_creates_nothing(bot: BotHarness) -> None:
    view = {"id": "V0FORGED", "type": "modal", "callback_id": "cafe_cafe_view", "private_metadata": "{}"}
    result = bot.client.view_submission(MEMBER, view, cafe_form())
    assert result.json["response_action"] == "errors"
    bot.wait_idle()
    assert cafes(bot).cafes() == [] and bot.slack.bot_messages("C0GENERAL") == []


def test_member_asks_from_the_announcement_and_the_live_count_follows(bot: BotHarness) -> None:
    cafe_id = create_cafe(bot)
    result = ask_by_modal(bot, MEMBER, cafe_id, "Comment l'IA peut-elle aider les associations ?", anonymous=True)
    assert result.status == 200 and not result.body
    assert any("Merci" in m["text"] for m in bot.slack.bot_messages(bot.slack.dm_channel(MEMBER)))
    assert "1 question(s)" in all_text(announcement(bot)["blocks"])
    (question,) = cafes(bot).questions(cafe_id)
    assert question.anonymous and question.author_user_id is None


def test_empty_or_overlong_question_in_the_modal_is_refused_in_place(bot: BotHarness) -> None:
    cafe_id = create_cafe(bot)
    empty = ask_by_modal(bot, MEMBER, cafe_id, "   ")
    assert empty.json["errors"]["cafe_question"].startswith("Votre question est vide")
    long = ask_by_modal(bot, MEMBER, cafe_id, "a" * 1001)
    assert "1001" in long.json["errors"]["cafe_question"]
    assert n_questions(bot) == 0


def test_cafe_ask_command_and_dm_prefix_both_submit(bot: BotHarness) -> None:
    create_cafe(bot)
    _, key = bot.command(MEMBER, "/cafe", "ask Quels risques pour la vie privée ?")
    assert "Merci" in bot.responses(key)[-1]["text"]
    bot.dm(ENGLISH_MEMBER, "QUESTION POUR LE CAFE: Can AI help write grant applications?")
    reply = bot.slack.bot_messages(bot.slack.dm_channel(ENGLISH_MEMBER))[-1]
    assert reply["text"].startswith("Thank you")
    bot.dm(MEMBER, "question pour le café : Faut-il former les salariés ?")
    assert n_questions(bot) == 3


def test_a_dm_without_the_prefix_is_left_to_the_others(bot: BotHarness) -> None:
    create_cafe(bot)
    bot.dm(MEMBER, "une question sur le café de demain")
    assert n_questions(bot) == 0
    # Another capability (the Q&A, or the help fallback) answered instead: never silence.
    assert len(bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))) == 1


def test_message_shortcut_opens_the_modal_with_the_message_text(bot: BotHarness) -> None:
    create_cafe(bot)
    message = bot.slack.add_message("C0ENTRAIDE", OTHER, "Est-ce que l'IA remplace les bénévoles ?")
    bot.client.message_shortcut(MEMBER, "cafe_submit_message", "C0ENTRAIDE", message)
    bot.wait_idle()
    view = last_view(bot)
    assert view["callback_id"] == "cafe_ask_view"
    assert "remplace les bénévoles" in all_text(view["blocks"])


def test_a_near_duplicate_is_offered_a_vote_and_can_still_be_added(bot: BotHarness) -> None:
    cafe_id = create_cafe(bot)
    bot.dm(OTHER, "question pour le café : Comment l'IA peut-elle aider les petites associations ?")
    bot.dm(MEMBER, "question pour le café : Comment les petites associations peuvent-elles utiliser l'IA ?")
    offer = bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))[-1]
    assert "question proche" in offer["text"] and n_questions(bot) == 1
    buttons = {e["action_id"]: e for b in offer["blocks"] for e in ([b["accessory"]] if "accessory" in b else b.get("elements", []))
               if isinstance(e, dict) and "action_id" in e}
    assert buttons["cafe_vote"]["text"]["text"] == "Voter pour celle-ci"
    bot.client.block_action(MEMBER, {"action_id": "cafe_vote", "value": buttons["cafe_vote"]["value"], "block_id": "x"},
                            channel_id=bot.slack.dm_channel(MEMBER), message=offer)
    bot.wait_idle()
    assert cafes(bot).questions(cafe_id)[0].votes == 1
    bot.client.block_action(MEMBER, {"action_id": "cafe_add_anyway", "value": buttons["cafe_add_anyway"]["value"], "block_id": "cafe_similar"},
                            channel_id=bot.slack.dm_channel(MEMBER), message=offer)
    bot.wait_idle()
    assert n_questions(bot) == 2 and "Merci" in last_response(bot)["text"]


def test_concurrent_vote_clicks_never_double_count(bot: BotHarness) -> None:
    cafe_id = create_cafe(bot)
    bot.dm(OTHER, "question pour le café : Quelle gouvernance pour les outils IA ?")
    (question,) = cafes(bot).questions(cafe_id)
    voters = [f"U0VOTER{i}" for i in range(8)]
    for user in voters:
        bot.slack.add_user(user, user.lower())
    action = {"action_id": "cafe_vote", "value": str(question.id), "block_id": f"cafe_list_{question.id}", "type": "button"}
    # Eight members click once each, all at the same moment, while MEMBER clicks five times at once.
    clicks = voters + [MEMBER] * 5
    with ThreadPoolExecutor(max_workers=len(clicks)) as pool:
        results = list(pool.map(lambda user: bot.client.block_action(user, action, channel_id="C0GENERAL"), clicks))
    assert all(r.status == 200 for r in results)
    bot.wait_idle()
    with bot.services.db.session() as session:
        rows = session.execute(select(Vote.user_id, func.count()).where(Vote.question_id == question.id).group_by(Vote.user_id)).all()
    per_user = dict(rows)
    assert all(n == 1 for n in per_user.values())
    assert set(voters) <= set(per_user) and set(per_user) <= {*voters, MEMBER}
    assert cafes(bot).question(question.id).votes == len(per_user)


def test_moderation_buttons_and_merge_for_facilitators(bot: BotHarness) -> None:
    cafe_id = create_cafe(bot)
    bot.dm(OTHER, "question pour le café : Quels financements pour un projet IA ?")
    bot.dm(MEMBER, "question pour le café : Faut-il une charte éthique ?")
    first, second = sorted(q.id for q in cafes(bot).questions(cafe_id))
    bot.client.block_action(MEMBER, {"action_id": "cafe_vote", "value": str(second), "block_id": f"cafe_list_{second}"})
    bot.client.block_action(OTHER, {"action_id": "cafe_vote", "value": str(first), "block_id": f"cafe_list_{first}"})
    bot.wait_idle()
    _, key = bot.command(FACILITATOR, "/cafe", "questions")
    listing = bot.responses(key)[-1]
    action_ids = {e["action_id"] for b in listing["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert {"cafe_hide", "cafe_answer", "cafe_merge"} <= action_ids
    bot.client.block_action(FACILITATOR, {"action_id": "cafe_answer", "value": str(first)})
    bot.wait_idle()
    assert cafes(bot).question(first).status == "answered"
    bot.client.block_action(FACILITATOR, {"action_id": "cafe_merge", "value": str(second)})
    bot.wait_idle()
    merge_view = last_view(bot)
    assert merge_view["callback_id"] == "cafe_merge_view"
    values = {"cafe_target": {"value": {"type": "static_select", "selected_option": {"value": str(first)}}}}
    assert not bot.client.view_submission(FACILITATOR, merge_view, values).body
    bot.wait_idle()
    assert cafes(bot).question(second).status == "merged"
    assert cafes(bot).question(first).votes == 2


def test_forged_moderation_by_a_member_is_refused_with_no_effect(bot: BotHarness) -> None:
    cafe_id = create_cafe(bot)
    bot.dm(OTHER, "question pour le café : Quels financements pour un projet IA ?")
    bot.dm(OTHER, "question pour le café : Faut-il une charte éthique ?")
    first, second = sorted(q.id for q in cafes(bot).questions(cafe_id))
    for action_id in ("cafe_hide", "cafe_approve", "cafe_answer", "cafe_merge"):
        bot.client.block_action(MEMBER, {"action_id": action_id, "value": str(first)})
        bot.wait_idle()
        assert "réservée" in last_response(bot)["text"]
    view = {"id": "V0FORGED", "type": "modal", "callback_id": "cafe_merge_view", "private_metadata": json.dumps({"question_id": first})}
    values = {"cafe_target": {"value": {"type": "static_select", "selected_option": {"value": str(second)}}}}
    assert bot.client.view_submission(MEMBER, view, values).json["response_action"] == "errors"
    bot.wait_idle()
    assert [cafes(bot).question(q).status for q in (first, second)] == ["visible", "visible"]
    assert not [item for item in bot.slack.feed if item.kind == "view_open"][1:]


def test_closed_intake_refuses_questions_and_votes_until_reopened(bot: BotHarness) -> None:
    cafe_id = create_cafe(bot)
    bot.dm(OTHER, "question pour le café : Quels financements pour un projet IA ?")
    (question,) = cafes(bot).questions(cafe_id)
    _, key = bot.command(FACILITATOR, "/cafe", "close")
    assert "fermée" in bot.responses(key)[-1]["text"]
    assert "collecte des questions est terminée" in all_text(announcement(bot)["blocks"])
    bot.dm(MEMBER, "question pour le café : Trop tard ?")
    assert "aucun café" in bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))[-1]["text"].lower()
    bot.client.block_action(MEMBER, {"action_id": "cafe_vote", "value": str(question.id)})
    bot.wait_idle()
    assert "votes" in last_response(bot)["text"].lower() and "fermés" in last_response(bot)["text"]
    assert cafes(bot).question(question.id).votes == 0 and n_questions(bot) == 1
    bot.command(FACILITATOR, "/cafe", "reopen")
    bot.dm(MEMBER, "question pour le café : Encore une ?")
    assert n_questions(bot) == 2


def test_export_sends_a_file_that_hides_the_anonymous_author(bot: BotHarness) -> None:
    cafe_id = create_cafe(bot)
    ask_by_modal(bot, MEMBER, cafe_id, "Peut-on refuser l'IA au travail ?", anonymous=True)
    bot.dm(OTHER, "question pour le café : Quel impact environnemental ?")
    _, key = bot.command(FACILITATOR, "/cafe", "export md")
    files = [item.data for item in bot.slack.feed if item.kind == "file"]
    assert len(files) == 1 and files[0]["name"] == f"cafe-{cafe_id}.md"
    content = files[0]["content"].decode()
    assert "Peut-on refuser" in content and "anonyme" in content
    assert "camille" not in content and MEMBER not in content
    assert "dominique" in content
    _, key = bot.command(FACILITATOR, "/cafe", "export csv")
    csv_file = [item.data for item in bot.slack.feed if item.kind == "file"][-1]
    assert csv_file["name"].endswith(".csv") and b"camille" not in csv_file["content"]


def test_themes_without_an_llm_group_questions_by_shared_words(bot: BotHarness) -> None:
    create_cafe(bot)
    for user, text in [(MEMBER, "Comment protéger les données des bénéficiaires ?"), (OTHER, "Quelles données confier à un chatbot ?"),
                       (MEMBER, "Les bénévoles doivent-ils être formés ?"), (OTHER, "Quelle formation numérique pour les bénévoles et salariés ?")]:
        bot.dm(user, "question pour le café : " + text)
    assert n_questions(bot) == 4
    _, key = bot.command(FACILITATOR, "/cafe", "themes")
    first = [b for b in bot.responses(key)[-1]["blocks"] if b["type"] == "section"]
    assert "*Données*" in all_text(first) and "*Bénévoles*" in all_text(first)
    assert "mots communs" in all_text(bot.responses(key)[-1]["blocks"])
    _, key = bot.command(FACILITATOR, "/cafe", "themes")
    assert [b for b in bot.responses(key)[-1]["blocks"] if b["type"] == "section"] == first


def test_member_overview_lists_own_questions_with_edit_and_withdraw(bot: BotHarness) -> None:
    create_cafe(bot)
    bot.dm(MEMBER, "question pour le café : Première version de ma question")
    (question,) = cafes(bot).my_questions(MEMBER)
    _, key = bot.command(MEMBER, "/cafe")
    overview = bot.responses(key)[-1]
    assert "Première version" in all_text(overview["blocks"])
    bot.client.block_action(MEMBER, {"action_id": "cafe_edit", "value": str(question[1].id)})
    bot.wait_idle()
    edit_view = last_view(bot)
    values = {"cafe_question": {"value": {"type": "plain_text_input", "value": "Seconde version"}}}
    assert not bot.client.view_submission(MEMBER, edit_view, values).body
    assert cafes(bot).question(question[1].id).text == "Seconde version"
    # Someone else cannot use the same modal on it.
    assert bot.client.view_submission(OTHER, edit_view, values).json["response_action"] == "errors"
    bot.client.block_action(MEMBER, {"action_id": "cafe_withdraw", "value": str(question[1].id)})
    bot.wait_idle()
    assert cafes(bot).question(question[1].id).status == "withdrawn"
    assert "0 question(s)" in all_text(announcement(bot)["blocks"])


def test_english_members_read_english(bot: BotHarness) -> None:
    create_cafe(bot)
    _, key = bot.command(ENGLISH_MEMBER, "/cafe")
    assert "AI cafés" in all_text(bot.responses(key)[-1]["blocks"])
    _, key = bot.command(ENGLISH_MEMBER, "/cafe", "new")
    assert "reserved" in bot.responses(key)[-1]["text"]


def test_app_home_and_open_cafes_for_the_digest(bot: BotHarness) -> None:
    cafe_id = create_cafe(bot)
    bot.dm(MEMBER, "question pour le café : Ma question pour la page d'accueil")
    bot.client.send_event({"type": "app_home_opened", "user": MEMBER, "channel": bot.slack.dm_channel(MEMBER), "tab": "home"})
    bot.wait_idle()
    home = bot.slack.ws.homes[MEMBER]
    assert "Café IAssos de décembre" in all_text(home["blocks"]) and "Ma question pour la page" in all_text(home["blocks"])
    (listed,) = bot.services.extras["open_cafes"]()
    assert listed["id"] == cafe_id and listed["question_count"] == 1
    assert listed["permalink"].startswith("https://") and BOT_ID


def test_the_weekly_digest_lists_an_open_cafe(bot: BotHarness) -> None:
    """The digest stores its content as JSON: the café's provider must give JSON-safe values."""
    from bot.digest.service import workflow_for
    from tests.bot.digest.helpers import WEEK

    create_cafe(bot)
    issue = workflow_for(bot.services).run_weekly(WEEK)
    (cafe,) = json.loads(issue.content_json)["cafes"]
    assert cafe["title"] == "Café IAssos de décembre" and cafe["when"] == "03/12/2026 18:30" and cafe["url"].startswith("https://")
    preview = next(m for m in bot.slack.bot_messages("C0STAFF") if m["ts"] == issue.preview_ts)
    assert "Café IAssos de décembre" in all_text(preview["blocks"])


def test_a_second_vote_press_says_already_voted_and_offers_to_withdraw(bot: BotHarness) -> None:
    cafe_id = create_cafe(bot)
    bot.dm(OTHER, "question pour le café : Quelle place pour les logiciels libres ?")
    (question,) = cafes(bot).questions(cafe_id)
    vote = {"action_id": "cafe_vote", "value": str(question.id), "block_id": f"cafe_list_{question.id}", "type": "button"}
    for _ in range(2):  # the second press comes from a list that still shows "Voter"
        bot.client.block_action(MEMBER, vote, channel_id="C0GENERAL")
        bot.wait_idle()
    assert cafes(bot).question(question.id).votes == 1
    notice = last_response(bot)
    assert "Déjà voté" in notice["text"] and notice.get("replace_original") is False
    (withdraw,) = [notice["blocks"][0]["accessory"]]
    assert (withdraw["action_id"], withdraw["value"]) == ("cafe_unvote", str(question.id))
    bot.client.block_action(MEMBER, {"action_id": "cafe_unvote", "value": str(question.id), "block_id": f"cafe_list_{question.id}"},
                            channel_id="C0GENERAL")
    bot.wait_idle()
    assert cafes(bot).question(question.id).votes == 0
    refreshed = last_response(bot)
    assert "Voter" in all_text(refreshed["blocks"]) and refreshed.get("replace_original") is True


def test_the_announcement_header_names_the_cafe_once(bot: BotHarness) -> None:
    create_cafe(bot, title="Café IAssos #2")
    (head,) = [b for b in announcement(bot)["blocks"] if b["type"] == "header"]
    assert head["text"]["text"] == "☕ Café IAssos #2"
    create_cafe(bot, title="Soirée IA et solidarité")
    heads = [b["text"]["text"] for m in bot.slack.bot_messages("C0GENERAL") for b in m.get("blocks", []) if b["type"] == "header"]
    assert "☕ Café IAssos : Soirée IA et solidarité" in heads


def test_facilitators_get_the_board_and_join_links_members_do_not(bot: BotHarness) -> None:
    cafe_id = create_cafe(bot)
    token = cafes(bot).get(cafe_id).web_token
    board, join = f"http://localhost:3000/cafe/{token}/board", f"http://localhost:3000/cafe/{token}/join"
    _, key = bot.command(FACILITATOR, "/cafe")
    assert board in all_text(bot.responses(key)[-1]) and join in all_text(bot.responses(key)[-1])
    _, key = bot.command(FACILITATOR, "/cafe", "board")
    assert board in all_text(bot.responses(key)[-1]) and "QR code" in all_text(bot.responses(key)[-1])
    for user in (FACILITATOR, MEMBER):
        bot.client.send_event({"type": "app_home_opened", "user": user, "channel": bot.slack.dm_channel(user), "tab": "home"})
        bot.wait_idle()
    assert board in all_text(bot.slack.ws.homes[FACILITATOR]["blocks"])
    assert token not in all_text(bot.slack.ws.homes[MEMBER]["blocks"])
    _, key = bot.command(MEMBER, "/cafe")
    assert token not in all_text(bot.responses(key)[-1])
    _, key = bot.command(MEMBER, "/cafe", "board")
    assert token not in all_text(bot.responses(key)[-1]) and "réservée" in bot.responses(key)[-1]["text"]


def test_web_questions_need_approval_by_default_in_the_cafe_modal(bot: BotHarness) -> None:
    bot.command(FACILITATOR, "/cafe", "new")
    (approval,) = [b for b in last_view(bot)["blocks"] if b["block_id"] == "cafe_approval"]
    assert [o["value"] for o in approval["element"]["initial_options"]] == ["web_approval"]
    cafe_id = create_cafe(bot, approval=False)
    assert cafes(bot).get(cafe_id).web_approval_required is False  # the form said so (no option ticked)
