"""The board and the join page over the real HTTP server, without a browser (forms only)."""

from __future__ import annotations

import time

import pytest

from bot.cafe.models import Question
from bot.web.board import SNAPSHOT_SECONDS
from tests.bot.cafe.cafe_support import cafes
from tests.support import BotHarness
from tests.web.web_support import Browser, open_cafe


@pytest.fixture
def cafe(bot: BotHarness):  # type: ignore[no-untyped-def]
    return open_cafe(bot)


def test_pages_live_under_the_token_only(bot: BotHarness, cafe) -> None:  # type: ignore[no-untyped-def]
    browser = Browser(bot.url)
    assert browser.open(f"/cafe/{cafe.web_token}/board").status == 200
    assert browser.open(f"/cafe/{cafe.web_token}/join").status == 200
    for path in (f"/cafe/{cafe.id}/board", "/cafe/" + "x" * 32 + "/board", f"/cafe/{cafe.web_token}/admin", "/", "/favicon.ico"):
        assert browser.open(path).status == 404, path


def test_a_question_sent_without_javascript_waits_for_approval_then_shows_on_the_board(bot: BotHarness, cafe) -> None:  # type: ignore[no-untyped-def]
    browser = Browser(bot.url)
    join = browser.open(f"/cafe/{cafe.web_token}/join")
    sent = browser.open(f"/cafe/{cafe.web_token}/ask", {"csrf": join.csrf(), "text": "L'IA peut-elle <b>aider</b> les bénévoles ?", "name": "Inès"})
    assert sent.status == 200 and "après relecture" in sent.body
    board = Browser(bot.url).open(f"/cafe/{cafe.web_token}/board")
    assert "aider" not in board.body  # pending: not shown yet
    (pending,) = cafes(bot).questions(cafe.id, moderation=True)
    assert (pending.status, pending.author_name, pending.anonymous) == ("pending", "Inès", False)
    cafes(bot).moderate(pending.id, "approve")
    time.sleep(SNAPSHOT_SECONDS)  # boards share a snapshot this long
    board = Browser(bot.url).open(f"/cafe/{cafe.web_token}/board")
    assert "L&#39;IA peut-elle &lt;b&gt;aider&lt;/b&gt; les bénévoles ?" in board.body and "Inès" in board.body


def test_a_form_without_its_csrf_token_saves_nothing(bot: BotHarness, cafe) -> None:  # type: ignore[no-untyped-def]
    browser = Browser(bot.url)
    browser.open(f"/cafe/{cafe.web_token}/join")
    forged = browser.open(f"/cafe/{cafe.web_token}/ask", {"csrf": "forged", "text": "Une question"})
    assert forged.status == 403
    other = Browser(bot.url)
    stolen = other.open(f"/cafe/{cafe.web_token}/join").csrf()
    assert browser.open(f"/cafe/{cafe.web_token}/ask", {"csrf": stolen, "text": "Une question"}).status == 403
    with bot.services.db.session() as session:
        assert session.query(Question).count() == 0
