"""The Slack side of answering a question (bot.knowledge.asking): a thread, DM or Assistant
panel where the answer is streamed or posted, and the ephemeral reply of `/ask`."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core.i18n import Lang
from bot.knowledge.answer import Answer
from bot.knowledge.texts import KB_SLACK
from bot.slack.blocks.knowledge import answer_blocks, fallback_text, safe_answer_text, tail_blocks

log = logging.getLogger(__name__)

STREAM_BUFFER = 40


def quietly(method, **kwargs: Any) -> None:
    """A courtesy call (reaction, status): its failure must not stop the answer."""
    try:
        method(**kwargs)
    except SlackApiError as exc:
        log.info("%s failed: %s", getattr(method, "__name__", "call"), exc.response.get("error"))


class SlackThread:
    """A question asked in a message: the answer goes in its thread (or the DM), streamed when
    an LLM writes it."""

    def __init__(self, client: Any, *, channel: str, user_id: str, message_ts: str | None, thread_ts: str | None,
                 lang: Lang, can_hand_off: bool, assistant: bool = False, team_id: str | None = None) -> None:
        self.client, self.channel, self.user_id, self.team_id = client, channel, user_id, team_id
        self.message_ts, self.thread_ts = message_ts, thread_ts
        self.lang, self.can_hand_off, self.assistant = lang, can_hand_off, assistant
        self.streamer: Streamer | None = None

    def say(self, text: str) -> None:
        self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, text=text)

    def show_working(self) -> None:
        if self.assistant and self.thread_ts:
            quietly(self.client.assistant_threads_setStatus, channel_id=self.channel, thread_ts=self.thread_ts,
                    status=KB_SLACK("thinking", self.lang))
        elif self.message_ts:
            quietly(self.client.reactions_add, channel=self.channel, timestamp=self.message_ts, name="eyes")

    def history(self) -> list[tuple[str, str]]:
        try:
            messages = self.client.conversations_replies(channel=self.channel, ts=self.thread_ts, limit=20).get("messages", [])
        except SlackApiError:
            return []
        return [("assistant" if m.get("bot_id") else "member", m.get("text", ""))
                for m in messages if m.get("ts") != (self.message_ts or "")]

    def stream(self, delta: str) -> None:
        if self.streamer is None:
            self.streamer = Streamer(self.client, self.channel, self.thread_ts or "", self.user_id, self.team_id)
        self.streamer.append(delta)

    def reply(self, answer: Answer) -> str | None:
        reply_ts = self.streamer.finish(answer, self.lang, self.can_hand_off) if self.streamer else None
        if reply_ts is None:
            response = self.client.chat_postMessage(
                channel=self.channel, thread_ts=self.thread_ts, text=fallback_text(answer),
                blocks=answer_blocks(answer, can_hand_off=self.can_hand_off),
            )
            reply_ts = response.get("ts")
        return reply_ts

    def done(self) -> None:
        if self.assistant:
            quietly(self.client.assistant_threads_setStatus, channel_id=self.channel, thread_ts=self.thread_ts, status="")


class EphemeralReply:
    """`/ask`: the answer only the member sees, through the command's response_url."""

    def __init__(self, respond: Any, can_hand_off: bool) -> None:
        self.respond, self.can_hand_off = respond, can_hand_off

    def say(self, text: str) -> None:
        self.respond(response_type="ephemeral", replace_original=False, text=text)

    def show_working(self) -> None:
        """The command's ack already said "searching"."""

    def history(self) -> list[tuple[str, str]]:
        return []

    def stream(self, delta: str) -> None:
        """Never called: an ephemeral reply can't be streamed."""

    def reply(self, answer: Answer) -> str | None:
        self.respond(response_type="ephemeral", replace_original=False, text=fallback_text(answer),
                     blocks=answer_blocks(answer, can_hand_off=self.can_hand_off))
        return None

    def done(self) -> None:
        pass


class Streamer:
    """Streams LLM deltas into a thread reply; any Slack error turns it off so that the answer
    is posted once instead."""

    def __init__(self, client: Any, channel: str, thread_ts: str, user_id: str, team_id: str | None = None) -> None:
        self.client = client
        # Slack's chat.startStream requires the recipient's user and team when streaming in a channel.
        self.team_id = team_id
        self.channel = channel
        self.thread_ts = thread_ts
        self.user_id = user_id
        self.stream = None
        self.failed = False
        self.text = ""

    def append(self, delta: str) -> None:
        self.text += delta
        if self.failed:
            return
        try:
            if self.stream is None:
                self.stream = self.client.chat_stream(channel=self.channel, thread_ts=self.thread_ts, buffer_size=STREAM_BUFFER,
                                                      recipient_user_id=self.user_id, recipient_team_id=self.team_id)
            self.stream.append(markdown_text=safe_answer_text(delta))  # the model may echo a member's <!channel>
        except Exception as exc:  # noqa: BLE001 - slack_sdk raises several types; fall back to one post
            log.info("streaming unavailable, posting once: %s", exc)
            self.failed = True

    def finish(self, answer: Answer, lang: Lang, can_hand_off: bool) -> str | None:
        """The streamed message's ts once finalised; None when the answer must be posted."""
        if self.stream is None or self.failed or not answer.by_llm:
            # A stream was opened but the answer isn't the streamed text: replace it.
            return self._replace(answer, can_hand_off) if self.stream is not None and self.stream.ts else None
        try:
            response = self.stream.stop(blocks=tail_blocks(answer, can_hand_off=can_hand_off))
            return response.get("ts") or self.stream.ts
        except Exception as exc:  # noqa: BLE001
            log.info("could not finish the stream: %s", exc)
            return self._replace(answer, can_hand_off) if self.stream.ts else None

    def _replace(self, answer: Answer, can_hand_off: bool) -> str | None:
        try:
            self.client.chat_update(channel=self.channel, ts=self.stream.ts, text=fallback_text(answer),  # type: ignore[attr-defined]
                                    blocks=answer_blocks(answer, can_hand_off=can_hand_off))
            return self.stream.ts  # type: ignore[attr-defined]
        except SlackApiError:
            return None
