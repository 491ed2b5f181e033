"""The manifests pass Slack's own schema, and they and the app agree: every command, event,
shortcut and scope, both ways."""

from __future__ import annotations

import ast
import copy
import inspect
import json
from pathlib import Path

import pytest
import slack_sdk.web.chat_stream
import slack_sdk.web.client
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from bot.core.services import build_services
from bot.slack.app import build_app

ROOT = Path(__file__).resolve().parent.parent
VENDOR = Path(__file__).resolve().parent / "fixtures" / "vendor" / "slack"
MANIFEST_FILES = ("manifest.json", "manifest.socket.json")
MANIFESTS = {name: json.loads((ROOT / name).read_text(encoding="utf-8")) for name in MANIFEST_FILES}
MANIFEST = MANIFESTS["manifest.json"]


# -- Slack's schema ------------------------------------------------------------------------
def _validator() -> Draft7Validator:
    """The all-versions schema, its per-version `$ref`s served from the copies in fixtures/."""
    folder = VENDOR / "manifest-schema"
    remote = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"
    registry: Registry = Registry().with_resources(
        (remote + f"manifest.schema.{version}.json",
         Resource.from_contents(json.loads((folder / f"manifest.schema.{version}.json").read_text())))
        for version in ("1.0.0", "2.0.0")
    )
    schema = json.loads((folder / "manifest.schema.json").read_text())
    return Draft7Validator(schema, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)


def schema_errors(manifest: dict) -> list[str]:
    """One line per error. The top level is a oneOf by major version: report the leaves of the
    branches, less their "this is not version N" noise."""
    def leaves(error):
        return [leaf for sub in error.context for leaf in leaves(sub)] if error.context else [error]

    found = {f"{leaf.json_path}: {leaf.message}" for error in _validator().iter_errors(manifest)
             for leaf in leaves(error) if leaf.validator not in ("const", "not")}
    return sorted(found)


@pytest.mark.parametrize("name", MANIFEST_FILES)
def test_manifest_passes_slacks_schema(name: str) -> None:
    assert schema_errors(MANIFESTS[name]) == []


def test_schema_refuses_what_slack_refused() -> None:
    """The two errors Slack reported on the first manifest, each found by the validator."""
    long_name = copy.deepcopy(MANIFEST)
    long_name["features"]["shortcuts"][0]["name"] = "Ajouter à la base de connaissances"  # 34 > 24
    empty_hint = copy.deepcopy(MANIFEST)
    empty_hint["features"]["slash_commands"][0]["usage_hint"] = ""
    assert any("shortcuts[0].name" in e and "too long" in e for e in schema_errors(long_name))
    assert any("usage_hint" in e and "non-empty" in e for e in schema_errors(empty_hint))


def test_socket_manifest_is_the_http_one_without_request_urls() -> None:
    expected = copy.deepcopy(MANIFEST)
    for command in expected["features"]["slash_commands"]:
        del command["url"]
    del expected["settings"]["event_subscriptions"]["request_url"]
    del expected["settings"]["interactivity"]["request_url"]
    expected["settings"]["socket_mode_enabled"] = True
    assert MANIFESTS["manifest.socket.json"] == expected
    assert MANIFEST["settings"]["socket_mode_enabled"] is False


# -- listeners -------------------------------------------------------------------------------
def _listened(settings, db) -> dict[str, set[str]]:
    services = build_services(settings, db=db)
    app = build_app(services, token_verification=False)
    # Events reach the capabilities through the router, behind one Bolt listener for all types.
    found: dict[str, set[str]] = {"command": set(), "event": set(services.router.event_types()),
                                  "message_shortcut": set(), "shortcut": set()}
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            kind = getattr(func, "__qualname__", "").split(".<locals>")[0]
            if kind not in found:
                continue
            values = inspect.getclosurevars(func).nonlocals
            value = values.get("command") or values.get("event_type") or values.get("callback_id") or values.get("constraints")
            if isinstance(value, str):
                found[kind].add(value)
    return found


def test_commands_match(settings, db) -> None:
    manifest = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert _listened(settings, db)["command"] == manifest


