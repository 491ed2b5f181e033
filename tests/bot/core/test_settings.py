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
