"""A backlog longer than the lease: N questions at once, each answer waiting S seconds for the
LLM (#14, 2). Before the lease was renewed, an event still waiting for a thread after 120 s
counted as abandoned and was answered twice (160 of 320).

    PYTHONPATH=$PWD python -m bench.backlog [--questions 320] [--llm-seconds 12]
                                            [--background-work auto|worker|inline] [--database-url URL]

The bot runs as deployed (`python -m bot run`, HTTP mode: by default with the worker child it
starts; `worker`: with a separate `sogabot jobs`; `inline`: one process), against the Slack stand-in and the OpenAI-compatible stand-in (slowed), in
this process. Reports answers, members answered twice, LLM calls, and how long it took.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
import time
from collections import Counter
from pathlib import Path

from bench.harness import ROOT, free_port
from bot.console.signed_client import SignedSlackClient
from bot.console.slack_standin import SlackStandin
from tests.fakes.openai_standin import OpenAIStandin, default_responder

SECRET = "backlog-secret"


def run(questions: int, llm_seconds: float, background_work: str, database_url: str | None) -> dict:
    worker = background_work == "worker"
    slack = SlackStandin().start()
    model = OpenAIStandin(api_key="bench").start()

    def slow(messages):
        time.sleep(llm_seconds)
        return default_responder(messages)

    model.responder = slow
    users = [f"U0Q{n:04d}" for n in range(questions)]
    for user in users:
        slack.add_user(user, user.lower())
    workdir = Path(tempfile.mkdtemp(prefix="sogabot-backlog-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "MAILCHIMP_"))}
    env.update(PYTHONPATH=str(ROOT), SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET,
               SLACK_API_URL=slack.url + "/api/", PORT=str(port), RUN_SCHEDULER="false",
               DATABASE_URL=database_url or f"sqlite:///{workdir / 'bot.db'}", OUTBOX_DIR=str(workdir / "outbox"),
               OPENAI_API_KEY="bench", OPENAI_BASE_URL=model.url + "/v1", OPENAI_TIMEOUT_SECONDS=str(llm_seconds + 30),
               BACKGROUND_WORK=background_work, LOG_LEVEL="WARNING")
    log = open(workdir / "bot.log", "w")  # noqa: SIM115
    processes = [subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=workdir, env=env, stdout=log, stderr=log)]
    if worker:
        processes.append(subprocess.Popen([sys.executable, "-m", "bot", "jobs"], cwd=workdir, env=env, stdout=log, stderr=log))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or processes[0].poll() is not None:
                    raise RuntimeError(f"the bot did not start; see {workdir / 'bot.log'}") from None
                time.sleep(0.3)
        client = SignedSlackClient(f"http://127.0.0.1:{port}", SECRET)
        statuses: list[int] = []
        redeliveries = 0

        def ask(n: int, user: str) -> None:
            nonlocal redeliveries
            channel = slack.dm_channel(user)
            message = slack.add_message(channel, user, "Qui finance DIGISET ?")
            event = dict(message, channel=channel, channel_type="im", event_ts=message["ts"])
            for retry in range(4):  # as Slack does: the delivery, then up to three redeliveries
                try:
                    status = client.send_event(event, event_id=f"EvBACKLOG{n:04d}", retry_num=retry or None).status
                except OSError:
                    status = 0  # no answer within 10 s: Slack redelivers
                if status == 200:
                    break
                redeliveries += 1
            statuses.append(status)

        started = time.monotonic()
        # Slack's deliveries arrive from many connections at once; 32 at a time here.
        with ThreadPoolExecutor(max_workers=32) as senders:
            for n, user in enumerate(users):
                senders.submit(ask, n, user)
        acked = time.monotonic() - started
        # Done when every member has an answer and nothing more comes for a lease's worth of
        # recovery (a double would come after the 120 s lease plus the 60 s recovery round).
        expected_end = started + (questions / 16 + 1) * llm_seconds + 240
        last_count, quiet_since, all_answered = -1, time.monotonic(), None
        while time.monotonic() < expected_end:
            count = sum(1 for item in slack.feed if item.kind == "message")
            if count >= questions and all_answered is None:
                all_answered = time.monotonic() - started
            if count != last_count:
                last_count, quiet_since = count, time.monotonic()
            elif count >= questions and time.monotonic() - quiet_since > 130:
                break
            time.sleep(1)
        per_member = Counter({user: len(slack.bot_messages(slack.dm_channel(user))) for user in users})
        return {
            "questions": questions, "llm_seconds": llm_seconds, "background_work": background_work,
            "acked_200": statuses.count(200), "redeliveries": redeliveries, "ack_seconds": round(acked, 1),
            "answered": sum(1 for n in per_member.values() if n >= 1),
            "answered_twice_or_more": sum(1 for n in per_member.values() if n >= 2),
            "unanswered": sum(1 for n in per_member.values() if n == 0),
            "llm_calls": len(model.calls_to("/v1/chat/completions")),
            "all_answered_after_seconds": round(all_answered, 1) if all_answered is not None else None,
        }
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        log.close()
        slack.stop()
        model.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=320)
    parser.add_argument("--llm-seconds", type=float, default=12.0)
    parser.add_argument("--background-work", choices=["auto", "worker", "inline"], default="auto",
                        help="auto: `sogabot run` and its worker child (the default); worker: a separate `sogabot jobs`; inline: one process")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    print(json.dumps(run(args.questions, args.llm_seconds, args.background_work, args.database_url), indent=2))


if __name__ == "__main__":
    main()
