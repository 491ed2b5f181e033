"""The board and the join page in a real browser (Chromium): live order, votes, submissions."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.bot.cafe.cafe_support import cafes
from tests.support import FACILITATOR, MEMBER, BotHarness
from tests.web.browser import chromium  # noqa: F401 - the fixture
from tests.web.web_support import Browser, open_cafe

LIVE = 2000  # ms: the bound for the board to follow a vote


@pytest.fixture
def context(chromium):
    made: list[Any] = []

    def new() -> Any:
        made.append(chromium.new_context(viewport={"width": 1280, "height": 720}))
        return made[-1]

    yield new
    for ctx in made:
        ctx.close()


def board_order(page: Any) -> list[str]:
    return page.locator("#questions li .text").all_inner_texts()


def test_a_vote_from_another_browser_reorders_the_open_board_without_reload(bot: BotHarness, context) -> None:
    cafe = open_cafe(bot)
    first = cafes(bot).submit(cafe.id, MEMBER, "Comment financer un projet numérique ?").question
    second = cafes(bot).submit(cafe.id, FACILITATOR, "Quelle charte éthique pour nos outils ?").question
    cafes(bot).vote(first.id, "U1")
    board = context().new_page()
    board.goto(f"{bot.url}/cafe/{cafe.web_token}/board")
    assert board_order(board) == [first.text, second.text]
    board.evaluate("window.loadedOnce = true")
    phone = context().new_page()
    phone.goto(f"{bot.url}/cafe/{cafe.web_token}/join")
    # Two votes to overtake: the phone's, then a member's in Slack.
    phone.locator(f"#q{second.id} button").click()
    phone.wait_for_selector(f"#q{second.id} >> text=Retirer mon vote")
    cafes(bot).vote(second.id, "U2")
    board.wait_for_function(
        "(text) => document.querySelector('#questions li .text').textContent === text", arg=second.text, timeout=LIVE + 500
    )
    assert board.evaluate("window.loadedOnce") is True  # the same page: no reload
    assert board_order(board) == [second.text, first.text]


def test_a_vote_in_slack_shows_on_the_open_board_within_two_seconds(bot: BotHarness, context) -> None:
    cafe = open_cafe(bot)
    hostile = 'Quels outils libres <img src=x onerror="window.pwned=1"> pour commencer ?'
    question = cafes(bot).submit(cafe.id, MEMBER, hostile).question
    board = context().new_page()
    board.goto(f"{bot.url}/cafe/{cafe.web_token}/board")
    board.wait_for_selector("#live:not([hidden])")  # polling
    action = {"action_id": "cafe_vote", "value": str(question.id), "block_id": f"cafe_list_{question.id}", "type": "button"}
    started = time.monotonic()
    bot.client.block_action(FACILITATOR, action)  # acked at once; the vote is stored by the lazy listener
    board.wait_for_function("() => document.querySelector('#questions li .count b').textContent === '1'", timeout=LIVE)
    assert time.monotonic() - started < LIVE / 1000
    # Member text is text, before and after the live update: shown as written, never run.
    assert board.inner_text("#questions li .text") == hostile
    assert board.evaluate("typeof window.pwned") == "undefined"


def test_a_question_from_the_join_page_reaches_the_facilitators_list_in_slack(bot: BotHarness, context) -> None:
    cafe = open_cafe(bot)
    phone = context().new_page()
    phone.goto(f"{bot.url}/cafe/{cafe.web_token}/join")
    phone.fill("#text", "Comment parler d'IA à nos bénévoles sans les inquiéter ?")
    phone.fill("#name", "Inès")
    phone.click("#ask button[type=submit]")
    phone.wait_for_selector("text=après relecture")
    _, key = bot.command(FACILITATOR, "/cafe", "questions")
    listed = json.dumps(bot.responses(key)[-1]["blocks"], ensure_ascii=False)
    assert "Comment parler d'IA à nos bénévoles sans les inquiéter ?" in listed and "Inès" in listed
    assert "Approuver" in listed  # waits for a facilitator, as web questions do by default


def test_closing_the_cafe_stops_the_join_page_and_the_board_says_so(bot: BotHarness, context) -> None:
    cafe = open_cafe(bot)
    phone, board = context().new_page(), context().new_page()
    phone.goto(f"{bot.url}/cafe/{cafe.web_token}/join")
    board.goto(f"{bot.url}/cafe/{cafe.web_token}/board")
    assert board.locator("#closed").is_hidden()
    without_js = Browser(bot.url)
    csrf = without_js.open(f"/cafe/{cafe.web_token}/join").csrf()
    bot.command(FACILITATOR, "/cafe", "close")
    board.wait_for_selector("#closed:not([hidden])", timeout=LIVE)
    assert "close" in board.inner_text("#closed")
    phone.wait_for_selector("#closed:not([hidden])", timeout=LIVE)
    assert phone.locator("#ask").count() == 0  # the form is gone, live
    late = without_js.open(f"/cafe/{cafe.web_token}/ask", {"csrf": csrf, "text": "Une question juste après la fin ?"})
    assert late.status == 409 and "est fermée" in late.body and "Une question juste après la fin ?" in late.body
    assert cafes(bot).questions(cafe.id, moderation=True) == []
