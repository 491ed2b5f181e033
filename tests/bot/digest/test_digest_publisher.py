"""The digest workflow posts only through its publishing interface (bot.digest.workflow
DigestPublisher): with a recording publisher, nothing reaches Slack, and each step says what
it publishes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.digest.content import DigestContent
from bot.digest.service import build_for
from bot.digest.workflow import DigestWorkflow
from tests.bot.digest.helpers import WEEK
from tests.bot.digest.test_digest_workflow import make_services
from tests.support import DIGEST_CHANNEL, STAFF, STAFF_CHANNEL


class RecordingPublisher:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def post_preview(self, channel: str, content: DigestContent, view: dict[str, Any]) -> str | None:
        self.calls.append(("post_preview", (channel, content.iso_week, view["state"])))
        return "1700000000.000100"

    def update_preview(self, channel: str, ts: str, content: DigestContent, view: dict[str, Any]) -> None:
        self.calls.append(("update_preview", (channel, ts, view["state"])))

    def post_digest(self, channel: str, content: DigestContent) -> str | None:
        self.calls.append(("post_digest", (channel, content.iso_week)))
        return "1700000000.000200"

    def tell_staff(self, channel: str, thread_ts: str | None, week: str, text: str) -> None:
        self.calls.append(("tell_staff", (channel, thread_ts, week)))

    def rendered(self, content: DigestContent) -> list[dict[str, Any]]:
        return [{"type": "section", "text": {"type": "mrkdwn", "text": content.subject}}]


def test_a_week_from_draft_to_sent_goes_through_the_publisher(slack, database_url, db, clock, tmp_path) -> None:
    services = make_services(slack, database_url, db, clock, tmp_path)
    publisher = RecordingPublisher()
    workflow = DigestWorkflow(db, services.settings, clock, publisher, None, lambda week: build_for(services, week))
    try:
        workflow.run_weekly(WEEK)
        outcome = workflow.approve(WEEK, STAFF)
    finally:
        services.executor.shutdown()
    assert outcome.changed and outcome.state == "sent"
    names = [name for name, _ in publisher.calls]
    assert names[0] == "post_preview" and publisher.calls[0][1] == (STAFF_CHANNEL, WEEK, "draft")
    assert ("post_digest", (DIGEST_CHANNEL, WEEK)) in publisher.calls
    assert publisher.calls[-1] == ("update_preview", (STAFF_CHANNEL, "1700000000.000100", "sent"))
    issue = workflow.get(WEEK)
    assert issue.preview_ts == "1700000000.000100" and issue.slack_ts == "1700000000.000200"
    outbox = json.loads((Path(issue.outbox_path) / "digest.json").read_text(encoding="utf-8"))
    assert outbox["blocks"] == publisher.rendered(DigestContent.from_json(issue.content_json))
    assert not slack.calls_to("chat.postMessage") and not slack.calls_to("chat.update")
