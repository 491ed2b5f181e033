"""Slack listeners of the privacy capability: `/privacy`, its buttons, the erase modal, App Home.

Every action works on the data of the person who pressed it (`body.user.id`), never on an id
carried by the payload, so a forged button value or modal can't reach someone else's data.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.core.services import Services
from bot.privacy.rights import KeptKind, Summary, erase, export, export_json, kinds_kept, opt_in, opt_out, what_we_keep
from bot.privacy.texts import TEXTS
from bot.slack.blocks import section
from bot.slack.blocks.privacy import (
    ERASE, ERASE_CALLBACK, EXPORT, OPT_IN, OPT_OUT, erase_modal, home_blocks, notice_modal, privacy_blocks,
)
from bot.slack.listeners.core import publish_home
from bot.slack.listeners.failures import failure_reporter
from bot.slack.listeners.wiring import ack_only, action, command, install, view


def _from_home(body: dict[str, Any]) -> bool:
    return (body.get("container") or {}).get("type") == "view"


def _kept(ctx: Services, user_id: str, lang: Any) -> tuple[Summary, list[KeptKind]]:
    summary = what_we_keep(ctx.db, user_id)
    return summary, kinds_kept(summary, lang, ctx.settings)


def _dm_channel(client: Any, user_id: str) -> str:
    return client.conversations_open(users=user_id)["channel"]["id"]


def show(ctx: Services, command, respond):
    user_id = command["user_id"]
    lang = ctx.members.language(user_id)
    blocks = privacy_blocks(*_kept(ctx, user_id, lang), lang, ctx.settings)
    respond(response_type="ephemeral", text=TEXTS("title", lang), blocks=blocks)


def send_export(ctx: Services, body, client, respond):
    user_id = body["user"]["id"]
    lang = ctx.members.language(user_id)
    now = ctx.clock()
    client.files_upload_v2(
        channel=_dm_channel(client, user_id),
        filename=f"sogabot-{'my-data' if lang == 'en' else 'mes-donnees'}-{now:%Y-%m-%d}.json",
        title=TEXTS("export", lang),
        content=export_json(export(ctx.db, user_id, now=now)),
        initial_comment=TEXTS("export_comment", lang),
    )
    if body.get("response_url") and not _from_home(body):
        respond(response_type="ephemeral", replace_original=False, text=TEXTS("export_sent", lang))


# Opting out or in switches before the ack, so that the very next event already sees the new
# choice. Bolt starts lazy listeners alongside the ack function, so the redraw switches too (it
# is idempotent): what it draws can't predate the choice.
def opt_out_then_ack(ctx: Services, ack, body):
    opt_out(ctx.members, body["user"]["id"])
    ack()


def opt_in_then_ack(ctx: Services, ack, body):
    opt_in(ctx.members, body["user"]["id"])
    ack()


def redraw_opted_out(ctx: Services, body, client, respond):
    _redraw(ctx, body, client, respond, opted_out=True)


def redraw_opted_in(ctx: Services, body, client, respond):
    _redraw(ctx, body, client, respond, opted_out=False)


def _redraw(ctx: Services, body: dict[str, Any], client: Any, respond: Any, *, opted_out: bool) -> None:
    user_id = body["user"]["id"]
    (opt_out if opted_out else opt_in)(ctx.members, user_id)
    if _from_home(body):
        publish_home(ctx, client, user_id)
        return
    lang = ctx.members.language(user_id)
    done = TEXTS("opted_out" if opted_out else "opted_in", lang)
    blocks = [section(done), *privacy_blocks(*_kept(ctx, user_id, lang), lang, ctx.settings)]
    respond(response_type="ephemeral", replace_original=True, text=done, blocks=blocks)


def ask_to_confirm_erase(ctx: Services, ack, body, client):
    ack()
    user_id = body["user"]["id"]
    lang = ctx.members.language(user_id)
    client.views_open(trigger_id=body["trigger_id"], view=erase_modal(what_we_keep(ctx.db, user_id), lang, user_id))


def check_erase(ctx: Services, ack, body, view):
    user_id = body["user"]["id"]
    if view.get("private_metadata") != user_id:
        lang = ctx.members.language(user_id)
        ack(response_action="update", view=notice_modal(TEXTS("not_yours", lang), lang))
        return
    ack()


def erase_member(ctx: Services, body, client, view):
    user_id = body["user"]["id"]
    if view.get("private_metadata") != user_id:
        return
    # Read before the erase: afterwards nothing may look the member up (it would store them again).
    lang = ctx.members.cached_language(user_id)
    channel = _dm_channel(client, user_id)
    report = erase(ctx.db, user_id, now=ctx.clock(), via="slack")
    client.chat_postMessage(
        channel=channel, text=TEXTS("erased", lang, deleted=report.rows_deleted, anonymised=report.rows_anonymised),
    )


def home_section(ctx: Services, user_id: str, _role: Any, lang: Any) -> list[dict[str, Any]]:
    return home_blocks(*_kept(ctx, user_id, lang), lang, ctx.settings)


def register(app: App, services: Services) -> None:
    install(app, services, services, failure_reporter(services), listeners=[
        command("/privacy", ack_only, show),
        action(EXPORT, ack_only, send_export),
        action(OPT_OUT, opt_out_then_ack, redraw_opted_out),
        action(OPT_IN, opt_in_then_ack, redraw_opted_in),
        action(ERASE, ask_to_confirm_erase),
        view(ERASE_CALLBACK, check_erase, erase_member),
    ], home=[(90, home_section)])
