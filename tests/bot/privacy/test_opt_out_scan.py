"""Opting out stops all collection at once: after it, no new row of any table holds the
member's id (issue #15), and /privacy says so."""

from __future__ import annotations

from sqlalchemy import String, Text, or_, select

from bot.store.registry import metadata
from tests.support import MEMBER, STAFF


def _rows_naming(db, user_id: str) -> set[tuple[str, str]]:
    """(table, row) of every row of every table with the id in any text column."""
    found = set()
    with db.engine.connect() as connection:
        for table in metadata().sorted_tables:
            texts = [c for c in table.columns if isinstance(c.type, (String, Text))]
            if not texts:
                continue
            for row in connection.execute(select(table).where(or_(*(c.contains(user_id, autoescape=True) for c in texts)))):
                found.add((table.name, repr(tuple(row))))
    return found


def _post(bot, user, channel, text, thread_ts=None):
    message = bot.slack.add_message(channel, user, text, thread_ts=thread_ts)
    bot.client.send_event(dict(message, channel=channel, channel_type="channel", event_ts=message["ts"]))
    bot.wait_idle()
    return message["ts"]


def test_after_opting_out_no_table_gets_a_new_row_with_the_members_id(bot) -> None:
    db = bot.services.db
    bot.client.block_action(MEMBER, {"type": "button", "action_id": "privacy_opt_out"}, channel_id=bot.slack.dm_channel(MEMBER))
    bot.wait_idle()
    before = _rows_naming(db, MEMBER)
    # Their own posts, a question, links, replies in others' threads and in theirs, reactions,
    # and someone else mentioning them.
    own = _post(bot, MEMBER, "C0ENTRAIDE", "Quelqu'un connaît un outil ? https://outil.example.org")
    _post(bot, STAFF, "C0ENTRAIDE", "oui, celui-ci", thread_ts=own)
    _post(bot, MEMBER, "C0ENTRAIDE", "merci !", thread_ts=own)
    other = _post(bot, STAFF, "C0GENERAL", f"Bienvenue à <@{MEMBER}> ! https://accueil.example.org")
    _post(bot, MEMBER, "C0GENERAL", "Merci à tous https://merci.example.org", thread_ts=other)
    for channel, ts in (("C0GENERAL", other), ("C0ENTRAIDE", own)):
        bot.client.send_event({"type": "reaction_added", "user": MEMBER, "reaction": "+1",
                               "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": bot.slack.next_ts()})
        bot.wait_idle()
    new = _rows_naming(db, MEMBER) - before
    # The members row itself may move (it holds the opt-out); nothing else may name them.
    assert {table for table, _row in new} <= {"members"}, new
    # Someone else's post is kept, without the id of the member it mentions.
    assert _rows_naming(db, STAFF)


def test_privacy_shows_that_collection_has_stopped(bot) -> None:
    bot.client.block_action(MEMBER, {"type": "button", "action_id": "privacy_opt_out"}, channel_id=bot.slack.dm_channel(MEMBER))
    bot.wait_idle()
    _result, key = bot.command(MEMBER, "/privacy")
    shown = " ".join(str(r) for r in bot.responses(key))
    assert "plus rien n'est collecté" in shown
