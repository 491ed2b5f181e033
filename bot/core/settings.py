"""Typed settings, read once from the environment (and an optional `.env`) and passed explicitly."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


Mode = Literal["socket", "http", "console"]


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
    # When set, a 5-field cron expression ("0 9 * * mon") overrides DIGEST_DAY/DIGEST_TIME.
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
    background_work: Literal["inline", "worker"] = "inline"
    log_level: str = "INFO"

    @field_validator("bot_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
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

    def require_for_mode(self, mode: Mode) -> None:
        """Stop start-up with one clear line when the chosen mode lacks a value it needs."""
        if mode == "socket":
            token = self.slack_app_token.get_secret_value() if self.slack_app_token else ""
            if not token.startswith("xapp-"):
                raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'")
            if self.slack_bot_token is None:
                raise ConfigError("SLACK_BOT_TOKEN is required for Socket Mode (SLACK_APP_TOKEN is set)")
        elif mode == "http":
            if self.slack_bot_token is None:
                raise ConfigError("SLACK_BOT_TOKEN is required for HTTP mode (SLACK_SIGNING_SECRET is set)")
            if self.slack_signing_secret is None:
                raise ConfigError("SLACK_SIGNING_SECRET is required for HTTP mode (SLACK_BOT_TOKEN is set)")
        if self.mailchimp_api_key is not None and self.mailchimp_list_id is None:
            raise ConfigError("MAILCHIMP_LIST_ID is required when MAILCHIMP_API_KEY is set")
        if self.mailchimp_api_key is not None and not (self.mailchimp_server_prefix or self.mailchimp_api_url):
            raise ConfigError("MAILCHIMP_SERVER_PREFIX (or MAILCHIMP_API_URL) is required when MAILCHIMP_API_KEY is set")


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = str(first["loc"][0]).upper() if first.get("loc") else "settings"
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        raise ConfigError(f"{variable}: {message}") from None
