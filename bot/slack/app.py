"""Builds the Bolt app from the services. No module-level state, no environment reads."""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.lazy_listener.thread_runner import ThreadLazyListenerRunner

from bot.slack.inbound import storable_strings
from bot.slack.listeners import register_all
from bot.slack.modal_lane import MODAL_THREADS, ModalLaneRunner
from bot.slack.listeners.failures import acting_user, failure_reporter
from bot.core.effects import EventEffects
from bot.core.runtime import SlackEvent, reported
from bot.core.texts import CORE
from bot.core.services import Services
from bot.core.worker import EVENT_HANDLER, QueuedLazyListenerRunner, StoredWork

log = logging.getLogger(__name__)

RECOVERY_INTERVAL_SECONDS = 60.0
ACK_THREADS = 8  # ack functions are short; the few non-lazy listeners only open a modal or post once


def _ack_event(ack) -> None:
    ack()


class DirectReply:
    """`respond` for an interaction without a response_url: a message in the person's DM."""

    def __init__(self, client: Any, user_id: str) -> None:
        self.client, self.user_id = client, user_id

    def __call__(self, text: str = "", blocks: list | None = None, *, delete_original: bool | None = None, **_: Any) -> None:
        if delete_original:
            return
        self.client.chat_postMessage(channel=self.user_id, text=text or " ", blocks=blocks)


