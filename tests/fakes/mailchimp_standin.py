"""A loopback stand-in for the parts of the Mailchimp Marketing API 3.0 the bot uses.

Shapes follow the Marketing API spec (v3.0.55, see tests/fixtures/vendor/README.md for where it
lives) and the newer 3.0.80 fields the bot reads (`proxy_excluded_*` in reports). The shapes are
written by hand and cover only the fields the bot is likely to read. The problem document shape,
its content type and the 401/404/405 wording follow Mailchimp's error docs; the other `detail`
strings are close to Mailchimp's, not verbatim captures.

Errors are sent as `application/problem+json`, as Mailchimp does. mailchimp-marketing 3.0.80 only
decodes bodies whose content type contains "application/json", so `ApiClientError.text` is
the raw JSON *string*, not a dict, just as in production.

Point the real client at it without touching its internals:

    client = mailchimp_marketing.Client({"api_key": "test-us1"})
    client.api_client.host = server.url + "/3.0"

(`set_config` accepts no host. `Configuration.host` exists but `ApiClient` never reads it.)
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from bot.console.loopback import Fault, LoopbackServer, RecordedCall, Response

PROBLEM_TYPE = "https://mailchimp.com/developer/marketing/docs/errors/"
_PROBLEM_TITLES = {
    400: "Invalid Resource",
    401: "API Key Missing",
    403: "Forbidden",
    404: "Resource Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_CAMPAIGN_TYPES = {"regular", "plaintext", "absplit", "rss", "variate"}
_HTML_TAG = re.compile(r"<[^>]+>")


class MailchimpError(Exception):
    """Raised inside a handler to answer with a problem document."""

    def __init__(self, status: int, detail: str, title: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _PROBLEM_TITLES.get(status, "Error")
        self.extra = extra


def problem(status: int, detail: str, title: str | None = None, **extra: Any) -> Response:
    body = {
        "type": PROBLEM_TYPE,
        "title": title or _PROBLEM_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": str(uuid.uuid4()),
        **extra,
    }
    return Response(status, body, {"Content-Type": "application/problem+json; charset=utf-8"})


def mailchimp_time(moment: datetime) -> str:
    """Mailchimp writes times as ISO 8601 with an explicit +00:00 offset and no fraction."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def parse_time(value: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise MailchimpError(400, f"{field} must be an ISO 8601 date-time, got {value!r}.") from None
    # A naive time is read as UTC, which is what Mailchimp documents its times to be.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


