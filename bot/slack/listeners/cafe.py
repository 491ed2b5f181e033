"""Slack listeners of the café intake: thin adapters from Slack payloads to bot.cafe."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from slack_bolt import App

from bot.cafe.export import FORMATS, render_export
from bot.cafe.notify import refresh_announcement, send_due_reminders
from bot.cafe.service import CafeService
from bot.cafe.values import MAX_QUESTION_CHARS, CafeDraft, CafeError
from bot.cafe.texts import CAFE
from bot.core.roles import Permission
from bot.core.runtime import SlackEvent, payload_id, payload_json
from bot.core.services import Services
from bot.core.texts import CORE
from bot.slack.blocks import cafe as ui
from bot.slack.blocks import escape_mrkdwn, section
from bot.slack.listeners.failures import failure_reporter
from bot.slack.listeners.wiring import ack_only, action, command, install, respond, shortcut, view
from bot.slack.modal_lane import opens_modal

# "question pour le café : …" (any case, with or without accents), or its English twin.
DM_PREFIX = re.compile(r"^\s*question\s+(?:pour\s+le|for\s+the)\s+caf[eé]\s*(?:ia\s*)?[:：]\s*", re.IGNORECASE)
MODERATION_ACTIONS = {"cafe_approve": "approve", "cafe_hide": "hide", "cafe_answer": "answer"}
FACILITATOR_VERBS = {"new", "edit", "themes", "export", "board", "close", "reopen"}
# Which field of the café modal a CafeError is about.
ERROR_BLOCKS = {"title_missing": "cafe_title", "title_too_long": "cafe_title", "channel_missing": "cafe_channel",
                "starts_in_past": "cafe_date", "closes_after_start": "cafe_close_date", "closes_in_past": "cafe_close_date",
                "bad_language": "cafe_language", "unknown_cafe": "cafe_title"}


@dataclass(frozen=True)
class CafeContext:
    services: Services
    cafes: CafeService
    tz: tzinfo

    def lang(self, user_id: str) -> str:
        return self.services.members.language(user_id)

    def cached_lang(self, user_id: str) -> str:
        return self.services.members.cached_language(user_id)

    def can(self, user_id: str, permission: Permission) -> bool:
        return self.services.roles.can(user_id, permission)

    def display_name(self, user_id: str) -> str:
        member = self.services.members.get(user_id)
        return (member.display_name if member and member.display_name else None) or user_id

    def refused(self, user_id: str) -> str:
        lang = self.lang(user_id)
        return CORE("refused", lang, who=CORE("who_facilitators", lang))

    def refresh(self, cafe_id: int) -> None:
        refresh_announcement(self.cafes, self.services.publishers.cafe, cafe_id)


def dm_question(text: str) -> str | None:
    """The question in a DM that starts with the café prefix, else None."""
    match = DM_PREFIX.match(text or "")
    return text[match.end():].strip() if match else None


def _user(body: dict[str, Any]) -> str:
    user = body.get("user")
    return user.get("id", "") if isinstance(user, dict) else body.get("user_id", "")


def _value(values: dict[str, Any], block_id: str) -> Any:
    element = (values.get(block_id) or {}).get("value") or {}
    kind = element.get("type")
    if kind == "static_select":
        return (element.get("selected_option") or {}).get("value")
    if kind == "checkboxes":
        return [o.get("value") for o in element.get("selected_options") or []]
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "timepicker":
        return element.get("selected_time")
    if kind == "conversations_select":
        return element.get("selected_conversation")
    if kind == "channels_select":
        return element.get("selected_channel")
    return element.get("value")


def error_text(exc: CafeError, lang: str) -> str:
    return CAFE(exc.code, lang, **exc.values)


def whisper(respond: Any, text: str) -> None:
    """An ephemeral note that leaves the message the button was on as it is."""
    respond(text=text, response_type="ephemeral", replace_original=False)


def _dm(client: Any, user_id: str, text: str, blocks: list | None = None) -> None:
    client.chat_postMessage(channel=user_id, text=text, blocks=blocks or [section(text)])


def _open_ask(ctx: CafeContext, client: Any, trigger_id: str, user_id: str, *, text: str = "", cafe_id: int | None = None) -> str | None:
    """Open the question modal; returns a message instead when no café takes questions."""
    cafes = ctx.cafes
    lang = ctx.lang(user_id)
    taking = cafes.cafes(intake_open_only=True)
    if cafe_id is not None and not any(c.id == cafe_id for c in taking):
        try:
            return CAFE("intake_closed", lang, title=cafes.get(cafe_id).title)
        except CafeError as exc:
            return error_text(exc, lang)
    if not taking:
        return CAFE("no_open_cafe", lang)
    client.views_open(trigger_id=trigger_id, view=ui.ask_modal(taking, lang, text=text, cafe_id=cafe_id))
    return None


def _submit_and_render(ctx: CafeContext, user_id: str, cafe_id: int, text: str, anonymous: bool, *, force: bool = False) -> tuple[str, list]:
    lang = ctx.lang(user_id)
    try:
        submission = ctx.cafes.submit(cafe_id, user_id, text, anonymous=anonymous, force=force)
    except CafeError as exc:
        message = error_text(exc, lang)
        return message, [section(message)]
    if submission.question is not None:
        ctx.refresh(cafe_id)
    return ui.submission_result(submission, text, anonymous, lang)


def _member_list(ctx: CafeContext, user_id: str, cafe_id: int) -> tuple[str, list]:
    lang = ctx.lang(user_id)
    cafe = ctx.cafes.get(cafe_id)
    return (CAFE("questions_title", lang, title=cafe.title),
            ui.member_questions(cafe, ctx.cafes.questions(cafe_id, viewer=user_id), lang, ctx.display_name))


def whispering_errors(handler):
    """Button handlers let a CafeError (closed intake, unknown question…) through; the member
    who pressed gets its message privately, in their language."""

    @functools.wraps(handler)
    def run(ctx, **kwargs):
        try:
            return handler(ctx, **kwargs)
        except CafeError as exc:
            whisper(kwargs["respond"], error_text(exc, ctx.lang(_user(kwargs["body"]))))
            return None

    return run


# -- /cafe --------------------------------------------------------------------------------------
MODAL_VERBS = {"new", "edit", "ask"}  # the verbs that open a modal (bot/slack/modal_lane.py)


def _verb_and_rest(command: dict[str, Any]) -> tuple[str, str]:
    words = (command.get("text") or "").strip().split(maxsplit=1)
    return (words[0].lower() if words else ""), (words[1].strip() if len(words) > 1 else "")


@opens_modal
def open_cafe_modal(ctx: CafeContext, command, client, respond):
    """`/cafe new|edit|ask`, at once in the modal lane: the trigger_id expires 3 s after the command."""
    if _verb_and_rest(command)[0] in MODAL_VERBS:
        _run_cafe_command(ctx, command, client, respond)


def run_command(ctx: CafeContext, command, client, respond):
    """Every other verb, with the rest of the slow work (themes may call the LLM)."""
    if _verb_and_rest(command)[0] not in MODAL_VERBS:
        _run_cafe_command(ctx, command, client, respond)


def _run_cafe_command(ctx: CafeContext, command: dict[str, Any], client: Any, respond: Any) -> None:
    user_id = command["user_id"]
    lang = ctx.lang(user_id)
    verb, rest = _verb_and_rest(command)

    def say(text: str, blocks: list | None = None) -> None:
        respond(text=text, blocks=blocks or [section(text)], response_type="ephemeral", replace_original=False)

    if verb in FACILITATOR_VERBS and not ctx.can(user_id, Permission.MANAGE_CAFE):
        say(ctx.refused(user_id))
        return
    try:
        reply = _cafe_verb(ctx, verb, rest, command, client, user_id, lang)
        if reply:
            say(*reply)
    except CafeError as exc:
        say(error_text(exc, lang))


def _cafe_verb(ctx: CafeContext, verb: str, rest: str, command: dict[str, Any], client: Any, user_id: str,
               lang: str) -> tuple[str, list | None] | tuple[()]:
    """What `/cafe <verb> <rest>` does; the (text, blocks) to tell the member, if anything."""
    cafes, tz = ctx.cafes, ctx.tz
    if verb == "ask":
        if rest and len(cafes.cafes(intake_open_only=True)) == 1:
            return _submit_and_render(ctx, user_id, cafes.resolve(None, intake_open_only=True).id, rest, False)
        problem = _open_ask(ctx, client, command["trigger_id"], user_id, text=rest)
        return (problem, None) if problem else ()
    if verb == "new":
        channel = command.get("channel_id") if str(command.get("channel_id", "")).startswith(("C", "G")) else None
        client.views_open(trigger_id=command["trigger_id"], view=ui.cafe_modal(lang, tz, default_channel=channel))
        return ()
    if verb == "edit":
        client.views_open(trigger_id=command["trigger_id"], view=ui.cafe_modal(lang, tz, cafes.resolve(rest or None)))
        return ()
    if verb in ("questions", "list"):
        cafe = cafes.resolve(rest or None)
        if ctx.can(user_id, Permission.MODERATE_CAFE):
            blocks = ui.moderation_list(cafe, cafes.questions(cafe.id, moderation=True), lang, ctx.display_name)
        else:
            blocks = ui.member_questions(cafe, cafes.questions(cafe.id, viewer=user_id), lang, ctx.display_name)
        return CAFE("questions_title", lang, title=cafe.title), blocks
    if verb == "themes":
        cafe = cafes.resolve(rest or None)
        themes, method = cafes.themes(cafe.id)
        return (CAFE("themes_title", lang, title=cafe.title),
                ui.themes_blocks(cafe, themes, method, cafes.questions(cafe.id, moderation=True), lang))
    if verb == "export":
        return _export(ctx, rest, client, user_id, lang), None
    if verb == "board":
        cafe = cafes.resolve(rest or None)
        links = ui.web_links(cafe, ctx.services.settings.public_base_url, lang)
        return links, [section(CAFE("board_intro", lang)), section(links)]
    if verb in ("close", "reopen"):
        cafe = cafes.set_status(cafes.resolve(rest or None).id, "closed" if verb == "close" else "open")
        ctx.refresh(cafe.id)
        return CAFE("closed" if verb == "close" else "reopened", lang, title=escape_mrkdwn(cafe.title)), None
    blocks = ui.overview(cafes.cafes(intake_open_only=True), cafes.my_questions(user_id), lang, tz,
                         facilitator=ctx.can(user_id, Permission.MANAGE_CAFE), base_url=ctx.services.settings.public_base_url)
    return CAFE("overview_title", lang), blocks


def _export(ctx: CafeContext, rest: str, client: Any, user_id: str, lang: str) -> str:
    cafes = ctx.cafes
    parts = rest.split()
    fmt = "md"
    if parts and parts[-1].lower() in FORMATS:
        fmt = parts.pop().lower()
    elif parts and parts[-1].lower() in ("markdown", "csv"):
        fmt = {"markdown": "md"}.get(parts.pop().lower(), "csv")
    cafe = cafes.resolve(" ".join(parts) or None)
    cafes.themes(cafe.id)
    questions = cafes.export_questions(cafe.id)
    content = render_export(fmt, cafe, questions, ctx.display_name, lang, ctx.tz)
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    client.files_upload_v2(channel=channel, content=content, filename=f"cafe-{cafe.id}.{fmt}",
                           title=cafe.title, initial_comment=CAFE("export_sent", lang, title=cafe.title, count=len(questions)))
    return CAFE("export_sent", lang, title=escape_mrkdwn(cafe.title), count=len(questions))


# -- member buttons -----------------------------------------------------------------------------
@opens_modal
def on_ask(ctx: CafeContext, body, action, client, respond):
    problem = _open_ask(ctx, client, body["trigger_id"], _user(body), cafe_id=payload_id(action.get("value")))
    if problem:
        whisper(respond, problem)


@whispering_errors
def on_list(ctx: CafeContext, body, action, respond):
    text, blocks = _member_list(ctx, _user(body), payload_id(action.get("value")))
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


@whispering_errors
def on_vote(ctx: CafeContext, body, action, respond):
    """A vote counts once: a second press (a stale list, a double tap) changes nothing and
    says so privately, with a button to withdraw the vote on purpose."""
    user_id = _user(body)
    lang = ctx.lang(user_id)
    result = ctx.cafes.vote(payload_id(action.get("value")), user_id)
    if result.already:
        respond(text=CAFE("already_voted", lang), blocks=ui.already_voted(result.question.id, lang),
                response_type="ephemeral", replace_original=False)
    else:
        _after_vote(ctx, user_id, lang, action, result, respond)


@whispering_errors
def on_unvote(ctx: CafeContext, body, action, respond):
    user_id = _user(body)
    result = ctx.cafes.unvote(payload_id(action.get("value")), user_id)
    _after_vote(ctx, user_id, ctx.lang(user_id), action, result, respond)


def _after_vote(ctx: CafeContext, user_id: str, lang: str, action: dict, result: Any, respond: Any) -> None:
    if str(action.get("block_id", "")).startswith("cafe_list"):
        text, blocks = _member_list(ctx, user_id, result.question.cafe_id)
        respond(text=text, blocks=blocks, replace_original=True)
    else:
        message = CAFE("voted" if result.voted else "unvoted", lang, votes=result.votes)
        respond(text=message, blocks=[section(message)], replace_original=True)


def on_add_anyway(ctx: CafeContext, body, action, respond):
    data = payload_json(action.get("value"))
    text, blocks = _submit_and_render(ctx, _user(body), payload_id(data.get("cafe_id")), str(data.get("text") or ""),
                                      bool(data.get("anonymous")), force=True)
    respond(text=text, blocks=blocks, replace_original=True)


@opens_modal
@whispering_errors
def on_edit(ctx: CafeContext, body, action, client, respond):
    user_id = _user(body)
    question = ctx.cafes.question(payload_id(action.get("value")), user_id)
    if not question.mine:
        whisper(respond, CAFE("not_your_question", ctx.lang(user_id)))
        return
    client.views_open(trigger_id=body["trigger_id"], view=ui.edit_question_modal(question, ctx.lang(user_id)))


@whispering_errors
def on_withdraw(ctx: CafeContext, body, action, respond):
    user_id = _user(body)
    lang = ctx.lang(user_id)
    question = ctx.cafes.withdraw(payload_id(action.get("value")), user_id)
    ctx.refresh(question.cafe_id)
    blocks = ui.overview(ctx.cafes.cafes(intake_open_only=True), ctx.cafes.my_questions(user_id), lang, ctx.tz)
    respond(text=CAFE("withdrawn", lang), blocks=[section(CAFE("withdrawn", lang)), *blocks][:50], replace_original=True)


# -- facilitator buttons ------------------------------------------------------------------------
@whispering_errors
def on_moderate(ctx: CafeContext, body, action, respond):
    user_id = _user(body)
    lang = ctx.lang(user_id)
    if not ctx.can(user_id, Permission.MODERATE_CAFE):
        whisper(respond, ctx.refused(user_id))
        return
    question = ctx.cafes.moderate(payload_id(action.get("value")), MODERATION_ACTIONS[action["action_id"]])
    ctx.refresh(question.cafe_id)
    cafe = ctx.cafes.get(question.cafe_id)
    respond(text=CAFE("moderated", lang, id=question.id, status=CAFE("status_" + question.status, lang)),
            blocks=ui.moderation_list(cafe, ctx.cafes.questions(cafe.id, moderation=True), lang, ctx.display_name),
            replace_original=True)


@opens_modal
@whispering_errors
def on_merge(ctx: CafeContext, body, action, client, respond):
    user_id = _user(body)
    if not ctx.can(user_id, Permission.MODERATE_CAFE):
        whisper(respond, ctx.refused(user_id))
        return
    source = ctx.cafes.question(payload_id(action.get("value")))
    candidates = [q for q in ctx.cafes.questions(source.cafe_id, moderation=True) if q.id != source.id]
    client.views_open(trigger_id=body["trigger_id"], view=ui.merge_modal(source, candidates, ctx.lang(user_id)))


# -- modals -------------------------------------------------------------------------------------
def ack_ask(ctx: CafeContext, ack, body, view):
    lang = ctx.cached_lang(_user(body))
    text = (_value(view["state"]["values"], "cafe_question") or "").strip()
    if not text:
        ack(response_action="errors", errors={"cafe_question": CAFE("question_empty", lang)})
    elif len(text) > MAX_QUESTION_CHARS:
        ack(response_action="errors", errors={"cafe_question": CAFE("question_too_long", lang, length=len(text), limit=MAX_QUESTION_CHARS)})
    else:
        ack()


def run_ask(ctx: CafeContext, body, view, client):
    user_id = _user(body)
    values = view["state"]["values"]
    text = (_value(values, "cafe_question") or "").strip()
    if not text or len(text) > MAX_QUESTION_CHARS:
        return
    meta = payload_json(view.get("private_metadata"))
    cafe_id = payload_id(meta.get("cafe_id") or _value(values, "cafe_cafe"))
    anonymous = "anonymous" in (_value(values, "cafe_anonymous") or [])
    message, blocks = _submit_and_render(ctx, user_id, cafe_id, text, anonymous)
    _dm(client, user_id, message, blocks)


def on_edit_submit(ctx: CafeContext, ack, body, view):
    user_id = _user(body)
    meta = payload_json(view.get("private_metadata"))
    text = _value(view["state"]["values"], "cafe_question")
    try:
        question = ctx.cafes.edit(payload_id(meta.get("question_id")), user_id, text if isinstance(text, str) else "")
    except CafeError as exc:
        ack(response_action="errors", errors={"cafe_question": error_text(exc, ctx.cached_lang(user_id))})
        return
    ack()
    ctx.services.executor.submit(ctx.refresh, question.cafe_id)


def parse_cafe_view(view: dict, tz: tzinfo) -> tuple[CafeDraft | None, dict[str, str]]:
    values = view["state"]["values"]
    errors: dict[str, str] = {}

    def moment(date_block: str, time_block: str) -> datetime | None:
        day, clock_time = _value(values, date_block), _value(values, time_block)
        try:
            return datetime.strptime(f"{day} {clock_time}", "%Y-%m-%d %H:%M").replace(tzinfo=tz)
        except (TypeError, ValueError):
            errors[date_block] = "bad_date"
            return None

    starts_at, closes_at = moment("cafe_date", "cafe_time"), moment("cafe_close_date", "cafe_close_time")
    if errors or starts_at is None or closes_at is None:
        return None, errors
    return CafeDraft(
        title=_value(values, "cafe_title") or "", starts_at=starts_at, closes_at=closes_at,
        place=_value(values, "cafe_place") or "", announce_channel=_value(values, "cafe_channel") or "",
        approval_required="approval" in (_value(values, "cafe_approval") or []),
        web_approval_required="web_approval" in (_value(values, "cafe_approval") or []),
        language=_value(values, "cafe_language") or "fr",
    ), {}


def ack_cafe(ctx: CafeContext, ack, body, view):
    user_id = _user(body)
    lang = ctx.cached_lang(user_id)
    if not ctx.can(user_id, Permission.MANAGE_CAFE):
        ack(response_action="errors", errors={"cafe_title": ctx.refused(user_id)})
        return
    draft, problems = parse_cafe_view(view, ctx.tz)
    if draft is None:
        ack(response_action="errors", errors={block: CAFE(code, lang) for block, code in problems.items()})
        return
    meta = payload_json(view.get("private_metadata"))
    try:
        ctx.cafes.check_draft(draft, new=not meta.get("cafe_id"))
    except CafeError as exc:
        ack(response_action="errors", errors={ERROR_BLOCKS.get(exc.code, "cafe_title"): error_text(exc, lang)})
        return
    ack()


def run_cafe(ctx: CafeContext, body, view, client):
    user_id = _user(body)
    if not ctx.can(user_id, Permission.MANAGE_CAFE):
        return
    lang = ctx.lang(user_id)
    draft, _ = parse_cafe_view(view, ctx.tz)
    if draft is None:
        return
    meta = payload_json(view.get("private_metadata"))
    cafes = ctx.cafes
    try:
        if meta.get("cafe_id"):
            cafe = cafes.update_cafe(payload_id(meta["cafe_id"]), draft)
            ctx.refresh(cafe.id)
            send_due_reminders(cafes, ctx.services.publishers.cafe, cafe_id=cafe.id)
            message = CAFE("updated", lang, title=escape_mrkdwn(cafe.title))
        else:
            cafe = cafes.create_cafe(user_id, draft)
            send_due_reminders(cafes, ctx.services.publishers.cafe, cafe_id=cafe.id)
            message = CAFE("created", lang, title=escape_mrkdwn(cafe.title), id=cafe.id, channel=cafe.announce_channel)
    except CafeError as exc:
        message = error_text(exc, lang)
    _dm(client, user_id, message)


def on_merge_submit(ctx: CafeContext, ack, body, view):
    user_id = _user(body)
    lang = ctx.cached_lang(user_id)
    if not ctx.can(user_id, Permission.MODERATE_CAFE):
        ack(response_action="errors", errors={"cafe_target": ctx.refused(user_id)})
        return
    meta = payload_json(view.get("private_metadata"))
    try:
        target = ctx.cafes.merge(payload_id(meta.get("question_id")), payload_id(_value(view["state"]["values"], "cafe_target")))
    except CafeError as exc:
        ack(response_action="errors", errors={"cafe_target": error_text(exc, lang)})
        return
    ack()
    ctx.services.executor.submit(ctx.refresh, target.cafe_id)


# -- message shortcut and DM intake -------------------------------------------------------------
@opens_modal
def on_shortcut(ctx: CafeContext, body, client, respond):
    text = ((body.get("message") or {}).get("text") or "")[:MAX_QUESTION_CHARS]
    problem = _open_ask(ctx, client, body["trigger_id"], _user(body), text=text)
    if problem:
        whisper(respond, problem)


def on_dm(ctx: CafeContext, event: SlackEvent) -> bool:
    message = event.event
    if message.get("channel_type") != "im" or message.get("subtype") or message.get("bot_id") or not message.get("channel"):
        return False
    text = dm_question(message.get("text") or "")
    if text is None:
        return False
    user_id = message.get("user") or ""
    try:
        cafe = ctx.cafes.resolve(None, intake_open_only=True)
    except CafeError as exc:
        reply = error_text(exc, ctx.lang(user_id))
        event.client.chat_postMessage(channel=message["channel"], text=reply, blocks=[section(reply)])
        return True
    reply, blocks = _submit_and_render(ctx, user_id, cafe.id, text, False)
    event.client.chat_postMessage(channel=message["channel"], text=reply, blocks=blocks)
    return True


# -- App Home and what other capabilities may read ----------------------------------------------
def home_section(ctx: CafeContext, user_id: str, role: Any, lang: str) -> list:
    return ui.overview(ctx.cafes.cafes(intake_open_only=True), ctx.cafes.my_questions(user_id), lang, ctx.tz,
                       facilitator=ctx.can(user_id, Permission.MANAGE_CAFE), limit=40,
                       base_url=ctx.services.settings.public_base_url)


def open_cafes(ctx: CafeContext) -> list[dict[str, Any]]:
    """For the digest (bot/digest/sources.py: `{"title", "when"?, "url"?}`): the cafés taking
    questions, next first. Everything is JSON-safe: the digest stores its content as JSON."""
    found = []
    for cafe in ctx.cafes.cafes(intake_open_only=True):
        permalink = None
        if cafe.announcement_channel and cafe.announcement_ts:
            try:
                permalink = ctx.services.slack.chat_getPermalink(channel=cafe.announcement_channel, message_ts=cafe.announcement_ts)["permalink"]
            except Exception:
                permalink = None
        found.append({"id": cafe.id, "title": cafe.title, "when": ui.when(cafe.starts_at, ctx.tz, "fr"), "url": permalink,
                      "starts_at": cafe.starts_at.isoformat(), "closes_at": cafe.closes_at.isoformat(),
                      "place": cafe.place, "question_count": cafe.question_count, "permalink": permalink})
    return found


def register(app: App, services: Services) -> None:
    tz = services.settings.tz
    cafes = CafeService(services.db, services.clock, tz, services.llm)
    services.extras["cafe"] = cafes
    ctx = CafeContext(services, cafes, tz)
    install(app, services, ctx, failure_reporter(services), listeners=[
        command("/cafe", ack_only, (open_cafe_modal, run_command)),
        action("cafe_ask", ack_only, on_ask),
        action("cafe_list", ack_only, on_list),
        action("cafe_vote", ack_only, on_vote),
        action("cafe_unvote", ack_only, on_unvote),
        action("cafe_add_anyway", ack_only, on_add_anyway),
        action("cafe_edit", ack_only, on_edit),
        action("cafe_withdraw", ack_only, on_withdraw),
        *(action(action_id, ack_only, on_moderate) for action_id in MODERATION_ACTIONS),
        action("cafe_merge", ack_only, on_merge),
        view(ui.ASK_VIEW, ack_ask, run_ask),
        view(ui.EDIT_QUESTION_VIEW, on_edit_submit),
        view(ui.CAFE_VIEW, ack_cafe, run_cafe),
        view(ui.MERGE_VIEW, on_merge_submit),
        shortcut("cafe_submit_message", ack_only, on_shortcut),
    ], events=[respond("message", on_dm, priority=10)], home=[(40, home_section)])
    services.extras["open_cafes"] = functools.partial(open_cafes, ctx)
