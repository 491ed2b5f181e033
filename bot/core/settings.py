"""Typed settings, read once from the environment (and an optional `.env`) and passed explicitly."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


Mode = Literal["socket", "http", "console"]
_CLOCK_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable and fits on one line."""


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # repr=False: a PostgreSQL URL can carry a password.
    database_url: str = Field(default="sqlite:///data/sogabot.db", repr=False)

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_embedding_model: str | None = None
    openai_timeout_seconds: float = Field(default=8.0, gt=0)

    mailchimp_api_key: SecretStr | None = None
    mailchimp_server_prefix: str | None = None
    mailchimp_list_id: str | None = None
    mailchimp_api_url: str | None = None

    bot_timezone: str = "Europe/Paris"
    staff_user_ids: str = ""
    staff_usergroup: str | None = None
    facilitator_user_ids: str = ""
    staff_channel: str | None = None
    digest_channel: str | None = None

    knowledge_dir: Path | None = None
    outbox_dir: Path = Path("data/outbox")

    # ---------------------------------------------------------------- knowledge (Q&A) settings
    # (keep this capability's settings between these markers)
    # Comma-separated ids of opt-in channels whose messages become knowledge (daily sync).
    knowledge_slack_channels: str = ""
    # ---------------------------------------------------------------- end of knowledge settings

    # ---------------------------------------------------------------- growth settings
    # Channels (ids, comma-separated) where every top-level message counts as a question.
    help_channels: str = ""
    # Channels (ids, comma-separated) the welcome DM invites new members to join.
    welcome_channels: str = ""
    # Welcome DM templates; {name}, {channels} and {bot} are filled in. Empty: the built-in text.
    welcome_template_fr: str = ""
    welcome_template_en: str = ""
    welcome_enabled: bool = True
    # Hour (BOT_TIMEZONE) of the daily users.list reconciliation.
    growth_sync_hour: int = Field(default=4, ge=0, le=23)

    @property
    def help_channel_ids(self) -> frozenset[str]:
        return frozenset(_csv(self.help_channels))

    @property
    def welcome_channel_ids(self) -> tuple[str, ...]:
        return _csv(self.welcome_channels)
    # ---------------------------------------------------------------- end of growth settings

    # ---------------------------------------------------------------- digest settings
    # When set, a 5-field cron expression overrides DIGEST_DAY/DIGEST_TIME. Read as cron reads
    # it ("0 9 * * 1": Mondays; 0 and 7: Sunday) and kept in APScheduler's spelling, whose
    # day-of-week numbers start at Monday = 0 ("0 9 * * mon").
    digest_cron: str | None = None
    digest_day: str = "mon"
    digest_time: str = "09:00"
    # "schedule": Mailchimp sends at the next quarter hour (UTC); "now": send at approval.
    digest_send_mode: Literal["schedule", "now"] = "schedule"
    digest_test_emails: str = ""
    digest_from_name: str = "Social Good Accelerator"
    digest_reply_to: str = "contact@socialgoodaccelerator.eu"
    digest_top_threads: int = Field(default=5, ge=1, le=15)
    # Thread excerpts and shared links are purged once the week's digest is sent, and in any
    # case after this many days.
    digest_excerpt_retention_days: int = Field(default=21, ge=8, le=90)
    digest_max_attempts: int = Field(default=6, ge=1, le=20)
    digest_events_horizon_days: int = Field(default=45, ge=1, le=365)
    mailchimp_timeout_seconds: float = Field(default=15.0, gt=0)
    # ---------------------------------------------------------------- end of digest settings

    # ---------------------------------------------------------------- café settings
    # The web process's public address (https://bot.example.org): the café board and join
    # links shown in Slack start with it. Unset: http://localhost:PORT.
    public_url: str | None = None
    # Signs the café pages' browser cookie and CSRF tokens. Unset: derived from
    # SLACK_SIGNING_SECRET (or the bot token); random per process when neither is set.
    cafe_web_secret: SecretStr | None = None
    # Questions and votes sent from the join page, per address and minute. A room often
    # shares one address (the venue's Wi-Fi): 40 people voting every 2 s make 1,200.
    cafe_web_rate_limit: int = Field(default=1500, ge=1)
    # Behind a platform's router (Heroku, Scalingo, Clever Cloud), count the address it saw
    # (the last X-Forwarded-For hop) rather than the router's.
    cafe_web_trust_proxy: bool = False

    @property
    def public_base_url(self) -> str:
        return (self.public_url or f"http://localhost:{self.port}").rstrip("/")
    # ---------------------------------------------------------------- end of café settings

    # ---------------------------------------------------------------- privacy settings
    # Raw member-day-channel activity rows are purged after this many days (13 months).
    retention_activity_days: int = Field(default=395, ge=1)
    # Q&A questions and answers (and their feedback) are purged after this many days (6 months).
    retention_qa_days: int = Field(default=183, ge=1)
    # Profile rows of members who left Slack are erased (pseudonymised) after this many days.
    retention_departed_member_days: int = Field(default=395, ge=1)
    # Where `/privacy` links for the full list of what the bot stores (PRIVACY.md).
    # Unset, `/privacy` names the file instead of linking to it.
    privacy_policy_url: str | None = None
    # Local time of the daily retention purge (BOT_TIMEZONE), "HH:MM".
    retention_purge_time: str = Field(default="03:40", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # ---------------------------------------------------------------- end of privacy settings

    port: int = Field(default=3000, ge=1, le=65535)
    # The web process runs the scheduled jobs while no `sogabot jobs` worker is up (it hands
    # them over when one starts, jobs.keeper). `false`: never in this process.
    run_scheduler: bool = True
    # How often the process running the jobs checks that the scheduler lock is still its own
    # (and a web process whether a worker has come to take the jobs over).
    scheduler_check_seconds: float = Field(default=10.0, gt=0, le=300)
    # "worker": `sogabot run` only verifies, stores and acks; `sogabot jobs` does the work
    # (answers, counts, replies), so acks never share a CPU with it (bot/core/worker.py).
    # auto: `sogabot run` (HTTP or Socket Mode) acks and starts a worker child for the work
    # (bot.cli.companion); inline: one process does both; worker: a separate `sogabot jobs` does it.
    background_work: Literal["auto", "inline", "worker"] = "auto"
    log_level: str = "INFO"

    @field_validator("bot_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("digest_cron")
    @classmethod
    def _standard_cron(cls, value: str | None) -> str | None:
        return scheduler_cron(value) if value and value.strip() else None

    @field_validator("digest_day")
    @classmethod
    def _week_day(cls, value: str) -> str:
        if value.strip().lower()[:3] not in _CRON_DAYS:
            raise ValueError(f"{value!r} is not a day of the week (mon, tue, … or monday, tuesday, …)")
        return value

    @field_validator("digest_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not _CLOCK_TIME.match(value.strip()):
            raise ValueError(f"{value!r} is not a time of day like 09:00")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # slack_sdk joins method names onto the base URL, so it must end with a slash.
        return value if value.endswith("/") else value + "/"

    @field_validator(
        "slack_bot_token", "slack_app_token", "slack_signing_secret", "openai_api_key",
        "mailchimp_api_key", "staff_usergroup", "staff_channel", "digest_channel",
        "openai_base_url", "openai_embedding_model", "mailchimp_server_prefix",
        "mailchimp_list_id", "mailchimp_api_url", "knowledge_dir",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    # -- derived ---------------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def staff_ids(self) -> frozenset[str]:
        return frozenset(_csv(self.staff_user_ids))

    @property
    def facilitator_ids(self) -> frozenset[str]:
        return frozenset(_csv(self.facilitator_user_ids))

    @property
    def llm_enabled(self) -> bool:
        return self.openai_api_key is not None

    @property
    def mailchimp_enabled(self) -> bool:
        return self.mailchimp_api_key is not None and self.mailchimp_list_id is not None and (
            self.mailchimp_server_prefix is not None or self.mailchimp_api_url is not None
        )

    def mode(self) -> Mode:
        if self.slack_app_token is not None:
            return "socket"
        if self.slack_signing_secret is not None or self.slack_bot_token is not None:
            return "http"
        return "console"

    def require_for_mode(self, mode: Mode | Literal["worker"]) -> None:
        """Stop start-up with one line naming every value the chosen mode lacks."""
        missing: list[str] = []
        if mode == "socket":
            token = self.slack_app_token.get_secret_value() if self.slack_app_token else ""
            if not token.startswith("xapp-"):
                missing.append("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'")
            if self.slack_bot_token is None:
                missing.append("SLACK_BOT_TOKEN is required for Socket Mode (SLACK_APP_TOKEN is set)")
        elif mode == "http":
            if self.slack_bot_token is None:
                missing.append("SLACK_BOT_TOKEN is required for HTTP mode (SLACK_SIGNING_SECRET is set)")
            if self.slack_signing_secret is None:
                missing.append("SLACK_SIGNING_SECRET is required for HTTP mode (SLACK_BOT_TOKEN is set)")
        elif mode == "worker" and self.slack_bot_token is None:
            missing.append("SLACK_BOT_TOKEN is required for the worker (`sogabot jobs` posts to Slack)")
        if self.mailchimp_api_key is not None and self.mailchimp_list_id is None:
            missing.append("MAILCHIMP_LIST_ID is required when MAILCHIMP_API_KEY is set")
        if self.mailchimp_api_key is not None and not (self.mailchimp_server_prefix or self.mailchimp_api_url):
            missing.append("MAILCHIMP_SERVER_PREFIX (or MAILCHIMP_API_URL) is required when MAILCHIMP_API_KEY is set")
        if missing:
            raise ConfigError("; ".join(missing))


_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _cron_days(field: str) -> str:
    """A cron day-of-week field (numbers 0-7, names, ranges, lists, steps) as APScheduler's
    comma-separated day names; "*" stays "*"."""
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.lower().split(","):
        span, _, step_text = part.partition("/")
        if not step_text.isdigit() and step_text:
            raise ValueError(f"day of week {part!r}: the step must be a number")
        step = int(step_text or 1)
        start_text, _, end_text = span.partition("-")
        if span == "*":
            start, end = 0, 6
        else:
            start = _cron_day(start_text)
            end = _cron_day(end_text) if end_text else (6 if step_text else start)
            if end_text == "7" or (end_text and end == 0 and start > 0):
                end = 7  # "5-7", "fri-sun": up to Sunday
        if start > end or step < 1:
            raise ValueError(f"day of week {part!r} is not a range cron accepts")
        days.update(day % 7 for day in range(start, end + 1, step))
    # Monday first, as APScheduler counts.
    return ",".join(_CRON_DAYS[day] for day in sorted(days, key=lambda day: (day - 1) % 7))


def _cron_day(text: str) -> int:
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text) % 7 if text != "7" else 7
    if text[:3] in _CRON_DAYS:
        return _CRON_DAYS.index(text[:3])
    raise ValueError(f"day of week {text!r}: use 0-7 (0 and 7 are Sunday) or mon…sun")


def scheduler_cron(expression: str) -> str:
    """Standard 5-field cron -> the same schedule in APScheduler's CronTrigger fields, checked.
    ValueError names what is wrong in one line."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"{expression!r} must have 5 fields (minute hour day month day-of-week), like '0 9 * * 1'")
    minute, hour, day, month, day_of_week = fields
    if day not in ("*", "?") and day_of_week not in ("*", "?"):
        # cron runs when either matches, APScheduler only when both do: say which one is meant.
        raise ValueError(f"{expression!r} restricts both the day of the month and the day of the week: keep one")
    day = "*" if day == "?" else day
    weekdays = _cron_days("*" if day_of_week == "?" else day_of_week)
    try:
        CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=weekdays, timezone="UTC")
    except ValueError as exc:
        raise ValueError(f"{expression!r}: {exc}") from None
    return " ".join((minute, hour, day, month, weekdays))


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = str(first["loc"][0]).upper() if first.get("loc") else "settings"
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        raise ConfigError(f"{variable}: {message}") from None