class MailchimpStandin(LoopbackServer):
    def __init__(
        self,
        *,
        list_ids: Iterable[str] = ("list123",),
        member_count: int = 250,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host, port)
        # When set, only this key is accepted; otherwise any non-empty key is.
        self.api_key = api_key
        # Tests replace this to control create/send times and the "schedule in the past" check.
        self.clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
        # False makes the send checklist fail, and with it schedule and send, like an
        # unverified sender domain would.
        self.checklist_ready = True
        self.lists: dict[str, dict[str, Any]] = {
            list_id: self._new_list(list_id, index, member_count) for index, list_id in enumerate(list_ids)
        }
        self.growth_history: dict[str, list[dict[str, Any]]] = {list_id: [] for list_id in self.lists}
        self.campaigns: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, dict[str, Any]] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        self._web_ids = itertools.count(100001)
        self._serials = itertools.count(1)
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Response]]] = [
            ("GET", re.compile(r"/3\.0/ping"), self._ping),
            ("GET", re.compile(r"/3\.0/campaigns"), self._list_campaigns),
            ("POST", re.compile(r"/3\.0/campaigns"), self._create_campaign),
            ("GET", re.compile(r"/3\.0/campaigns/(?P<cid>[^/]+)"), self._get_campaign),
            ("GET", re.compile(r"/3\.0/campaigns/(?P<cid>[^/]+)/content"), self._get_content),
            ("PUT", re.compile(r"/3\.0/campaigns/(?P<cid>[^/]+)/content"), self._set_content),
            ("GET", re.compile(r"/3\.0/campaigns/(?P<cid>[^/]+)/send-checklist"), self._checklist),
            ("POST", re.compile(r"/3\.0/campaigns/(?P<cid>[^/]+)/actions/test"), self._send_test),
            ("POST", re.compile(r"/3\.0/campaigns/(?P<cid>[^/]+)/actions/schedule"), self._schedule),
            ("POST", re.compile(r"/3\.0/campaigns/(?P<cid>[^/]+)/actions/send"), self._send),
            ("GET", re.compile(r"/3\.0/reports"), self._list_reports),
            ("GET", re.compile(r"/3\.0/reports/(?P<cid>[^/]+)"), self._get_report),
            ("GET", re.compile(r"/3\.0/lists/(?P<lid>[^/]+)"), self._get_list),
            ("GET", re.compile(r"/3\.0/lists/(?P<lid>[^/]+)/growth-history"), self._growth_history),
        ]

    # -- helpers for tests -----------------------------------------------------------------
    def sent_campaign_ids(self) -> list[str]:
        with self._lock:
            return [cid for cid, campaign in self.campaigns.items() if campaign["status"] == "sent"]

    def add_report(
        self,
        campaign_id: str,
        emails_sent: int,
        open_rate: float,
        click_rate: float,
        proxy_excluded_open_rate: float | None = None,
        send_time: datetime | None = None,
        *,
        subject_line: str = "",
        list_id: str | None = None,
    ) -> dict[str, Any]:
        """Seed a report; rates are fractions (0.42 means 42 %), as in the API.

        A sent campaign with the same id is created when missing, so that listing sent
        campaigns and reading their reports agree. Leaving `proxy_excluded_open_rate` None
        leaves the `proxy_excluded_*` fields out, as in reports of older campaigns.
        """
        sent_at = send_time or self.clock()
        with self._lock:
            campaign = self.campaigns.get(campaign_id)
            if campaign is None:
                settings = {"subject_line": subject_line, "title": subject_line}
                campaign = self._new_campaign(campaign_id, "regular", list_id or next(iter(self.lists)), settings)
                self.campaigns[campaign_id] = campaign
            campaign.update(status="sent", send_time=mailchimp_time(sent_at), emails_sent=emails_sent)
            report = self._new_report(campaign, emails_sent, open_rate, click_rate, proxy_excluded_open_rate)
            self.reports[campaign_id] = report
            campaign["report_summary"] = self._report_summary(report)
            return report

    def add_growth_month(
        self, list_id: str, month: str, existing: int, subscribed: int = 0, unsubscribed: int = 0
    ) -> None:
        """Add one month ("YYYY-MM") of list growth."""
        with self._lock:
            self.growth_history.setdefault(list_id, []).append(
                {
                    "list_id": list_id,
                    "month": month,
                    "existing": existing,
                    "imports": 0,
                    "optins": subscribed,
                    "subscribed": subscribed,
                    "unsubscribed": unsubscribed,
                    "reconfirm": 0,
                    "cleaned": 0,
                    "pending": 0,
                    "deleted": 0,
                    "transactional": 0,
                }
            )

    # -- serving ---------------------------------------------------------------------------
    def fault_body(self, fault: Fault) -> Response:
        return problem(fault.status, "An injected fault.")

    def route(self, call: RecordedCall) -> Response:
        auth_error = self._check_auth(call.headers.get("authorization", ""))
        if auth_error is not None:
            return auth_error
        path = call.path.rstrip("/")
        path_known = False
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            path_known = True
            if method == call.method:
                try:
                    with self._lock:
                        return handler(call, **match.groupdict())
                except MailchimpError as error:
                    return problem(error.status, error.detail, error.title, **error.extra)
        if path_known:
            return problem(
                405,
                "The requested method and resource are not compatible. See the Allow header for this "
                "resource's available methods.",
            )
        return problem(404, "The requested resource could not be found.")

    def _check_auth(self, header: str) -> Response | None:
        scheme, _, credentials = header.partition(" ")
        key = ""
        if scheme.lower() == "basic":
            try:
                key = base64.b64decode(credentials).decode().partition(":")[2]
            except ValueError:
                key = ""
        elif scheme.lower() == "bearer":  # OAuth access tokens
            key = credentials
        if not key:
            return problem(401, "Your request did not include an API key.")
        if self.api_key is not None and key != self.api_key:
            return problem(
                401,
                "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
                "API Key Invalid",
            )
        return None

    # -- handlers --------------------------------------------------------------------------
    def _ping(self, call: RecordedCall) -> Response:
        return Response(200, {"health_status": "Everything's Chimpy!"})

    def _create_campaign(self, call: RecordedCall) -> Response:
        body = call.json if isinstance(call.json, dict) else {}
        campaign_type = body.get("type")
        if campaign_type not in _CAMPAIGN_TYPES:
            raise self._invalid("type", f"Value must be one of: {', '.join(sorted(_CAMPAIGN_TYPES))}")
        list_id = (body.get("recipients") or {}).get("list_id")
        if not list_id:
            raise self._invalid("recipients.list_id", "This value should not be blank.")
        if list_id not in self.lists:
            raise self._invalid("recipients.list_id", f"The list_id '{list_id}' is invalid.")
        # Ten hex digits like Mailchimp's ids, but reproducible from run to run.
        campaign_id = hashlib.md5(f"campaign-{next(self._serials)}".encode()).hexdigest()[:10]
        campaign = self._new_campaign(campaign_id, campaign_type, list_id, body.get("settings") or {})
        self.campaigns[campaign_id] = campaign
        return Response(200, campaign)

    def _list_campaigns(self, call: RecordedCall) -> Response:
        query = {key: values[-1] for key, values in call.query.items()}
        campaigns = list(self.campaigns.values())
        if "status" in query:
            campaigns = [c for c in campaigns if c["status"] == query["status"]]
        if "type" in query:
            campaigns = [c for c in campaigns if c["type"] == query["type"]]
        if "list_id" in query:
            campaigns = [c for c in campaigns if c["recipients"]["list_id"] == query["list_id"]]
        campaigns = self._filter_send_time(campaigns, query)
        page, total = self._page(campaigns, query)
        return Response(200, {"campaigns": page, "total_items": total, "_links": []})

    def _get_campaign(self, call: RecordedCall, cid: str) -> Response:
        return Response(200, self._campaign(cid))

    def _get_content(self, call: RecordedCall, cid: str) -> Response:
        self._campaign(cid)
        empty = {"plain_text": "", "html": "", "archive_html": "", "_links": []}
        return Response(200, self.contents.get(cid) or empty)

    def _set_content(self, call: RecordedCall, cid: str) -> Response:
        campaign = self._campaign(cid)
        if campaign["status"] == "sent":
            raise MailchimpError(
                400, "Cannot update the content of a campaign that has already been sent.", "Bad Request"
            )
        body = call.json if isinstance(call.json, dict) else {}
        html = body.get("html")
        if not html and not body.get("plain_text"):
            raise self._invalid("html", "Campaign content needs html or plain_text.")
        html = html or ""
        # Mailchimp derives the plain-text version from the HTML when none is given.
        plain_text = body.get("plain_text") or _HTML_TAG.sub("", html).strip()
        content = {"plain_text": plain_text, "html": html, "archive_html": html, "_links": []}
        self.contents[cid] = content
        campaign["content_type"] = "html"
        return Response(200, content)

    def _checklist(self, call: RecordedCall, cid: str) -> Response:
        return Response(200, self._checklist_body(self._campaign(cid)))

    def _send_test(self, call: RecordedCall, cid: str) -> Response:
        self._campaign(cid)
        body = call.json if isinstance(call.json, dict) else {}
        emails = body.get("test_emails")
        if not isinstance(emails, list) or not emails:
            raise self._invalid("test_emails", "This value should not be blank.")
        if body.get("send_type") not in {"html", "plaintext"}:
            raise self._invalid("send_type", "Value must be one of: html, plaintext")
        if cid not in self.contents:
            raise MailchimpError(400, "Your Campaign is not ready to send.", "Bad Request")
        return Response(204)

    def _schedule(self, call: RecordedCall, cid: str) -> Response:
        campaign = self._campaign(cid)
        body = call.json if isinstance(call.json, dict) else {}
        if not body.get("schedule_time"):
            raise self._invalid("schedule_time", "This value should not be blank.")
        when = parse_time(body["schedule_time"], "schedule_time")
        if when.minute % 15 or when.second or when.microsecond:
            raise MailchimpError(
                400,
                "This campaign cannot be scheduled: schedule times must be on the quarter-hour "
                "(:00, :15, :30, :45).",
                "Bad Request",
            )
        if when <= self.clock():
            raise MailchimpError(400, "This campaign cannot be scheduled in the past.", "Bad Request")
        self._ensure_sendable(campaign)
        campaign.update(status="schedule", send_time=mailchimp_time(when))
        return Response(204)

    def _send(self, call: RecordedCall, cid: str) -> Response:
        campaign = self._campaign(cid)
        self._ensure_sendable(campaign)
        member_count = self.lists[campaign["recipients"]["list_id"]]["stats"]["member_count"]
        campaign.update(status="sent", send_time=mailchimp_time(self.clock()), emails_sent=member_count)
        # Mailchimp opens an (empty) report as soon as a campaign goes out.
        report = self._new_report(campaign, member_count, 0.0, 0.0, 0.0)
        self.reports[cid] = report
        campaign["report_summary"] = self._report_summary(report)
        return Response(204)

    def _list_reports(self, call: RecordedCall) -> Response:
        query = {key: values[-1] for key, values in call.query.items()}
        reports = list(self.reports.values())
        if "type" in query:
            reports = [r for r in reports if r["type"] == query["type"]]
        reports = self._filter_send_time(reports, query)
        page, total = self._page(reports, query)
        return Response(200, {"reports": page, "total_items": total, "_links": []})

    def _get_report(self, call: RecordedCall, cid: str) -> Response:
        report = self.reports.get(cid)
        if report is None:
            raise MailchimpError(404, "The requested resource could not be found.")
        return Response(200, report)

    def _get_list(self, call: RecordedCall, lid: str) -> Response:
        return Response(200, self._list(lid))

    def _growth_history(self, call: RecordedCall, lid: str) -> Response:
        self._list(lid)
        query = {key: values[-1] for key, values in call.query.items()}
        # Newest month first, Mailchimp's default order.
        history = sorted(self.growth_history.get(lid, []), key=lambda month: month["month"], reverse=True)
        page, total = self._page(history, query)
        return Response(200, {"history": page, "list_id": lid, "total_items": total, "_links": []})

    # -- state -----------------------------------------------------------------------------
    def _campaign(self, cid: str) -> dict[str, Any]:
        campaign = self.campaigns.get(cid)
        if campaign is None:
            raise MailchimpError(404, "The requested resource could not be found.")
        return campaign

    def _list(self, lid: str) -> dict[str, Any]:
        found = self.lists.get(lid)
        if found is None:
            raise MailchimpError(404, "The requested resource could not be found.")
        return found

    def _ensure_sendable(self, campaign: dict[str, Any]) -> None:
        if campaign["status"] == "sent":
            raise MailchimpError(400, "This campaign has already been sent.", "Bad Request")
        if not self._checklist_body(campaign)["is_ready"]:
            raise MailchimpError(400, "Your Campaign is not ready to send.", "Bad Request")

    def _checklist_body(self, campaign: dict[str, Any]) -> dict[str, Any]:
        member_count = self.lists[campaign["recipients"]["list_id"]]["stats"]["member_count"]
        items: list[dict[str, Any]] = [
            {
                "type": "success",
                "id": 0,
                "heading": "List",
                "details": f"Mailchimp will deliver this to {member_count} recipients.",
            }
        ]
        if campaign["id"] not in self.contents:
            items.append(
                {"type": "error", "id": 1, "heading": "Content", "details": "You haven't added any content."}
            )
        if not self.checklist_ready:
            items.append(
                {
                    "type": "error",
                    "id": 2,
                    "heading": "From email address",
                    "details": "Your sending domain is not verified.",
                }
            )
        return {"is_ready": all(item["type"] != "error" for item in items), "items": items, "_links": []}

    def _new_campaign(
        self, campaign_id: str, campaign_type: str, list_id: str, settings: dict[str, Any]
    ) -> dict[str, Any]:
        the_list = self.lists[list_id]
        return {
            "id": campaign_id,
            "web_id": next(self._web_ids),
            "type": campaign_type,
            "create_time": mailchimp_time(self.clock()),
            "archive_url": f"http://eepurl.com/{campaign_id[:6]}",
            "long_archive_url": f"https://us1.campaign-archive.com/?u=0123456789abcdef&id={campaign_id}",
            "status": "save",
            "emails_sent": 0,
            "send_time": "",
            "content_type": "template",
            "needs_block_refresh": False,
            "resendable": False,
            "recipients": {
                "list_id": list_id,
                "list_is_active": True,
                "list_name": the_list["name"],
                "segment_text": "",
                "recipient_count": the_list["stats"]["member_count"],
            },
            "settings": {
                "subject_line": settings.get("subject_line", ""),
                "preview_text": settings.get("preview_text", ""),
                "title": settings.get("title", ""),
                "from_name": settings.get("from_name", ""),
                "reply_to": settings.get("reply_to", ""),
                "use_conversation": False,
                "to_name": settings.get("to_name", ""),
                "folder_id": settings.get("folder_id", ""),
                "authenticate": True,
                "auto_footer": False,
                "inline_css": False,
                "auto_tweet": False,
                "fb_comments": True,
                "timewarp": False,
                "template_id": settings.get("template_id", 0),
                "drag_and_drop": False,
            },
            "tracking": {"opens": True, "html_clicks": True, "text_clicks": False, "goal_tracking": False},
            "delivery_status": {"enabled": False},
            "_links": [],
        }

    def _new_report(
        self,
        campaign: dict[str, Any],
        emails_sent: int,
        open_rate: float,
        click_rate: float,
        proxy_excluded_open_rate: float | None,
    ) -> dict[str, Any]:
        unique_opens = round(emails_sent * open_rate)
        unique_clicks = round(emails_sent * click_rate)
        opens: dict[str, Any] = {
            # Some readers open twice; a fixed ratio keeps totals deterministic but distinct.
            "opens_total": unique_opens + unique_opens // 2,
            "unique_opens": unique_opens,
            "open_rate": open_rate,
            "last_open": campaign["send_time"] if unique_opens else "",
        }
        if proxy_excluded_open_rate is not None:
            excluded_unique = round(emails_sent * proxy_excluded_open_rate)
            opens |= {
                "proxy_excluded_opens": excluded_unique + excluded_unique // 2,
                "proxy_excluded_unique_opens": excluded_unique,
                "proxy_excluded_open_rate": proxy_excluded_open_rate,
            }
        return {
            "id": campaign["id"],
            "campaign_title": campaign["settings"]["title"],
            "type": campaign["type"],
            "list_id": campaign["recipients"]["list_id"],
            "list_is_active": True,
            "list_name": campaign["recipients"]["list_name"],
            "subject_line": campaign["settings"]["subject_line"],
            "preview_text": campaign["settings"]["preview_text"],
            "emails_sent": emails_sent,
            "abuse_reports": 0,
            "unsubscribed": 0,
            "send_time": campaign["send_time"],
            "bounces": {"hard_bounces": 0, "soft_bounces": 0, "syntax_errors": 0},
            "forwards": {"forwards_count": 0, "forwards_opens": 0},
            "opens": opens,
            "clicks": {
                "clicks_total": unique_clicks + unique_clicks // 2,
                "unique_clicks": unique_clicks,
                "unique_subscriber_clicks": unique_clicks,
                "click_rate": click_rate,
                "last_click": campaign["send_time"] if unique_clicks else "",
            },
            "list_stats": {"sub_rate": 0.0, "unsub_rate": 0.0, "open_rate": open_rate, "click_rate": click_rate},
            "delivery_status": {"enabled": False},
            "_links": [],
        }

    @staticmethod
    def _report_summary(report: dict[str, Any]) -> dict[str, Any]:
        return {
            "opens": report["opens"]["opens_total"],
            "unique_opens": report["opens"]["unique_opens"],
            "open_rate": report["opens"]["open_rate"],
            "clicks": report["clicks"]["clicks_total"],
            "subscriber_clicks": report["clicks"]["unique_subscriber_clicks"],
            "click_rate": report["clicks"]["click_rate"],
        }

    @staticmethod
    def _new_list(list_id: str, index: int, member_count: int) -> dict[str, Any]:
        return {
            "id": list_id,
            "web_id": 200001 + index,
            "name": f"Stand-in audience {list_id}",
            "date_created": "2020-01-15T09:00:00+00:00",
            "list_rating": 3,
            "subscribe_url_short": f"http://eepurl.com/{list_id[:6]}",
            "visibility": "prv",
            "double_optin": True,
            "stats": {
                "member_count": member_count,
                "total_contacts": member_count,
                "unsubscribe_count": 0,
                "cleaned_count": 0,
                "member_count_since_send": 0,
                "unsubscribe_count_since_send": 0,
                "cleaned_count_since_send": 0,
                "campaign_count": 0,
                "campaign_last_sent": "",
                "merge_field_count": 2,
                "avg_sub_rate": 0.0,
                "avg_unsub_rate": 0.0,
                "target_sub_rate": 0.0,
                "open_rate": 0.0,
                "click_rate": 0.0,
                "last_sub_date": "",
                "last_unsub_date": "",
            },
            "_links": [],
        }

    # -- query helpers ---------------------------------------------------------------------
    @staticmethod
    def _invalid(field: str, message: str) -> MailchimpError:
        return MailchimpError(
            400,
            "The resource submitted could not be validated. For field-specific details, see the 'errors' array.",
            errors=[{"field": field, "message": message}],
        )

    @staticmethod
    def _filter_send_time(items: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
        if "since_send_time" in query:
            since = parse_time(query["since_send_time"], "since_send_time")
            items = [i for i in items if i["send_time"] and parse_time(i["send_time"], "send_time") > since]
        if "before_send_time" in query:
            before = parse_time(query["before_send_time"], "before_send_time")
            items = [i for i in items if i["send_time"] and parse_time(i["send_time"], "send_time") < before]
        return items

    @staticmethod
    def _page(items: list[dict[str, Any]], query: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
        try:
            count = int(query.get("count", 10))
            offset = int(query.get("offset", 0))
        except ValueError:
            raise MailchimpError(400, "count and offset must be integers.") from None
        if not 0 <= count <= 1000 or offset < 0:
            raise MailchimpError(400, "count must be between 0 and 1000 and offset must not be negative.")
        return items[offset : offset + count], len(items)
