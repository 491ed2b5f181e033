"""Ack latency: the bot beside a bare Bolt app, same load, same run.

Closed loop: 2,000 signed requests per app from 50 concurrent clients, each sending its next
request as soon as the last is answered, the seven kinds of BENCH_MIX in turn. This saturates
the core: latency is then mostly queueing, 50 x the CPU each request costs, the bot's replies
included. The two apps take turns in batches, and the bot's background work (its replies) is
let to finish before the bare app's turn, so neither pays for the other.
Open loop (paced): the same 2,000 requests per app arriving at a fixed rate (RATE per second,
whatever the answers), closer to Slack's traffic: what a member's click waits for on a busy day.
`python -m bench.ack_latency`
"""

from __future__ import annotations

from bench.harness import run_alone, Environment, Result, closed_loop, open_loop, percentile
from bench.payloads import mixed

REQUESTS = 2000
CONCURRENCY = 50
BATCHES = 8
RATE = 100.0  # requests per second in the open loop: the sustained-load target's rate


def _figures(found: list[Result]) -> dict:
    latencies = [r.latency for r in found]
    return {
        "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies) * 1000,
        "errors": sum(1 for r in found if r.status != 200),
        "statuses": sorted({r.status for r in found}),
    }


def run(env: Environment, requests: int = REQUESTS, concurrency: int = CONCURRENCY, batches: int = BATCHES,
        rate: float = RATE) -> dict:
    results: dict[str, list[Result]] = {"bot": [], "bare": []}
    per_batch = requests // batches
    # A warm-up batch each, not counted: first-time imports, the SQLite file, connection pools.
    for app in ("bot", "bare"):
        closed_loop(env.ports[app], [mixed(n, f"W{app[:2]}") for n in range(200)], concurrency)
    env.quiet()
    for batch in range(batches):
        order = ("bot", "bare") if batch % 2 == 0 else ("bare", "bot")
        for app in order:
            start = batch * per_batch
            load = [mixed(n, "A" + app[:2]) for n in range(start, start + per_batch)]
            results[app].extend(closed_loop(env.ports[app], load, concurrency))
            env.quiet()
    report: dict = {"requests_per_app": requests, "concurrency": concurrency, "open_loop_rate": rate}
    for app, found in results.items():
        report[app] = _figures(found)
    report["p50_ratio"] = report["bot"]["p50_ms"] / report["bare"]["p50_ms"]
    report["p99_ratio"] = report["bot"]["p99_ms"] / report["bare"]["p99_ms"]
    paced: dict[str, list[Result]] = {}
    for app in ("bot", "bare"):
        paced[app] = open_loop(env.ports[app], [mixed(n, "O" + app[:2]) for n in range(requests)], rate)
        env.quiet()
    report["open_loop"] = {app: _figures(found) for app, found in paced.items()}
    report["open_loop"]["p50_ratio"] = report["open_loop"]["bot"]["p50_ms"] / report["open_loop"]["bare"]["p50_ms"]
    report["open_loop"]["p99_ratio"] = report["open_loop"]["bot"]["p99_ms"] / report["open_loop"]["bare"]["p99_ms"]
    return report


if __name__ == "__main__":
    run_alone(run)
