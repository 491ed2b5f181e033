"""An event's effects, recorded so that a re-run after a crash doesn't repeat them (#14, 2).

A handler killed after posting its reply, but before its event was marked done, is run again
by recovery (bot.core.event_ledger). Slack's Web API takes no idempotency key, so each post
of an event's handlers gets a deterministic key (the event id, and which post of the run it
is) and is recorded right after Slack accepted it; on a retried attempt a post whose key is
recorded is not sent again, and the handler gets the first post's channel and ts back (so it
updates that message rather than a new one). Observers (the growth counts, the digest's
notes) are recorded once they all ran: a retried attempt skips them, so nothing is counted
twice. What is left is the instant between an effect and its record.

A first attempt (nearly every event) reads nothing: it only writes the records.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from typing import Any

from bot.core.event_ledger import EventLedger

log = logging.getLogger(__name__)

OBSERVED = "observed"
POSTING_METHODS = ("chat_postMessage", "chat_postEphemeral")


class EventEffects:
    def __init__(self, ledger: EventLedger, event_id: str, *, retried: bool) -> None:
        self._ledger = ledger
        self._event_id = event_id
        self.retried = retried
        self._posts = itertools.count(1)
        self._lock = threading.Lock()

    def observers_done(self) -> bool:
        return self.retried and self._ledger.effect_done(self._event_id, OBSERVED)

    def observers_ran(self) -> None:
        self._ledger.claim_effect(self._event_id, OBSERVED)

    def client(self, client: Any) -> Any:
        return _OncePerEventClient(client, self)

    def post(self, send: Any, **kwargs: Any) -> Any:
        with self._lock:
            key = f"post{next(self._posts)}"
        if self.retried:
            done, result = self._ledger.effect_result(self._event_id, key)
            if done:
                log.info("event %s: %s was already sent before a crash; not sent again", self._event_id, key)
                return {"ok": True, "already_sent": True, **json.loads(result or "{}")}
        response = send(**kwargs)
        try:
            data = response.data if hasattr(response, "data") else response
            record = {"channel": data.get("channel"), "ts": data.get("ts") or data.get("message_ts")}
            self._ledger.claim_effect(self._event_id, key, json.dumps(record))
        except Exception:  # the post went out: not being able to record it must not fail the handler
            log.warning("event %s: could not record %s", self._event_id, key, exc_info=True)
        return response


class _OncePerEventClient:
    """The Web API client an event's handlers get: the same client, with its posts recorded."""

    def __init__(self, client: Any, effects: EventEffects) -> None:
        self._client = client
        self._effects = effects

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name in POSTING_METHODS:
            return lambda **kwargs: self._effects.post(attribute, **kwargs)
        return attribute