def test_events_match(settings, db) -> None:
    subscribed = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    # Slack subscribes to message.im / message.channels / …; Bolt listens to "message".
    manifest = {name.split(".")[0] for name in subscribed}
    assert _listened(settings, db)["event"] == manifest


def test_shortcuts_match(settings, db) -> None:
    listened = _listened(settings, db)
    manifest = {s["callback_id"] for s in MANIFEST["features"].get("shortcuts", [])}
    # app.shortcut() matches global and message shortcuts alike; app.message_shortcut() only the latter.
    assert listened["message_shortcut"] | listened["shortcut"] == manifest
    manifest_message = {s["callback_id"] for s in MANIFEST["features"].get("shortcuts", []) if s["type"] == "message"}
    assert listened["message_shortcut"] <= manifest_message


# -- scopes ----------------------------------------------------------------------------------
# The bot-token scopes each Web API method needs, as this app calls it. Where Slack's Web API spec
# (fixtures/vendor/slack/specs/web_api_method_scopes.json, extracted from its 2021 OpenAPI file)
# lists the method, these scopes must be among the ones it lists, a classic scope
# ("chat:write:bot") read as its granular successor ("chat:write"); methods the spec predates
# come from their page at https://docs.slack.dev/reference/methods/<method>. Where the spec
# offers one scope per conversation type, only the types the app calls the method on are kept.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "assistant.threads.setStatus": ("assistant:write",),  # docs: assistant:write or chat:write
    "assistant.threads.setSuggestedPrompts": ("assistant:write",),  # docs
    "auth.test": (),
    "chat.appendStream": ("chat:write",),  # docs
    "chat.getPermalink": (),
    "chat.postEphemeral": ("chat:write",),
    # chat:write.public (docs, scopes/chat.write.public): the digest and staff reports go to
    # DIGEST_CHANNEL / STAFF_CHANNEL, which the bot may not have been invited to.
    "chat.postMessage": ("chat:write", "chat:write.public"),
    "chat.startStream": ("chat:write",),  # docs
    "chat.stopStream": ("chat:write",),  # docs
    "chat.update": ("chat:write",),
    "conversations.history": ("channels:history", "groups:history"),  # opt-in knowledge channels
    "conversations.info": ("channels:read", "groups:read"),  # digest sources, member joins: no DMs
    "conversations.open": ("im:write",),  # DMs with one member only
    "conversations.replies": ("channels:history", "groups:history", "im:history"),  # threads, DMs too
    "files.completeUploadExternal": ("files:write",),  # docs
    "files.getUploadURLExternal": ("files:write",),  # docs
    "reactions.add": ("reactions:write",),
    "usergroups.users.list": ("usergroups:read",),
    "users.info": ("users:read",),
    "users.list": ("users:read",),
    "views.open": (),
    "views.publish": (),
}
# Scopes a method's docs page adds to what the 2021 spec lists.
SCOPES_FROM_DOCS = {("chat.postMessage", "chat:write.public")}
# Events whose scopes the events spec (fixtures/vendor/slack/specs/events_api_scopes.json) leaves
# out, from https://docs.slack.dev/reference/events/<event>.
EVENT_SCOPES_FROM_DOCS: dict[str, tuple[str, ...]] = {
    "app_home_opened": (),
    "app_mention": ("app_mentions:read",),
    "assistant_thread_started": ("assistant:write",),
}
# Manifest features that need a scope of their own.
FEATURE_SCOPES = {"slash_commands": "commands", "shortcuts": "commands", "assistant_view": "assistant:write"}

SOURCE_DIRS = ("bot", "jobs", "integrations")
# The console's Slack stand-in answers Web API methods; it calls none.
NOT_CLIENT_CODE = {Path("bot/console/slack_standin.py")}


