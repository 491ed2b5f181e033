"""The board and the join page in a real browser (Chromium): live order, votes, submissions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bot.cafe.cafe_support import cafes
from tests.support import FACILITATOR, MEMBER, BotHarness
from tests.web.browser import chromium  # noqa: F401 - the fixture
from tests.web.web_support import open_cafe

LIVE = 2000  # ms: the bound for the board to follow a vote


@pytest.fixture
def context(chromium):  # type: ignore[no-untyped-def]
    made: list[Any] = []

    def new() -> Any:
        made.append(chromium.new_context(viewport={"width": 1280, "height": 720}))
        return made[-1]

    yield new
    for ctx in made:
        ctx.close()


def board_order(page: Any) -> list[str]:
    return page.locator("#questions li .text").all_inner_texts()


def test_a_vote_from_another_browser_reorders_the_open_board_without_reload(bot: BotHarness, context) -> None:  # type: ignore[no-untyped-def]
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
