"""The café's web pages as a WSGI app: the presenter board and the participant join page.

Routes, all under /cafe/<token>/ (anything else is a 404):
- GET board, GET join: the pages (server-rendered, usable without JavaScript);
- GET state.json: what both pages poll for live updates (ETag, 304 when nothing changed);
- POST ask, vote, unvote: plain forms (303 back to the join page), or JSON when the page's
  script asks for it. Each POST needs the browser cookie, a CSRF token bound to it, and a
  place in the address's rate limit.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import segno
from jinja2 import Environment, PackageLoader, select_autoescape

from bot.cafe.service import CafeService
from bot.cafe.values import MAX_QUESTION_CHARS, MAX_WEB_NAME_CHARS, WEB_AUTHOR_PREFIX, CafeError
from bot.cafe.texts import CAFE
from bot.web.board import BOARD_TOP, BoardFeed, state_json
from bot.web.guard import BROWSER_COOKIE, BROWSER_COOKIE_DAYS, BrowserIds, RateLimiter
from bot.web.texts import WEB

ROUTE = re.compile(r"^/cafe/(?P<token>[A-Za-z0-9_-]{16,64})/(?P<page>board|join|state\.json|ask|vote|unvote)$")
MAX_FORM_BYTES = 16 * 1024
POLL_MS = 1000

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


class Reply:
    def __init__(self, status: str, body: bytes | str = b"", content_type: str = "text/html; charset=utf-8",
                 headers: list[tuple[str, str]] | None = None) -> None:
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.headers = [("Content-Type", content_type), *(headers or [])]


class Request:
    def __init__(self, environ: Environ, token: str, page: str) -> None:
        self.environ = environ
        self.token = token
        self.page = page
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        self.query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        self.form: dict[str, str] = {}
        self.wants_json = "application/json" in environ.get("HTTP_ACCEPT", "")
        try:
            cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
            self.cookies = {k: m.value for k, m in cookie.items()}
        except CookieError:
            self.cookies = {}


class CafeWeb:
    def __init__(self, cafes: CafeService, feed: BoardFeed, browsers: BrowserIds, limiter: RateLimiter, *,
                 public_url: str | None = None, trust_proxy: bool = False,
                 on_question: Callable[[int], None] | None = None) -> None:
        self.cafes = cafes
        self.feed = feed
        self.browsers = browsers
        self.limiter = limiter
        self.public_url = public_url.rstrip("/") if public_url else None
        self.trust_proxy = trust_proxy
        self.on_question = on_question or (lambda _cafe_id: None)
        self.templates = Environment(loader=PackageLoader("bot.web", "templates"),
                                     autoescape=select_autoescape(default=True, default_for_string=True))

    # -- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        match = ROUTE.match(environ.get("PATH_INFO", ""))
        request = Request(environ, match["token"], match["page"]) if match else None
        nonce = secrets.token_urlsafe(12)
        if request is None:
            reply = self._message("404 Not Found", "not_found", "fr", nonce)
        else:
            reply = self._handle(request, nonce)
        headers = reply.headers + [
            ("Content-Length", str(len(reply.body))),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            # The token is in the address: never send it on to another site.
            ("Referrer-Policy", "no-referrer"),
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy",
             f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
             "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
        ]
        start_response(reply.status, headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [reply.body]

    def _handle(self, request: Request, nonce: str) -> Reply:
        get_pages, post_pages = ("board", "join", "state.json"), ("ask", "vote", "unvote")
        allowed = get_pages if request.page in get_pages else post_pages
        if request.method not in (("GET", "HEAD") if allowed is get_pages else ("POST",)):
            return Reply("405 Method Not Allowed", "method not allowed", "text/plain",
                         [("Allow", "GET, HEAD" if allowed is get_pages else "POST")])
        try:
            snapshot = self.feed.snapshot(request.token)
        except CafeError:
            return self._message("404 Not Found", "not_found", "fr", nonce)
        lang = self._lang(request, snapshot.cafe.language)
        if request.page == "board":
            return self._board(request, lang, nonce)
        if request.page == "state.json":
            return self._state(request, lang)
        browser_id = self.browsers.read(request.cookies.get(BROWSER_COOKIE))
        if request.page == "join":
            return self._join(request, lang, nonce, browser_id)
        return self._post(request, lang, nonce, browser_id)

    # -- pages -----------------------------------------------------------------------------
    def _board(self, request: Request, lang: str, nonce: str) -> Reply:
        snapshot = self.feed.snapshot(request.token)
        join_url = self._url(request, "join")
        html = self._render("board.html.j2", request, lang, nonce, snapshot=snapshot,
                            state=state_json(snapshot, lang, top=BOARD_TOP), join_url=join_url,
                            qr=segno.make(join_url, error="m").svg_inline(border=2, dark="#000", light="#fff", omitsize=True))
        return Reply("200 OK", html)

    def _join(self, request: Request, lang: str, nonce: str, browser_id: str | None, *, status: str = "200 OK",
              **context: Any) -> Reply:
        headers = []
        if browser_id is None:
            browser_id = self.browsers.new()
            headers.append(("Set-Cookie", self._cookie(request, browser_id)))
        snapshot = self.feed.snapshot(request.token)
        voted = self.cafes.voted_by(snapshot.cafe.id, WEB_AUTHOR_PREFIX + browser_id)
        notice = request.query.get("notice")
        if notice not in ("sent_visible", "sent_pending", "already_voted", "vote_counted", "vote_withdrawn"):
            notice = None
        focus = _int(request.query.get("q"))
        html = self._render("join.html.j2", request, lang, nonce, snapshot=snapshot,
                            state=state_json(snapshot, lang, voted=voted), voted=voted,
                            csrf=self.browsers.csrf_token(browser_id), notice=notice, focus=focus,
                            max_chars=MAX_QUESTION_CHARS, max_name=MAX_WEB_NAME_CHARS, **context)
        return Reply(status, html, headers=headers)

    def _state(self, request: Request, lang: str) -> Reply:
        snapshot = self.feed.snapshot(request.token)
        voted = None
        browser_id = self.browsers.read(request.cookies.get(BROWSER_COOKIE))
        if request.query.get("view") == "join" and browser_id:
            voted = self.cafes.voted_by(snapshot.cafe.id, WEB_AUTHOR_PREFIX + browser_id)
        top = BOARD_TOP if request.query.get("view") == "board" else None
        data = state_json(snapshot, lang, voted=voted, top=top)
        etag = '"' + snapshot.version + ("-" + ",".join(map(str, sorted(voted))) if voted else "") + lang + '"'
        if request.environ.get("HTTP_IF_NONE_MATCH") == etag:
            return Reply("304 Not Modified", b"", "application/json", [("ETag", etag)])
        return Reply("200 OK", json.dumps(data, ensure_ascii=False), "application/json; charset=utf-8", [("ETag", etag)])

    # -- forms -----------------------------------------------------------------------------
    def _post(self, request: Request, lang: str, nonce: str, browser_id: str | None) -> Reply:
        try:
            length = int(request.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_FORM_BYTES:
            return self._refuse(request, "413 Payload Too Large", "too_large", lang, nonce)
        body = request.environ["wsgi.input"].read(length) if length else b""
        request.form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        if not self.browsers.csrf_ok(request.form.get("csrf"), browser_id):
            return self._refuse(request, "403 Forbidden", "expired", lang, nonce)
        if not self.limiter.allow(self._address(request)):
            return self._refuse(request, "429 Too Many Requests", "too_many", lang, nonce)
        assert browser_id is not None
        voter = WEB_AUTHOR_PREFIX + browser_id
        cafe = self.feed.cafe(request.token)
        try:
            if request.page == "ask":
                return self._ask(request, lang, nonce, browser_id, voter, cafe.id)
            question_id = _int(request.form.get("question_id"))
            if question_id is None or self.cafes.question(question_id).cafe_id != cafe.id:
                raise CafeError("unknown_question")
            result = (self.cafes.vote if request.page == "vote" else self.cafes.unvote)(question_id, voter)
        except CafeError as exc:
            return self._cafe_error(request, exc, lang, nonce, browser_id)
        finally:
            self.feed.forget(request.token)
        notice = "already_voted" if result.already else ("vote_counted" if result.voted else "vote_withdrawn")
        if request.wants_json:
            data = state_json(self.feed.snapshot(request.token), lang, voted=self.cafes.voted_by(cafe.id, voter))
            data.update(notice=WEB(notice, lang), already=result.already, question_id=question_id)
            return Reply("200 OK", json.dumps(data, ensure_ascii=False), "application/json; charset=utf-8")
        return self._back(request, notice=notice, q=question_id)

    def _ask(self, request: Request, lang: str, nonce: str, browser_id: str, voter: str, cafe_id: int) -> Reply:
        text = request.form.get("text", "")
        name = request.form.get("name", "")
        submission = self.cafes.submit(cafe_id, voter, text, force=request.form.get("force") == "1", author_name=name)
        if submission.question is None:
            return self._join(request, lang, nonce, browser_id, similar=submission.similar, draft=text, draft_name=name)
        self.feed.forget(request.token)
        self.on_question(cafe_id)
        return self._back(request, notice="sent_pending" if submission.question.status == "pending" else "sent_visible")

    def _cafe_error(self, request: Request, exc: CafeError, lang: str, nonce: str, browser_id: str) -> Reply:
        message = CAFE(exc.code, lang, **exc.values)
        status = "409 Conflict" if exc.code in ("intake_closed", "votes_closed") else "400 Bad Request"
        if request.wants_json:
            return Reply(status, json.dumps({"error": message}, ensure_ascii=False), "application/json; charset=utf-8")
        # The page again, with what the participant wrote still in the form: nothing is lost.
        return self._join(request, lang, nonce, browser_id, status=status, error=message,
                          draft=request.form.get("text", ""), draft_name=request.form.get("name", ""))

    def _refuse(self, request: Request, status: str, key: str, lang: str, nonce: str) -> Reply:
        if request.wants_json:
            return Reply(status, json.dumps({"error": WEB(key, lang)}, ensure_ascii=False), "application/json; charset=utf-8")
        return self._message(status, key, lang, nonce, back=self._url(request, "join"))

    def _back(self, request: Request, **query: Any) -> Reply:
        target = f"/cafe/{request.token}/join?" + urlencode({k: v for k, v in query.items() if v is not None})
        if "lang" in request.query:
            target += "&lang=" + quote(request.query["lang"])
        anchor = f"#q{query['q']}" if query.get("q") else "#ask"
        return Reply("303 See Other", b"", "text/plain", [("Location", target + anchor)])

    # -- helpers ---------------------------------------------------------------------------
    def _message(self, status: str, key: str, lang: str, nonce: str, back: str | None = None) -> Reply:
        html = self.templates.get_template("message.html.j2").render(lang=lang, t=_texts(lang), nonce=nonce, message=WEB(key, lang), back=back)
        return Reply(status, html)

    def _render(self, template: str, request: Request, lang: str, nonce: str, **context: Any) -> str:
        other = "en" if lang == "fr" else "fr"
        return self.templates.get_template(template).render(
            lang=lang, t=_texts(lang), nonce=nonce, token=request.token, poll_ms=POLL_MS,
            other_lang_url=f"/cafe/{request.token}/{request.page if request.page in ('board', 'join') else 'join'}?lang={other}",
            **context,
        )

    def _lang(self, request: Request, default: str) -> str:
        lang = request.query.get("lang") or request.form.get("lang")
        return lang if lang in ("fr", "en") else default

    def _url(self, request: Request, page: str) -> str:
        if self.public_url:
            base = self.public_url
        else:
            environ = request.environ
            scheme = self._forwarded(environ, "HTTP_X_FORWARDED_PROTO") or environ.get("wsgi.url_scheme", "http")
            host = self._forwarded(environ, "HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
            base = f"{scheme}://{host}"
        return f"{base}/cafe/{request.token}/{page}"

    def _forwarded(self, environ: Environ, key: str) -> str | None:
        return environ.get(key, "").split(",")[0].strip() or None if self.trust_proxy else None

    def _address(self, request: Request) -> str:
        """The address the rate limit counts: behind a platform's router (CAFE_WEB_TRUST_PROXY)
        the last X-Forwarded-For hop, the one the router itself added; else the peer."""
        environ = request.environ
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "") if self.trust_proxy else ""
        return forwarded.split(",")[-1].strip() or environ.get("REMOTE_ADDR", "?")

    def _cookie(self, request: Request, browser_id: str) -> str:
        secure = self._url(request, "join").startswith("https://")
        return (f"{BROWSER_COOKIE}={self.browsers.cookie(browser_id)}; Path=/cafe/; Max-Age={BROWSER_COOKIE_DAYS * 86400}; "
                f"HttpOnly; SameSite=Lax" + ("; Secure" if secure else ""))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _texts(lang: str) -> Callable[..., str]:
    """The pages' texts; those Slack shows too ("Retirer mon vote", statuses) come from the café's."""
    return lambda key, **values: (WEB if key in WEB_KEYS else CAFE)(key, lang, **values)


WEB_KEYS = frozenset(WEB.keys())
