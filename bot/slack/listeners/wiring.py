"""How a capability's listeners reach Bolt: one table of rows, each naming a module-level function.

A listener whose first parameter is `ctx` gets the capability's context (what it needs: the
services, its domain objects), bound at registration; Bolt injects the other parameters by
name. A bound function keeps its own name, which Bolt uses to find a lazy function again when
the worker runs stored work (bot.core.worker).
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App

from bot.core.runtime import FailureReporter, reported
from bot.core.services import Services

Key = str | re.Pattern[str]


@dataclass(frozen=True)
class Listener:
    """`kind` is the Bolt method (command, action, view, shortcut). `lazy` runs after the ack,
    in the main pool; without it `ack` is the whole listener, and `report` says whether its
    failure is told to the member by `reported` (else by the app's error handler)."""

    kind: str
    key: Key
    ack: Callable[..., Any]
    lazy: Callable[..., Any] | None = None
    report: bool = False


@dataclass(frozen=True)
class EventHandler:
    """A router handler (bot.core.runtime.EventRouter): an observer, or a responder by priority."""

    event_type: str
    handler: Callable[..., Any]
    priority: int | None = None  # None: an observer


def command(key: Key, ack: Callable[..., Any], lazy: Callable[..., Any] | None = None, *, report: bool = False) -> Listener:
    return Listener("command", key, ack, lazy, report)


def action(key: Key, ack: Callable[..., Any], lazy: Callable[..., Any] | None = None, *, report: bool = False) -> Listener:
    return Listener("action", key, ack, lazy, report)


def view(key: Key, ack: Callable[..., Any], lazy: Callable[..., Any] | None = None, *, report: bool = False) -> Listener:
    return Listener("view", key, ack, lazy, report)


def shortcut(key: Key, ack: Callable[..., Any], lazy: Callable[..., Any] | None = None, *, report: bool = False) -> Listener:
    return Listener("shortcut", key, ack, lazy, report)


def observe(event_type: str, handler: Callable[..., Any]) -> EventHandler:
    return EventHandler(event_type, handler)


def respond(event_type: str, handler: Callable[..., Any], priority: int = 50) -> EventHandler:
    return EventHandler(event_type, handler, priority)


def ack_only(ack):
    ack()


def bind(func: Callable[..., Any], ctx: Any) -> Callable[..., Any]:
    """`func` with `ctx` as its first argument when it asks for one (a parameter named `ctx`)."""
    if next(iter(inspect.signature(func).parameters), None) != "ctx":
        return func
    bound = functools.partial(func, ctx)  # its signature drops `ctx`, which Bolt must not see
    bound.__name__ = func.__name__  # type: ignore[attr-defined]
    bound.__qualname__ = func.__qualname__  # type: ignore[attr-defined]
    return bound


def install(app: App, services: Services, ctx: Any, tell: FailureReporter, listeners: Iterable[Listener] = (),
            events: Iterable[EventHandler] = (), home: Iterable[tuple[int, Callable[..., Any]]] = ()) -> None:
    """Register a capability's table: Bolt listeners, router handlers and App Home sections."""
    for row in listeners:
        register = getattr(app, row.kind)(row.key)
        ack = bind(row.ack, ctx)
        if row.lazy is not None:
            register(ack=ack, lazy=[reported(bind(row.lazy, ctx), tell)])
        else:
            register(reported(ack, tell) if row.report else ack)
    for event in events:
        handler = bind(event.handler, ctx)
        if event.priority is None:
            services.router.observe(event.event_type, handler)
        else:
            services.router.respond(event.event_type, handler, priority=event.priority)
    for order, section in home:
        services.add_home_section(order, bind(section, ctx))
