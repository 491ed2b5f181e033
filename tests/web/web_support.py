"""A participant's browser without a browser: a cookie jar and the forms' hidden fields."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html import unescape
from typing import Any

from bot.cafe.values import CafeInfo
from tests.bot.cafe.cafe_support import cafes, draft


@dataclass
class Page:
    status: int
    body: str
    headers: dict[str, str]

    def csrf(self) -> str:
        match = re.search(r'name="csrf" value="([^"]+)"', self.body)
        assert match, "no CSRF field on the page"
        return unescape(match.group(1))

    def json(self) -> Any:
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    def __init__(self, base: str, *, follow: bool = True, address: str | None = None) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        handlers: list[Any] = [urllib.request.HTTPCookieProcessor(self.jar)]
        if not follow:
            handlers.append(_NoRedirect())
        self.opener = urllib.request.build_opener(*handlers)
        self.address = address

    def open(self, path: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Page:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=dict(headers or {}))
        if self.address:
            request.add_header("X-Forwarded-For", self.address)
        try:
            with self.opener.open(request, timeout=10) as response:
                return Page(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Page(error.code, error.read().decode(), dict(error.headers))


def open_cafe(bot: Any, **changes: Any) -> CafeInfo:
    return cafes(bot).create_cafe("U0FACIL", draft(**changes))
