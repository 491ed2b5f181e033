"""`sogabot` subcommands of the knowledge capability: `ask` (★ contract) and `knowledge reindex`."""

from __future__ import annotations

import argparse
import json
import sys

from bot.knowledge.service import KnowledgeBase


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add this capability's subcommands; each sets `func(args, ctx) -> int`."""
    ask = subparsers.add_parser("ask", help="answer a question from the knowledge base (`-` reads one question per stdin line)")
    ask.add_argument("question", help="the question, or `-` to read one question per line from stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per answer on stdout")
    ask.add_argument("--lang", choices=["fr", "en"], default="fr", help="language when the question doesn't tell (default fr)")
    ask.add_argument("--debug", action="store_true", help="with --json: add each stage's output (query, retrieve, decide, compose) under \"debug\"")
    ask.add_argument("--thread", action="append", default=[], metavar="EARLIER",
                     help="an earlier member message of the thread (repeatable): the question is a follow-up in that thread")
    ask.set_defaults(func=cmd_ask)

    knowledge = subparsers.add_parser("knowledge", help="the knowledge base: `knowledge reindex`, `knowledge sync-slack`")
    sub = knowledge.add_subparsers(dest="knowledge_action", required=True)
    sub.add_parser("reindex", help="index new and changed knowledge files, drop removed ones").set_defaults(func=cmd_reindex)
    sub.add_parser("sync-slack", help="index new messages of the opt-in Slack channels (KNOWLEDGE_SLACK_CHANNELS)").set_defaults(
        func=cmd_sync_slack)


def knowledge_base(ctx) -> KnowledgeBase:
    services = ctx.services
    return KnowledgeBase(services.db, llm=services.llm, extra_dir=services.settings.knowledge_dir, clock=services.clock)


def cmd_ask(args: argparse.Namespace, ctx) -> int:
    if args.question == "-":
        questions = (line.strip() for line in sys.stdin)
    else:
        questions = iter([args.question.strip()])
    kb = knowledge_base(ctx)
    asked = 0
    history: list[tuple[str, str]] = []
    for earlier in args.thread:
        reply = kb.ask(earlier, args.lang, history=history or None)
        history += [("member", earlier), ("assistant", reply.text)]
    for question in questions:
        if not question:
            continue
        asked += 1
        answer = kb.ask(question, args.lang, history=history or None, debug=args.debug)
        if args.json:
            shown = answer.as_json() | ({"debug": answer.debug} if args.debug else {})
            print(json.dumps(shown, ensure_ascii=False), flush=True)
        else:
            print(answer.text)
            for n, source in enumerate(answer.sources, start=1):
                print(f"  [{n}] {source.title} — {source.ref}")
            print(flush=True)
    if not asked:
        print("sogabot ask: no question given", file=sys.stderr)
        return 2
    return 0


def cmd_reindex(args: argparse.Namespace, ctx) -> int:
    report = knowledge_base(ctx).reindex()
    print(json.dumps(report.as_dict()))
    return 0


def cmd_sync_slack(args: argparse.Namespace, ctx) -> int:
    from jobs.knowledge import slack_channel_ids, sync_slack_channels

    if not slack_channel_ids(ctx.settings):
        print("sogabot knowledge sync-slack: KNOWLEDGE_SLACK_CHANNELS is not set", file=sys.stderr)
        return 2
    print(json.dumps(sync_slack_channels(ctx.services)))
    return 0
