from __future__ import annotations

import pytest

from bot.core.settings import ConfigError, Settings, load_settings


def test_mode_follows_the_credentials() -> None:
    assert Settings(_env_file=None).mode() == "console"
    assert Settings(_env_file=None, slack_bot_token="xoxb-1", slack_signing_secret="s").mode() == "http"
    assert Settings(_env_file=None, slack_bot_token="xoxb-1", slack_app_token="xapp-1").mode() == "socket"


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"slack_signing_secret": "s"}, "SLACK_BOT_TOKEN"),
        ({"slack_bot_token": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"slack_app_token": "xoxb-wrong", "slack_bot_token": "xoxb-1"}, "SLACK_APP_TOKEN"),
        ({"mailchimp_api_key": "k-us1", "mailchimp_server_prefix": "us1"}, "MAILCHIMP_LIST_ID"),
    ],
)
def test_a_missing_value_for_the_mode_names_the_variable(values: dict, variable: str) -> None:
    settings = Settings(_env_file=None, **values)
    with pytest.raises(ConfigError) as raised:
        settings.require_for_mode(settings.mode())
    assert str(raised.value).startswith(variable)
    assert "\n" not in str(raised.value)


def test_invalid_values_give_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "not-a-port")
    with pytest.raises(ConfigError, match=r"^PORT: "):
        load_settings(_env_file=None)
    monkeypatch.setenv("PORT", "3000")
    monkeypatch.setenv("BOT_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match=r"^BOT_TIMEZONE: unknown time zone"):
        load_settings(_env_file=None)


def test_secrets_never_show_in_repr() -> None:
    settings = Settings(
        _env_file=None, slack_bot_token="xoxb-secret-1", slack_signing_secret="sign-secret-2",
        openai_api_key="sk-secret-3", mailchimp_api_key="mc-secret-4",
        database_url="postgresql://bot:db-secret-5@db/soga",
    )
    shown = repr(settings) + str(settings)
    for secret in ("xoxb-secret-1", "sign-secret-2", "sk-secret-3", "mc-secret-4", "db-secret-5"):
        assert secret not in shown


def test_lists_and_urls_are_normalised() -> None:
    settings = Settings(_env_file=None, staff_user_ids=" U1, U2 ,,", slack_api_url="http://127.0.0.1:9/api")
    assert settings.staff_ids == {"U1", "U2"}
    assert settings.slack_api_url.endswith("/")


def _next_digest(cron: str):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from apscheduler.triggers.cron import CronTrigger

    from jobs.digest import digest_trigger

    fields = {k: v for k, v in digest_trigger(Settings(_env_file=None, digest_cron=cron)).items()
              if k not in ("trigger", "misfire_grace_time")}
    start = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))  # a Tuesday
    return CronTrigger(timezone="Europe/Paris", **fields).get_next_fire_time(None, start)


@pytest.mark.parametrize(
    ("cron", "weekday"),
    [("0 9 * * 1", "Monday"), ("0 9 * * 0", "Sunday"), ("0 9 * * 7", "Sunday"), ("0 9 * * 5", "Friday"),
     ("0 9 * * mon", "Monday"), ("0 9 * * SUN", "Sunday"), ("0 9 * * 6-7", "Saturday")],
)
def test_digest_cron_reads_day_numbers_as_cron_does(cron: str, weekday: str) -> None:
    fire = _next_digest(cron)
    assert (fire.strftime("%A"), fire.hour, fire.minute) == (weekday, 9, 0)


def test_digest_cron_lists_ranges_and_steps_keep_cron_days() -> None:
    assert Settings(_env_file=None, digest_cron="30 8 * * 1-5").digest_cron == "30 8 * * mon,tue,wed,thu,fri"
    assert Settings(_env_file=None, digest_cron="0 9 * * 5-7").digest_cron == "0 9 * * fri,sat,sun"
    assert Settings(_env_file=None, digest_cron="0 9 * * */3").digest_cron == "0 9 * * wed,sat,sun"
    assert Settings(_env_file=None, digest_cron="0 9 1 * *").digest_cron == "0 9 1 * *"
    assert Settings(_env_file=None, digest_cron=" ").digest_cron is None


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [("DIGEST_CRON", "0 9 * * 8", "0 and 7 are Sunday"), ("DIGEST_CRON", "every monday", "5 fields"),
     ("DIGEST_CRON", "0 25 * * 1", "'25'"), ("DIGEST_CRON", "0 9 1 * 1", "keep one"),
     ("DIGEST_DAY", "someday", "day of the week"), ("DIGEST_TIME", "9h", "time of day")],
)
def test_a_bad_digest_schedule_stops_start_up_in_one_line(monkeypatch: pytest.MonkeyPatch, variable: str,
                                                          value: str, says: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None)
    assert str(raised.value).startswith(f"{variable}: ") and says in str(raised.value)
    assert "\n" not in str(raised.value)


def test_every_missing_value_of_the_mode_is_named_at_once() -> None:
    settings = Settings(_env_file=None, slack_app_token="xapp-1", mailchimp_api_key="k-us1")
    with pytest.raises(ConfigError) as raised:
        settings.require_for_mode(settings.mode())
    named = str(raised.value)
    assert all(variable in named for variable in ("SLACK_BOT_TOKEN", "MAILCHIMP_LIST_ID", "MAILCHIMP_SERVER_PREFIX"))
    assert "\n" not in named
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN is required for the worker"):
        Settings(_env_file=None).require_for_mode("worker")
