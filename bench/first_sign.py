"""Time to the first visible sign after a question: from sending a member's DM to the first
Web API call the bot makes in that DM (a reaction, an assistant status, or the reply itself).

Measured one question at a time (what a member feels on a quiet day); `sustained` measures it
again under load. The stand-in records when each call arrives, in its own process.
`python -m bench.first_sign`
"""

from __future__ import annotations

import time
from collections import Counter

from bench.harness import run_alone, SIGN_METHODS, Environment, closed_loop, percentile
from bench.payloads import BENCH_USERS, dm_channel, message_im

QUESTIONS = 100


def first_signs(env: Environment, since: int, sent: dict[str, float]) -> tuple[list[float], Counter]:
    """Per DM channel in `sent` (channel -> send time), the delay to the bot's first sign there."""
    calls, _ = env.calls(since)
    delays, methods = [], Counter()
    seen: set[str] = set()
    for call in calls:
        channel = call.get("channel")
        if channel in sent and channel not in seen and call["method"] in SIGN_METHODS and call["at"] >= sent[channel]:
            seen.add(channel)
            delays.append(call["at"] - sent[channel])
            methods[call["method"]] += 1
    return delays, methods


def run(env: Environment, questions: int = QUESTIONS) -> dict:
    delays: list[float] = []
    methods: Counter = Counter()
    missing = 0
    # Not counted: the first question after start-up waits for the worker to boot (about 2 s).
    for n in range(-1, questions):
        user = BENCH_USERS[(n * 7) % len(BENCH_USERS)]  # some first contacts, some known members
        _, since = env.calls(10**12)
        body = message_im(BENCH_USERS.index(user), tag=f"F{n:03d}")
        sent = {dm_channel(user): time.time()}
        closed_loop(env.ports["bot"], [("message.im", body)], 1)
        deadline = time.monotonic() + 10
        while True:
            found, kinds = first_signs(env, since, sent)
            if found or time.monotonic() > deadline:
                break
            time.sleep(0.005)
        if n < 0:
            continue
        if not found:
            missing += 1
        delays.extend(found)
        methods.update(kinds)
    return {
        "questions": questions, "p50_ms": percentile(delays, 50) * 1000, "p99_ms": percentile(delays, 99) * 1000,
        "max_ms": max(delays) * 1000 if delays else None, "without_sign": missing, "first_sign_methods": dict(methods),
    }


if __name__ == "__main__":
    run_alone(run)
