"""Slack listeners of the growth capability: activity and membership events, /stats, the App
Home sections (how to ask, for everyone; the dashboard, for staff) and the welcome DM."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from slack_bolt import App

from bot.core.roles import Permission
from bot.core.runtime import SlackEvent
from bot.core.services import Services
from bot.core.texts import CORE
from bot.growth.channels import channel_names
from bot.growth.chart import weekly_chart_png
from bot.growth.csv_export import cohorts_csv, weekly_csv
from bot.growth.days import parse_day, ts_to_datetime
from bot.growth.hooks import newsletter_figures, qa_gaps
from bot.growth.ingest import ActivityRecorder, MembershipRecorder
from bot.growth.report import build_report
from bot.growth.stats import today
from bot.growth.texts import GROWTH
from bot.growth.welcome import send_welcome
from bot.slack.blocks.growth import ask_blocks, home_blocks, stats_blocks
from bot.slack.listeners.failures import failure_reporter
from bot.slack.listeners.wiring import command, install, observe
from bot.web.charts import chart_links

log = logging.getLogger(__name__)

# The Home reads: how to ask a question (everyone), then the staff dashboard, then the other
# capabilities' sections (cafés 40, Q&A gaps 60, privacy 90).
ASK_ORDER = 10
DASHBOARD_ORDER = 30


@dataclass
class GrowthContext:
    services: Services
    activity: ActivityRecorder
    membership: MembershipRecorder
    general_channels: dict[str, bool] = field(default_factory=dict)
    # The Home chart's address, one per day and language (the same link all day: Slack caches it).
    chart_cache: dict[str, str] = field(default_factory=dict)
    chart_lock: threading.Lock = field(default_factory=threading.Lock)


def _bot_user(event: SlackEvent) -> str | None:
    authorizations = event.body.get("authorizations") or []
    return authorizations[0].get("user_id") if authorizations else None


# -- events -------------------------------------------------------------------------------------
def count_message(ctx: GrowthContext, event: SlackEvent) -> None:
    ctx.activity.message(event.event, _bot_user(event))


def count_reaction(ctx: GrowthContext, event: SlackEvent) -> None:
    ctx.activity.reaction(event.event, _bot_user(event))


def on_user_change(ctx: GrowthContext, event: SlackEvent) -> None:
    user = event.event.get("user")
    if isinstance(user, dict) and user.get("id"):
        ctx.membership.user_change(user)


def on_team_join(ctx: GrowthContext, event: SlackEvent) -> None:
    user = event.event.get("user")
    if not (isinstance(user, dict) and user.get("id")):
        return
    outcome = ctx.membership.team_join(user)
    if outcome in ("joined", "rejoined") and ctx.services.settings.welcome_enabled and not user.get("is_bot"):
        send_welcome(ctx.services, ctx.services.publishers.direct_message, user, _bot_user(event))


def _is_general(ctx: GrowthContext, client: Any, channel_id: str) -> bool:
    if channel_id not in ctx.general_channels:
        info = client.conversations_info(channel=channel_id)["channel"]
        ctx.general_channels[channel_id] = bool(info.get("is_general"))
    return ctx.general_channels[channel_id]


def on_channel_join(ctx: GrowthContext, event: SlackEvent) -> None:
    # Everyone lands in the general channel when they join the workspace: a join that
    # team_join missed (the bot was down) still gets its date.
    data = event.event
    if data.get("channel") and data.get("user") and _is_general(ctx, event.client, data["channel"]):
        at = ts_to_datetime(data.get("event_ts") or ctx.services.clock().timestamp())
        ctx.membership.joined_general(data["user"], at)


# -- /stats -------------------------------------------------------------------------------------
def ack_stats(ctx: GrowthContext, ack, command):
    user_id = command.get("user_id")
    lang = ctx.services.members.cached_language(user_id)
    if not ctx.services.roles.can(user_id, Permission.VIEW_STATS):
        ack(response_type="ephemeral", text=CORE("refused", lang, who=CORE("who_staff", lang)))
        return
    ack(response_type="ephemeral", text=GROWTH("working", lang))


def run_stats(ctx: GrowthContext, command, client, respond):
    services, settings = ctx.services, ctx.services.settings
    user_id = command.get("user_id")
    if not services.roles.can(user_id, Permission.VIEW_STATS):
        return
    lang = services.members.language(user_id)
    text = (command.get("text") or "").strip()
    as_of = today(services.clock(), settings.tz)
    wants_export = text.lower() in ("export", "csv")
    if text and not wants_export:
        try:
            as_of = parse_day(text)
        except ValueError:
            respond(response_type="ephemeral", replace_original=False,
                    text=GROWTH("bad_date", lang, text=text[:40]) + GROWTH("usage", lang))
            return
    dm = client.conversations_open(users=user_id)["channel"]["id"]
    report = build_report(services.db, settings.tz, as_of)
    if wants_export:
        _send_csv(client, dm, report.stats.figures, as_of, lang)
    else:
        blocks = stats_blocks(report.stats, report.previous, report.previous_week, lang,
                              newsletter_figures(services.extras), qa_gaps(services.extras),
                              _top_channel_names(services, report.stats))
        client.chat_postMessage(channel=dm, text=GROWTH("title", lang, day=as_of.isoformat()), blocks=blocks)
        if not report.stats["before_history"]:  # a chart of partial figures would mislead as well
            client.files_upload_v2(
                channel=dm, content=weekly_chart_png(report.stats["weekly"], lang),
                filename=f"soga-growth-{as_of.isoformat()}.png", title=GROWTH("chart_title", lang),
                initial_comment=GROWTH("chart_comment", lang),
            )
    if command.get("channel_id") != dm:
        respond(response_type="ephemeral", replace_original=False, text=GROWTH("sent_to_dm", lang))


def _top_channel_names(services: Services, stats: Any) -> dict[str, str]:
    return channel_names(services.db, [c["channel"] for c in stats["top_channels_28d"]])


def _send_csv(client: Any, channel: str, figures: dict[str, Any], as_of: date, lang: str) -> None:
    client.files_upload_v2(
        channel=channel,
        initial_comment=GROWTH("export_comment", lang, day=as_of.isoformat()),
        file_uploads=[
            {"content": weekly_csv(figures), "filename": f"soga-weekly-{as_of.isoformat()}.csv", "title": "weekly"},
            {"content": cohorts_csv(figures), "filename": f"soga-cohorts-{as_of.isoformat()}.csv", "title": "cohorts"},
        ],
    )


# -- App Home: how to ask (everyone), the dashboard (staff) -------------------------------------
def _home_chart(ctx: GrowthContext, day: date, lang: str) -> str | None:
    """The address the Home's image block shows: the chart served by the bot's own web process
    (bot/web/charts.py), one link per day and language; None without PUBLIC_URL."""
    links = chart_links(ctx.services)
    if links is None:
        return None
    key = f"{day.isoformat()}:{lang}"
    with ctx.chart_lock:
        if key not in ctx.chart_cache:
            for old in [k for k in ctx.chart_cache if not k.startswith(day.isoformat())]:
                del ctx.chart_cache[old]  # yesterday's links
            ctx.chart_cache[key] = links.url(day, lang)
        return ctx.chart_cache[key]


def staff_home(ctx: GrowthContext, user_id: str, _role: Any, lang: str) -> list[dict[str, Any]]:
    services = ctx.services
    if not services.roles.can(user_id, Permission.VIEW_STATS):
        return []
    day = today(services.clock(), services.settings.tz)
    report = build_report(services.db, services.settings.tz, day)
    chart = _home_chart(ctx, day, lang)
    return home_blocks(report.stats, report.previous, report.previous_week, lang, chart,  # type: ignore[arg-type]
                       _top_channel_names(services, report.stats))


def how_to_ask(_user_id: str, _role: Any, lang: str) -> list[dict[str, Any]]:
    return ask_blocks(lang)  # type: ignore[arg-type]


def register(app: App, services: Services) -> None:
    settings = services.settings
    ctx = GrowthContext(services, ActivityRecorder(services.db, settings.tz, settings.help_channel_ids, services.clock),
                        MembershipRecorder(services.db, services.clock))
    install(app, services, ctx, failure_reporter(services), listeners=[
        command("/stats", ack_stats, run_stats),
    ], events=[
        observe("message", count_message),
        observe("reaction_added", count_reaction),
        observe("user_change", on_user_change),
        observe("team_join", on_team_join),
        observe("member_joined_channel", on_channel_join),
    ], home=[(ASK_ORDER, how_to_ask), (DASHBOARD_ORDER, staff_home)])
