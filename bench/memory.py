"""Resident memory of the bot's processes (web, and worker when there is one) after 10,000 mixed events, and its growth between the
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
    # The web process, and the worker when the work runs there: each is held to the target.
    pids = {name: env.procs[name].pid for name in ("bot", "worker") if name in env.procs}
    samples = {name: {0: rss_mb(pid)} for name, pid in pids.items()}
    errors = 0
    for start in range(0, events, CHECKPOINT_EVERY):
        load = [mixed(n, "M") for n in range(start, start + CHECKPOINT_EVERY)]
        errors += sum(1 for r in closed_loop(env.ports["bot"], load, CONCURRENCY) if r.status != 200)
        env.quiet()
        for name, pid in pids.items():
            samples[name][start + CHECKPOINT_EVERY] = rss_mb(pid)
    half = events // 2
    report: dict = {"events": events, "errors": errors, "processes": {}}
    for name, taken in samples.items():
        report["processes"][name] = {
            "rss_start_mb": taken[0], f"rss_at_{half}_mb": taken[half], f"rss_at_{events}_mb": taken[events],
            "growth_second_half_mb": taken[events] - taken[half],
            "samples_mb": {k: round(v, 1) for k, v in taken.items()},
        }
    return report


if __name__ == "__main__":
    run_alone(run)
