"""Slack listeners of the café intake: thin adapters from Slack payloads to bot.cafe."""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Any

from slack_bolt import App

from bot.slack.blocks import escape_mrkdwn, section
from bot.slack.blocks import cafe as ui
from bot.cafe.export import FORMATS, render_export
from bot.cafe.notify import refresh_announcement, send_due_reminders
from bot.cafe.service import MAX_QUESTION_CHARS, CafeDraft, CafeError, CafeService
from bot.cafe.texts import CAFE
from bot.core.roles import Permission
from bot.core.runtime import SlackEvent, payload_id, payload_json, reported
from bot.slack.listeners.failures import failure_reporter
from bot.core.services import Services
from bot.core.texts import CORE

# "question pour le café : …" (any case, with or without accents), or its English twin.
DM_PREFIX = re.compile(r"^\s*question\s+(?:pour\s+le|for\s+the)\s+caf[eé]\s*(?:ia\s*)?[:：]\s*", re.IGNORECASE)
MODERATION_ACTIONS = {"cafe_approve": "approve", "cafe_hide": "hide", "cafe_answer": "answer"}


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


def register(app: App, services: Services) -> None:

    tell_member = failure_reporter(services)
    tz = services.settings.tz
    cafes = CafeService(services.db, services.clock, tz, services.llm)
    services.extras["cafe"] = cafes
    members, roles = services.members, services.roles

    def lang_of(user_id: str) -> str:
        return members.language(user_id)

    def display_name(user_id: str) -> str:
        member = members.get(user_id)
        return (member.display_name if member and member.display_name else None) or user_id

    def refused(user_id: str) -> str:
        lang = lang_of(user_id)
        return CORE("refused", lang, who=CORE("who_facilitators", lang))

    def error_text(exc: CafeError, lang: str) -> str:
        return CAFE(exc.code, lang, **exc.values)

    def refresh(cafe_id: int) -> None:
        refresh_announcement(cafes, services.slack, cafe_id, tz)

    def whisper(respond: Any, text: str) -> None:
        """An ephemeral note that leaves the message the button was on as it is."""
        respond(text=text, response_type="ephemeral", replace_original=False)

    def dm(client: Any, user_id: str, text: str, blocks: list | None = None) -> None:
        client.chat_postMessage(channel=user_id, text=text, blocks=blocks or [section(text)])

    def open_ask(client: Any, trigger_id: str, user_id: str, *, text: str = "", cafe_id: int | None = None) -> str | None:
        """Open the question modal; returns a message instead when no café takes questions."""
        lang = lang_of(user_id)
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

    def submit_and_render(user_id: str, cafe_id: int, text: str, anonymous: bool, *, force: bool = False) -> tuple[str, list]:
        lang = lang_of(user_id)
        try:
            submission = cafes.submit(cafe_id, user_id, text, anonymous=anonymous, force=force)
        except CafeError as exc:
            message = error_text(exc, lang)
            return message, [section(message)]
        if submission.question is not None:
            refresh(cafe_id)
        return ui.submission_result(submission, text, anonymous, lang)

    # -- /cafe -------------------------------------------------------------------------------
    def ack_command(ack):  # type: ignore[no-untyped-def]
        ack()

    def run_command(command, client, respond):  # type: ignore[no-untyped-def]
        user_id = command["user_id"]
        lang = lang_of(user_id)
        words = (command.get("text") or "").strip().split(maxsplit=1)
        verb = words[0].lower() if words else ""
        rest = words[1].strip() if len(words) > 1 else ""

        def say(text: str, blocks: list | None = None) -> None:
            respond(text=text, blocks=blocks or [section(text)], response_type="ephemeral", replace_original=False)

        facilitator_verbs = {"new": Permission.MANAGE_CAFE, "edit": Permission.MANAGE_CAFE, "themes": Permission.MANAGE_CAFE,
                             "export": Permission.MANAGE_CAFE, "close": Permission.MANAGE_CAFE, "reopen": Permission.MANAGE_CAFE}
        if verb in facilitator_verbs and not roles.can(user_id, facilitator_verbs[verb]):
            say(refused(user_id))
            return
        try:
            if verb == "ask":
                if rest and len(cafes.cafes(intake_open_only=True)) == 1:
                    text, blocks = submit_and_render(user_id, cafes.resolve(None, intake_open_only=True).id, rest, False)
                    say(text, blocks)
                else:
                    problem = open_ask(client, command["trigger_id"], user_id, text=rest)
                    if problem:
                        say(problem)
            elif verb == "new":
                client.views_open(trigger_id=command["trigger_id"], view=ui.cafe_modal(lang, tz, default_channel=command.get("channel_id") if str(command.get("channel_id", "")).startswith(("C", "G")) else None))
            elif verb == "edit":
                client.views_open(trigger_id=command["trigger_id"], view=ui.cafe_modal(lang, tz, cafes.resolve(rest or None)))
            elif verb in ("questions", "list"):
                cafe = cafes.resolve(rest or None)
                if roles.can(user_id, Permission.MODERATE_CAFE):
                    blocks = ui.moderation_list(cafe, cafes.questions(cafe.id, moderation=True), lang, display_name)
                else:
                    blocks = ui.member_questions(cafe, cafes.questions(cafe.id, viewer=user_id), lang, display_name)
                say(CAFE("questions_title", lang, title=cafe.title), blocks)
            elif verb == "themes":
                cafe = cafes.resolve(rest or None)
                themes, method = cafes.themes(cafe.id)
                say(CAFE("themes_title", lang, title=cafe.title),
                    ui.themes_blocks(cafe, themes, method, cafes.questions(cafe.id, moderation=True), lang))
            elif verb == "export":
                parts = rest.split()
                fmt = "md"
                if parts and parts[-1].lower() in FORMATS:
                    fmt = parts.pop().lower()
                elif parts and parts[-1].lower() in ("markdown", "csv"):
                    fmt = {"markdown": "md"}.get(parts.pop().lower(), "csv")
                cafe = cafes.resolve(" ".join(parts) or None)
                cafes.themes(cafe.id)
                questions = cafes.export_questions(cafe.id)
                content = render_export(fmt, cafe, questions, display_name, lang, tz)
                channel = client.conversations_open(users=user_id)["channel"]["id"]
                client.files_upload_v2(channel=channel, content=content, filename=f"cafe-{cafe.id}.{fmt}",
                                       title=cafe.title, initial_comment=CAFE("export_sent", lang, title=cafe.title, count=len(questions)))
                say(CAFE("export_sent", lang, title=escape_mrkdwn(cafe.title), count=len(questions)))
            elif verb in ("close", "reopen"):
                cafe = cafes.set_status(cafes.resolve(rest or None).id, "closed" if verb == "close" else "open")
                refresh(cafe.id)
                say(CAFE("closed" if verb == "close" else "reopened", lang, title=escape_mrkdwn(cafe.title)))
            else:
                blocks = ui.overview(cafes.cafes(intake_open_only=True), cafes.my_questions(user_id), lang, tz,
                                     facilitator=roles.can(user_id, Permission.MANAGE_CAFE))
                say(CAFE("overview_title", lang), blocks)
        except CafeError as exc:
            say(error_text(exc, lang))

    app.command("/cafe")(ack=ack_command, lazy=[reported(run_command, tell_member)])

    # -- member buttons ----------------------------------------------------------------------
    def ack_only(ack):  # type: ignore[no-untyped-def]
        ack()

    def on_ask(body, action, client, respond):  # type: ignore[no-untyped-def]
        user_id = _user(body)
        problem = open_ask(client, body["trigger_id"], user_id, cafe_id=payload_id(action.get("value")))
        if problem:
            whisper(respond, problem)

    app.action("cafe_ask")(ack=ack_only, lazy=[reported(on_ask, tell_member)])

    def whispering_errors(handler):  # type: ignore[no-untyped-def]
        """Button handlers let a CafeError (closed intake, unknown question…) through; the
        member who pressed gets its message privately, in their language."""

        @functools.wraps(handler)
        def run(**kwargs):  # type: ignore[no-untyped-def]
            try:
                return handler(**kwargs)
            except CafeError as exc:
                whisper(kwargs["respond"], error_text(exc, lang_of(_user(kwargs["body"]))))
                return None

        return run


    def member_list(user_id: str, cafe_id: int) -> tuple[str, list]:
        lang = lang_of(user_id)
        cafe = cafes.get(cafe_id)
        return CAFE("questions_title", lang, title=cafe.title), ui.member_questions(cafe, cafes.questions(cafe_id, viewer=user_id), lang, display_name)

    def on_list(body, action, respond):  # type: ignore[no-untyped-def]
        text, blocks = member_list(_user(body), payload_id(action.get("value")))
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

    app.action("cafe_list")(ack=ack_only, lazy=[reported(whispering_errors(on_list), tell_member)])

    def on_vote(body, action, respond):  # type: ignore[no-untyped-def]
        user_id = _user(body)
        lang = lang_of(user_id)
        result = cafes.toggle_vote(payload_id(action.get("value")), user_id)
        if str(action.get("block_id", "")).startswith("cafe_list"):
            text, blocks = member_list(user_id, result.question.cafe_id)
            respond(text=text, blocks=blocks, replace_original=True)
        else:
            message = CAFE("voted" if result.voted else "unvoted", lang, votes=result.votes)
            respond(text=message, blocks=[section(message)], replace_original=True)

    app.action("cafe_vote")(ack=ack_only, lazy=[reported(whispering_errors(on_vote), tell_member)])

    def on_add_anyway(body, action, respond):  # type: ignore[no-untyped-def]
        user_id = _user(body)
        data = payload_json(action.get("value"))
        text, blocks = submit_and_render(user_id, payload_id(data.get("cafe_id")), str(data.get("text") or ""), bool(data.get("anonymous")), force=True)
        respond(text=text, blocks=blocks, replace_original=True)

    app.action("cafe_add_anyway")(ack=ack_only, lazy=[reported(on_add_anyway, tell_member)])

    def on_edit(body, action, client, respond):  # type: ignore[no-untyped-def]
        user_id = _user(body)
        lang = lang_of(user_id)
        question = cafes.question(payload_id(action.get("value")), user_id)
        if not question.mine:
            whisper(respond, CAFE("not_your_question", lang))
            return
        client.views_open(trigger_id=body["trigger_id"], view=ui.edit_question_modal(question, lang))

    app.action("cafe_edit")(ack=ack_only, lazy=[reported(whispering_errors(on_edit), tell_member)])

    def on_withdraw(body, action, respond):  # type: ignore[no-untyped-def]
        user_id = _user(body)
        lang = lang_of(user_id)
        question = cafes.withdraw(payload_id(action.get("value")), user_id)
        refresh(question.cafe_id)
        blocks = ui.overview(cafes.cafes(intake_open_only=True), cafes.my_questions(user_id), lang, tz)
        respond(text=CAFE("withdrawn", lang), blocks=[section(CAFE("withdrawn", lang)), *blocks][:50], replace_original=True)

    app.action("cafe_withdraw")(ack=ack_only, lazy=[reported(whispering_errors(on_withdraw), tell_member)])

    # -- facilitator buttons -----------------------------------------------------------------
    def on_moderate(body, action, respond):  # type: ignore[no-untyped-def]
        user_id = _user(body)
        lang = lang_of(user_id)
        if not roles.can(user_id, Permission.MODERATE_CAFE):
            whisper(respond, refused(user_id))
            return
        question = cafes.moderate(payload_id(action.get("value")), MODERATION_ACTIONS[action["action_id"]])
        refresh(question.cafe_id)
        cafe = cafes.get(question.cafe_id)
        respond(text=CAFE("moderated", lang, id=question.id, status=CAFE("status_" + question.status, lang)),
                blocks=ui.moderation_list(cafe, cafes.questions(cafe.id, moderation=True), lang, display_name), replace_original=True)

    for action_id in MODERATION_ACTIONS:
        app.action(action_id)(ack=ack_only, lazy=[reported(whispering_errors(on_moderate), tell_member)])

    def on_merge(body, action, client, respond):  # type: ignore[no-untyped-def]
        user_id = _user(body)
        lang = lang_of(user_id)
        if not roles.can(user_id, Permission.MODERATE_CAFE):
            whisper(respond, refused(user_id))
            return
        source = cafes.question(payload_id(action.get("value")))
        candidates = [q for q in cafes.questions(source.cafe_id, moderation=True) if q.id != source.id]
        client.views_open(trigger_id=body["trigger_id"], view=ui.merge_modal(source, candidates, lang))

    app.action("cafe_merge")(ack=ack_only, lazy=[reported(whispering_errors(on_merge), tell_member)])

    # -- modals ------------------------------------------------------------------------------
    def ack_ask(ack, body, view):  # type: ignore[no-untyped-def]
        lang = members.cached_language(_user(body))
        text = (_value(view["state"]["values"], "cafe_question") or "").strip()
        if not text:
            ack(response_action="errors", errors={"cafe_question": CAFE("question_empty", lang)})
        elif len(text) > MAX_QUESTION_CHARS:
            ack(response_action="errors", errors={"cafe_question": CAFE("question_too_long", lang, length=len(text), limit=MAX_QUESTION_CHARS)})
        else:
            ack()

    def run_ask(body, view, client):  # type: ignore[no-untyped-def]
        user_id = _user(body)
        values = view["state"]["values"]
        text = (_value(values, "cafe_question") or "").strip()
        if not text or len(text) > MAX_QUESTION_CHARS:
            return
        meta = payload_json(view.get("private_metadata"))
        cafe_id = payload_id(meta.get("cafe_id") or _value(values, "cafe_cafe"))
        anonymous = "anonymous" in (_value(values, "cafe_anonymous") or [])
        message, blocks = submit_and_render(user_id, cafe_id, text, anonymous)
        dm(client, user_id, message, blocks)

    app.view(ui.ASK_VIEW)(ack=ack_ask, lazy=[reported(run_ask, tell_member)])

    def on_edit_submit(ack, body, view):  # type: ignore[no-untyped-def]
        user_id = _user(body)
        lang = members.cached_language(user_id)
        meta = payload_json(view.get("private_metadata"))
        text = _value(view["state"]["values"], "cafe_question")
        try:
            question = cafes.edit(payload_id(meta.get("question_id")), user_id, text if isinstance(text, str) else "")
        except CafeError as exc:
            ack(response_action="errors", errors={"cafe_question": error_text(exc, lang)})
            return
        ack()
        services.executor.submit(refresh, question.cafe_id)

    app.view(ui.EDIT_QUESTION_VIEW)(on_edit_submit)

    def parse_cafe_view(view: dict, tz_=tz) -> tuple[CafeDraft | None, dict[str, str]]:
        values = view["state"]["values"]
        errors: dict[str, str] = {}

        def moment(date_block: str, time_block: str) -> datetime | None:
            day, clock_time = _value(values, date_block), _value(values, time_block)
            try:
                return datetime.strptime(f"{day} {clock_time}", "%Y-%m-%d %H:%M").replace(tzinfo=tz_)
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
            language=_value(values, "cafe_language") or "fr",
        ), {}

    error_blocks = {"title_missing": "cafe_title", "title_too_long": "cafe_title", "channel_missing": "cafe_channel",
                    "starts_in_past": "cafe_date", "closes_after_start": "cafe_close_date", "closes_in_past": "cafe_close_date",
                    "bad_language": "cafe_language", "unknown_cafe": "cafe_title"}

    def ack_cafe(ack, body, view):  # type: ignore[no-untyped-def]
        user_id = _user(body)
        lang = members.cached_language(user_id)
        if not roles.can(user_id, Permission.MANAGE_CAFE):
            ack(response_action="errors", errors={"cafe_title": refused(user_id)})
            return
        draft, problems = parse_cafe_view(view)
        if draft is None:
            ack(response_action="errors", errors={block: CAFE(code, lang) for block, code in problems.items()})
            return
        meta = payload_json(view.get("private_metadata"))
        try:
            cafes.check_draft(draft, new=not meta.get("cafe_id"))
        except CafeError as exc:
            ack(response_action="errors", errors={error_blocks.get(exc.code, "cafe_title"): error_text(exc, lang)})
            return
        ack()

    def run_cafe(body, view, client):  # type: ignore[no-untyped-def]
        user_id = _user(body)
        if not roles.can(user_id, Permission.MANAGE_CAFE):
            return
        lang = lang_of(user_id)
        draft, _ = parse_cafe_view(view)
        if draft is None:
            return
        meta = payload_json(view.get("private_metadata"))
        try:
            if meta.get("cafe_id"):
                cafe = cafes.update_cafe(payload_id(meta["cafe_id"]), draft)
                refresh(cafe.id)
                send_due_reminders(cafes, client, tz, cafe_id=cafe.id)
                message = CAFE("updated", lang, title=escape_mrkdwn(cafe.title))
            else:
                cafe = cafes.create_cafe(user_id, draft)
                send_due_reminders(cafes, client, tz, cafe_id=cafe.id)
                message = CAFE("created", lang, title=escape_mrkdwn(cafe.title), id=cafe.id, channel=cafe.announce_channel)
        except CafeError as exc:
            message = error_text(exc, lang)
        dm(client, user_id, message)

    app.view(ui.CAFE_VIEW)(ack=ack_cafe, lazy=[reported(run_cafe, tell_member)])

    def on_merge_submit(ack, body, view):  # type: ignore[no-untyped-def]
        user_id = _user(body)
        lang = members.cached_language(user_id)
        if not roles.can(user_id, Permission.MODERATE_CAFE):
            ack(response_action="errors", errors={"cafe_target": refused(user_id)})
            return
        meta = payload_json(view.get("private_metadata"))
        try:
            target = cafes.merge(payload_id(meta.get("question_id")), payload_id(_value(view["state"]["values"], "cafe_target")))
        except CafeError as exc:
            ack(response_action="errors", errors={"cafe_target": error_text(exc, lang)})
            return
        ack()
        services.executor.submit(refresh, target.cafe_id)

    app.view(ui.MERGE_VIEW)(on_merge_submit)

    # -- message shortcut --------------------------------------------------------------------
    def on_shortcut(body, client, respond):  # type: ignore[no-untyped-def]
        user_id = _user(body)
        text = ((body.get("message") or {}).get("text") or "")[:MAX_QUESTION_CHARS]
        problem = open_ask(client, body["trigger_id"], user_id, text=text)
        if problem:
            whisper(respond, problem)

    app.shortcut("cafe_submit_message")(ack=ack_only, lazy=[reported(on_shortcut, tell_member)])

    # -- DM intake ---------------------------------------------------------------------------
    def on_dm(event: SlackEvent) -> bool:
        message = event.event
        if message.get("channel_type") != "im" or message.get("subtype") or message.get("bot_id"):
            return False
        text = dm_question(message.get("text") or "")
        if text is None:
            return False
        user_id = message.get("user") or ""
        lang = lang_of(user_id)
        try:
            cafe = cafes.resolve(None, intake_open_only=True)
        except CafeError as exc:
            reply = error_text(exc, lang)
            event.client.chat_postMessage(channel=message["channel"], text=reply, blocks=[section(reply)])
            return True
        reply, blocks = submit_and_render(user_id, cafe.id, text, False)
        event.client.chat_postMessage(channel=message["channel"], text=reply, blocks=blocks)
        return True

    services.router.respond("message", on_dm, priority=10)

    # -- App Home and what other capabilities may read --------------------------------------
    def home_section(user_id: str, role: Any, lang: str) -> list:
        return ui.overview(cafes.cafes(intake_open_only=True), cafes.my_questions(user_id), lang, tz,
                           facilitator=roles.can(user_id, Permission.MANAGE_CAFE), limit=40)

    services.add_home_section(40, home_section)

    def open_cafes() -> list[dict[str, Any]]:
        """For the digest (bot/digest/sources.py: `{"title", "when"?, "url"?}`): the cafés taking
        questions, next first. Everything is JSON-safe: the digest stores its content as JSON."""
        found = []
        for cafe in cafes.cafes(intake_open_only=True):
            permalink = None
            if cafe.announcement_channel and cafe.announcement_ts:
                try:
                    permalink = services.slack.chat_getPermalink(channel=cafe.announcement_channel, message_ts=cafe.announcement_ts)["permalink"]
                except Exception:
                    permalink = None
            found.append({"id": cafe.id, "title": cafe.title, "when": ui.when(cafe.starts_at, tz, "fr"), "url": permalink,
                          "starts_at": cafe.starts_at.isoformat(), "closes_at": cafe.closes_at.isoformat(),
                          "place": cafe.place, "question_count": cafe.question_count, "permalink": permalink})
        return found

    services.extras["open_cafes"] = open_cafes
