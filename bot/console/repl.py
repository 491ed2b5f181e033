"""The local console: a terminal stand-in for Slack that drives the same Bolt app.

The app runs in HTTP mode on loopback and receives real, signed requests; its Web API calls go to
the Slack stand-in, whose feed is printed here. It reads lines from stdin, so it can be scripted:
`printf 'help\\n' | sogabot console`.
"""

from __future__ import annotations

import re
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from pydantic import SecretStr

from bot.slack.app import build_app
from bot.console.fields import FieldReader
from bot.console.render import Names, Pressable, render_blocks
from bot.console.signed_client import SignedSlackClient
from bot.console.slack_standin import BOT_USER_ID, SlackStandin
from bot.slack.http_server import HttpServer
from bot.core.services import build_services
from bot.core.settings import Settings
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.web import build_web_app

CONSOLE_USER = "U0CONSOLE"
# Other people in the local workspace, so flows with several members can be tried.
PEOPLE = {
    "moi": (CONSOLE_USER, "fr-FR"),
    "alice": ("U0ALICE", "fr-FR"),
    "bruno": ("U0BRUNO", "fr-FR"),
    "chloe": ("U0CHLOE", "fr-FR"),
    "alex": ("U0ALEX", "en-US"),
    "sofia": ("U0SOFIA", "fr-FR"),
    "karim": ("U0KARIM", "fr-FR"),
}
FIXED_ROLES = {"U0SOFIA": "staff", "U0KARIM": "facilitator"}

HELP = """\
Local console: you are a member of a local Slack workspace; the bot is the real app.
  any text            a direct message to the bot
  @bot TEXT           a mention of the bot in #general (answered in a thread)
  #CHANNEL TEXT       a message in a channel (#general, #entraide, #equipe)
  > TEXT              a reply in the thread of the bot's last message
  /COMMAND ARGS       a slash command: /ask, /cafe, /stats, /digest, /privacy
  press N             press button (N) (also: just type (N))
  react NAME          add a reaction (e.g. react white_check_mark) to the bot's last message
  shortcut ID         a message shortcut on the last message shown
                      (kb_save_message: "Ajouter à la base SOGA",
                       cafe_submit_message: "Proposer pour le café IA")
  home                open the bot's App Home
  /cafe board         (as facilitator: --as facilitator) the café's board to project and its
                      join page for participants, served by this console: open them in a browser
  as NAME             speak as someone else: {people}
  newcomer NAME       a new member joins the workspace (team_join)
  whoami, users       who you are, who is here
  help, quit
Modals are filled field by field: type the value, or an option's number; an empty line leaves an
optional field empty; 'cancel' closes the modal."""


@dataclass
class ConsoleState:
    user: str = CONSOLE_USER
    buttons: dict[int, Pressable] = field(default_factory=dict)
    next_button: int = 1
    last_bot_message: dict[str, Any] | None = None
    last_message: dict[str, Any] | None = None
    feed_seq: int = 0


