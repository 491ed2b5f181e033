"""`sogabot` and `python -m bot`: run the bot, open the console, and the check commands."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from functools import cached_property

from bot.cli import cafe, digest, growth, knowledge, privacy
from bot.core.settings import ConfigError, Settings, load_settings
from bot.store.db import Database, DatabaseUnavailable

log = logging.getLogger("sogabot")


class CliContext:
    """Builds settings and services on first use, so `--help` needs neither."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings

    @cached_property
    def settings(self) -> Settings:
        return self._settings or load_settings()

    def database(self, *, migrate: bool = True) -> Database:
        from bot.store.migrate import upgrade

        db = Database(self.settings.database_url)
        db.check(attempts=3, delay=1.0)
        if migrate:
            upgrade(db)
        return db

    @cached_property
    def services(self):
        from bot.core.services import build_services

        return build_services(self.settings, db=self.database())


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Migrations run on every start; their step-by-step log is noise unless debugging.
    if level.upper() != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)


def cmd_run(args: argparse.Namespace, ctx: CliContext) -> int:
    settings = ctx.settings
    mode = settings.mode()
    settings.require_for_mode(mode)
    if mode == "console":
        from bot.console.repl import run_console

        refuse_console_on_a_host()

        return run_console(settings, role=args.as_role)
    from bot.core.health import health_report
    from bot.slack.app import build_app, start_recovery_loop
    from bot.slack.http_server import HttpServer
    from bot.web import build_web_app

    services = ctx.services
    queue_work = settings.background_work == "worker"
    if not queue_work:
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
    app = build_app(services, queue_work=queue_work)
    stop = threading.Event()
    from jobs.keeper import SchedulerKeeper, scheduler_report

    # The web process runs the jobs while no worker does: a Procfile's worker scaled to 0 must
    # not mean no digest (jobs.keeper).
    keeper = SchedulerKeeper(services, "web", check_seconds=settings.scheduler_check_seconds).start() if settings.run_scheduler else None
    app.recover_abandoned()
    start_recovery_loop(app, stop, take_over_stale=queue_work)
    # What start-up built (the app, the capabilities, the knowledge index) lives as long as the
    # process: leave it out of the garbage collector's full passes, which otherwise walk it
    # again and again while requests are served, a pause in some acks each time.
    gc.freeze()

    health = health_report(services, mode, queue_work=queue_work, scheduler=lambda: scheduler_report(services))

    def shutdown(*_args: object) -> None:
        stop.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    try:
        if mode == "socket":
            handler = make_socket_mode_handler(app, settings)
            HttpServer(app, health, port=settings.port, web=build_web_app(services)).start()  # /healthz, café pages
            log.info("Socket Mode; health check on port %s", settings.port)
            handler.start()
        else:
            server = HttpServer(app, health, port=settings.port, web=build_web_app(services))
            log.info("HTTP mode on port %s: POST /slack/events, GET /healthz", server.port)
            server.serve_forever()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        stop.set()
        if keeper is not None:
            keeper.stop(wait=False)
        services.executor.wait_idle(timeout=20)
    return 0


# Set by the hosts the README names (Heroku: both; Scalingo, Clever Cloud, Docker's compose.yaml: PORT).
HOST_VARIABLES = ("DYNO", "PORT")


def refuse_console_on_a_host() -> None:
    """Without Slack credentials `run` opens the console; on a host, with no terminal, that
    would read an empty stdin, exit 0 and be restarted, over and over, saying nothing."""
    found = [name for name in HOST_VARIABLES if os.environ.get(name)]
    if found and not sys.stdin.isatty():
        raise ConfigError(
            f"no Slack credentials, and no terminal for the local console ({', '.join(found)} set): set "
            "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP mode) or SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode)"
        )


def make_socket_mode_handler(app, settings: Settings):
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from integrations.slack_api import make_web_client

    # The Socket Mode client calls apps.connections.open with the app token through this
    # client, so SLACK_API_URL applies to Socket Mode as well.
    return SocketModeHandler(
        app,
        settings.slack_app_token.get_secret_value(),  # type: ignore[union-attr]
        web_client=make_web_client(None, settings.slack_api_url),
    )


def cmd_console(args: argparse.Namespace, ctx: CliContext) -> int:
    from bot.console.repl import run_console

    return run_console(ctx.settings, role=args.as_role)