def build_app(services: Services, *, token_verification: bool = True, queue_work: bool = False) -> App:
    """`queue_work`: store events and lazy listeners' work for a worker process (bot.core.worker)
    instead of running them here; the web process of BACKGROUND_WORK=worker."""
    settings = services.settings
    app = App(
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None,
        client=services.slack,
        process_before_response=False,
        # Ack functions (and the body of listeners that aren't lazy) run in their own lane...
        listener_executor=services.executor.lane(ACK_THREADS, "sogabot-ack"),
        token_verification_enabled=token_verification,
        raise_error_for_unhandled_request=False,
    )
    # ...and lazy listeners in the main pool, with the router's event handlers: a burst of slow
    # answers can't hold back the 3-second ack of a button or a command.
    app.listener_runner.lazy_listener_runner = ModalLaneRunner(app.logger, (
        QueuedLazyListenerRunner(app.logger, services.ledger) if queue_work
        else ThreadLazyListenerRunner(logger=app.logger, executor=services.executor)
    ), services.executor.lane(MODAL_THREADS, "sogabot-modal"))  # bot/slack/modal_lane.py
    tell_member = failure_reporter(services)
    app.middleware(storable_strings)  # first: every later step reads a body a database can store

    @app.middleware
    def claim_event_once(body, request, context, next):
        if body.get("type") != "event_callback" or request.lazy_only:
            return next()  # lazy only: a stored event, claimed when it was stored (bot.core.worker)
        event_id, event = body.get("event_id"), body.get("event")
        if not (isinstance(event_id, str) and event_id and isinstance(event, dict) and isinstance(event.get("type"), str)):
            log.info("ignored a malformed event_callback")  # Slack never sends these; nothing to handle
            return BoltResponse(status=200, body="")
        event_type = event["type"]
        if event_type not in services.router.event_types():
            return BoltResponse(status=200, body="")
        raw = request.raw_body or json.dumps(body, ensure_ascii=False)
        if queue_work:
            if not services.ledger.enqueue(event_id, event_type, raw):
                log.info("event %s (%s) already stored; redelivery dropped", event_id, event_type)
            return BoltResponse(status=200, body="")
        attempt = services.ledger.claim(event_id, event_type, payload=raw)
        if not attempt:
            retry = request.headers.get("x-slack-retry-num", ["0"])[0]
            log.info("event %s (%s) already handled; redelivery %s dropped", event_id, event_type, retry)
            return BoltResponse(status=200, body="")
        context["attempt"] = attempt  # copied to the lazy handler's request
        return next()

    @app.middleware
    def require_acting_user(body, next):
        """Commands and interactions always name who acted; every permission check and reply
        depends on it, so a request without one is refused before any listener runs."""
        if body.get("type") == "event_callback" or "challenge" in body or body.get("type") == "url_verification":
            return next()
        user = acting_user(body)
        if not (isinstance(user, str) and user.strip()):
            log.info("refused a command or interaction that names no user")
            return BoltResponse(status=400, body="")
        return next()

    @app.middleware
    def reject_malformed_requests(body, next):
        """Slack always sends these fields; a request without them is forged or broken, and the
        listeners (which answer through response_url, act for body.user.id) can't serve it."""
        if "command" in body:
            if not all(isinstance(body.get(key), str) and body.get(key) for key in ("command", "user_id", "response_url")):
                log.info("ignored a malformed slash command")
                return BoltResponse(status=400, body="")
        elif body.get("type") in ("block_actions", "view_submission", "message_action", "shortcut"):
            user, response_url = body.get("user"), body.get("response_url")
            if not (isinstance(user, dict) and isinstance(user.get("id"), str) and user.get("id")) or not (
                    response_url is None or isinstance(response_url, str)):
                log.info("ignored a malformed %s", body.get("type"))
                return BoltResponse(status=400, body="")
        return next()

    @app.middleware
    def respond_in_dm_without_response_url(body, context, next):
        """Buttons in App Home and in modals, and global shortcuts, come with no response_url:
        there `respond(...)` would raise, so it answers the person in their DM instead."""
        if body.get("type") in ("block_actions", "shortcut") and not body.get("response_url"):
            context["respond"] = DirectReply(services.slack, body["user"]["id"])
        return next()

    @app.error
    def on_error(error, body, request, response, logger):
        """Never a 200 for what wasn't stored (#14, 1). `response` is None when the ack already
        went out (a non-lazy listener failed after it): then only the member can be told."""
        logger.error("unhandled error for %s: %r", body.get("type"), error, exc_info=error)
        if body.get("type") == "event_callback":
            # The claim or the enqueue could not be written (the database is down), or a
            # middleware failed: no 200, so Slack redelivers, and the ledger drops what was
            # handled. Slack's last redelivery (the third) gets an apology as well.
            if (request.headers.get("x-slack-retry-num") or ["0"])[0] == "3":
                _tell(tell_member, error, body, services.slack, logger)
            return BoltResponse(status=503, body="") if response is not None else None
        if response is not None and "command" in body:
            # A command's reply can ride on the HTTP response: it needs neither the database
            # nor a Slack call, so the member sees it whatever failed.
            text = CORE("error", services.members.known_language(body.get("user_id")))
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
        _tell(tell_member, error, body, services.slack, logger)
        return BoltResponse(status=200, body="") if response is not None else None

    def handle(body, client, event, context):
        event_id = body.get("event_id")
        failed = True  # a handler that raised is recorded as failed (the member was told)
        try:
            # A stored event (a worker's, a recovered one) doesn't say which attempt it is.
            attempt = context.get("attempt") or (services.ledger.attempts(event_id) if event_id else 1)
            effects = EventEffects(services.ledger, event_id, retried=attempt > 1) if event_id else None
            slack_event = SlackEvent(event=event, body=body, client=effects.client(client) if effects else client, event_id=event_id)
            services.router.dispatch(slack_event, effects=effects)
            failed = False
        finally:
            if event_id:
                try:
                    services.ledger.complete(event_id, failed=failed)
                except Exception:
                    # The handler's work is done (and its posts recorded): a database gone at this
                    # moment must not turn into an apology. Recovery re-runs it later, posting nothing twice.
                    log.warning("event %s handled but could not be marked done; recovery will finish it", event_id, exc_info=True)

    handle.__name__ = EVENT_HANDLER  # stored events are run by this name (bot.core.worker)
    # One listener for every event type, the router's (claim_event_once has already acked and
    # dropped the types no capability handles), registered first: Bolt tries its listeners in
    # order, and events are most of the traffic. Lazy: the handler runs in the main pool, never
    # in the ack lane (see TrackingExecutor).
    app.event(re.compile(r"."))(ack=_ack_event, lazy=[reported(handle, tell_member)])

    register_all(app, services)

    stored_work = StoredWork(app, services.ledger, services.executor, services.clock)
    app.stored_work = stored_work  # type: ignore[attr-defined]
    app.recover_abandoned = stored_work.recover_abandoned  # type: ignore[attr-defined]
    return app


def _tell(tell_member, error, body, client, logger) -> None:
    try:
        tell_member(error, body, client)
    except Exception:
        # Telling the member can fail too (Slack down, a forged response_url): an exception
        # escaping the error handler would reach the HTTP server as a 500.
        logger.exception("could not tell the member about the failure")


def start_recovery_loop(app: App, stop: threading.Event, interval: float = RECOVERY_INTERVAL_SECONDS,
                        *, take_over_stale: bool = False) -> threading.Thread:
    """Every `interval`: recover abandoned events and, for a web process that queues its work,
    run what no worker took in time (bot.core.worker)."""
    def loop() -> None:
        while not stop.wait(interval):
            try:
                app.recover_abandoned()  # type: ignore[attr-defined]
                if take_over_stale:
                    app.stored_work.take_over_stale()  # type: ignore[attr-defined]
            except Exception:
                log.exception("event recovery failed")

    thread = threading.Thread(target=loop, name="sogabot-recovery", daemon=True)
    thread.start()
    return thread
