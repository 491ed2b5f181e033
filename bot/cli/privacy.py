"""`sogabot privacy …`: staff handle data requests made by email, and check retention."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

# Slack user ids: U… (or W… on Enterprise Grid), upper-case letters and digits.
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")


def _user_id(value: str) -> str:
    if not USER_ID.match(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a Slack user id (like U024BE7LH)")
    return value


def cmd_export(args: argparse.Namespace, ctx) -> int:
    from bot.privacy.rights import export, export_json

    services = ctx.services
    data = export(services.db, args.user_id, now=services.clock())
    if args.out:
        args.out.write_text(export_json(data) + "\n", encoding="utf-8")
        print(f"wrote {sum(len(rows) for rows in data['tables'].values())} rows about {args.user_id} to {args.out}", file=sys.stderr)
    else:
        print(json.dumps(data, ensure_ascii=False))
    return 0


def _confirmed(user_id: str, total: int) -> bool | None:
    """True/False from the person at the terminal; None when there is no terminal to ask."""
    if not sys.stdin.isatty():
        return None
    print(f"This erases or anonymises {total} items about {user_id}. It cannot be undone.", file=sys.stderr)
    print("Type the user id again to confirm: ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip() == user_id


def cmd_erase(args: argparse.Namespace, ctx) -> int:
    from bot.privacy.rights import erase, what_we_keep

    services = ctx.services
    if not args.yes:
        answer = _confirmed(args.user_id, what_we_keep(services.db, args.user_id).total)
        if answer is None:
            print("sogabot: privacy erase needs a confirmation; stdin is not a terminal, so add --yes", file=sys.stderr)
            return 2
        if not answer:
            print("sogabot: not confirmed; nothing was erased", file=sys.stderr)
            return 1
    report = erase(services.db, args.user_id, now=services.clock(), via="cli")
    print(json.dumps({"erased": args.user_id, "rows_deleted": report.rows_deleted,
                      "rows_anonymised": report.rows_anonymised, "deleted": report.deleted,
                      "anonymised": report.anonymised}))
    return 0


def cmd_report(args: argparse.Namespace, ctx) -> int:
    from bot.privacy.retention import report

    services = ctx.services
    now = services.clock()
    lines = report(services.db, services.settings)
    if args.json:
        for line in lines:
            print(json.dumps({"table": line.table, "rows": line.rows, "oldest_age_days": line.age_days(now),
                              "age_column": line.age_column, "personal": line.personal, "retention": line.retention}))
        return 0
    print(f"{'table':28} {'rows':>9} {'oldest (days)':>14}  retention")
    for line in lines:
        age = line.age_days(now)
        print(f"{line.table:28} {line.rows:>9} {'-' if age is None else f'{age:.1f}':>14}  {line.retention}")
    return 0


def cmd_purge(args: argparse.Namespace, ctx) -> int:
    from bot.privacy.retention import purge_expired

    services = ctx.services
    print(json.dumps(purge_expired(services.db, services.settings, now=services.clock())))
    return 0


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add this capability's subcommands; each sets `func(args, ctx) -> int`."""
    privacy = subparsers.add_parser("privacy", help="members' data: export, erase, retention report")
    sub = privacy.add_subparsers(dest="privacy_action", required=True, metavar="ACTION")

    export = sub.add_parser("export", help="everything stored about a member, as JSON")
    export.add_argument("user_id", type=_user_id, metavar="USER_ID")
    export.add_argument("--out", type=Path, help="write indented JSON to this file instead of one line on stdout")
    export.set_defaults(func=cmd_export)

    erase = sub.add_parser("erase", help="delete or anonymise everything about a member")
    erase.add_argument("user_id", type=_user_id, metavar="USER_ID")
    erase.add_argument("--yes", action="store_true", help="don't ask for confirmation (needed when stdin is not a terminal)")
    erase.set_defaults(func=cmd_erase)

    report = sub.add_parser("report", help="per table: rows, the oldest row's age, its retention")
    report.add_argument("--json", action="store_true", help="one JSON object per table and line")
    report.set_defaults(func=cmd_report)

    purge = sub.add_parser("purge", help="run the retention purge now (the daily job does it too)")
    purge.set_defaults(func=cmd_purge)
