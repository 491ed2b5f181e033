"""A Slack Web API stand-in on loopback, for the local console and the tests.

It answers the methods the bot calls with Slack's response shapes, paginates with cursors, keeps
the workspace's state (users, channels, messages, views, files) and records every call. Member
actions typed in the console are written here too, so history and threads read like Slack's.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from bot.console.loopback import LoopbackServer, RecordedCall, Response
from bot.console.standin_chat import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID, ChatMethods

__all__ = ["APP_ID", "BOT_ID", "BOT_USER_ID", "TEAM_ID", "FeedItem", "SlackStandin", "Workspace"]



@dataclass
class FeedItem:
    """Something the bot did that a person would see in Slack."""

    kind: str  # message | update | ephemeral | view_open | view_update | home | status | reaction | file | response | delete
    data: dict[str, Any]
    seq: int = 0


@dataclass
class Workspace:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> messages
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    reactions: list[dict[str, Any]] = field(default_factory=list)


def _user(user_id: str, name: str, *, locale: str = "fr-FR", is_bot: bool = False, deleted: bool = False, tz: str = "Europe/Paris") -> dict[str, Any]:
    return {
        "id": user_id, "team_id": TEAM_ID, "name": name, "deleted": deleted, "real_name": name.title(),
        "tz": tz, "tz_label": "Central European Time", "tz_offset": 3600, "locale": locale,
        "is_admin": False, "is_owner": False, "is_bot": is_bot, "is_app_user": False, "updated": 1700000000,
        "profile": {"real_name": name.title(), "display_name": name, "image_48": "https://example.org/a.png", "team": TEAM_ID},
    }


class SlackStandin(ChatMethods, LoopbackServer):
    def __init__(self, host: str = "127.0.0.1", port: int = 0, page_size: int = 100) -> None:
        super().__init__(host, port)
        self.page_size = page_size
        self.ws = Workspace()
        self.feed: list[FeedItem] = []
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)
        self._ts_lock = threading.Lock()
        self._last_ts = 0.0
        self.add_user(BOT_USER_ID, "sogabot", is_bot=True)
        self.add_channel("C0GENERAL", "general", is_general=True)
        self.add_channel("C0ENTRAIDE", "entraide")
        self.add_channel("C0STAFF", "equipe", is_private=True)

    # -- workspace set-up (console and tests) -----------------------------------------------
    def add_user(self, user_id: str, name: str, **kwargs: Any) -> dict[str, Any]:
        user = _user(user_id, name, **kwargs)
        self.ws.users[user_id] = user
        return user

    def add_channel(self, channel_id: str, name: str, *, is_general: bool = False, is_private: bool = False) -> dict[str, Any]:
        channel = {
            "id": channel_id, "name": name, "is_channel": not is_private, "is_group": is_private, "is_im": False,
            "is_private": is_private, "is_general": is_general, "is_archived": False, "is_member": True,
            "created": 1500000000, "creator": BOT_USER_ID, "num_members": len(self.ws.users),
            "topic": {"value": "", "creator": "", "last_set": 0}, "purpose": {"value": "", "creator": "", "last_set": 0},
        }
        self.ws.channels[channel_id] = channel
        self.ws.messages.setdefault(channel_id, [])
        return channel

    def channel_id(self, name_or_id: str) -> str | None:
        key = name_or_id.lstrip("#")
        if key in self.ws.channels:
            return key
        return next((cid for cid, c in self.ws.channels.items() if c["name"] == key), None)

    def dm_channel(self, user_id: str) -> str:
        channel_id = "D" + user_id.lstrip("U")[:10]
        if channel_id not in self.ws.channels:
            self.ws.channels[channel_id] = {
                "id": channel_id, "is_im": True, "user": user_id, "is_channel": False, "is_private": True,
                "created": int(time.time()), "is_open": True, "name": None,
            }
            self.ws.messages.setdefault(channel_id, [])
        return channel_id

    def next_ts(self) -> str:
        with self._ts_lock:
            now = max(time.time(), self._last_ts + 0.000001)
            self._last_ts = now
            return f"{now:.6f}"

    def add_message(self, channel: str, user: str, text: str, thread_ts: str | None = None, **extra: Any) -> dict[str, Any]:
        """A member's message, written as Slack would store it (the console calls this)."""
        message = {"type": "message", "user": user, "text": text, "ts": self.next_ts(), "team": TEAM_ID, **extra}
        self._store(channel, message, thread_ts)
        return message

    def _store(self, channel: str, message: dict[str, Any], thread_ts: str | None) -> None:
        with self._lock:
            if thread_ts:
                message["thread_ts"] = thread_ts
                parent = self._find(channel, thread_ts)
                if parent is not None:
                    parent["thread_ts"] = thread_ts
                    parent["reply_count"] = parent.get("reply_count", 0) + 1
                    parent["latest_reply"] = message["ts"]
            self.ws.messages.setdefault(channel, []).append(message)

    def _find(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.ws.messages.get(channel, []) if m["ts"] == ts), None)

    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        with self._lock:
            self.feed.append(FeedItem(kind, data, next(self._seq)))

    def feed_since(self, seq: int) -> list[FeedItem]:
        with self._lock:
            return [item for item in self.feed if item.seq > seq]

    def bot_messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            found = []
            for cid, messages in self.ws.messages.items():
                if channel and cid != channel:
                    continue
                found.extend(dict(m, channel=cid) for m in messages if m.get("bot_id") == BOT_ID)
            return found

    # -- routing -----------------------------------------------------------------------------
    def route(self, call: RecordedCall) -> Response:
        if call.path.startswith("/response/"):
            return self._response_url(call)
        if call.path.startswith("/upload/"):
            return self._upload(call)
        method = call.path.rsplit("/", 1)[-1]
        auth = call.headers.get("authorization", "")
        params = dict(call.params)
        token = auth.removeprefix("Bearer ").strip() or params.get("token", "")
        if method != "api.test" and not token:
            return Response(200, {"ok": False, "error": "not_authed"})
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return Response(200, {"ok": False, "error": "unknown_method", "req_method": method})
        for key in ("blocks", "view", "attachments", "files", "metadata", "prompts", "chunks"):
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    return Response(200, {"ok": False, "error": f"invalid_{key}"})
        result = handler(params, token)
        return Response(200, {"ok": True, **result} if "ok" not in result else result)

    def _page(self, items: list[Any], params: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        limit = int(params.get("limit") or self.page_size) or self.page_size
        limit = min(limit, self.page_size)
        start = int(params.get("cursor") or 0)
        page = items[start : start + limit]
        next_cursor = str(start + limit) if start + limit < len(items) else ""
        return page, {"response_metadata": {"next_cursor": next_cursor}}

    # -- methods -----------------------------------------------------------------------------
    def m_api_test(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        return {"args": params}

    def m_auth_test(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        if token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"url": "https://soga-standin.slack.com/", "team": "SOGA", "user": "sogabot", "team_id": TEAM_ID,
                "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}

    def _open_view(self, view: dict[str, Any], kind: str, view_id: str | None = None) -> dict[str, Any]:
        view_id = view_id or f"V{next(self._ids):08d}"
        stored = dict(view, id=view_id, team_id=TEAM_ID, app_id=APP_ID, bot_id=BOT_ID, hash=f"h{next(self._ids)}",
                      state={"values": {}}, root_view_id=view_id, previous_view_id=None)
        with self._lock:
            self.ws.views[view_id] = stored
        self._emit(kind, stored)
        return {"view": stored}

    def _check_view(self, view: Any) -> dict[str, Any] | None:
        if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
            return {"ok": False, "error": "invalid_arguments"}
        if len(view.get("blocks", [])) > 100:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": ["[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"]}}
        return None

    def m_views_open(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if (problem := self._check_view(params.get("view"))) is not None:
            return problem
        return self._open_view(params["view"], "view_open")

    def m_views_push(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        return self.m_views_open(params, token)

    def m_views_update(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        view_id = params.get("view_id")
        if view_id not in self.ws.views:
            return {"ok": False, "error": "not_found"}
        if (problem := self._check_view(params.get("view"))) is not None:
            return problem
        return self._open_view(params["view"], "view_update", view_id)

    def m_views_publish(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        user_id = params.get("user_id")
        if user_id not in self.ws.users:
            return {"ok": False, "error": "user_not_found"}
        if (problem := self._check_view(params.get("view"))) is not None:
            return problem
        result = self._open_view(params["view"], "home")
        with self._lock:
            self.ws.homes[user_id] = result["view"]
        return result

    def m_conversations_open(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        users = (params.get("users") or "").split(",")
        if not users or users[0] not in self.ws.users:
            return {"ok": False, "error": "user_not_found"}
        return {"channel": {"id": self.dm_channel(users[0])}}

    def m_conversations_info(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel = self.ws.channels.get(params.get("channel", ""))
        return {"channel": channel} if channel else {"ok": False, "error": "channel_not_found"}

    def m_conversations_join(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        return self.m_conversations_info(params, token)

    def m_conversations_list(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        types = (params.get("types") or "public_channel").split(",")
        wanted = []
        for channel in self.ws.channels.values():
            if channel.get("is_im"):
                if "im" in types:
                    wanted.append(channel)
            elif channel.get("is_private"):
                if "private_channel" in types:
                    wanted.append(channel)
            elif "public_channel" in types:
                wanted.append(channel)
        page, meta = self._page(wanted, params)
        return {"channels": page, **meta}

    def m_conversations_history(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel = params.get("channel", "")
        if channel not in self.ws.channels:
            return {"ok": False, "error": "channel_not_found"}
        oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or 1e12)
        with self._lock:
            top = [m for m in self.ws.messages[channel]
                   if (m.get("thread_ts") in (None, m["ts"])) and oldest <= float(m["ts"]) <= latest]
        top = sorted(top, key=lambda m: float(m["ts"]), reverse=True)
        page, meta = self._page(top, params)
        return {"messages": page, "has_more": bool(meta["response_metadata"]["next_cursor"]), **meta}

    def m_conversations_replies(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        channel, ts = params.get("channel", ""), params.get("ts", "")
        with self._lock:
            thread = [m for m in self.ws.messages.get(channel, []) if m["ts"] == ts or m.get("thread_ts") == ts]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        page, meta = self._page(sorted(thread, key=lambda m: float(m["ts"])), params)
        return {"messages": page, "has_more": bool(meta["response_metadata"]["next_cursor"]), **meta}

    def m_users_info(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        user = self.ws.users.get(params.get("user", ""))
        return {"user": user} if user else {"ok": False, "error": "user_not_found"}

    def m_users_list(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        users = list(self.ws.users.values())
        page, meta = self._page(users, params)
        return {"members": page, "cache_ts": int(time.time()), **meta}

    def m_usergroups_users_list(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        group = params.get("usergroup", "")
        if group not in self.ws.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"users": list(self.ws.usergroups[group])}

    def m_files_getUploadURLExternal(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        file_id = f"F{next(self._ids):08d}"
        with self._lock:
            self.ws.files[file_id] = {"id": file_id, "name": params.get("filename"), "length": int(params.get("length") or 0), "content": None}
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _upload(self, call: RecordedCall) -> Response:
        file_id = call.path.rsplit("/", 1)[-1]
        with self._lock:
            if file_id not in self.ws.files:
                return Response(404, "unknown file")
            self.ws.files[file_id]["content"] = call.body
        return Response(200, "OK - " + str(len(call.body)))

    def m_files_completeUploadExternal(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        files = params.get("files") or []
        done = []
        for item in files:
            stored = self.ws.files.get(item.get("id"))
            if stored is None or stored["content"] is None:
                return {"ok": False, "error": "file_not_found"}
            stored["title"] = item.get("title") or stored["name"]
            done.append({"id": stored["id"], "name": stored["name"], "title": stored["title"], "size": len(stored["content"])})
            channel = params.get("channel_id") or params.get("channels")
            self._emit("file", {"id": stored["id"], "name": stored["name"], "title": stored["title"],
                                "channel": channel, "thread_ts": params.get("thread_ts"),
                                "initial_comment": params.get("initial_comment"), "content": stored["content"]})
        return {"files": done}

    def m_assistant_threads_setStatus(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        self._emit("status", {"channel": params.get("channel_id"), "thread_ts": params.get("thread_ts"), "status": params.get("status", "")})
        return {}

    def m_assistant_threads_setTitle(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        return {}

    def m_assistant_threads_setSuggestedPrompts(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        self._emit("prompts", {"channel": params.get("channel_id"), "thread_ts": params.get("thread_ts"), "prompts": params.get("prompts")})
        return {}

    def m_team_info(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        return {"team": {"id": TEAM_ID, "name": "SOGA", "domain": "soga-standin"}}

    # -- response_url ------------------------------------------------------------------------
    def response_url(self, key: str) -> str:
        return f"{self.url}/response/{key}"

    def _response_url(self, call: RecordedCall) -> Response:
        payload = call.json or {}
        self._emit("response", dict(payload, key=call.path.rsplit("/", 1)[-1]))
        return Response(200, "ok")
