"""HTTP mode's WSGI entry point, for gunicorn: the Procfile's
`gunicorn --config python:bot.gunicorn_config bot.wsgi:application` (also what `sogabot run`
becomes in HTTP mode). Imported in gunicorn's worker process, after the fork: the bot (its
database pool, threads, knowledge index) is built there, once."""

from __future__ import annotations

from gunicorn.errors import AppImportError

from bot.cli.main import CliContext, _configure_logging
from bot.cli.serve import RunningBot
from bot.core.settings import ConfigError
from bot.store.db import DatabaseUnavailable


def _start() -> RunningBot:
    ctx = CliContext()
    try:
        _configure_logging(ctx.settings.log_level)
        ctx.settings.require_for_mode("http")
        return RunningBot(ctx.services, "http")
    except ConfigError as exc:
        # gunicorn prints this one line (no traceback) and stops rather than respawn the worker.
        raise AppImportError(f"sogabot: configuration error: {exc}") from None
    except DatabaseUnavailable as exc:
        raise AppImportError(f"sogabot: {exc}") from None


bot = _start()
application = bot.wsgi
