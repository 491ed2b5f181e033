"""Sustained load: 1,000 mixed events arriving at 100 per second (10 s), open loop.

An error is any answer but 200, a refused or dropped connection, an event the ledger did not
finish, or an ERROR line in the bot's log. The first-sign delay of the DMs in the load is
reported too: what a member feels on a busy day.
`python -m bench.sustained`
"""

from __future__ import annotations

import json

from bench.first_sign import first_signs
from bench.harness import run_alone, Environment, open_loop, percentile
from bench.payloads import dm_channel, mixed

EVENTS = 1000
SECONDS = 10.0


def run(env: Environment, events: int = EVENTS, seconds: float = SECONDS) -> dict:
    ledger_before = env.ledger_counts()
    errors_before = len(env.error_lines())
    _, since = env.calls(10**12)
    load = [mixed(n, "S") for n in range(events)]
    results = open_loop(env.ports["bot"], load, events / seconds)
    env.quiet()
    elapsed = max(r.sent_at for r in results) - min(r.sent_at for r in results)
    ledger_after = env.ledger_counts()
    # Events of earlier benchmarks may finish during this one: never count below zero.
    unfinished = max(0, sum(v for k, v in ledger_after.items() if k != "done") - sum(v for k, v in ledger_before.items() if k != "done"))
    # DMs of this run: one per user of the mix; time to the first sign in each.
    sent = {}
    for result, (kind, body) in zip(results, load):
        if kind == "message.im":
            channel = dm_channel(json.loads(body[0])["event"]["user"])
            sent.setdefault(channel, result.sent_at)
    delays, _ = first_signs(env, since, sent)
    latencies = [r.latency for r in results]
    http_errors = [r for r in results if r.status != 200]
    log_errors = len(env.error_lines()) - errors_before
    return {
        "events": events, "send_seconds": round(elapsed, 2), "http_errors": len(http_errors),
        "unfinished_events": unfinished, "log_errors": log_errors,
        "errors": len(http_errors) + unfinished + log_errors,
        "ack_p50_ms": percentile(latencies, 50) * 1000, "ack_p99_ms": percentile(latencies, 99) * 1000,
        "first_sign_p50_ms": percentile(delays, 50) * 1000, "first_sign_p99_ms": percentile(delays, 99) * 1000,
    }


if __name__ == "__main__":
    run_alone(run)
