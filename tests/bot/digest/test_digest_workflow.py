"""Approval and publishing against the Mailchimp stand-in, through the real client."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
from pydantic import SecretStr

from bot.digest.models import DigestIssue
from bot.digest.observe import DigestRecorder
from bot.digest.service import workflow_for
from bot.digest.workflow import STALE_CLAIM, next_quarter_hour
from bot.core.services import build_services
from tests.bot.digest.helpers import WEEK, seed_week
from tests.fakes.mailchimp_standin import MailchimpStandin
from tests.support import STAFF, STAFF_CHANNEL, DIGEST_CHANNEL, make_settings


@pytest.fixture
def mailchimp(clock) -> Iterator[MailchimpStandin]:
    with MailchimpStandin(member_count=140) as server:
        server.clock = clock
        yield server


def make_services(slack, database_url, db, clock, tmp_path, mailchimp=None, **overrides):
    if mailchimp is not None:
        overrides.update(mailchimp_api_key=SecretStr("test-us1"), mailchimp_list_id="list123", mailchimp_api_url=mailchimp.url)
    settings = make_settings(slack, database_url, outbox_dir=tmp_path / "outbox", **overrides)
    services = build_services(settings, db=db, clock=clock)
    seed_week(db, DigestRecorder(db, settings.tz))
    return services


@pytest.fixture
def services(slack, database_url, db, clock, tmp_path, mailchimp):
    services = make_services(slack, database_url, db, clock, tmp_path, mailchimp, digest_test_emails="a@soga.org, b@soga.org")
    yield services
    services.executor.shutdown()


def schedules(mailchimp: MailchimpStandin) -> list:
    return [c for c in mailchimp.calls if c.path.endswith("/actions/schedule") and c.method == "POST"]


def test_next_quarter_hour_is_on_a_quarter_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    assert next_quarter_hour(datetime(2026, 11, 23, 10, 7, 12, tzinfo=paris)) == datetime(2026, 11, 23, 9, 15, tzinfo=timezone.utc)
    # Too close to :15 for Mailchimp: the next one.
    assert next_quarter_hour(datetime(2026, 11, 23, 9, 14, tzinfo=timezone.utc)) == datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)
    assert next_quarter_hour(datetime(2026, 11, 23, 23, 50, tzinfo=timezone.utc)) == datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)


def test_approval_makes_exactly_these_mailchimp_calls(services, mailchimp, slack, clock) -> None:
    clock.set(datetime(2026, 11, 23, 9, 7, tzinfo=timezone.utc))
    workflow = workflow_for(services)
    workflow.run_weekly(WEEK)
    outcome = workflow.approve(WEEK, STAFF)

    assert outcome.changed and outcome.state == "scheduled"
    calls = [(c.method, c.path) for c in mailchimp.calls]
    (campaign_id,) = mailchimp.campaigns
    assert calls == [
        ("POST", "/3.0/campaigns"),
        ("PUT", f"/3.0/campaigns/{campaign_id}/content"),
        ("GET", f"/3.0/campaigns/{campaign_id}/send-checklist"),
        ("POST", f"/3.0/campaigns/{campaign_id}/actions/test"),
        ("POST", f"/3.0/campaigns/{campaign_id}/actions/schedule"),
    ]
    create, content, _check, test, schedule = mailchimp.calls
    assert create.json == {
        "type": "regular",
        "recipients": {"list_id": "list123"},
        "settings": {
            "subject_line": "Le digest de la communauté SOGA · semaine du 16 au 22 novembre 2026",
            "title": "Digest 2026-W47", "preview_text": create.json["settings"]["preview_text"],
            "from_name": "Social Good Accelerator", "reply_to": "contact@socialgoodaccelerator.eu",
        },
    }
    assert create.json["settings"]["preview_text"].startswith("Bonjour")
    assert "*|UNSUB|*" in content.json["html"] and "*|UNSUB|*" in content.json["plain_text"]
    assert "Léa" in content.json["html"] and "gérer nos adhérents" in content.json["plain_text"]
    assert test.json == {"test_emails": ["a@soga.org", "b@soga.org"], "send_type": "html"}
    assert schedule.json == {"schedule_time": "2026-11-23T09:15:00+00:00"}
    assert mailchimp.campaigns[campaign_id]["status"] == "schedule"

    issue = workflow.get(WEEK)
    assert issue.campaign_id == campaign_id and issue.scheduled_for == datetime(2026, 11, 23, 9, 15, tzinfo=timezone.utc)
    posted = slack.bot_messages(DIGEST_CHANNEL)
    assert len(posted) == 1 and issue.slack_ts == posted[0]["ts"]
    preview = next(m for m in slack.bot_messages(STAFF_CHANNEL) if m["ts"] == issue.preview_ts)
    status = json.dumps(preview["blocks"][1], ensure_ascii=False)
    assert "programmée pour le 2026-11-23 09:15" in status and "voir dans Mailchimp" in status
    assert not any(b["type"] == "actions" for b in preview["blocks"])  # no buttons once it is out


def test_two_approvals_and_two_weekly_runs_send_once(services, mailchimp, slack) -> None:
    workflow = workflow_for(services)
    workflow.run_weekly(WEEK)
    workflow.run_weekly(WEEK)
    assert len(slack.bot_messages(STAFF_CHANNEL)) == 1
    first = workflow.approve(WEEK, STAFF)
    second = workflow.approve(WEEK, STAFF)
    workflow.run_weekly(WEEK)
    workflow.retry_due()
    assert first.changed and not second.changed and second.state == "scheduled"
    assert len(mailchimp.campaigns) == 1 and len(schedules(mailchimp)) == 1
    assert len(slack.bot_messages(DIGEST_CHANNEL)) == 1


def test_a_mailchimp_500_leaves_it_approved_then_a_retry_sends_exactly_once(services, mailchimp, slack, clock) -> None:
    workflow = workflow_for(services)
    workflow.run_weekly(WEEK)
    mailchimp.fail("/actions/schedule", status=500)
    outcome = workflow.approve(WEEK, STAFF)

    issue = workflow.get(WEEK)
    assert not outcome.changed and issue.state == "approved" and issue.attempts == 1
    assert "500" in issue.last_error and issue.slack_ts is None
    thread = [m for m in slack.bot_messages(STAFF_CHANNEL) if m.get("thread_ts") == issue.preview_ts and m["ts"] != issue.preview_ts]
    assert len(thread) == 1 and "reste approuvé" in thread[0]["text"]
    assert any(e.get("action_id") == "digest_retry" for b in thread[0]["blocks"] if b["type"] == "actions" for e in b["elements"])

    assert workflow.retry_due() == []  # the backoff has not elapsed
    clock.advance(minutes=6)
    (retried,) = workflow.retry_due()
    assert retried.state == "scheduled"
    assert len(mailchimp.campaigns) == 1  # the campaign of the first attempt was reused
    # Two schedule calls reached Mailchimp: the refused one and the one that worked.
    assert [c.json for c in schedules(mailchimp)] == [{"schedule_time": "2026-11-23T09:15:00+00:00"}] * 2
    assert mailchimp.campaigns[next(iter(mailchimp.campaigns))]["status"] == "schedule"
    assert len(slack.bot_messages(DIGEST_CHANNEL)) == 1
    clock.advance(hours=1)
    assert workflow.retry_due() == []


def test_a_checklist_not_ready_is_told_in_plain_words_and_nothing_is_lost(services, mailchimp, slack) -> None:
    workflow = workflow_for(services)
    workflow.run_weekly(WEEK)
    mailchimp.checklist_ready = False
    workflow.approve(WEEK, STAFF)
    issue = workflow.get(WEEK)
    assert issue.state == "approved" and "sending domain is not verified" in issue.last_error
    assert schedules(mailchimp) == []
    mailchimp.checklist_ready = True
    assert workflow.retry(WEEK, STAFF).state == "scheduled"
    assert len(mailchimp.campaigns) == 1 and len(schedules(mailchimp)) == 1


def test_a_restart_mid_way_resumes_without_sending_twice(services, mailchimp, clock) -> None:
    workflow = workflow_for(services)
    workflow.run_weekly(WEEK)
    workflow.approve(WEEK, STAFF)
    campaign_id = workflow.get(WEEK).campaign_id
    # The process died after Mailchimp scheduled the campaign but before the state was saved.
    with services.db.session() as session:
        issue = session.get(DigestIssue, WEEK)
        issue.state, issue.publishing_since = "approved", clock()
    assert workflow.retry_due() == []  # a fresh claim belongs to a live publisher
    clock.advance(seconds=STALE_CLAIM.total_seconds() + 60)
    (resumed,) = workflow.retry_due()
    assert resumed.state == "scheduled"
    assert len(schedules(mailchimp)) == 1 and list(mailchimp.campaigns) == [campaign_id]


def test_send_now_setting_sends_instead_of_scheduling(slack, database_url, db, clock, tmp_path, mailchimp) -> None:
    services = make_services(slack, database_url, db, clock, tmp_path, mailchimp, digest_send_mode="now")
    workflow = workflow_for(services)
    workflow.run_weekly(WEEK)
    assert workflow.approve(WEEK, STAFF).state == "sent"
    assert mailchimp.sent_campaign_ids() == list(mailchimp.campaigns) and schedules(mailchimp) == []
    services.executor.shutdown()


def test_without_mailchimp_the_digest_goes_to_the_outbox(slack, database_url, db, clock, tmp_path) -> None:
    services = make_services(slack, database_url, db, clock, tmp_path)
    workflow = workflow_for(services)
    workflow.run_weekly(WEEK)
    preview = slack.bot_messages(STAFF_CHANNEL)[0]
    assert "Mailchimp n'est pas configuré" in json.dumps(preview["blocks"], ensure_ascii=False)
    assert workflow.approve(WEEK, STAFF).state == "sent"
    folder = tmp_path / "outbox" / WEEK
    assert sorted(p.name for p in folder.iterdir()) == ["digest.html", "digest.json", "digest.txt"]
    assert json.loads((folder / "digest.json").read_text())["blocks"][0]["type"] == "header"
    updated = next(m for m in slack.bot_messages(STAFF_CHANNEL) if m["ts"] == preview["ts"])
    assert str(folder) in json.dumps(updated["blocks"], ensure_ascii=False)
    services.executor.shutdown()


def test_skip_and_intro_edit(services, mailchimp) -> None:
    workflow = workflow_for(services)
    workflow.run_weekly(WEEK)
    assert workflow.edit_intro(WEEK, STAFF, "Une intro écrite par l'équipe.").changed
    assert json.loads(workflow.get(WEEK).content_json)["intro"] == "Une intro écrite par l'équipe."
    assert workflow.skip(WEEK, STAFF).state == "skipped"
    assert not workflow.approve(WEEK, STAFF).changed
    assert not workflow.edit_intro(WEEK, STAFF, "trop tard").changed
    assert mailchimp.calls == []


def test_report_sync_stores_figures_and_compares_with_2024(services, mailchimp, clock) -> None:
    from bot.digest.service import newsletter_provider, sync_newsletter_reports

    mailchimp.add_report("c1", 1000, 0.45, 0.05, 0.30, send_time=clock() - timedelta(days=40), subject_line="Octobre")
    mailchimp.add_report("c2", 1000, 0.39, 0.03, None, send_time=clock() - timedelta(days=10), subject_line="Novembre")
    assert sync_newsletter_reports(services) == 2
    figures = newsletter_provider(services)()
    assert figures["last"] == {"campaign_id": "c2", "title": "Novembre", "send_time": figures["last"]["send_time"],
                               "emails_sent": 1000, "open_rate": 0.39, "proxy_excluded_open_rate": None, "click_rate": 0.03}
    assert figures["year"]["campaigns"] == 2 and figures["year"]["open_rate"] == pytest.approx(0.42)
    assert figures["year"]["open_rate_vs_baseline"] == pytest.approx(0.002)
    assert figures["baseline"] == {"year": 2024, "open_rate": 0.418, "click_rate": 0.041}
    (call,) = mailchimp.calls_to("/3.0/reports")
    assert call.query["since_send_time"][0].startswith("2026-07")
