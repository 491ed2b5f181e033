"""`sogabot digest …`: the digest from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.digest.weeks import BadWeek, parse_week


def cmd_preview(args: argparse.Namespace, ctx) -> int:
    from bot.digest.service import build_for, last_week
    from bot.digest.workflow import write_files
    from bot.slack.blocks.digest import digest_blocks

    if args.week:
        try:
            parse_week(args.week)
        except BadWeek as exc:
            print(f"sogabot digest preview: {exc}", file=sys.stderr)
            return 2
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"sogabot digest preview: {out} exists and is not a folder", file=sys.stderr)
        return 2
    services = ctx.services
    week = args.week.strip() if args.week else last_week(services)
    content = build_for(services, week, use_llm=not args.no_llm)
    write_files(content, out, digest_blocks(content))
    print(json.dumps({
        "week": week, "out": str(out), "intro_source": content.intro_source,
        "new_members": len(content.new_members), "threads": len(content.threads), "links": len(content.links),
        "events": len(content.events), "cafes": len(content.cafes), "figures": content.figures,
    }, ensure_ascii=False))
    return 0


def cmd_sync_reports(args: argparse.Namespace, ctx) -> int:
    from bot.digest.service import sync_newsletter_reports
    from integrations.mailchimp import MailchimpFailure

    if not ctx.settings.mailchimp_enabled:
        print("sogabot digest sync-reports: Mailchimp is not configured (MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID)", file=sys.stderr)
        return 2
    try:
        count = sync_newsletter_reports(ctx.services)
    except MailchimpFailure as exc:
        print(f"sogabot digest sync-reports: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"reports": count}))
    return 0


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add this capability's subcommands; each sets `func(args, ctx) -> int`."""
    digest = subparsers.add_parser("digest", help="the weekly digest")
    sub = digest.add_subparsers(dest="digest_action", required=True)
    preview = sub.add_parser("preview", help="build a week's digest without sending it: digest.html, digest.txt, digest.json")
    preview.add_argument("--out", required=True, help="folder to write the three files to")
    preview.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: the week just ended)")
    preview.add_argument("--no-llm", action="store_true", help="use the fixed intro even when an LLM is configured")
    preview.set_defaults(func=cmd_preview)
    sub.add_parser("sync-reports", help="fetch recent Mailchimp campaign reports now").set_defaults(func=cmd_sync_reports)
