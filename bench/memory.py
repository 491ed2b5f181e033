"""Resident memory of the bot process after 10,000 mixed events, and its growth between the
5,000th and the 10,000th. Read from /proc after the bot has gone quiet at each checkpoint.
`python -m bench.memory`
"""

from __future__ import annotations

from bench.harness import run_alone, Environment, closed_loop, rss_mb
from bench.payloads import mixed

EVENTS = 10_000
CHECKPOINT_EVERY = 1_000
CONCURRENCY = 20


def run(env: Environment, events: int = EVENTS) -> dict:
    pid = env.procs["bot"].pid
    samples = {0: rss_mb(pid)}
    errors = 0
    for start in range(0, events, CHECKPOINT_EVERY):
        load = [mixed(n, "M") for n in range(start, start + CHECKPOINT_EVERY)]
        errors += sum(1 for r in closed_loop(env.ports["bot"], load, CONCURRENCY) if r.status != 200)
        env.quiet()
        samples[start + CHECKPOINT_EVERY] = rss_mb(pid)
    half = events // 2
    return {
        "events": events, "rss_start_mb": samples[0], f"rss_at_{half}_mb": samples[half],
        f"rss_at_{events}_mb": samples[events], "growth_second_half_mb": samples[events] - samples[half],
        "samples_mb": {k: round(v, 1) for k, v in samples.items()}, "errors": errors,
    }


if __name__ == "__main__":
    run_alone(run)
