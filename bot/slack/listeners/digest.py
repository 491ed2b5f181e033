"""Slack listeners of the digest capability: thread candidates from public channels, the staff
preview's buttons and modal, and `/digest`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import App

from bot.core.roles import Permission
from bot.core.services import Services
from bot.core.texts import CORE
from bot.digest.content import DigestContent
from bot.digest.observe import DigestRecorder
from bot.digest.service import last_week, newsletter_provider, workflow_for
from bot.digest.texts import DIGEST, STATE_NAMES
from bot.digest.weeks import BadWeek, parse_week
from bot.slack.blocks.digest import (
    ACTION_APPROVE, ACTION_EDIT_INTRO, ACTION_RETRY, ACTION_SKIP, INTRO_BLOCK, INTRO_INPUT, INTRO_MODAL, intro_modal,
    preview_blocks,
)
from bot.slack.listeners.failures import failure_reporter
from bot.slack.listeners.wiring import ack_only, action, command, install, observe, view
from bot.slack.modal_lane import opens_modal


@dataclass(frozen=True)
class DigestContext:
    services: Services
    recorder: DigestRecorder

    def is_staff(self, user_id: str | None) -> bool:
        return self.services.roles.can(user_id, Permission.MANAGE_DIGEST)


def _refuse(ctx: DigestContext, client: Any, body: dict[str, Any], user_id: str) -> None:
    lang = ctx.services.members.language(user_id)
    text = CORE("refused", lang, who=CORE("who_staff", lang))
    channel = (body.get("channel") or {}).get("id")
    if channel:
        client.chat_postEphemeral(channel=channel, user=user_id, text=text)
    else:
        client.chat_postMessage(channel=user_id, text=text)


def _tell_user(client: Any, body: dict[str, Any], user_id: str, text: str) -> None:
    channel = (body.get("channel") or {}).get("id") or user_id
    client.chat_postEphemeral(channel=channel, user=user_id, text=text)


def _state_name(lang: str, state: str) -> str:
    return STATE_NAMES[lang].get(state, state)


# -- what the digest notices in public channels -----------------------------------------------
def record_message(ctx: DigestContext, event: Any) -> None:
    ctx.recorder.record_message(event.event)


def record_reaction_added(ctx: DigestContext, event: Any) -> None:
    ctx.recorder.record_reaction(event.event, +1)


def record_reaction_removed(ctx: DigestContext, event: Any) -> None:
    ctx.recorder.record_reaction(event.event, -1)


# -- preview buttons ----------------------------------------------------------------------------
def decide(ctx: DigestContext, body, client, action):
    user_id = body["user"]["id"]
    if not ctx.is_staff(user_id):
        _refuse(ctx, client, body, user_id)
        return
    week = action.get("value", "")
    workflow = workflow_for(ctx.services)
    handler = {ACTION_APPROVE: workflow.approve, ACTION_SKIP: workflow.skip, ACTION_RETRY: workflow.retry}[action["action_id"]]
    outcome = handler(week, user_id)
    if not outcome.changed and not outcome.message:
        lang = ctx.services.members.language(user_id)
        _tell_user(client, body, user_id, DIGEST("already_done", lang, state=_state_name(lang, outcome.state)))


@opens_modal
def open_intro_modal(ctx: DigestContext, body, client, action):
    user_id = body["user"]["id"]
    if not ctx.is_staff(user_id):
        _refuse(ctx, client, body, user_id)
        return
    week = action.get("value", "")
    issue = workflow_for(ctx.services).get(week)
    lang = ctx.services.members.cached_language(user_id)
    if issue is None or issue.state != "draft":
        state = issue.state if issue else "missing"
        _tell_user(client, body, user_id, DIGEST("cannot_edit", lang, state=_state_name(lang, state)))
        return
    content = DigestContent.from_json(issue.content_json)
    client.views_open(trigger_id=body["trigger_id"],
                      view=intro_modal(week, content.intro, lang, issue.preview_channel, issue.preview_ts))


def _intro(view: dict[str, Any]) -> str:
    return (view["state"]["values"].get(INTRO_BLOCK, {}).get(INTRO_INPUT, {}).get("value") or "").strip()


def check_intro(ctx: DigestContext, ack, body, view):
    user_id = body["user"]["id"]
    lang = ctx.services.members.cached_language(user_id)
    if not ctx.is_staff(user_id):
        ack(response_action="errors", errors={INTRO_BLOCK: CORE("refused", lang, who=CORE("who_staff", lang))})
        return
    if not _intro(view):
        ack(response_action="errors", errors={INTRO_BLOCK: DIGEST("intro_empty", lang)})
        return
    ack()


def save_intro(ctx: DigestContext, body, view, client):
    user_id = body["user"]["id"]
    if not ctx.is_staff(user_id):  # checked at the ack too; a lazy listener runs regardless
        return
    intro = _intro(view)
    if not intro:
        return
    week = (view.get("private_metadata") or "").split("|")[0]
    outcome = workflow_for(ctx.services).edit_intro(week, user_id, intro)
    if not outcome.changed:
        lang = ctx.services.members.language(user_id)
        client.chat_postMessage(channel=user_id, text=DIGEST("cannot_edit", lang, state=_state_name(lang, outcome.state)))


# -- /digest ------------------------------------------------------------------------------------
def digest_command(ctx: DigestContext, command, respond):
    services = ctx.services
    user_id = command["user_id"]
    lang = services.members.language(user_id)
    if not ctx.is_staff(user_id):
        respond(response_type="ephemeral", text=CORE("refused", lang, who=CORE("who_staff", lang)))
        return
    words = (command.get("text") or "").split()
    action = words[0].lower() if words else "status"
    workflow = workflow_for(services)
    week = last_week(services)
    if len(words) > 1:
        try:
            parse_week(words[1])
            week = words[1]
        except BadWeek as exc:
            respond(response_type="ephemeral", text=str(exc))
            return
    if action == "status":
        lines = []
        for issue in workflow.recent():
            extra = f" · Mailchimp {issue.campaign_id}" if issue.campaign_id else ""
            if issue.last_error and issue.state in ("approved", "failed"):
                extra += f" · {issue.last_error[:200]}"
            lines.append(DIGEST("status_line", lang, week=issue.iso_week, state=_state_name(lang, issue.state), extra=extra))
        respond(response_type="ephemeral", text="\n".join(lines) or DIGEST("status_none", lang))
    elif action in ("preview", "send-now"):
        workflow.prepare(week)
        workflow.post_preview(week)
        if action == "send-now":
            outcome = workflow.approve(week, user_id)
            if outcome.changed or outcome.message:
                text = DIGEST("send_now_done", lang, week=week, outcome=outcome.message or _state_name(lang, outcome.state))
            else:
                text = DIGEST("already_done", lang, state=_state_name(lang, outcome.state))
            respond(response_type="ephemeral", text=text)
        elif services.settings.staff_channel:
            respond(response_type="ephemeral", text=DIGEST("posted_preview", lang, week=week, channel=services.settings.staff_channel))
        else:
            issue = workflow.get(week)
            blocks = preview_blocks(DigestContent.from_json(issue.content_json), workflow.view(issue), lang)
            respond(response_type="ephemeral", text=DIGEST("no_staff_channel", lang), blocks=blocks)
    else:
        respond(response_type="ephemeral", text=DIGEST("usage", lang))


def register(app: App, services: Services) -> None:
    services.extras.setdefault("newsletter_figures", newsletter_provider(services))
    ctx = DigestContext(services, DigestRecorder(services.db, services.settings.tz, frozenset({services.settings.staff_channel or ""})))
    install(app, services, ctx, failure_reporter(services), listeners=[
        action(ACTION_APPROVE, ack_only, decide),
        action(ACTION_SKIP, ack_only, decide),
        action(ACTION_RETRY, ack_only, decide),
        action(ACTION_EDIT_INTRO, ack_only, open_intro_modal),
        view(INTRO_MODAL, check_intro, save_intro),
        command("/digest", ack_only, digest_command),
    ], events=[
        observe("message", record_message),
        observe("reaction_added", record_reaction_added),
        observe("reaction_removed", record_reaction_removed),
    ])
