"""Member text echoed by the bot can't ping @channel/@here/@everyone, a user group or a person,
nor smuggle a link: capabilities pass it through bot.blocks.escape_mrkdwn."""

from __future__ import annotations

import re

from hypothesis import given, strategies as st

from bot.slack.blocks import escape_mrkdwn

SMUGGLED = ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S0STAFF|@staff>", "<@U0STAFF>", "<#C0STAFF|equipe>",
            "<https://evil.example|Cliquez ici>", "<mailto:x@evil.example|écrire>", "<!date^1392734382^{date}|x>"]
# Slack turns `<...>` into a mention, a broadcast or a link; escaped text must have none.
SPECIAL = re.compile(r"<[^>]*>")


def test_every_smuggled_control_sequence_is_neutralised() -> None:
    for text in SMUGGLED:
        escaped = escape_mrkdwn(f"question {text} merci")
        assert not SPECIAL.search(escaped), escaped
        assert "&lt;" in escaped  # still readable, as text


@given(st.text())
def test_no_member_text_survives_escaping_as_markup(text: str) -> None:
    escaped = escape_mrkdwn(text)
    assert "<" not in escaped and ">" not in escaped
    # Escaping is lossless: Slack shows the member exactly what they typed.
    assert escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text