def _web_client_calls() -> dict[str, set[str]]:
    """slack_sdk WebClient method name -> the Web API methods calling it reaches."""
    def calls_in(tree: ast.AST, receiver: str) -> tuple[set[str], set[str]]:
        api, helpers = set(), set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "api_call":
                if node.args and isinstance(node.args[0], ast.Constant):
                    api.add(node.args[0].value)
            elif isinstance(node, ast.Attribute) and ast.unparse(node.value) == receiver:
                helpers.add(node.attr)
        return api, helpers

    client_class = next(node for node in ast.parse(inspect.getsource(slack_sdk.web.client)).body
                        if isinstance(node, ast.ClassDef) and node.name == "WebClient")
    direct: dict[str, tuple[set[str], set[str]]] = {
        fn.name: calls_in(fn, "self") for fn in client_class.body if isinstance(fn, ast.FunctionDef)
    }
    # chat_stream() hands the client to a ChatStream, which calls chat.*Stream through it.
    direct["chat_stream"][1].update(calls_in(ast.parse(inspect.getsource(slack_sdk.web.chat_stream)), "self._client")[1])

    def resolve(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        api, helpers = direct.get(name, (set(), set()))
        found = set(api)
        for helper in helpers - seen - {name}:
            found |= resolve(helper, seen | {name})
        return found

    return {name: resolve(name) for name in direct if not name.startswith("_")}


def used_web_api_methods() -> set[str]:
    """The Web API methods the code reaches: every WebClient method named in the source, called or
    handed on (iter_pages(client.users_list, ...))."""
    calls = _web_client_calls()
    used: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.relative_to(ROOT) in NOT_CLIENT_CODE:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in calls:
                    used |= calls[node.attr]
    return used


def _granular(scope: str) -> str:
    return scope.removesuffix(":bot").removesuffix(":user")


def needed_scopes(manifest: dict, methods: set[str]) -> dict[str, set[str]]:
    """scope -> what needs it (a method, an event or a feature)."""
    spec_events = json.loads((VENDOR / "specs" / "events_api_scopes.json").read_text())
    needs: dict[str, set[str]] = {}
    for method in methods:
        for scope in METHOD_SCOPES[method]:
            needs.setdefault(scope, set()).add(method)
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        topic = event if event.startswith("message.") else event.replace("_", ".")
        scopes = EVENT_SCOPES_FROM_DOCS[event] if event in EVENT_SCOPES_FROM_DOCS else spec_events[topic]
        for scope in scopes:
            needs.setdefault(scope, set()).add(f"event {event}")
    for feature, scope in FEATURE_SCOPES.items():
        if manifest["features"].get(feature):
            needs.setdefault(scope, set()).add(f"feature {feature}")
    return needs


def scope_problems(manifest: dict, methods: set[str]) -> dict[str, list[str]]:
    declared = set(manifest["oauth_config"]["scopes"]["bot"])
    needs = needed_scopes(manifest, methods)
    return {"unused": sorted(declared - set(needs)), "missing": sorted(set(needs) - declared)}


def test_scope_map_covers_every_method_the_code_calls() -> None:
    used = used_web_api_methods()
    # Found through helpers and bound methods handed on, not only direct calls.
    assert {"files.getUploadURLExternal", "files.completeUploadExternal", "chat.startStream",
            "conversations.history", "users.list"} <= used
    assert used - set(METHOD_SCOPES) == set(), "add the new method to METHOD_SCOPES with its scopes"


def test_scope_map_agrees_with_slacks_spec() -> None:
    spec = json.loads((VENDOR / "specs" / "web_api_method_scopes.json").read_text())
    for method, scopes in METHOD_SCOPES.items():
        if method in spec:
            allowed = {_granular(scope) for scope in spec[method] if scope != "none"}
            extra = {scope for scope in scopes if (method, scope) not in SCOPES_FROM_DOCS}
            assert extra <= allowed, f"{method}: {sorted(extra - allowed)} not in the spec's {sorted(allowed)}"
        else:
            assert not any(m == method for m, _ in SCOPES_FROM_DOCS)


@pytest.mark.parametrize("name", MANIFEST_FILES)
def test_manifest_asks_for_exactly_the_scopes_the_code_uses(name: str) -> None:
    assert scope_problems(MANIFESTS[name], used_web_api_methods()) == {"unused": [], "missing": []}


def test_an_unused_scope_is_caught() -> None:
    manifest = copy.deepcopy(MANIFEST)
    manifest["oauth_config"]["scopes"]["bot"].append("team:read")
    manifest["oauth_config"]["scopes"]["bot"].remove("files:write")
    assert scope_problems(manifest, used_web_api_methods()) == {"unused": ["team:read"], "missing": ["files:write"]}