class Console:
    def __init__(self, settings: Settings, role: str, stdin: TextIO, stdout: TextIO) -> None:
        self.out = stdout
        self.interactive = stdin.isatty()
        self._lines = self._read_lines(stdin)
        self.slack = SlackStandin().start()
        for name, (user_id, locale) in PEOPLE.items():
            self.slack.add_user(user_id, name, locale=locale)
        staff = {uid for uid, r in FIXED_ROLES.items() if r == "staff"} | ({CONSOLE_USER} if role == "staff" else set())
        facilitators = {uid for uid, r in FIXED_ROLES.items() if r == "facilitator"} | ({CONSOLE_USER} if role == "facilitator" else set())
        secret = secrets.token_hex(16)
        self.settings = settings.model_copy(update={
            "slack_bot_token": SecretStr("xoxb-local-console"),
            "slack_signing_secret": SecretStr(secret),
            "slack_app_token": None,
            "slack_api_url": self.slack.url + "/api/",
            "staff_user_ids": ",".join(sorted(staff | set(settings.staff_ids))),
            "facilitator_user_ids": ",".join(sorted(facilitators | set(settings.facilitator_ids))),
            "staff_usergroup": None,
            "staff_channel": settings.staff_channel or "C0STAFF",
            "digest_channel": settings.digest_channel or "C0GENERAL",
        })
        db = Database(self.settings.database_url)
        db.check()
        upgrade(db)
        self.services = build_services(self.settings, db=db)
        self.app = build_app(self.services, token_verification=False)
        self.server = HttpServer(self.app, lambda: {"status": "ok"}, host="127.0.0.1", port=0,
                                 web=build_web_app(self.services)).start()
        # The café board and join page are served by this server: the links facilitators get
        # in Slack point at it (the pages themselves follow the address they are opened at).
        if not settings.public_url:
            self.services.settings = self.settings = self.settings.model_copy(
                update={"public_url": f"http://127.0.0.1:{self.server.port}"})
        self.client = SignedSlackClient(f"http://127.0.0.1:{self.server.port}", secret, response_url_base=self.slack.url + "/response")
        self.state = ConsoleState()
        self.files_dir = Path(self.settings.outbox_dir).parent / "console-files"
        self.fields = FieldReader(self.ask, self.say, self.settings.tz, self.slack.channel_id,
                                  lambda name: (PEOPLE.get(name) or (None,))[0])

    # -- input -------------------------------------------------------------------------------
    def _read_lines(self, stdin: TextIO) -> Iterator[str]:
        while True:
            if self.interactive:
                self.out.write(self._prompt())
                self.out.flush()
            line = stdin.readline()
            if not line:
                return
            yield line.rstrip("\n")

    def _prompt(self) -> str:
        name = self.slack.ws.users[self.state.user]["name"]
        return f"{name}> "

    def ask(self, label: str) -> str | None:
        if self.interactive:
            self.out.write(f"    {label}: ")
            self.out.flush()
            line = sys.stdin.readline()
            return None if not line else line.rstrip("\n")
        line = next(self._lines, None)
        if line is not None:
            self.say(f"    {label}: {line}")
        return line

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> int:
        self.say("SOGA bot, local console. Type 'help' for what you can do, 'quit' to leave.")
        try:
            for line in self._lines:
                if not self.handle(line.strip()):
                    break
        except KeyboardInterrupt:
            pass
        finally:
            self.close()
        return 0

    def close(self) -> None:
        self.services.executor.wait_idle(timeout=30)
        self.server.stop()
        self.slack.stop()
        self.services.close()

    def handle(self, line: str) -> bool:
        if not line:
            return True
        if line in ("quit", "exit", ":q"):
            return False
        try:
            self._dispatch(line)
        except Exception as exc:  # the console must survive any input
            self.say(f"  (console error: {exc})")
        return True

    def _dispatch(self, line: str) -> None:
        button = re.fullmatch(r"press\s+(\d+)|[(\[](\d+)[)\]]", line)
        if line == "help":
            self.say(HELP.format(people=", ".join(PEOPLE)))
        elif button:
            self.press(int(button.group(1) or button.group(2)))
        elif line.startswith("/"):
            command, _, text = line.partition(" ")
            self.slash(command, text.strip())
        elif line.startswith("@bot") or line.lower().startswith("@soga"):
            self.mention(line.split(" ", 1)[1] if " " in line else "")
        elif line.startswith("#"):
            channel, _, text = line.partition(" ")
            self.channel_message(channel, text.strip())
        elif line.startswith(">"):
            self.thread_reply(line[1:].strip())
        elif line.startswith("react "):
            self.react(line.split(None, 1)[1].strip(":"))
        elif line.startswith("shortcut "):
            self.shortcut(line.split(None, 1)[1].strip())
        elif line == "home":
            self.send_event({"type": "app_home_opened", "user": self.state.user, "channel": self.slack.dm_channel(self.state.user), "tab": "home"})
        elif line.startswith("as "):
            self.switch(line.split(None, 1)[1].strip().lower())
        elif line.startswith("newcomer "):
            self.newcomer(line.split(None, 1)[1].strip().lower())
        elif line == "whoami":
            user = self.slack.ws.users[self.state.user]
            self.say(f"  you are {user['name']} ({self.state.user}, {user['locale']}, {self.services.roles.role_of(self.state.user).value})")
        elif line == "users":
            for name, (user_id, locale) in PEOPLE.items():
                self.say(f"  {name:8} {user_id:10} {locale:6} {self.services.roles.role_of(user_id).value}")
        else:
            self.direct_message(line)

    # -- member actions ----------------------------------------------------------------------
    def send_event(self, event: dict[str, Any]) -> None:
        result = self.client.send_event(dict(event, event_ts=event.get("ts") or self.slack.next_ts()))
        if result.status != 200:
            self.say(f"  (the app answered HTTP {result.status})")
        self.settle()

    def direct_message(self, text: str) -> None:
        channel = self.slack.dm_channel(self.state.user)
        message = self.slack.add_message(channel, self.state.user, text)
        self.state.last_message = dict(message, channel=channel)
        self.send_event(dict(message, channel=channel, channel_type="im"))

    def mention(self, text: str) -> None:
        channel = "C0GENERAL"
        full = f"<@{BOT_USER_ID}> {text}"
        message = self.slack.add_message(channel, self.state.user, full)
        self.state.last_message = dict(message, channel=channel)
        self.client.send_event(dict(message, channel=channel, channel_type="channel", event_ts=message["ts"]))
        self.send_event(dict(message, type="app_mention", channel=channel))

    def channel_message(self, channel_name: str, text: str) -> None:
        channel = self.slack.channel_id(channel_name)
        if channel is None:
            names = ", ".join("#" + c["name"] for c in self.slack.ws.channels.values() if c.get("name"))
            self.say(f"  unknown channel {channel_name}; channels: {names}")
            return
        message = self.slack.add_message(channel, self.state.user, text)
        self.state.last_message = dict(message, channel=channel)
        self.send_event(dict(message, channel=channel, channel_type="group" if self.slack.ws.channels[channel].get("is_private") else "channel"))

    def thread_reply(self, text: str) -> None:
        parent = self.state.last_bot_message
        if parent is None:
            self.say("  there is no thread to reply to yet")
            return
        channel, thread_ts = parent["channel"], parent.get("thread_ts") or parent["ts"]
        message = self.slack.add_message(channel, self.state.user, text, thread_ts=thread_ts)
        self.state.last_message = dict(message, channel=channel)
        is_dm = channel.startswith("D")
        self.send_event(dict(message, channel=channel, channel_type="im" if is_dm else "channel"))

    def react(self, name: str) -> None:
        target = self.state.last_bot_message
        if target is None:
            self.say("  there is no bot message to react to yet")
            return
        self.send_event({"type": "reaction_added", "user": self.state.user, "reaction": name, "item_user": BOT_USER_ID,
                         "item": {"type": "message", "channel": target["channel"], "ts": target["ts"]}, "ts": self.slack.next_ts()})

    def shortcut(self, callback_id: str) -> None:
        target = self.state.last_message or self.state.last_bot_message
        if target is None:
            self.say("  there is no message to use the shortcut on yet")
            return
        message = {k: v for k, v in target.items() if k != "channel"}
        result = self.client.message_shortcut(self.state.user, callback_id, target["channel"], message)
        self.show_ack(result.json)
        self.settle()

    def slash(self, command: str, text: str) -> None:
        channel = self.slack.dm_channel(self.state.user)
        result, _key = self.client.command(command, text, self.state.user, channel)
        if result.status != 200:
            self.say(f"  (the app answered HTTP {result.status})")
        self.show_ack(result.json)
        self.settle()

    def press(self, number: int) -> None:
        pressable = self.state.buttons.get(number)
        if pressable is None:
            self.say(f"  there is no button ({number})")
            return
        element = pressable.element
        action: dict[str, Any] = {"action_id": element.get("action_id"), "block_id": pressable.block_id,
                                  "type": element.get("_select_type") or "button", "value": element.get("value", "")}
        if element.get("_selected_option"):
            action["selected_option"] = element["_selected_option"]
        if element.get("text"):
            action["text"] = element["text"]
        container = pressable.container
        if container.get("type") == "view":
            view = self.slack.ws.views.get(container["view_id"], {})
            result = self.client.block_action(self.state.user, action, view=view)
        else:
            channel = container.get("channel_id")
            message = self.slack._find(channel, container.get("message_ts", "")) if channel else None
            message = message or {"ts": container.get("message_ts"), "text": ""}
            result = self.client.block_action(self.state.user, action, channel_id=channel, message=message,
                                              container={"type": "message", "message_ts": container.get("message_ts"),
                                                         "channel_id": channel, "is_ephemeral": container.get("is_ephemeral", False)})
        if result.status != 200:
            self.say(f"  (the app answered HTTP {result.status})")
        self.settle()

    def switch(self, name: str) -> None:
        if name not in PEOPLE:
            self.say(f"  unknown person {name!r}; people: {', '.join(PEOPLE)}")
            return
        self.state.user = PEOPLE[name][0]
        self.say(f"  you are now {name} ({self.services.roles.role_of(self.state.user).value})")

    def newcomer(self, name: str) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_-]{1,20}", name):
            self.say("  a newcomer's name is 2 to 21 letters, digits, - or _")
            return
        user_id = "U1" + name.upper().replace("-", "").replace("_", "")[:8]
        user = self.slack.add_user(user_id, name)
        PEOPLE[name] = (user_id, "fr-FR")
        self.send_event({"type": "team_join", "user": user})

    # -- output ------------------------------------------------------------------------------
    def settle(self) -> None:
        self.services.executor.wait_idle(timeout=60)
        for item in self.slack.feed_since(self.state.feed_seq):
            self.state.feed_seq = item.seq
            self.show(item.kind, item.data)

    def user_name(self, user_id: str) -> str:
        return (self.slack.ws.users.get(user_id) or {}).get("name", user_id)

    def channel_name(self, channel_id: str) -> str:
        return (self.slack.ws.channels.get(channel_id) or {}).get("name") or channel_id

    def where(self, data: dict[str, Any]) -> str:
        channel = data.get("channel") or ""
        info = self.slack.ws.channels.get(channel, {})
        place = "your DMs" if info.get("is_im") and info.get("user") == self.state.user else (
            f"DM with {self.user_name(info.get('user', ''))}" if info.get("is_im") else f"#{info.get('name', channel)}")
        if data.get("thread_ts") and data.get("thread_ts") != data.get("ts"):
            place += " (thread)"
        return place

    def show_blocks(self, blocks: list[dict[str, Any]], fallback: str, container: dict[str, Any]) -> None:
        first = self.state.next_button
        rendered = render_blocks(blocks, Names(self.user_name, self.channel_name), fallback, first_button=first)
        for number, (_label, element, block_id) in enumerate(rendered.buttons, start=first):
            self.state.buttons[number] = Pressable(element, block_id, container)
        self.state.next_button = first + len(rendered.buttons)
        for line in rendered.lines:
            self.say(line)

    def show_ack(self, body: Any) -> None:
        if not isinstance(body, dict):
            return
        if body.get("response_action") == "errors":
            for field_id, message in (body.get("errors") or {}).items():
                self.say(f"  ✗ {field_id}: {message}")
            return
        if body.get("text") or body.get("blocks"):
            self.say("── SOGA (only visible to you) ──")
            self.show_blocks(body.get("blocks") or [], body.get("text", ""), {"type": "message", "is_ephemeral": True})

    def show(self, kind: str, data: dict[str, Any]) -> None:
        if kind in ("message", "update"):
            if data.get("streaming"):
                return
            self.state.last_bot_message = data
            self.state.last_message = data
            label = "SOGA" + (" (edited)" if kind == "update" else "")
            self.say(f"── {label} in {self.where(data)} ──")
            self.show_blocks(data.get("blocks") or [], data.get("text", ""),
                             {"type": "message", "channel_id": data.get("channel"), "message_ts": data.get("ts")})
        elif kind == "ephemeral":
            self.say(f"── SOGA in {self.where(data)} (only visible to {self.user_name(data.get('user', ''))}) ──")
            self.show_blocks(data.get("blocks") or [], data.get("text", ""),
                             {"type": "message", "channel_id": data.get("channel"), "message_ts": data.get("ts"), "is_ephemeral": True})
        elif kind == "response":
            self.say("── SOGA (only visible to you) ──")
            self.show_blocks(data.get("blocks") or [], data.get("text", ""), {"type": "message", "is_ephemeral": True})
        elif kind in ("view_open", "view_update"):
            self.fill_modal(data)
        elif kind == "home":
            self.say("── SOGA · App Home ──")
            self.show_blocks(data.get("blocks") or [], "", {"type": "view", "view_id": data["id"]})
        elif kind == "status":
            if data.get("status"):
                self.say(f"  … {data['status']}")
        elif kind == "reaction":
            self.say(f"  (SOGA reacted :{data.get('name')}:)")
        elif kind == "file":
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / f"{datetime.now():%Y%m%d-%H%M%S}-{Path(data.get('name') or data['id']).name}"
            path.write_bytes(data.get("content") or b"")
            comment = f" — {data['initial_comment']}" if data.get("initial_comment") else ""
            self.say(f"── SOGA shared a file in {self.where(data)}: {data.get('title')}{comment}")
            self.say(f"  saved to {path}")
        elif kind == "prompts":
            for prompt in data.get("prompts") or []:
                self.say(f"  suggestion: {prompt.get('title')} — {prompt.get('message')}")

    # -- modals ------------------------------------------------------------------------------
    def fill_modal(self, view: dict[str, Any]) -> None:
        title = (view.get("title") or {}).get("text", "")
        self.say(f"┌── {title} ──")
        inputs = [b for b in view.get("blocks", []) if b.get("type") == "input"]
        others = [b for b in view.get("blocks", []) if b.get("type") != "input"]
        self.show_blocks(others, "", {"type": "view", "view_id": view["id"]})
        if not inputs:
            self.say("└──")
            return
        values: dict[str, Any] = {}
        pending = inputs
        while pending:
            for block in pending:
                value = self.fields.read(block)
                if value == "cancel":
                    self.say("└── (closed)")
                    return
                if value is not None:
                    values.setdefault(block["block_id"], {})[block["element"]["action_id"]] = value
            submit = (view.get("submit") or {}).get("text", "Envoyer")
            self.say(f"└── [{submit}]")
            result = self.client.view_submission(self.state.user, view, values)
            body = result.json if isinstance(result.json, dict) else {}
            if body.get("response_action") == "errors":
                errors = body.get("errors") or {}
                for message in errors.values():
                    self.say(f"  ✗ {message}")
                pending = [b for b in inputs if b.get("block_id") in errors]
                if not pending:
                    break
                continue
            if body.get("response_action") in ("update", "push") and body.get("view"):
                self.settle()
                self.fill_modal(dict(body["view"], id=view["id"]))
                return
            break
        self.settle()


def run_console(settings: Settings, role: str = "member", stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    console = Console(settings, role, stdin or sys.stdin, stdout or sys.stdout)
    return console.run()
