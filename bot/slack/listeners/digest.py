"""Slack listeners of the digest capability: thread candidates from public channels, the staff
preview's buttons and modal, and `/digest`."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.slack.blocks.digest import (
    ACTION_APPROVE, ACTION_EDIT_INTRO, ACTION_RETRY, ACTION_SKIP, INTRO_BLOCK, INTRO_INPUT, INTRO_MODAL, intro_modal,
)
from bot.digest.content import DigestContent
from bot.digest.observe import DigestRecorder
from bot.digest.service import last_week, newsletter_provider, workflow_for
from bot.digest.texts import DIGEST, STATE_NAMES
from bot.digest.weeks import BadWeek, parse_week
from bot.core.roles import Permission
from bot.core.runtime import reported
from bot.slack.listeners.failures import failure_reporter
from bot.core.services import Services
from bot.core.texts import CORE


def register(app: App, services: Services) -> None:
    """Attach this capability's listeners, router handlers and App Home section."""

    tell = failure_reporter(services)
    recorder = DigestRecorder(services.db, services.settings.tz, frozenset({services.settings.staff_channel or ""}))
    services.extras.setdefault("newsletter_figures", newsletter_provider(services))
    services.router.observe("message", lambda event: recorder.record_message(event.event))
    services.router.observe("reaction_added", lambda event: recorder.record_reaction(event.event, +1))
    services.router.observe("reaction_removed", lambda event: recorder.record_reaction(event.event, -1))

    def is_staff(user_id: str | None) -> bool:
        return services.roles.can(user_id, Permission.MANAGE_DIGEST)

    def refuse(client: Any, body: dict[str, Any], user_id: str) -> None:
        lang = services.members.language(user_id)
        text = CORE("refused", lang, who=CORE("who_staff", lang))
        channel = (body.get("channel") or {}).get("id")
        if channel:
            client.chat_postEphemeral(channel=channel, user=user_id, text=text)
        else:
            client.chat_postMessage(channel=user_id, text=text)

    def tell_user(client: Any, body: dict[str, Any], user_id: str, text: str) -> None:
        channel = (body.get("channel") or {}).get("id") or user_id
        client.chat_postEphemeral(channel=channel, user=user_id, text=text)

    def ack_only(ack):  # type: ignore[no-untyped-def]
        ack()

    # -- preview buttons -------------------------------------------------------------------
    def decide(body, client, action):  # type: ignore[no-untyped-def]
        user_id = body["user"]["id"]
        if not is_staff(user_id):
            refuse(client, body, user_id)
            return
        week = action.get("value", "")
        workflow = workflow_for(services)
        handler = {ACTION_APPROVE: workflow.approve, ACTION_SKIP: workflow.skip, ACTION_RETRY: workflow.retry}[action["action_id"]]
        outcome = handler(week, user_id)
        if not outcome.changed and not outcome.message:
            lang = services.members.language(user_id)
            tell_user(client, body, user_id, DIGEST("already_done", lang, state=STATE_NAMES[lang].get(outcome.state, outcome.state)))

    for action_id in (ACTION_APPROVE, ACTION_SKIP, ACTION_RETRY):
        app.action(action_id)(ack=ack_only, lazy=[reported(decide, tell)])

    @app.action(ACTION_EDIT_INTRO)
    def open_intro_modal(ack, body, client, action):  # type: ignore[no-untyped-def]
        ack()
        user_id = body["user"]["id"]
        if not is_staff(user_id):
            refuse(client, body, user_id)
            return
        week = action.get("value", "")
        issue = workflow_for(services).get(week)
        lang = services.members.cached_language(user_id)
        if issue is None or issue.state != "draft":
            state = issue.state if issue else "missing"
            tell_user(client, body, user_id, DIGEST("cannot_edit", lang, state=STATE_NAMES[lang].get(state, state)))
            return
        content = DigestContent.from_json(issue.content_json)
        client.views_open(trigger_id=body["trigger_id"],
                          view=intro_modal(week, content.intro, lang, issue.preview_channel, issue.preview_ts))

    def check_intro(ack, body, view):  # type: ignore[no-untyped-def]
        user_id = body["user"]["id"]
        lang = services.members.cached_language(user_id)
        if not is_staff(user_id):
            ack(response_action="errors", errors={INTRO_BLOCK: CORE("refused", lang, who=CORE("who_staff", lang))})
            return
        intro = (view["state"]["values"].get(INTRO_BLOCK, {}).get(INTRO_INPUT, {}).get("value") or "").strip()
        if not intro:
            ack(response_action="errors", errors={INTRO_BLOCK: DIGEST("intro_empty", lang)})
            return
        ack()

    def save_intro(body, view, client):  # type: ignore[no-untyped-def]
        user_id = body["user"]["id"]
        if not is_staff(user_id):  # checked at the ack too; a lazy listener runs regardless
            return
        intro = (view["state"]["values"].get(INTRO_BLOCK, {}).get(INTRO_INPUT, {}).get("value") or "").strip()
        if not intro:
            return
        week = (view.get("private_metadata") or "").split("|")[0]
        outcome = workflow_for(services).edit_intro(week, user_id, intro)
        if not outcome.changed:
            lang = services.members.language(user_id)
            client.chat_postMessage(channel=user_id, text=DIGEST("cannot_edit", lang, state=STATE_NAMES[lang].get(outcome.state, outcome.state)))

    app.view(INTRO_MODAL)(ack=check_intro, lazy=[reported(save_intro, tell)])

    # -- /digest ---------------------------------------------------------------------------
    def digest_command(command, respond):  # type: ignore[no-untyped-def]
        user_id = command["user_id"]
        lang = services.members.language(user_id)
        if not is_staff(user_id):
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
                lines.append(DIGEST("status_line", lang, week=issue.iso_week,
                                    state=STATE_NAMES[lang].get(issue.state, issue.state), extra=extra))
            respond(response_type="ephemeral", text="\n".join(lines) or DIGEST("status_none", lang))
        elif action in ("preview", "send-now"):
            workflow.prepare(week)
            workflow.post_preview(week)
            if action == "send-now":
                outcome = workflow.approve(week, user_id)
                if outcome.changed or outcome.message:
                    text = DIGEST("send_now_done", lang, week=week, outcome=outcome.message or STATE_NAMES[lang].get(outcome.state, outcome.state))
                else:
                    text = DIGEST("already_done", lang, state=STATE_NAMES[lang].get(outcome.state, outcome.state))
                respond(response_type="ephemeral", text=text)
            elif services.settings.staff_channel:
                respond(response_type="ephemeral", text=DIGEST("posted_preview", lang, week=week, channel=services.settings.staff_channel))
            else:
                from bot.slack.blocks.digest import preview_blocks

                issue = workflow.get(week)
                blocks = preview_blocks(DigestContent.from_json(issue.content_json), workflow.view(issue), lang)
                respond(response_type="ephemeral", text=DIGEST("no_staff_channel", lang), blocks=blocks)
        else:
            respond(response_type="ephemeral", text=DIGEST("usage", lang))

    app.command("/digest")(ack=ack_only, lazy=[reported(digest_command, tell)])
