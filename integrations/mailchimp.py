"""Mailchimp Marketing API through mailchimp-marketing 3.0.80 (pinned: a rewritten SDK reuses the
name). Every error becomes `MailchimpFailure`, which says in plain words what went wrong and
whether trying again later may help.

The base URL: the client builds `https://<dc>.api.mailchimp.com/3.0` from the key's data
centre, and its public `ApiClient.host` attribute is the only base-URL setting it reads
(`set_config` takes none), so MAILCHIMP_API_URL is applied there.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

import mailchimp_marketing
import requests
from mailchimp_marketing.api_client import ApiClientError

log = logging.getLogger(__name__)


class MailchimpFailure(Exception):
    def __init__(self, message: str, *, status: int | None = None, retryable: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class ChecklistNotReady(MailchimpFailure):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("Mailchimp says the campaign is not ready to send: " + "; ".join(problems), retryable=True)
        self.problems = problems


def api_host(api_url: str) -> str:
    base = api_url.rstrip("/")
    return base if base.endswith("/3.0") else base + "/3.0"


def _describe(exc: ApiClientError) -> MailchimpFailure:
    status = exc.status_code
    detail = ""
    try:
        body = exc.text if isinstance(exc.text, dict) else json.loads(exc.text or "{}")
        detail = body.get("detail") or body.get("title") or ""
        errors = body.get("errors") or []
        if errors:
            detail += " " + "; ".join(f"{e.get('field')}: {e.get('message')}" for e in errors)
    except (TypeError, ValueError, AttributeError):
        detail = str(exc.text or "")[:200]
    retryable = status is None or status >= 500 or status == 429
    return MailchimpFailure(f"Mailchimp answered {status}: {detail.strip() or 'no detail'}", status=status, retryable=retryable)


class Mailchimp:
    def __init__(self, api_key: str, *, server_prefix: str | None = None, api_url: str | None = None,
                 timeout_seconds: float = 15.0) -> None:
        config: dict[str, Any] = {"api_key": api_key, "timeout": timeout_seconds}
        if server_prefix:
            config["server"] = server_prefix
        self._client = mailchimp_marketing.Client(config)
        if api_url:
            self._client.api_client.host = api_host(api_url)

    def _call(self, what: str, fn, *args: Any) -> Any:
        try:
            return fn(*args)
        except ApiClientError as exc:
            failure = _describe(exc)
            log.warning("Mailchimp %s failed: %s", what, failure)
            raise failure from None
        except requests.Timeout:
            raise MailchimpFailure(f"Mailchimp did not answer in time ({what})") from None
        except requests.RequestException as exc:
            raise MailchimpFailure(f"cannot reach Mailchimp ({what}): {type(exc).__name__}") from None

    # -- campaigns -------------------------------------------------------------------------
    def create_campaign(self, list_id: str, *, subject: str, title: str, preview_text: str,
                        from_name: str, reply_to: str) -> dict[str, Any]:
        body = {
            "type": "regular",
            "recipients": {"list_id": list_id},
            "settings": {"subject_line": subject, "title": title, "preview_text": preview_text,
                         "from_name": from_name, "reply_to": reply_to},
        }
        return self._call("campaigns.create", self._client.campaigns.create, body)

    def get_campaign(self, campaign_id: str) -> dict[str, Any]:
        return self._call("campaigns.get", self._client.campaigns.get, campaign_id)

    def set_content(self, campaign_id: str, html: str, plain_text: str) -> None:
        self._call("campaigns.set_content", self._client.campaigns.set_content, campaign_id,
                   {"html": html, "plain_text": plain_text})

    def check_ready(self, campaign_id: str) -> None:
        checklist = self._call("campaigns.get_send_checklist", self._client.campaigns.get_send_checklist, campaign_id)
        if not checklist.get("is_ready"):
            problems = [f"{item.get('heading')}: {item.get('details')}" for item in checklist.get("items", [])
                        if item.get("type") == "error"]
            raise ChecklistNotReady(problems or ["no detail"])

    def send_test(self, campaign_id: str, emails: list[str]) -> None:
        self._call("campaigns.send_test_email", self._client.campaigns.send_test_email, campaign_id,
                   {"test_emails": emails, "send_type": "html"})

    def schedule(self, campaign_id: str, when: datetime) -> None:
        stamp = when.astimezone(timezone.utc).replace(microsecond=0).isoformat()
        self._call("campaigns.schedule", self._client.campaigns.schedule, campaign_id, {"schedule_time": stamp})

    def send(self, campaign_id: str) -> None:
        self._call("campaigns.send", self._client.campaigns.send, campaign_id)

    # -- reports ---------------------------------------------------------------------------
    def reports_since(self, since: datetime, count: int = 100) -> list[dict[str, Any]]:
        stamp = since.astimezone(timezone.utc).replace(microsecond=0).isoformat()
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self._call(
                "reports.get_all_campaign_reports",
                lambda offset=offset: self._client.reports.get_all_campaign_reports(since_send_time=stamp, count=count, offset=offset),
            )
            reports = page.get("reports") or []
            found.extend(reports)
            offset += len(reports)
            if not reports or offset >= int(page.get("total_items") or 0):
                return found


def make_mailchimp(settings) -> Mailchimp | None:
    if not settings.mailchimp_enabled:
        return None
    return Mailchimp(
        settings.mailchimp_api_key.get_secret_value(),
        server_prefix=settings.mailchimp_server_prefix,
        api_url=settings.mailchimp_api_url,
        timeout_seconds=settings.mailchimp_timeout_seconds,
    )
