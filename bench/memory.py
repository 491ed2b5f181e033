"""Resident memory of the bot's processes (web, and worker when there is one) after 10,000 mixed events, and its growth between the
5,000th and the 10,000th. Read from /proc after the bot has gone quiet at each checkpoint.
`python -m bench.memory`
"""

from __future__ import annotations

from bench.harness import run_alone, Environment, closed_loop, companion_pid, rss_mb
from bench.payloads import mixed

EVENTS = 10_000
CHECKPOINT_EVERY = 1_000
CONCURRENCY = 20


def run(env: Environment, events: int = EVENTS) -> dict:
    # The web process, and the worker when the work runs there (its own process, or the web
    # process's child): each is held to the target.
    pids: dict[str, int] = {name: env.procs[name].pid for name in ("bot", "worker") if name in env.procs}
    child = companion_pid(pids["bot"])
    if child is not None:
        pids["worker"] = child

    def rss(name: str) -> float:
        return rss_mb(pids[name], without=child if name == "bot" else None)

    samples = {name: {0: rss(name)} for name in pids}
    errors = 0
    for start in range(0, events, CHECKPOINT_EVERY):
        load = [mixed(n, "M") for n in range(start, start + CHECKPOINT_EVERY)]
        errors += sum(1 for r in closed_loop(env.ports["bot"], load, CONCURRENCY) if r.status != 200)
        env.quiet()
        for name in pids:
            samples[name][start + CHECKPOINT_EVERY] = rss(name)
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
