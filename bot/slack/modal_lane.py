"""Modals open within the trigger_id's 3 s, ahead of slow work.

Slack refuses a trigger_id 3 s after the click. A listener that opens a modal acks, then opens it
in a lazy function marked `opens_modal`: that function runs at once in a lane of its own, in this
process. It never queues in the main pool behind answers and digests, and is never stored for
the worker (BACKGROUND_WORK=worker), where it would wait its turn: under load `views.open` came
6.2 s after the click. Nor does it run in the ack lane, which only acks: a slow Slack there held
back every other command's ack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.lazy_listener.thread_runner import ThreadLazyListenerRunner
from slack_bolt.request import BoltRequest

MODAL_THREADS = 4
_MARK = "sogabot_opens_modal"


def opens_modal(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a lazy function that opens a modal (first, before any slow work)."""
    setattr(func, _MARK, True)
    return func


def is_modal_opener(func: Callable[..., Any]) -> bool:
    return bool(getattr(func, _MARK, False))


class ModalLaneRunner(LazyListenerRunner):
    """Bolt's lazy runner: modal openers to the modal lane, everything else to `rest`."""

    def __init__(self, logger: logging.Logger, rest: LazyListenerRunner, lane: Executor) -> None:
        self.logger = logger
        self._rest = rest
        self._modals = ThreadLazyListenerRunner(logger=logger, executor=lane)

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        (self._modals if is_modal_opener(function) else self._rest).start(function, request)
