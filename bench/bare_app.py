"""The baseline: a bare Bolt app that only acks, behind the bot's own HTTP server.

`python -m bench.bare_app PORT SIGNING_SECRET SLACK_API_URL`. Same server class
(bot.slack.http_server.HttpServer), same signature check, same WebClient type; no ledger, no
database, no router: whatever the bot's p99 adds over this is the cost of our code.
"""

from __future__ import annotations

import logging
import re
import sys

from slack_bolt import App

from bot.slack.http_server import HttpServer
from integrations.slack_api import make_web_client


def build_bare_app(signing_secret: str, slack_api_url: str) -> App:
    app = App(
        signing_secret=signing_secret,
        client=make_web_client("xoxb-bench", slack_api_url),
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
    )

    def just_ack(ack):
        ack()

    for event_type in ("app_mention", "message", "team_join", "reaction_added"):
        app.event(event_type)(just_ack)
    app.command(re.compile(r"^/.*"))(just_ack)
    app.action(re.compile(r".*"))(just_ack)
    app.view(re.compile(r".*"))(just_ack)
    app.shortcut(re.compile(r".*"))(just_ack)
    return app


def main() -> int:
    port, secret, api_url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    logging.basicConfig(level=logging.WARNING)
    server = HttpServer(build_bare_app(secret, api_url), lambda: {"status": "ok"}, host="127.0.0.1", port=port)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
