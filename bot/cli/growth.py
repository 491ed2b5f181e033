"""`sogabot stats` and `sogabot import-slack-export`."""

from __future__ import annotations

import argparse
import json
import sys

from bot.growth.days import parse_day
from bot.growth.export_import import ExportError, import_slack_export
from bot.growth.stats import compute_stats, today


def cmd_stats(args: argparse.Namespace, ctx) -> int:
    settings = ctx.settings
    try:
        as_of = parse_day(args.as_of) if args.as_of else None
    except ValueError as exc:
        print(f"sogabot stats: --as-of: {exc}", file=sys.stderr)
        return 2
    services = ctx.services
    day = as_of or today(services.clock(), settings.tz)
    stats = compute_stats(services.db, settings.tz, day)
    if args.json:
        print(json.dumps(stats.figures, ensure_ascii=False))
        return 0
    f = stats.figures
    print(f"Growth figures as of {f['as_of']} ({settings.bot_timezone})")
    for key in ("members_total", "joined_7d", "joined_28d", "left_28d", "active_7d", "active_28d", "messages_7d",
                "messages_28d", "reactions_28d", "activated_28d", "median_first_response_minutes_28d", "at_risk"):
        print(f"  {key:36} {f[key] if f[key] is not None else '-'}")
    print("  levels: " + ", ".join(f"{name} {count}" for name, count in f["levels"].items()))
    return 0


def cmd_import(args: argparse.Namespace, ctx) -> int:
    settings = ctx.settings
    services = ctx.services

    def progress(line: str) -> None:
        print(f"import: {line}", file=sys.stderr, flush=True)

    try:
        report = import_slack_export(
            services.db, args.path, settings.tz, settings.help_channel_ids, services.clock(), progress=progress,
            include_private=args.include_private,
        )
    except ExportError as exc:
        print(f"sogabot import-slack-export: {exc}", file=sys.stderr)
        return 2
    for skipped in report.skipped_files:
        print(f"import: skipped {skipped}", file=sys.stderr)
    print(report.summary())
    return 0


def cmd_sync(args: argparse.Namespace, ctx) -> int:
    from jobs.growth import reconcile_members_job

    if ctx.settings.slack_bot_token is None:
        print("sogabot growth sync: SLACK_BOT_TOKEN is not set, so there is no workspace to read the members of",
              file=sys.stderr)
        return 2
    outcomes = reconcile_members_job(ctx.services)
    print(json.dumps(outcomes, sort_keys=True))
    return 0


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    growth = subparsers.add_parser("growth", help="community growth: the member list")
    actions = growth.add_subparsers(dest="growth_action", required=True)
    actions.add_parser("sync", help="read the workspace's member list now (users.list), as the nightly job does"
                       ).set_defaults(func=cmd_sync)

    stats = subparsers.add_parser("stats", help="community growth figures (members, activity, retention)")
    stats.add_argument("--json", action="store_true", help="one JSON object on stdout")
    stats.add_argument("--as-of", metavar="YYYY-MM-DD", help="figures as of the end of that day (default: today)")
    stats.set_defaults(func=cmd_stats)

    imp = subparsers.add_parser("import-slack-export", help="backfill members and activity from a Slack export (zip or folder)")
    imp.add_argument("path", metavar="PATH.zip", help="the export: a zip file or its unzipped folder")
    imp.add_argument("--include-private", action="store_true",
                     help="count private channels (groups.json) too; DMs and group DMs never count")
    imp.set_defaults(func=cmd_import)
