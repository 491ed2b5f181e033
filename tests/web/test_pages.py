"""The board and the join page over the real HTTP server, without a browser (forms only)."""

from __future__ import annotations

import time

import pytest

from bot.cafe.models import Question
from bot.web.board import SNAPSHOT_SECONDS
from bot.web.guard import RateLimiter
from tests.bot.cafe.cafe_support import cafes
from tests.support import BotHarness
from tests.web.web_support import Browser, open_cafe


@pytest.fixture
def cafe(bot: BotHarness):
    return open_cafe(bot)


def test_pages_live_under_the_token_only(bot: BotHarness, cafe) -> None:
    browser = Browser(bot.url)
    assert browser.open(f"/cafe/{cafe.web_token}/board").status == 200
    assert browser.open(f"/cafe/{cafe.web_token}/join").status == 200
    for path in (f"/cafe/{cafe.id}/board", "/cafe/" + "x" * 32 + "/board", f"/cafe/{cafe.web_token}/admin", "/", "/favicon.ico"):
        assert browser.open(path).status == 404, path


def test_a_question_sent_without_javascript_waits_for_approval_then_shows_on_the_board(bot: BotHarness, cafe) -> None:
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


def test_a_form_without_its_csrf_token_saves_nothing(bot: BotHarness, cafe) -> None:
    browser = Browser(bot.url)
    browser.open(f"/cafe/{cafe.web_token}/join")
    forged = browser.open(f"/cafe/{cafe.web_token}/ask", {"csrf": "forged", "text": "Une question"})
    assert forged.status == 403
    other = Browser(bot.url)
    stolen = other.open(f"/cafe/{cafe.web_token}/join").csrf()
    assert browser.open(f"/cafe/{cafe.web_token}/ask", {"csrf": stolen, "text": "Une question"}).status == 403
    with bot.services.db.session() as session:
        assert session.query(Question).count() == 0


def test_votes_count_once_per_browser_and_a_second_press_offers_to_withdraw(bot: BotHarness, cafe) -> None:
    question = cafes(bot).submit(cafe.id, "U0MEMBER", "Quelle gouvernance des données ?").question
    phone = Browser(bot.url)
    csrf = phone.open(f"/cafe/{cafe.web_token}/join").csrf()
    form = {"csrf": csrf, "question_id": str(question.id)}
    first = phone.open(f"/cafe/{cafe.web_token}/vote", form, {"Accept": "application/json"}).json()
    again = phone.open(f"/cafe/{cafe.web_token}/vote", form, {"Accept": "application/json"}).json()
    assert (first["already"], again["already"]) == (False, True) and "déjà voté" in again["notice"]
    assert cafes(bot).question(question.id).votes == 1
    page = phone.open(f"/cafe/{cafe.web_token}/vote", form)  # without JS: the page says it, with the button
    assert "déjà voté" in page.body and f'action="/cafe/{cafe.web_token}/unvote' in page.body
    phone.open(f"/cafe/{cafe.web_token}/unvote", form)
    assert cafes(bot).question(question.id).votes == 0
    Browser(bot.url).open(f"/cafe/{cafe.web_token}/join")  # another browser, another vote
    other = Browser(bot.url)
    other.open(f"/cafe/{cafe.web_token}/vote", {"csrf": other.open(f"/cafe/{cafe.web_token}/join").csrf(), "question_id": str(question.id)})
    assert cafes(bot).question(question.id).votes == 1


def test_a_question_of_another_cafe_cannot_be_voted_through_this_one(bot: BotHarness, cafe) -> None:
    elsewhere = open_cafe(bot, title="Autre café")
    question = cafes(bot).submit(elsewhere.id, "U0MEMBER", "Une question d'ailleurs").question
    phone = Browser(bot.url)
    csrf = phone.open(f"/cafe/{cafe.web_token}/join").csrf()
    refused = phone.open(f"/cafe/{cafe.web_token}/vote", {"csrf": csrf, "question_id": str(question.id)})
    assert refused.status == 400 and cafes(bot).question(question.id).votes == 0


