"""Modals open within the trigger_id's 3 s, and the ack lane only acks (bot/slack/modal_lane.py),
through the real HTTP server with signed requests and the Slack stand-in."""

from __future__ import annotations

import threading
import time

from bot.slack.blocks.privacy import ERASE
from tests.bot.cafe.cafe_support import make_cafe
from tests.support import MEMBER, BotHarness

TRIGGER_WINDOW = 3.0


def _press(bot: BotHarness, user: str, action_id: str, value: str = "") -> float:
    """Click a button; when the click was sent (Slack's trigger_id clock starts then)."""
    clicked = time.time()
    result = bot.client.block_action(user, {"type": "button", "action_id": action_id, "block_id": "b", "value": value},
                                     channel_id=bot.slack.dm_channel(user))
    assert result.status == 200
    return clicked


def _views_open_after(bot: BotHarness, clicked: float, count: int = 1) -> list[float]:
    calls = bot.slack.wait_for("views.open", count=count, timeout=15)
    return sorted(call.at - clicked for call in calls)


def test_a_slow_views_open_does_not_hold_back_other_acks(bot: BotHarness) -> None:
    """8 "Effacer mes données" presses with views.open answering in 4 s used to fill the 8-thread
    ack lane: an unrelated /cafe then waited for it (404 after 6 s)."""
    bot.slack.fail("views.open", kind="timeout", delay=4.0, times=8)
    threads = [threading.Thread(target=_press, args=(bot, MEMBER, ERASE)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    bot.slack.wait_for("views.open", count=4, timeout=5)  # the slow calls are under way
    result, _ = bot.client.command("/cafe", "", MEMBER, bot.slack.dm_channel(MEMBER))
    assert result.status == 200 and result.elapsed < 1.0
    bot.wait_idle(30)


def test_a_modal_opens_within_the_trigger_window_under_load(bot: BotHarness) -> None:
    """The main pool busy with slow answers (Slack slow to take them): the café's "poser une
    question" modal still opens at once, not after the answers ahead of it."""
    cafe = make_cafe(bot.services.extras["cafe"])
    bot.slack.fail("chat.postMessage|reactions.add|assistant", kind="timeout", delay=5.0, times=200)
    for n in range(40):
        message = bot.slack.add_message(bot.slack.dm_channel(MEMBER), MEMBER, f"Qui finance DIGISET ? {n}")
        bot.client.send_event(dict(message, channel=bot.slack.dm_channel(MEMBER), channel_type="im", event_ts=message["ts"]))
    clicked = _press(bot, MEMBER, "cafe_ask", str(cafe.id))
    (delay,) = _views_open_after(bot, clicked)
    assert delay < TRIGGER_WINDOW / 3, delay
    bot.slack.clear_faults()
    bot.wait_idle(60)


def test_with_a_worker_modals_open_in_the_web_process(settings, db, slack, clock) -> None:
    """BACKGROUND_WORK=worker: lazy work is stored for the worker, which takes it in turn; a
    modal opener is not stored, it opens the modal here and now (no worker runs in this test)."""
    bot = BotHarness(settings, db, slack, clock, queue_work=True)
    try:
        cafe = make_cafe(bot.services.extras["cafe"])
        clicked = _press(bot, MEMBER, "cafe_ask", str(cafe.id))
        (delay,) = _views_open_after(bot, clicked)
        assert delay < TRIGGER_WINDOW / 3
        assert bot.services.ledger.queue_depth()[0] == 0  # nothing left for the worker
    finally:
        bot.close()
