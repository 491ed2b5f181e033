"""Plumbing shared by every listener: the worker pool, error reporting and the event router."""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


class TrackingExecutor(ThreadPoolExecutor):
    """A thread pool that knows when it is idle, so the console and tests can wait for the bot.

    `lane()` gives another pool whose work counts here too: wait_idle() waits for both, and
    shutdown() stops both. Bolt runs the ack functions of commands, buttons and modals in the
    "ack" lane, and lazy listeners and event handlers in this pool, so that an ack never waits
    behind slow work (an LLM answer, a digest build)."""

    def __init__(self, max_workers: int = 16, *, name: str = "sogabot-listener", parent: "TrackingExecutor | None" = None) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=name)
        self._parent = parent
        self._lanes: list[TrackingExecutor] = []
        self._pending = 0
        self._idle = threading.Condition()

    def lane(self, max_workers: int, name: str) -> "TrackingExecutor":
        lane = TrackingExecutor(max_workers, name=name, parent=self)
        self._lanes.append(lane)
        return lane

    def submit(self, fn, /, *args, **kwargs) -> Future:
        tracker = self._parent or self
        with tracker._idle:
            tracker._pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(tracker._done)
        return future

    def _done(self, _future: Future) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        for lane in self._lanes:
            lane.shutdown(wait=wait, cancel_futures=cancel_futures)
        super().shutdown(wait=wait, cancel_futures=cancel_futures)

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def max_workers(self) -> int:
        return self._max_workers

    def wait_idle(self, timeout: float = 30.0) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)


# Called with (exception, body, client) when a listener fails, to tell the member.
FailureReporter = Callable[[BaseException, dict, Any], None]


def reported(func: Callable[..., Any], on_failure: FailureReporter) -> Callable[..., Any]:
    """Wrap a Bolt listener so that a failure is logged and the member is told, never silence.

    Bolt injects arguments by parameter name, so the wrapper advertises the listener's own
    parameters plus `body` and `client`, which it needs to reach the member.
    """
    signature = inspect.signature(func)
    own = set(signature.parameters)
    extra = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for name in ("body", "client")
        if name not in own
    ]

    def wrapper(**kwargs: Any) -> Any:
        try:
            return func(**{k: v for k, v in kwargs.items() if k in own})
        except Exception as exc:
            log.exception("listener %s failed", getattr(func, "__qualname__", func))
            try:
                on_failure(exc, kwargs.get("body") or {}, kwargs.get("client"))
            except Exception:
                log.exception("could not tell the member about the failure")
            return None

    wrapper.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *extra])  # type: ignore[attr-defined]
    wrapper.__name__ = getattr(func, "__name__", "listener")
    wrapper.__qualname__ = getattr(func, "__qualname__", wrapper.__name__)
    return wrapper


@dataclass
class SlackEvent:
    """What an event handler gets: the event, its envelope and a Web API client."""

    event: dict[str, Any]
    body: dict[str, Any]
    client: Any
    event_id: str | None = None

    @property
    def type(self) -> str:
        return self.event.get("type", "")

    @property
    def user(self) -> str | None:
        return self.event.get("user")


EventHandler = Callable[[SlackEvent], Any]


@dataclass
class EventRouter:
    """Several capabilities react to the same Slack event, but Bolt runs only the first listener
    that matches. So each event type gets one Bolt listener, which runs every *observer* (e.g.
    growth counts a message) and then the *responders* in order until one returns True (e.g. the
    café intake claims "question pour le café : …" before the Q&A answers the DM)."""

    observers: dict[str, list[EventHandler]] = field(default_factory=dict)
    responders: dict[str, list[tuple[int, EventHandler]]] = field(default_factory=dict)

    def observe(self, event_type: str, handler: EventHandler) -> None:
        self.observers.setdefault(event_type, []).append(handler)

    def respond(self, event_type: str, handler: EventHandler, priority: int = 50) -> None:
        """Lower priority runs first."""
        self.responders.setdefault(event_type, []).append((priority, handler))
        self.responders[event_type].sort(key=lambda pair: pair[0])

    def event_types(self) -> list[str]:
        return sorted(set(self.observers) | set(self.responders))

    def dispatch(self, slack_event: SlackEvent, effects: Any = None) -> bool:
        """Run observers, then responders; True when a responder handled the event.

        An observer's failure is logged and does not stop the others; a responder's failure
        propagates so the member hears about it. `effects` (bot.core.effects.EventEffects):
        on a retried attempt, observers that already ran before a crash don't run again.
        """
        observers = self.observers.get(slack_event.type, [])
        if observers and effects is not None and effects.observers_done():
            log.info("event %s: its observers ran before a crash; not run again", slack_event.event_id)
        else:
            self._observe(slack_event, observers)
            if observers and effects is not None:
                effects.observers_ran()
        for _priority, responder in self.responders.get(slack_event.type, []):
            if responder(slack_event):
                return True
        return False

    @staticmethod
    def _observe(slack_event: SlackEvent, observers: list[EventHandler]) -> None:
        for observer in observers:
            try:
                observer(slack_event)
            except Exception:
                log.exception("observer %s failed on %s", getattr(observer, "__qualname__", observer), slack_event.type)


HomeSection = Callable[[str, Any, str], list[dict[str, Any]]]  # (user_id, role, lang) -> blocks


# -- reading what a payload carries ---------------------------------------------------------
# Button values and a modal's private_metadata come back from Slack as the bot wrote them, but
# anyone holding the signing secret's output can't be assumed honest (a forged or stale
# payload). These read them without ever raising, so a bad value becomes "not found".
MAX_ID = 2**31 - 1  # a PostgreSQL integer


def payload_id(value: Any) -> int:
    """A row id from a payload value; 0 (which matches no row) for anything else."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        return 0
    return number if 0 < number <= MAX_ID else 0


def payload_json(text: Any) -> dict[str, Any]:
    """A JSON object from a payload string (a button value, private_metadata); {} otherwise."""
    import json

    if not isinstance(text, str) or not text:
        return {}
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