def test_anonymous_questions_show_no_author_anywhere_on_the_pages(bot: BotHarness, cafe) -> None:
    bot.services.members.get("U0MEMBER")  # camille, known to the bot
    cafes(bot).submit(cafe.id, "U0MEMBER", "Question anonyme sur les salaires", anonymous=True)
    cafes(bot).submit(cafe.id, "U0FACIL", "Question signée sur les outils")
    bot.services.members.get("U0FACIL")
    time.sleep(SNAPSHOT_SECONDS)
    for path in ("board", "join", "state.json"):
        body = Browser(bot.url).open(f"/cafe/{cafe.web_token}/{path}").body
        assert "camille" not in body and "U0MEMBER" not in body and "U0FACIL" not in body, path
        assert "karim" in body, path
    rows = Browser(bot.url).open(f"/cafe/{cafe.web_token}/state.json").json()["questions"]
    assert {r["text"]: r["author"] for r in rows} == {"Question anonyme sur les salaires": None, "Question signée sur les outils": "karim"}


def test_the_rate_limit_refuses_a_flood_from_one_address_and_saves_nothing(slack, database_url, db, clock, tmp_path) -> None:
    from tests.support import make_settings

    harness = BotHarness(make_settings(slack, database_url, outbox_dir=tmp_path / "outbox", cafe_web_rate_limit=3,
                                       cafe_web_trust_proxy=True), db, slack, clock)
    try:
        cafe = open_cafe(harness)
        crowd = Browser(harness.url, address="198.51.100.7")
        csrf = crowd.open(f"/cafe/{cafe.web_token}/join").csrf()
        sent = [crowd.open(f"/cafe/{cafe.web_token}/ask", {"csrf": csrf, "text": f"Question numéro {i} sur un sujet {i}", "force": "1"}).status
                for i in range(5)]
        assert sent == [200, 200, 200, 429, 429]
        assert len(cafes(harness).questions(cafe.id, moderation=True)) == 3
        elsewhere = Browser(harness.url, address="203.0.113.9")  # another address has its own budget
        ok = elsewhere.open(f"/cafe/{cafe.web_token}/ask", {"csrf": elsewhere.open(f"/cafe/{cafe.web_token}/join").csrf(), "text": "Une autre question"})
        assert ok.status == 200
    finally:
        harness.close()


def test_the_rate_limiter_forgets_an_address_once_its_window_has_passed() -> None:
    now = [0.0]
    limiter = RateLimiter(2, window=60, clock=lambda: now[0])
    assert [limiter.allow("192.0.2.1") for _ in range(3)] == [True, True, False]
    assert limiter.addresses() == 1
    now[0] = 61.0
    assert limiter.addresses() == 0  # no address is kept beyond its window
    assert limiter.allow("192.0.2.1") is True


def test_pages_send_headers_that_keep_the_token_and_the_page_to_themselves(bot: BotHarness, cafe) -> None:
    page = Browser(bot.url).open(f"/cafe/{cafe.web_token}/join")
    headers = {k.lower(): v for k, v in page.headers.items()}
    assert headers["referrer-policy"] == "no-referrer" and headers["x-frame-options"] == "DENY"
    assert "script-src 'nonce-" in headers["content-security-policy"] and "unsafe-inline" not in headers["content-security-policy"]
    assert "HttpOnly" in headers["set-cookie"] and "SameSite=Lax" in headers["set-cookie"]
    assert Browser(bot.url).open(f"/cafe/{cafe.web_token}/vote").status == 405  # GET on a form's target


def test_a_similar_question_is_offered_for_a_vote_before_a_web_question_is_added(bot: BotHarness, cafe) -> None:
    cafes(bot).submit(cafe.id, "U0MEMBER", "Comment l'IA peut-elle aider les petites associations ?")
    phone = Browser(bot.url)
    csrf = phone.open(f"/cafe/{cafe.web_token}/join").csrf()
    offer = phone.open(f"/cafe/{cafe.web_token}/ask", {"csrf": csrf, "text": "Comment les petites associations peuvent-elles utiliser l'IA ?"})
    assert offer.status == 200 and "Une question proche existe déjà" in offer.body and "Envoyer la mienne quand même" in offer.body
    assert len(cafes(bot).questions(cafe.id, moderation=True)) == 1  # nothing saved yet
    anyway = phone.open(f"/cafe/{cafe.web_token}/ask", {"csrf": csrf, "force": "1", "text": "Comment les petites associations peuvent-elles utiliser l'IA ?"})
    assert anyway.status == 200 and "après relecture" in anyway.body
    assert len(cafes(bot).questions(cafe.id, moderation=True)) == 2
