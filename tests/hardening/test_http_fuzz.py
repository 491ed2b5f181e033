"""Property-based fuzzing of POST /slack/events with correctly SIGNED hostile bodies (an
unsigned one would stop at the 401 and test nothing): never a 5xx, never an ERROR logged by a
listener, and nothing stored from a rejected request. Entry points come from
bench.payloads.ENTRY_POINTS, where capabilities add theirs."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from functools import partial

from bench.payloads import BENCH_USERS, CAPABILITY_ENTRY_POINTS, ENTRY_POINTS, FORM, JSON
from bot.digest.service import workflow_for
from bot.store.models import ProcessedEvent
from tests.bot.cafe.cafe_support import draft
from tests.bot.digest.helpers import WEEK
from tests.support import FACILITATOR, STAFF, BotHarness

# The capabilities' entry points again, sent by staff and facilitators, so that hostile values
# reach the code behind the permission checks too.
PRIVILEGED = [(f"{name} as {user}", partial(generator, user=user))
              for name, generator in CAPABILITY_ENTRY_POINTS for user in (STAFF, FACILITATOR)]

HOSTILE_TEXTS = [
    "<!channel> <!here> <!everyone> <!subteam^S0STAFF>", "<@U0STAFF> <#C0STAFF>", "<https://evil.example|cliquez ici>",
    "*gras* _it_ ~barré~ `code` ```bloc``` > citation", "&lt;!channel&gt;", "\u202eevil\u202c", "\x00\x01\x7f",
    "😀" * 500, "é" * 3000, "x" * 1_000_000, "", " ", "\ud7ff\ufffd\U0010ffff", "{{7*7}} ${jndi:ldap://x}",
    "'; DROP TABLE processed_events; --",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
hostile_text = st.sampled_from(HOSTILE_TEXTS) | st.text(max_size=200)


def _retype(data: object, path_choice: int, value: object) -> object:
    """Replace one field somewhere in the payload with a value of another type."""
    if isinstance(data, dict) and data:
        keys = sorted(data)
        key = keys[path_choice % len(keys)]
        copy = dict(data)
        copy[key] = value if path_choice % 3 == 0 else _retype(data[key], path_choice // 3, value)
        return copy
    if isinstance(data, list) and data:
        return [_retype(item, path_choice, value) if i == 0 else item for i, item in enumerate(data)]
    return value


@st.composite
def hostile_bodies(draw) -> tuple[bytes, str]:
    name, generator = draw(st.sampled_from(ENTRY_POINTS + PRIVILEGED))
    body, content_type = generator(draw(st.integers(0, 10_000)), "Z", draw(hostile_text))
    kind = draw(st.sampled_from(["text", "retyped", "dropped", "garbage", "json_value", "form"]))
    if kind == "text":
        return body, content_type
    if kind == "garbage":
        return draw(st.binary(max_size=300)), draw(st.sampled_from([JSON, FORM, "text/plain"]))
    if kind == "json_value":
        return json.dumps(draw(json_values)).encode(), JSON
    if kind == "form":
        fields = draw(st.dictionaries(st.sampled_from(["payload", "command", "text", "user_id", "type", "x"]), st.text(max_size=40), max_size=4))
        return urlencode(fields).encode(), FORM
    # Mutate the structure: retype or drop a field, at the top or deep inside.
    if content_type == JSON:
        data = json.loads(body)
    else:
        from urllib.parse import parse_qsl

        data = dict(parse_qsl(body.decode()))
        if "payload" in data:
            data["payload"] = json.loads(data["payload"])
    choice = draw(st.integers(0, 500))
    mutated = _retype(data, choice, draw(json_values)) if kind == "retyped" else {
        k: v for i, (k, v) in enumerate(sorted(data.items())) if i != choice % max(1, len(data))}
    if content_type == JSON:
        return json.dumps(mutated).encode(), JSON
    fields = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in (mutated if isinstance(mutated, dict) else {"payload": mutated}).items()}
    return urlencode(fields).encode(), FORM


def _ledger_rows(bot: BotHarness) -> int:
    with bot.services.db.read_session() as session:
        return session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0


def _something_to_act_on(bot: BotHarness) -> None:
    """An open café with a question and a digest draft, so well-formed ids find real rows."""
    cafes = bot.services.extras["cafe"]
    if not cafes.cafes():
        cafe = cafes.create_cafe(FACILITATOR, draft())
        cafes.submit(cafe.id, BENCH_USERS[1], "Quels financements pour un projet IA ?", anonymous=False)
        workflow_for(bot.services).run_weekly(WEEK)


@settings(max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(request=hostile_bodies())
def test_signed_hostile_bodies_never_get_a_5xx_or_an_unhandled_error(bot: BotHarness, caplog, request) -> None:
    body, content_type = request
    # The payloads' response_url points nowhere; aim it at the stand-in, as Slack's would work.
    for nowhere, standin in ((b"http://127.0.0.1:9", bot.slack.url), (b"http%3A%2F%2F127.0.0.1%3A9", quote(bot.slack.url, safe=""))):
        body = body.replace(nowhere, standin.encode() if isinstance(standin, str) else standin)
    for user in BENCH_USERS:  # the payloads' senders, so well-formed requests reach the real paths
        if user not in bot.slack.ws.users:
            bot.slack.add_user(user, user.lower())
    _something_to_act_on(bot)
    caplog.clear()
    before = _ledger_rows(bot)
    with caplog.at_level(logging.ERROR):
        result = bot.client.post(body, content_type)
        bot.wait_idle()
    assert result.status < 500, result.body[:200]
    # Errors Slack's answers explain are fair (a forged response_url, an unknown channel);
    # anything else at ERROR is a crash in our code.
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and "could not tell" not in r.getMessage()
              and not (r.exc_info and type(r.exc_info[1]).__name__ in ("SlackApiError", "URLError"))]
    assert not errors, [r.getMessage() for r in errors]
    if result.status != 200:
        assert _ledger_rows(bot) == before  # a rejected request leaves nothing behind
