"""An event's effects, recorded so that a re-run after a crash doesn't repeat them (#14, 2).

A handler killed after posting its reply, but before its event was marked done, is run again
by recovery (bot.core.event_ledger). Slack's Web API takes no idempotency key, so each post
of an event's handlers gets a deterministic key (the event id, and which post of the run it
is) and is recorded right after Slack accepted it; on a retried attempt a post whose key is
recorded is not sent again, and the handler gets the first post's channel and ts back (so it
updates that message rather than a new one). Observers (the growth counts, the digest's
notes) are recorded once they all ran: a retried attempt skips them, so nothing is counted
twice. What is left is the instant between an effect and its record.

A streamed reply (chat.startStream, then appends, then chat.stopStream) is one post too: its
channel and ts are recorded once Slack has started it, and a retried attempt gets a stream
that refuses appends, so the answerer falls back to replacing that message with its answer
(bot.slack.answering.Streamer) instead of streaming a second reply.

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
STREAMING_METHOD = "chat_stream"  # slack_sdk's helper over chat.startStream/appendStream/stopStream


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

    def _next_key(self, kind: str) -> str:
        with self._lock:
            return f"{kind}{next(self._posts)}"

    def _sent_before(self, key: str) -> dict[str, Any] | None:
        """On a retried attempt, the record (channel, ts) of this effect if it happened before."""
        if not self.retried:
            return None
        done, result = self._ledger.effect_result(self._event_id, key)
        if not done:
            return None
        log.info("event %s: %s happened before a crash; not again", self._event_id, key)
        return json.loads(result or "{}")

    def stream(self, start: Any, **kwargs: Any) -> Any:
        key = self._next_key("stream")
        if (earlier := self._sent_before(key)) is not None:
            return StartedBeforeACrash(**earlier)
        return _RecordedStream(start(**kwargs), self, key, kwargs.get("channel"))

    def record(self, key: str, channel: str | None, ts: str | None) -> None:
        try:
            self._ledger.claim_effect(self._event_id, key, json.dumps({"channel": channel, "ts": ts}))
        except Exception:  # the message went out: not being able to record it must not fail the handler
            log.warning("event %s: could not record %s", self._event_id, key, exc_info=True)

    def post(self, send: Any, **kwargs: Any) -> Any:
        key = self._next_key("post")
        if (earlier := self._sent_before(key)) is not None:
            return {"ok": True, "already_sent": True, **earlier}
        response = send(**kwargs)
        data = response.data if hasattr(response, "data") else response
        self.record(key, data.get("channel"), data.get("ts") or data.get("message_ts"))
        return response


class StartedBeforeACrash:
    """The stream a retried attempt gets when its first attempt had started one: its message,
    which can't be appended to (the first attempt's text is in it, perhaps stopped)."""

    def __init__(self, channel: str | None = None, ts: str | None = None) -> None:
        self.channel, self.ts = channel, ts

    def append(self, **_kwargs: Any) -> Any:
        raise RuntimeError("this reply was streamed before a crash; replace its message instead")

    def stop(self, **_kwargs: Any) -> Any:
        raise RuntimeError("this reply was streamed before a crash; replace its message instead")


class _RecordedStream:
    """slack_sdk's ChatStream, recorded as soon as Slack has started it (its ts is known)."""

    def __init__(self, stream: Any, effects: EventEffects, key: str, channel: str | None) -> None:
        self._stream, self._effects, self._key, self._channel = stream, effects, key, channel
        self._recorded = False

    @property
    def ts(self) -> str | None:
        return self._stream.ts

    def _record(self) -> None:
        if not self._recorded and self._stream.ts:
            self._recorded = True
            self._effects.record(self._key, self._channel, self._stream.ts)

    def append(self, **kwargs: Any) -> Any:
        try:
            return self._stream.append(**kwargs)
        finally:
            self._record()

    def stop(self, **kwargs: Any) -> Any:
        try:
            return self._stream.stop(**kwargs)
        finally:
            self._record()


class _OncePerEventClient:
    """The Web API client an event's handlers get: the same client, with its posts recorded."""

    def __init__(self, client: Any, effects: EventEffects) -> None:
        self._client = client
        self._effects = effects

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name in POSTING_METHODS:
            return lambda **kwargs: self._effects.post(attribute, **kwargs)
        if name == STREAMING_METHOD:
            return lambda **kwargs: self._effects.stream(attribute, **kwargs)
        return attribute
