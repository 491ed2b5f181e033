"""What comes in from Slack, made safe to read and to store, before any listener sees it.

- Nesting is bounded: JSON nested deeper than anything Slack sends is refused (400) at the edge,
  before Bolt walks it; deep enough, `json.loads` itself raises RecursionError.
- NUL and lone surrogates are dropped from every string: JSON allows both (`\\u0000`,
  `\\ud800`), and PostgreSQL refuses both (text can't hold NUL; a lone surrogate can't be
  encoded in UTF-8), so a question carrying one failed with "Oups" on PostgreSQL only.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

# Slack's deepest payloads (a modal's rich text inside its state) nest under 20.
MAX_JSON_DEPTH = 64
# What JSON may carry in a string that a database refuses: NUL, and a surrogate code point
# (json.loads joins a valid pair into one character, so any left is a lone one).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The escapes (in JSON) and encodings (in a form) that can produce one: a body without any of
# them needs no walk, which keeps the ack path as cheap as before.
_MAY_HOLD_UNSTORABLE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])|%00|\x00")


def may_be_too_deep(raw_body: str) -> bool:
    """False when the body has too few brackets to nest past MAX_JSON_DEPTH (most bodies)."""
    openers = sum(raw_body.count(opener) for opener in ("{", "[", "%7B", "%7b", "%5B", "%5b"))
    return openers > MAX_JSON_DEPTH


def nesting_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep `value` nests, counting up to `limit + 1` (without recursion: it is what's bounded)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def storable(text: str) -> str:
    return _UNSTORABLE.sub("", text)


def make_storable(value: Any) -> bool:
    """Make every string in `value` (keys too) storable, in place; whether anything changed."""
    changed, stack = False, [value]
    while stack:
        item = stack.pop()
        pairs = list(item.items()) if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for key, child in pairs:
            if isinstance(key, str) and _UNSTORABLE.search(key):
                del item[key]
                key, changed = storable(key), True
                item[key] = child
            if isinstance(child, str):
                if _UNSTORABLE.search(child):
                    item[key], changed = storable(child), True
            elif isinstance(child, (dict, list)):
                stack.append(child)
    return changed


def _encoded_like(request, body: dict[str, Any]) -> str:
    """`body` written back in the form Bolt parsed the raw body from (slack_bolt's parse_body)."""
    raw = request.raw_body
    if request.content_type == "application/json" or raw.startswith("{"):
        return json.dumps(body, ensure_ascii=False)
    if "payload" in dict(parse_qsl(raw, keep_blank_values=True)):
        return urlencode({"payload": json.dumps(body, ensure_ascii=False)})
    return urlencode(body)


def storable_strings(request, next):
    """Bolt middleware, first of all (after Bolt's own, which check the signature): the body
    every listener reads holds no unstorable string. Bolt re-reads the raw body for each lazy
    listener, and the ledger stores it, so that is rewritten too. A stored request (the worker's,
    bot.core.worker) comes through here again."""
    raw = request.raw_body
    if (not raw or _MAY_HOLD_UNSTORABLE.search(raw)) and make_storable(request.body) and raw:
        request.raw_body = _encoded_like(request, request.body)
    return next()
