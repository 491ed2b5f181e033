"""`sogabot` subcommands of the cafe capability."""

from __future__ import annotations

import argparse
import sys

from bot.cafe.export import FORMATS, render_export
from bot.cafe.service import CafeService
from bot.cafe.values import CafeError


def _service(ctx) -> CafeService:
    services = ctx.services
    return CafeService(services.db, services.clock, services.settings.tz, services.llm)


def _display_name(ctx):
    def name(user_id: str) -> str:
        # Names as last seen; no Slack call, so the export works offline.
        member = ctx.services.members.get(user_id, refresh=False)
        return (member.display_name if member and member.display_name else None) or user_id

    return name


def cmd_export(args: argparse.Namespace, ctx) -> int:
    cafes = _service(ctx)
    try:
        cafe = cafes.get(args.cafe_id)
    except CafeError:
        print(f"sogabot: no café with id {args.cafe_id} (see `sogabot cafe list`)", file=sys.stderr)
        return 2
    cafes.themes(cafe.id)
    questions = cafes.export_questions(cafe.id)
    sys.stdout.write(render_export(args.format, cafe, questions, _display_name(ctx), cafe.language, ctx.settings.tz))
    return 0


def cmd_list(args: argparse.Namespace, ctx) -> int:
    cafes = _service(ctx)
    tz = ctx.settings.tz
    rows = cafes.cafes()
    if not rows:
        print("no café yet")
    for cafe in rows:
        state = "taking questions" if cafe.intake_open else "closed"
        print(f"{cafe.id:>4}  {cafe.starts_at.astimezone(tz):%Y-%m-%d %H:%M}  {state:16}  {cafe.question_count:>3} questions  {cafe.title}")
    return 0


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add this capability's subcommands; each sets `func(args, ctx) -> int`."""
    cafe = subparsers.add_parser("cafe", help="AI cafés: list them, export their questions")
    sub = cafe.add_subparsers(dest="cafe_action", required=True)
    export = sub.add_parser("export", help="print a café's questions ranked by votes")
    export.add_argument("cafe_id", type=int, metavar="CAFE_ID")
    export.add_argument("--format", choices=FORMATS, default="md", help="csv or md (Markdown); default md")
    export.set_defaults(func=cmd_export)
    sub.add_parser("list", help="the cafés, next first").set_defaults(func=cmd_list)


