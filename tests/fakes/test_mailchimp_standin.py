"""The Mailchimp stand-in, driven through the real mailchimp-marketing client."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Iterator

import mailchimp_marketing
import pytest
from mailchimp_marketing.api_client import ApiClientError

from tests.fakes.mailchimp_standin import MailchimpStandin

NOW = datetime(2025, 3, 3, 10, 7, tzinfo=timezone.utc)


@pytest.fixture
def server() -> Iterator[MailchimpStandin]:
    with MailchimpStandin(member_count=120) as standin:
        standin.clock = lambda: NOW
        yield standin


def connect(server: MailchimpStandin, config: dict[str, Any]) -> mailchimp_marketing.Client:
    client = mailchimp_marketing.Client(config)
    # The public `host` attribute of ApiClient is the only base-URL knob that client reads.
    client.api_client.host = server.url + "/3.0"
    return client


@pytest.fixture
def client(server: MailchimpStandin) -> mailchimp_marketing.Client:
    return connect(server, {"api_key": "test-us1", "timeout": 5})


def create_campaign(client: mailchimp_marketing.Client, subject: str = "March news") -> dict[str, Any]:
    return client.campaigns.create(
        {
            "type": "regular",
            "recipients": {"list_id": "list123"},
            "settings": {
                "subject_line": subject,
                "title": f"Newsletter: {subject}",
                "from_name": "SOGA",
                "reply_to": "hello@example.org",
            },
        }
    )


def ready_campaign(client: mailchimp_marketing.Client) -> dict[str, Any]:
    campaign = create_campaign(client)
    client.campaigns.set_content(campaign["id"], {"html": "<p>Hello <b>all</b></p>", "plain_text": "Hello all"})
    return campaign


def problem_of(error: ApiClientError) -> dict[str, Any]:
    # The client hands problem+json bodies over undecoded.
    assert isinstance(error.text, str)
    return json.loads(error.text)


def test_ping_sends_basic_auth_with_the_api_key(
    client: mailchimp_marketing.Client, server: MailchimpStandin
) -> None:
    assert client.ping.get() == {"health_status": "Everything's Chimpy!"}
    (call,) = server.calls_to("/3.0/ping")
    assert call.headers["authorization"].startswith("Basic ")


def test_create_campaign_returns_a_saved_campaign(
    client: mailchimp_marketing.Client, server: MailchimpStandin
) -> None:
    campaign = create_campaign(client)

    assert campaign["status"] == "save"
    assert len(campaign["id"]) == 10 and isinstance(campaign["web_id"], int)
    assert campaign["settings"]["subject_line"] == "March news"
    assert campaign["recipients"] == {
        "list_id": "list123",
        "list_is_active": True,
        "list_name": "Stand-in audience list123",
        "segment_text": "",
        "recipient_count": 120,
    }
    assert client.campaigns.get(campaign["id"]) == server.campaigns[campaign["id"]]


@pytest.mark.parametrize("recipients", [{}, {"list_id": "nope"}])
def test_create_campaign_rejects_a_missing_or_unknown_list(
    client: mailchimp_marketing.Client, server: MailchimpStandin, recipients: dict[str, str]
) -> None:
    with pytest.raises(ApiClientError) as caught:
        client.campaigns.create({"type": "regular", "recipients": recipients, "settings": {"subject_line": "x"}})

    assert caught.value.status_code == 400
    body = problem_of(caught.value)
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["errors"][0]["field"] == "recipients.list_id"
    assert server.campaigns == {}


def test_content_round_trips_and_plain_text_is_derived(client: mailchimp_marketing.Client) -> None:
    campaign = create_campaign(client)

    stored = client.campaigns.set_content(campaign["id"], {"html": "<p>Hi <b>there</b></p>"})

    assert stored["plain_text"] == "Hi there"
    assert client.campaigns.get_content(campaign["id"])["html"] == "<p>Hi <b>there</b></p>"


def test_checklist_needs_content_and_follows_the_ready_switch(
    client: mailchimp_marketing.Client, server: MailchimpStandin
) -> None:
    campaign = create_campaign(client)
    assert client.campaigns.get_send_checklist(campaign["id"])["is_ready"] is False

    client.campaigns.set_content(campaign["id"], {"html": "<p>Hi</p>"})
    assert client.campaigns.get_send_checklist(campaign["id"])["is_ready"] is True

    server.checklist_ready = False
    checklist = client.campaigns.get_send_checklist(campaign["id"])
    assert checklist["is_ready"] is False
    assert any(item["type"] == "error" for item in checklist["items"])
    with pytest.raises(ApiClientError) as caught:
        client.campaigns.send(campaign["id"])
    assert caught.value.status_code == 400
    assert server.sent_campaign_ids() == []


def test_test_email_is_accepted_with_204(
    client: mailchimp_marketing.Client, server: MailchimpStandin
) -> None:
    campaign = ready_campaign(client)

    result = client.campaigns.send_test_email(
        campaign["id"], {"test_emails": ["editor@example.org"], "send_type": "html"}
    )

    # 204 has no body, so the client returns the raw requests.Response.
    assert result.status_code == 204
    (call,) = server.calls_to(f"/campaigns/{campaign['id']}/actions/test")
    assert call.json == {"test_emails": ["editor@example.org"], "send_type": "html"}
    assert server.campaigns[campaign["id"]]["status"] == "save"


def test_schedule_on_a_quarter_hour_is_accepted(client: mailchimp_marketing.Client) -> None:
    campaign = ready_campaign(client)

    client.campaigns.schedule(campaign["id"], {"schedule_time": "2025-03-04T09:45:00+00:00"})

    scheduled = client.campaigns.get(campaign["id"])
    assert scheduled["status"] == "schedule"
    assert scheduled["send_time"] == "2025-03-04T09:45:00+00:00"


@pytest.mark.parametrize("when", ["2025-03-04T09:40:00+00:00", "2025-03-04T09:45:30Z", "2025-03-03T09:45:00Z"])
def test_schedule_off_a_quarter_hour_or_in_the_past_is_rejected(
    client: mailchimp_marketing.Client, server: MailchimpStandin, when: str
) -> None:
    campaign = ready_campaign(client)

    with pytest.raises(ApiClientError) as caught:
        client.campaigns.schedule(campaign["id"], {"schedule_time": when})

    assert caught.value.status_code == 400
    assert problem_of(caught.value)["status"] == 400
    assert server.campaigns[campaign["id"]]["status"] == "save"


def test_send_marks_sent_and_sending_twice_fails(
    client: mailchimp_marketing.Client, server: MailchimpStandin
) -> None:
    campaign = ready_campaign(client)

    client.campaigns.send(campaign["id"])

    sent = client.campaigns.get(campaign["id"])
    assert sent["status"] == "sent"
    assert sent["send_time"] == "2025-03-03T10:07:00+00:00"
    assert sent["emails_sent"] == 120
    assert server.sent_campaign_ids() == [campaign["id"]]
    with pytest.raises(ApiClientError) as caught:
        client.campaigns.send(campaign["id"])
    assert caught.value.status_code == 400
    assert "already been sent" in problem_of(caught.value)["detail"]


def test_list_campaigns_filters_by_status_and_send_time_and_pages(
    client: mailchimp_marketing.Client, server: MailchimpStandin
) -> None:
    drafts = [create_campaign(client, f"draft {n}")["id"] for n in range(3)]
    server.add_report("old0000001", 100, 0.5, 0.1, send_time=datetime(2025, 1, 10, tzinfo=timezone.utc))
    server.add_report("new0000001", 100, 0.5, 0.1, send_time=datetime(2025, 3, 1, tzinfo=timezone.utc))

    saved = client.campaigns.list(status="save", count=2, offset=1)
    assert saved["total_items"] == 3
    assert [c["id"] for c in saved["campaigns"]] == drafts[1:]
    recent = client.campaigns.list(status="sent", since_send_time="2025-02-01T00:00:00+00:00")
    assert [c["id"] for c in recent["campaigns"]] == ["new0000001"]


def test_reports_list_and_get(
    client: mailchimp_marketing.Client, server: MailchimpStandin
) -> None:
    server.add_report("aaaa000001", 200, 0.45, 0.05, proxy_excluded_open_rate=0.3, subject_line="Jan")
    server.add_report("bbbb000002", 100, 0.5, 0.1)

    page = client.reports.get_all_campaign_reports(count=1, offset=1)
    assert page["total_items"] == 2
    assert [r["id"] for r in page["reports"]] == ["bbbb000002"]

    report = client.reports.get_campaign_report("aaaa000001")
    assert report["emails_sent"] == 200
    assert report["subject_line"] == "Jan"
    assert report["opens"]["unique_opens"] == 90
    assert report["opens"]["open_rate"] == 0.45
    assert report["opens"]["proxy_excluded_open_rate"] == 0.3
    assert report["clicks"]["click_rate"] == 0.05
    assert "proxy_excluded_open_rate" not in client.reports.get_campaign_report("bbbb000002")["opens"]
    with pytest.raises(ApiClientError) as caught:
        client.reports.get_campaign_report("missing")
    assert caught.value.status_code == 404


def test_list_stats_and_growth_history_newest_first(
    client: mailchimp_marketing.Client, server: MailchimpStandin
) -> None:
    server.add_growth_month("list123", "2025-01", existing=100, subscribed=10)
    server.add_growth_month("list123", "2025-02", existing=110, subscribed=10)

    assert client.lists.get_list("list123")["stats"]["member_count"] == 120
    history = client.lists.get_list_growth_history("list123")
    assert [month["month"] for month in history["history"]] == ["2025-02", "2025-01"]
    assert history["total_items"] == 2


def test_a_500_fault_surfaces_as_api_client_error_then_recovers(
    client: mailchimp_marketing.Client, server: MailchimpStandin
) -> None:
    server.fail("/3.0/ping", status=500)

    with pytest.raises(ApiClientError) as caught:
        client.ping.get()

    assert caught.value.status_code == 500
    assert problem_of(caught.value)["title"] == "Internal Server Error"
    assert client.ping.get() == {"health_status": "Everything's Chimpy!"}


def test_missing_api_key_is_401(server: MailchimpStandin) -> None:
    anonymous = connect(server, {})

    with pytest.raises(ApiClientError) as caught:
        anonymous.ping.get()

    assert caught.value.status_code == 401
    assert problem_of(caught.value)["title"] == "API Key Missing"
    assert "authorization" not in server.calls[-1].headers


def test_a_configured_key_rejects_other_keys() -> None:
    with MailchimpStandin(api_key="right-us1") as strict:
        with pytest.raises(ApiClientError) as caught:
            connect(strict, {"api_key": "wrong-us1"}).ping.get()
        assert caught.value.status_code == 401
        assert problem_of(caught.value)["title"] == "API Key Invalid"
        assert connect(strict, {"api_key": "right-us1"}).ping.get()["health_status"] == "Everything's Chimpy!"