def cmd_db_upgrade(args: argparse.Namespace, ctx: CliContext) -> int:
    from bot.store.migrate import current_revision

    db = ctx.database(migrate=True)
    print(f"database at {db.safe_url} is at revision {current_revision(db)}")
    return 0


def cmd_db_check(args: argparse.Namespace, ctx: CliContext) -> int:
    from alembic.util import AutogenerateDiffsDetected, CommandError

    from bot.store.migrate import check

    db = ctx.database(migrate=False)
    try:
        check(db)
    except AutogenerateDiffsDetected as exc:
        print(f"sogabot: the models and the migrations disagree ({db.safe_url}): {exc}", file=sys.stderr)
        return 1
    except CommandError as exc:  # not at head: `sogabot db upgrade` first
        print(f"sogabot: {exc} ({db.safe_url}); run `sogabot db upgrade` first", file=sys.stderr)
        return 1
    print(f"database at {db.safe_url}: the migrations match the models")
    return 0


# The worker gives way to the web process when both share a machine: acks come first.
WORKER_NICENESS = 10
# Where CPU-bound Python (retrieval, Block Kit) shares a process with I/O (Slack, the database)
# in many threads, a thread back from its I/O waits for the GIL up to the switch interval (5 ms
# by default) behind the CPU-bound ones, at every call: an ack in a process that also does the
# work, the next step of an answer (its 👀 first) in the worker (first sign under 100 ev/s: p50
# 1 s without it). A web process that only acks has no such work: more switches would only cost
# it CPU, so it keeps the default.
GIL_SWITCH_SECONDS = 0.0005


def cmd_jobs(args: argparse.Namespace, ctx: CliContext) -> int:
    from jobs.scheduler import list_jobs

    if args.jobs_action == "list":
        for line in list_jobs(ctx.services):
            print(line)
        return 0
    ctx.settings.require_for_mode("worker")
    from bot.slack.app import build_app

    services = ctx.services
    stored_work = build_app(services, token_verification=ctx.settings.slack_bot_token is not None).stored_work  # type: ignore[attr-defined]
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    try:
        os.nice(WORKER_NICENESS)
    except OSError:
        pass  # not allowed here: run at normal priority
    from jobs.keeper import SchedulerKeeper

    stop = threading.Event()
    # Takes the scheduler lock when it is free (from a web process too: it hands it over).
    keeper = SchedulerKeeper(services, "worker", check_seconds=ctx.settings.scheduler_check_seconds).start()

    def shutdown(*_args: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, shutdown)
    log.info("worker: scheduled jobs, and the events and commands the web process stores (BACKGROUND_WORK=worker)")
    try:
        stored_work.serve(stop)
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        stop.set()
        keeper.stop(wait=True)
        services.executor.wait_idle(timeout=20)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sogabot", description="The SOGA community bot.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot: Socket Mode, HTTP, or the local console without Slack credentials")
    run.add_argument("--as", dest="as_role", choices=["member", "staff", "facilitator"], default="member",
                     help="console only: the local user's role")
    run.set_defaults(func=cmd_run)

    console = sub.add_parser("console", help="the local console: a terminal stand-in for Slack")
    console.add_argument("--as", dest="as_role", choices=["member", "staff", "facilitator"], default="member")
    console.set_defaults(func=cmd_console)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_action", required=True)
    db_sub.add_parser("upgrade", help="apply the migrations").set_defaults(func=cmd_db_upgrade)
    db_sub.add_parser("check", help="fail when the models need a migration that does not exist (alembic check)"
                      ).set_defaults(func=cmd_db_check)

    jobs = sub.add_parser("jobs", help="the Procfile worker: scheduled jobs and the web process's stored work; or `jobs list`")
    jobs.add_argument("jobs_action", nargs="?", choices=["list"], help="show the next run of each job")
    jobs.set_defaults(func=cmd_jobs)

    for module in (knowledge, growth, digest, cafe, privacy):
        module.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    ctx = CliContext(settings)
    try:
        _configure_logging(ctx.settings.log_level)
        return int(args.func(args, ctx) or 0)
    except ConfigError as exc:
        print(f"sogabot: configuration error: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        print(f"sogabot: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
