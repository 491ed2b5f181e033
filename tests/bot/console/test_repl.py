"""The console, scripted through stdin as a person would type."""

from __future__ import annotations

import io

from bot.console.render import mrkdwn_to_text, render_blocks
from bot.console.repl import run_console
from bot.core.settings import Settings


def _run(script: str, database_url: str, tmp_path, role: str = "member") -> str:
    out = io.StringIO()
    settings = Settings(_env_file=None, database_url=database_url, outbox_dir=tmp_path / "outbox")
    assert run_console(settings, role=role, stdin=io.StringIO(script), stdout=out) == 0
    return out.getvalue()


def test_help_dm_and_unknown_command(database_url: str, tmp_path) -> None:
    shown = _run("help\nbonjour\n/nimportequoi\nquit\n", database_url, tmp_path)
    assert "a direct message to the bot" in shown
    assert "── SOGA in your DMs ──" in shown
    assert "Je ne connais pas la commande `/nimportequoi`" in shown
    assert "Traceback" not in shown


def test_roles_and_people(database_url: str, tmp_path) -> None:
    shown = _run("whoami\nas sofia\nwhoami\nas nobody\n", database_url, tmp_path, role="facilitator")
    assert "(U0CONSOLE, fr-FR, facilitator)" in shown
    assert "you are now sofia (staff)" in shown
    assert "unknown person 'nobody'" in shown


def test_english_member_gets_english(database_url: str, tmp_path) -> None:
    shown = _run("as alex\nhello\n", database_url, tmp_path)
    assert "Hello, I'm the SOGA bot" in shown or "HELLO, I'M THE SOGA BOT" in shown


def test_mrkdwn_is_simplified() -> None:
    names = {"U1": "camille"}.get
    text = mrkdwn_to_text("*Gras* et _italique_ <https://soga.eu|le site> <@U1> <!here> &lt;b&gt; snake_case_name", lambda u: names(u, u))
    assert text == "Gras et italique le site (https://soga.eu) @camille @here <b> snake_case_name"


def test_buttons_are_numbered_in_order() -> None:
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Q"}, "accessory": {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "Voter"}}},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": "b", "text": {"type": "plain_text", "text": "👍"}},
            {"type": "button", "action_id": "c", "text": {"type": "plain_text", "text": "👎"}},
        ]},
    ]
    rendered = render_blocks(blocks)
    assert [element["action_id"] for _label, element, _block in rendered.buttons] == ["a", "b", "c"]
    assert "(2) 👍   (3) 👎" in "\n".join(rendered.lines)


def test_citations_are_not_mistaken_for_buttons() -> None:
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "DIGISET est financé par COSME. [1]"}},
        {"type": "actions", "elements": [{"type": "button", "action_id": "kb_up", "text": {"type": "plain_text", "text": "👍"}}]},
    ]
    lines = "\n".join(render_blocks(blocks, first_button=7).lines)
    assert "COSME. [1]" in lines and "(7) 👍" in lines
