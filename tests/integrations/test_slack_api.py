"""The Web API client against the stand-in: rate limits, server errors and pagination."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.console.slack_standin import SlackStandin
from integrations.slack_api import SlackDirectory, iter_pages, make_web_client


def test_a_429_with_retry_after_is_retried_and_posts_once(slack: SlackStandin) -> None:
    client = make_web_client("xoxb-t", slack.url + "/api/")
    slack.fail(r"chat\.postMessage$", status=429, retry_after=1)
    client.chat_postMessage(channel="C0GENERAL", text="bonjour")
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert [m["text"] for m in slack.bot_messages("C0GENERAL")] == ["bonjour"]


def test_server_errors_and_dropped_connections_are_retried(slack: SlackStandin) -> None:
    client = make_web_client("xoxb-t", slack.url + "/api/")
    slack.fail(r"chat\.postMessage$", status=500)
    slack.fail(r"chat\.postMessage$", kind="drop")
    client.chat_postMessage(channel="C0GENERAL", text="bonjour")
    assert len(slack.bot_messages("C0GENERAL")) == 1


def test_persistent_server_errors_end_in_an_error_not_a_hang(slack: SlackStandin) -> None:
    client = make_web_client("xoxb-t", slack.url + "/api/")
    slack.fail(r"chat\.postMessage$", status=500, times=10)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0GENERAL", text="bonjour")
    assert slack.bot_messages("C0GENERAL") == []


def test_pagination_follows_cursors(slack: SlackStandin) -> None:
    for index in range(7):
        slack.add_user(f"UPAGE{index}", f"p{index}")
    client = make_web_client("xoxb-t", slack.url + "/api/")
    ids = [u["id"] for u in iter_pages(client.users_list, "members", limit=3)]
    assert len(ids) == len(slack.ws.users) and len(set(ids)) == len(ids)
    assert len(slack.calls_to("users.list")) == -(-len(ids) // 3)


def test_directory_reads_locale_and_marks_slackbot_as_a_bot(slack: SlackStandin) -> None:
    slack.add_user("USLACKBOT", "slackbot")
    directory = SlackDirectory(make_web_client("xoxb-t", slack.url + "/api/"))
    assert directory.user_profile("U0ENGLISH")["locale"] == "en-US"
    assert directory.user_profile("USLACKBOT")["is_bot"] is True
    assert directory.user_profile("UNOBODY") is None
