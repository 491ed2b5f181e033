"""The stand-in's chat methods (chat.*, message streams, reactions), with Slack's checks on
channels and Block Kit limits. A mixin of bot.console.slack_standin.SlackStandin, whose
workspace state and feed they read and write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Who the bot is in the stand-in's workspace.
BOT_USER_ID = "UBOTSOGA"
BOT_ID = "BSOGA0001"
TEAM_ID = "TSOGA0001"
APP_ID = "ASOGA0001"


class ChatMethods:
    # What SlackStandin gives its mixin.
    ws: Any
    _lock: Any  # a threading.RLock
    _emit: Callable[[str, dict[str, Any]], None]
    _store: Callable[[str, dict[str, Any], str | None], None]
    _find: Callable[[str, str], dict[str, Any] | None]
    next_ts: Callable[[], str]
    dm_channel: Callable[[str], str]

    def _check_channel(self, params: dict[str, Any]) -> str | None:
        channel = params.get("channel")
        if not channel:
            return None
        if channel.startswith(("U", "W")):  # posting to a user id goes to the DM with the app
            return self.dm_channel(channel)
        return channel if channel in self.ws.channels else None

    def _check_text(self, params: dict[str, Any]) -> dict[str, Any] | None:
        blocks = params.get("blocks") or []
        if not params.get("text") and not blocks and not params.get("attachments"):
            return {"ok": False, "error": "no_text"}
        if len(blocks) > 50:
            return {"ok": False, "error": "invalid_blocks", "errors": ["must provide an array of no more than 50 items"]}
        for block in blocks:
            text = (block.get("text") or {}).get("text", "") if isinstance(block.get("text"), dict) else ""
            if len(text) > 3000:
                return {"ok": False, "error": "invalid_blocks", "errors": ["must be less than 3001 characters"]}
        return None

    def m_chat_postMessage(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel = self._check_channel(params)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if (problem := self._check_text(params)) is not None:
            return problem
        message = {
            "type": "message", "subtype": "bot_message" if False else None, "text": params.get("text", ""),
            "user": BOT_USER_ID, "bot_id": BOT_ID, "app_id": APP_ID, "ts": self.next_ts(), "team": TEAM_ID,
            "blocks": params.get("blocks") or [],
        }
        message.pop("subtype")
        if params.get("metadata"):
            message["metadata"] = params["metadata"]
        self._store(channel, message, params.get("thread_ts"))
        self._emit("message", dict(message, channel=channel))
        return {"channel": channel, "ts": message["ts"], "message": message}

    def m_chat_update(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel = self._check_channel(params)
        message = self._find(channel or "", params.get("ts", "")) if channel else None
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if (problem := self._check_text(params)) is not None:
            return problem
        with self._lock:
            message["text"] = params.get("text", message.get("text", ""))
            if "blocks" in params:
                message["blocks"] = params.get("blocks") or []
            message["edited"] = {"user": BOT_USER_ID, "ts": self.next_ts()}
        self._emit("update", dict(message, channel=channel))
        return {"channel": channel, "ts": message["ts"], "text": message["text"], "message": message}

    def m_chat_delete(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel = self._check_channel(params) or ""
        with self._lock:
            before = len(self.ws.messages.get(channel, []))
            self.ws.messages[channel] = [m for m in self.ws.messages.get(channel, []) if m["ts"] != params.get("ts")]
            if len(self.ws.messages[channel]) == before:
                return {"ok": False, "error": "message_not_found"}
        self._emit("delete", {"channel": channel, "ts": params.get("ts")})
        return {"channel": channel, "ts": params.get("ts")}

    def m_chat_postEphemeral(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel = self._check_channel(params)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if params.get("user") not in self.ws.users:
            return {"ok": False, "error": "user_not_in_channel"}
        if (problem := self._check_text(params)) is not None:
            return problem
        ts = self.next_ts()
        self._emit("ephemeral", {"channel": channel, "user": params["user"], "text": params.get("text", ""),
                                 "blocks": params.get("blocks") or [], "thread_ts": params.get("thread_ts"), "ts": ts})
        return {"message_ts": ts}

    def m_chat_getPermalink(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel, ts = params.get("channel", ""), params.get("message_ts", "")
        if channel not in self.ws.channels:
            return {"ok": False, "error": "channel_not_found"}
        return {"channel": channel, "permalink": f"https://soga-standin.slack.com/archives/{channel}/p{ts.replace('.', '')}"}

    @staticmethod
    def _stream_text(params: dict[str, Any]) -> str:
        """slack_sdk sends the text as `markdown_text` or, since 3.37, as markdown_text chunks."""
        chunks = params.get("chunks") or []
        from_chunks = "".join(c.get("text", "") for c in chunks if isinstance(c, dict) and c.get("type") == "markdown_text")
        return (params.get("markdown_text") or "") + from_chunks

    def m_chat_startStream(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        params = dict(params, text=self._stream_text(params) or " ")
        result = self.m_chat_postMessage(params, token)
        if result.get("ok") is False:
            return result
        return {"channel": result["channel"], "ts": result["ts"]}

    def _streamed(self, params: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
        """The channel and message a stream call is about (None: no such message)."""
        channel = self._check_channel(params) or ""
        return channel, self._find(channel, params.get("ts", ""))

    def m_chat_appendStream(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel, message = self._streamed(params)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        with self._lock:
            message["text"] = (message.get("text", "").strip() + self._stream_text(params)).lstrip()
        self._emit("update", dict(message, channel=channel, streaming=True))
        return {"channel": channel, "ts": message["ts"]}

    def m_chat_stopStream(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel, message = self._streamed(params)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        with self._lock:
            if self._stream_text(params):
                message["text"] = message.get("text", "") + self._stream_text(params)
            if params.get("blocks"):
                message["blocks"] = params["blocks"]
        self._emit("update", dict(message, channel=channel))
        return {"channel": channel, "ts": message["ts"], "message": message}

    def m_reactions_add(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        reaction = {"channel": params.get("channel"), "timestamp": params.get("timestamp"), "name": params.get("name"), "user": BOT_USER_ID}
        with self._lock:
            if reaction in self.ws.reactions:
                return {"ok": False, "error": "already_reacted"}
            self.ws.reactions.append(reaction)
        self._emit("reaction", reaction)
        return {}

    def m_reactions_remove(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        reaction = {"channel": params.get("channel"), "timestamp": params.get("timestamp"), "name": params.get("name"), "user": BOT_USER_ID}
        with self._lock:
            if reaction not in self.ws.reactions:
                return {"ok": False, "error": "no_reaction"}
            self.ws.reactions.remove(reaction)
        return {}
