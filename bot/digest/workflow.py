"""The life of a week's digest: draft → approved → scheduled | sent, or skipped; failed when
automatic retries give up. One row per ISO week, and every transition is a conditional UPDATE,
so a double click, a job that runs again or a restart mid-way never sends twice.

Publishing resumes where it stopped: the campaign id is stored as soon as Mailchimp creates it,
a stored campaign is asked for its status before anything is sent, and the Slack post is claimed
before it is made.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.digest.content import DigestContent
from bot.digest.models import APPROVED, DRAFT, FAILED, SCHEDULED, SENT, SKIPPED, DigestIssue
from bot.digest.observe import purge_week_text
from bot.digest.render import render_html, render_text
from bot.digest.texts import DIGEST
from bot.core.settings import Settings
from bot.store.db import Database
from integrations.mailchimp import Mailchimp, MailchimpFailure

log = logging.getLogger(__name__)

# A publication claimed longer ago than this died with its process; another run may resume it.
STALE_CLAIM = timedelta(minutes=15)
FIRST_RETRY = timedelta(minutes=5)
MAX_RETRY_DELAY = timedelta(hours=6)
# Mailchimp refuses a schedule time in the past; keep a margin for the calls in between.
SCHEDULE_MARGIN = timedelta(minutes=2)
PENDING = "pending"


def next_quarter_hour(now: datetime) -> datetime:
    """The first :00, :15, :30 or :45 (UTC) at least SCHEDULE_MARGIN from now."""
    target = (now + SCHEDULE_MARGIN).astimezone(timezone.utc)
    earliest = target.replace(second=0, microsecond=0)
    if earliest < target:
        earliest += timedelta(minutes=1)
    minutes = math.ceil(earliest.minute / 15) * 15
    return earliest.replace(minute=0) + timedelta(minutes=minutes)


def retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def write_files(content: DigestContent, folder: Path, blocks: list[dict[str, Any]]) -> Path:
    """The outbox: the email as HTML and text, and `blocks` (the digest as Slack shows it)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "digest.html").write_text(render_html(content), encoding="utf-8")
    (folder / "digest.txt").write_text(render_text(content), encoding="utf-8")
    (folder / "digest.json").write_text(
        json.dumps({"blocks": blocks}, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return folder


class DigestPublisher(Protocol):
    """What the workflow posts, given by the composition root (the Slack side renders:
    bot.slack.publishing). Each call raises when Slack refuses."""

    def post_preview(self, channel: str, content: DigestContent, view: dict[str, Any]) -> str | None:
        """The staff preview, with the buttons `view` (DigestWorkflow.view) allows; its ts."""

    def update_preview(self, channel: str, ts: str, content: DigestContent, view: dict[str, Any]) -> None:
        """Redraw the preview after a change of state or of intro."""

    def post_digest(self, channel: str, content: DigestContent) -> str | None:
        """The digest itself, in DIGEST_CHANNEL; its ts."""

    def tell_staff(self, channel: str, thread_ts: str | None, week: str, text: str) -> None:
        """A failure note for staff, with a retry button."""

    def rendered(self, content: DigestContent) -> list[dict[str, Any]]:
        """The digest as post_digest shows it (for the outbox)."""


@dataclass
class Outcome:
    week: str
    state: str
    changed: bool  # False: nothing happened (already approved, already sent, …)
    message: str = ""


class DigestWorkflow:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Callable[[], datetime],
        publisher: DigestPublisher,
        mailchimp: Mailchimp | None,
        build: Callable[[str], DigestContent],
    ) -> None:
        self.db, self.settings, self.clock, self.publisher, self.mailchimp, self.build = db, settings, clock, publisher, mailchimp, build

    # -- reading ---------------------------------------------------------------------------
    def get(self, week: str) -> DigestIssue | None:
        with self.db.session() as session:
            return session.get(DigestIssue, week)

    def recent(self, limit: int = 6) -> list[DigestIssue]:
        with self.db.session() as session:
            return list(session.execute(select(DigestIssue).order_by(DigestIssue.iso_week.desc()).limit(limit)).scalars())

    def view(self, issue: DigestIssue) -> dict[str, Any]:
        return {
            "state": issue.state, "approved_by_user_id": issue.approved_by_user_id, "attempts": issue.attempts,
            "scheduled_for": issue.scheduled_for.strftime("%Y-%m-%d %H:%M") if issue.scheduled_for else None,
            "outbox_path": issue.outbox_path, "campaign_url": issue.campaign_url, "last_error": issue.last_error,
            "slack_channel": issue.slack_channel, "slack_ts": issue.slack_ts if issue.slack_ts != PENDING else None,
            "intro_edited_by_user_id": issue.intro_edited_by_user_id, "mailchimp_enabled": self.mailchimp is not None,
        }

    def _transition(self, week: str, allowed: tuple[str, ...], **values: Any) -> bool:
        """Move the row only if it is in one of the `allowed` states; True if it moved."""
        with self.db.session() as session:
            result = session.execute(
                update(DigestIssue)
                .where(DigestIssue.iso_week == week, DigestIssue.state.in_(allowed))
                .values(updated_at=self.clock(), **values)
            )
            return result.rowcount == 1

    def _set(self, week: str, **values: Any) -> None:
        with self.db.session() as session:
            session.execute(update(DigestIssue).where(DigestIssue.iso_week == week).values(updated_at=self.clock(), **values))

    # -- draft and preview -----------------------------------------------------------------
    def prepare(self, week: str) -> DigestIssue:
        """The week's row, created as a draft (with its content frozen) the first time."""
        existing = self.get(week)
        if existing is not None:
            return existing
        content = self.build(week)
        now = self.clock()
        try:
            with self.db.session() as session:
                session.add(DigestIssue(iso_week=week, state=DRAFT, content_json=content.to_json(), attempts=0,
                                        created_at=now, updated_at=now))
        except IntegrityError:
            log.info("digest %s was drafted by another run", week)
        issue = self.get(week)
        assert issue is not None
        return issue

    def post_preview(self, week: str) -> bool:
        """Post the staff preview once; True when this call posted it."""
        channel = self.settings.staff_channel
        if not channel:
            log.warning("STAFF_CHANNEL is not set: the digest %s waits for /digest preview", week)
            return False
        with self.db.session() as session:
            claimed = session.execute(
                update(DigestIssue).where(DigestIssue.iso_week == week, DigestIssue.preview_ts.is_(None))
                .values(preview_ts=PENDING, preview_channel=channel)
            ).rowcount == 1
        if not claimed:
            return False
        issue = self.get(week)
        assert issue is not None
        content = DigestContent.from_json(issue.content_json)
        try:
            ts = self.publisher.post_preview(channel, content, self.view(issue))
        except Exception:
            self._set(week, preview_ts=None)
            raise
        self._set(week, preview_ts=ts)
        return True

    def refresh_preview(self, week: str) -> None:
        issue = self.get(week)
        if issue is None or not issue.preview_ts or issue.preview_ts == PENDING or not issue.preview_channel:
            return
        content = DigestContent.from_json(issue.content_json)
        try:
            self.publisher.update_preview(issue.preview_channel, issue.preview_ts, content, self.view(issue))
        except Exception:
            log.warning("could not update the preview of digest %s", week, exc_info=True)

    def _tell_staff(self, week: str, text: str) -> None:
        issue = self.get(week)
        channel = (issue.preview_channel if issue else None) or self.settings.staff_channel
        if not channel:
            return
        thread = issue.preview_ts if issue and issue.preview_ts not in (None, PENDING) else None
        try:
            self.publisher.tell_staff(channel, thread, week, text)
        except Exception:
            log.warning("could not tell staff about digest %s", week, exc_info=True)

    def run_weekly(self, week: str) -> DigestIssue:
        """The scheduled run: draft the week's digest and post the preview, both at most once."""
        self.prepare(week)
        self.post_preview(week)
        issue = self.get(week)
        assert issue is not None
        return issue

    # -- staff decisions -------------------------------------------------------------------
    def approve(self, week: str, user_id: str) -> Outcome:
        moved = self._transition(week, (DRAFT,), state=APPROVED, approved_by_user_id=user_id, attempts=0,
                                 next_attempt_at=self.clock(), last_error=None)
        if not moved:
            issue = self.get(week)
            return Outcome(week, issue.state if issue else "missing", False)
        self.refresh_preview(week)
        return self.publish(week)

    def retry(self, week: str, user_id: str) -> Outcome:
        moved = self._transition(week, (APPROVED, FAILED), state=APPROVED, next_attempt_at=self.clock())
        if not moved:
            issue = self.get(week)
            return Outcome(week, issue.state if issue else "missing", False)
        return self.publish(week)

    def skip(self, week: str, user_id: str) -> Outcome:
        with self.db.session() as session:
            moved = session.execute(
                update(DigestIssue)
                .where(DigestIssue.iso_week == week, DigestIssue.state.in_((DRAFT, APPROVED, FAILED)),
                       DigestIssue.publishing_since.is_(None), DigestIssue.campaign_id.is_(None))
                .values(state=SKIPPED, approved_by_user_id=user_id, updated_at=self.clock())
            ).rowcount == 1
        issue = self.get(week)
        if moved:
            purge_week_text(self.db, week)
            self.refresh_preview(week)
        return Outcome(week, issue.state if issue else "missing", moved)

    def edit_intro(self, week: str, user_id: str, intro: str) -> Outcome:
        issue = self.get(week)
        if issue is None or issue.state != DRAFT:
            return Outcome(week, issue.state if issue else "missing", False)
        content = DigestContent.from_json(issue.content_json)
        content.intro, content.intro_source = intro.strip(), "staff"
        moved = self._transition(week, (DRAFT,), content_json=content.to_json(), intro_edited_by_user_id=user_id)
        if moved:
            self.refresh_preview(week)
        return Outcome(week, DRAFT if moved else (self.get(week) or issue).state, moved)

    # -- publishing ------------------------------------------------------------------------
    def _claim_publication(self, week: str) -> bool:
        now = self.clock()
        with self.db.session() as session:
            return session.execute(
                update(DigestIssue)
                .where(DigestIssue.iso_week == week, DigestIssue.state == APPROVED,
                       or_(DigestIssue.publishing_since.is_(None), DigestIssue.publishing_since < now - STALE_CLAIM))
                .values(publishing_since=now, updated_at=now)
            ).rowcount == 1

    def publish(self, week: str, *, send_now: bool | None = None) -> Outcome:
        if not self._claim_publication(week):
            issue = self.get(week)
            return Outcome(week, issue.state if issue else "missing", False)
        issue = self.get(week)
        assert issue is not None
        content = DigestContent.from_json(issue.content_json)
        try:
            if self.mailchimp is not None:
                self._publish_mailchimp(issue, content, send_now if send_now is not None else self.settings.digest_send_mode == "now")
            else:
                folder = write_files(content, Path(self.settings.outbox_dir) / week, self.publisher.rendered(content))
                self._transition(week, (APPROVED,), state=SENT, outbox_path=str(folder), sent_at=self.clock())
        except MailchimpFailure as failure:
            return self._failed(week, issue.attempts + 1, str(failure), failure.retryable)
        except Exception as exc:
            self._failed(week, issue.attempts + 1, f"{type(exc).__name__}: {exc}", True)
            raise
        self._post_to_digest_channel(week, content)
        self._set(week, publishing_since=None, last_error=None, next_attempt_at=None)
        purge_week_text(self.db, week)
        self.refresh_preview(week)
        done = self.get(week)
        assert done is not None
        return Outcome(week, done.state, True)

    def _publish_mailchimp(self, issue: DigestIssue, content: DigestContent, send_now: bool) -> None:
        assert self.mailchimp is not None
        week, mc = issue.iso_week, self.mailchimp
        campaign_id = issue.campaign_id
        if campaign_id:
            # A previous attempt created it: maybe it even went out before we could record it.
            status = mc.get_campaign(campaign_id).get("status")
            if status in ("schedule", "sending", "sent"):
                self._transition(week, (APPROVED,), state=SENT if status == "sent" else SCHEDULED,
                                 sent_at=self.clock() if status == "sent" else None)
                return
        else:
            campaign = mc.create_campaign(
                self.settings.mailchimp_list_id or "", subject=content.subject, title=f"Digest {week}",
                preview_text=content.intro[:140], from_name=self.settings.digest_from_name,
                reply_to=self.settings.digest_reply_to,
            )
            campaign_id = campaign["id"]
            self._set(week, campaign_id=campaign_id, campaign_url=campaign.get("long_archive_url") or campaign.get("archive_url"))
            mc.set_content(campaign_id, render_html(content), render_text(content))
            mc.check_ready(campaign_id)
            emails = [e.strip() for e in self.settings.digest_test_emails.split(",") if e.strip()]
            if emails:
                mc.send_test(campaign_id, emails)
        if issue.campaign_id:
            mc.set_content(campaign_id, render_html(content), render_text(content))
            mc.check_ready(campaign_id)
        if send_now:
            mc.send(campaign_id)
            self._transition(week, (APPROVED,), state=SENT, sent_at=self.clock())
        else:
            when = next_quarter_hour(self.clock())
            mc.schedule(campaign_id, when)
            self._transition(week, (APPROVED,), state=SCHEDULED, scheduled_for=when)

    def _post_to_digest_channel(self, week: str, content: DigestContent) -> None:
        channel = self.settings.digest_channel
        if not channel:
            return
        with self.db.session() as session:
            claimed = session.execute(
                update(DigestIssue).where(DigestIssue.iso_week == week, DigestIssue.slack_ts.is_(None))
                .values(slack_ts=PENDING, slack_channel=channel)
            ).rowcount == 1
        if not claimed:
            return
        try:
            ts = self.publisher.post_digest(channel, content)
        except Exception:
            log.exception("could not post digest %s to %s", week, channel)
            self._set(week, slack_ts=None, slack_channel=None)
            return
        self._set(week, slack_ts=ts)

    def _failed(self, week: str, attempts: int, error: str, retryable: bool) -> Outcome:
        now = self.clock()
        give_up = not retryable or attempts >= self.settings.digest_max_attempts
        next_at = now + retry_delay(attempts)
        self._set(week, attempts=attempts, last_error=error[:1000], publishing_since=None,
                  next_attempt_at=None if give_up else next_at, state=FAILED if give_up else APPROVED)
        log.warning("digest %s not sent (attempt %s): %s", week, attempts, error)
        if give_up:
            text = DIGEST("error_gave_up", "fr", week=week, error=error)
        else:
            text = DIGEST("error_in_thread", "fr", week=week, error=error, next=next_at.strftime("%H:%M"))
        self._tell_staff(week, text)
        self.refresh_preview(week)
        return Outcome(week, FAILED if give_up else APPROVED, False, error)

    def retry_due(self) -> list[Outcome]:
        """Approved digests whose retry time has come, or whose publication died mid-way."""
        now = self.clock()
        with self.db.session() as session:
            weeks = list(session.execute(
                select(DigestIssue.iso_week).where(
                    DigestIssue.state == APPROVED,
                    or_(DigestIssue.next_attempt_at.is_(None), DigestIssue.next_attempt_at <= now),
                    or_(DigestIssue.publishing_since.is_(None), DigestIssue.publishing_since < now - STALE_CLAIM),
                )
            ).scalars())
        return [self.publish(week) for week in weeks]

    def settle_scheduled(self) -> int:
        """Scheduled campaigns that Mailchimp has sent since become `sent`."""
        if self.mailchimp is None:
            return 0
        now = self.clock()
        with self.db.session() as session:
            rows = session.execute(
                select(DigestIssue.iso_week, DigestIssue.campaign_id)
                .where(DigestIssue.state == SCHEDULED, DigestIssue.scheduled_for <= now)
            ).all()
        settled = 0
        for week, campaign_id in rows:
            try:
                status = self.mailchimp.get_campaign(campaign_id).get("status")
            except MailchimpFailure:
                continue
            if status == "sent" and self._transition(week, (SCHEDULED,), state=SENT, sent_at=now):
                settled += 1
                self.refresh_preview(week)
        return settled
