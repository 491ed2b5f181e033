"""Slack listeners of the privacy capability: `/privacy`, its buttons, the erase modal, App Home.

Every action works on the data of the person who pressed it (`body.user.id`), never on an id
carried by the payload, so a forged button value or modal can't reach someone else's data.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.slack.blocks import section
from bot.slack.blocks.privacy import (
    ERASE, ERASE_CALLBACK, EXPORT, OPT_IN, OPT_OUT, erase_modal, home_blocks, notice_modal, privacy_blocks,
)
from bot.privacy.rights import erase, export, export_json, opt_in, opt_out, what_we_keep
from bot.privacy.texts import TEXTS
from bot.core.runtime import reported
from bot.slack.listeners.failures import failure_reporter
from bot.core.services import Services


def _from_home(body: dict[str, Any]) -> bool:
    return (body.get("container") or {}).get("type") == "view"


def _dm_channel(client: Any, user_id: str) -> str:
    return client.conversations_open(users=user_id)["channel"]["id"]


def register(app: App, services: Services) -> None:
    """Attach this capability's listeners, router handlers and App Home section."""
    from bot.slack.listeners.core import publish_home

    tell = failure_reporter(services)
    members, db, settings = services.members, services.db, services.settings

    def ack_now(ack):  # type: ignore[no-untyped-def]
        ack()

    def show(command, respond):  # type: ignore[no-untyped-def]
        user_id = command["user_id"]
        lang = members.language(user_id)
        blocks = privacy_blocks(what_we_keep(db, user_id), lang, settings)
        respond(response_type="ephemeral", text=TEXTS("title", lang), blocks=blocks)

    app.command("/privacy")(ack=ack_now, lazy=[reported(show, tell)])

    def send_export(body, client, respond):  # type: ignore[no-untyped-def]
        user_id = body["user"]["id"]
        lang = members.language(user_id)
        now = services.clock()
        client.files_upload_v2(
            channel=_dm_channel(client, user_id),
            filename=f"sogabot-{'my-data' if lang == 'en' else 'mes-donnees'}-{now:%Y-%m-%d}.json",
            title=TEXTS("export", lang),
            content=export_json(export(db, user_id, now=now)),
            initial_comment=TEXTS("export_comment", lang),
        )
        if body.get("response_url") and not _from_home(body):
            respond(response_type="ephemeral", replace_original=False, text=TEXTS("export_sent", lang))

    app.action(EXPORT)(ack=ack_now, lazy=[reported(send_export, tell)])

    def tracking(opted_out: bool):  # type: ignore[no-untyped-def]
        switch = opt_out if opted_out else opt_in

        def switch_then_ack(ack, body):  # type: ignore[no-untyped-def]
            # Before the ack, so that the very next event already sees the new choice.
            switch(members, body["user"]["id"])
            ack()

        def redraw(body, client, respond):  # type: ignore[no-untyped-def]
            user_id = body["user"]["id"]
            # Bolt starts lazy listeners alongside the ack function: switch here too (it is
            # idempotent) so that what we draw can't predate the choice.
            switch(members, user_id)
            if _from_home(body):
                publish_home(services, client, user_id)
                return
            lang = members.language(user_id)
            done = TEXTS("opted_out" if opted_out else "opted_in", lang)
            blocks = [section(done), *privacy_blocks(what_we_keep(db, user_id), lang, settings)]
            respond(response_type="ephemeral", replace_original=True, text=done, blocks=blocks)

        return switch_then_ack, redraw

    for action_id, opted_out in ((OPT_OUT, True), (OPT_IN, False)):
        switch_then_ack, redraw = tracking(opted_out)
        app.action(action_id)(ack=switch_then_ack, lazy=[reported(redraw, tell)])

    @app.action(ERASE)
    def ask_to_confirm_erase(ack, body, client):  # type: ignore[no-untyped-def]
        ack()
        user_id = body["user"]["id"]
        lang = members.language(user_id)
        client.views_open(trigger_id=body["trigger_id"], view=erase_modal(what_we_keep(db, user_id), lang, user_id))

    def check_erase(ack, body, view):  # type: ignore[no-untyped-def]
        user_id = body["user"]["id"]
        if view.get("private_metadata") != user_id:
            lang = members.language(user_id)
            ack(response_action="update", view=notice_modal(TEXTS("not_yours", lang), lang))
            return
        ack()

    def erase_member(body, client, view):  # type: ignore[no-untyped-def]
        user_id = body["user"]["id"]
        if view.get("private_metadata") != user_id:
            return
        # Read before the erase: afterwards nothing may look the member up (it would store them again).
        lang = members.cached_language(user_id)
        channel = _dm_channel(client, user_id)
        report = erase(db, user_id, now=services.clock(), via="slack")
        client.chat_postMessage(
            channel=channel,
            text=TEXTS("erased", lang, deleted=report.rows_deleted, anonymised=report.rows_anonymised),
        )

    app.view(ERASE_CALLBACK)(ack=check_erase, lazy=[reported(erase_member, tell)])

    def home_section(user_id: str, _role: Any, lang: Any) -> list[dict[str, Any]]:
        return home_blocks(what_we_keep(db, user_id), lang, settings)

    services.add_home_section(90, home_section)
