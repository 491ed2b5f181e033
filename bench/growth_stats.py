"""Benchmark of the growth capability.

1. `sogabot stats --json` latency over 10,000 members and 1,000,000 member-day-channel rows
   (two years of history), measured in-process (median of repeated runs of the same function
   the command calls, warm) and as a whole `python -m bot stats --json` process.
2. Live event ingestion: messages and reactions through the recorder the router calls, one
   transaction per event, in events per second.

Usage (from the repository root):
    python bench/growth_stats.py                                   # SQLite in a temp dir
    python bench/growth_stats.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_growth
The PostgreSQL database is emptied first (schema public dropped and recreated).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from bot.growth.days import month_start, week_start  # noqa: E402
from bot.growth.export_import import rebuild_rollups  # noqa: E402
from bot.growth.ingest import ActivityRecorder  # noqa: E402
from bot.growth.models import Activity  # noqa: E402
from bot.growth.stats import compute_stats  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.models import Member  # noqa: E402

TZ = ZoneInfo("Europe/Paris")
AS_OF = date(2026, 11, 27)
DAYS = 730
CHANNELS = [f"C{index:08d}" for index in range(30)]


def fresh_database(url: str | None) -> tuple[Database, str]:
    if url is None:
        path = Path(tempfile.mkdtemp(prefix="growth-bench-")) / "bench.db"
        url = f"sqlite:///{path}"
    db = Database(url)
    if not db.is_sqlite:
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(db)
    return db, url


def generate(db: Database, members: int, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    first_day = AS_OF - timedelta(days=DAYS - 1)
    now = datetime.now(timezone.utc)
    member_rows, joins = [], {}
    for index in range(members):
        user_id = f"U{index:08d}"
        if rng.random() < 0.3:
            joined = None
            join_day = first_day
        else:
            join_day = first_day + timedelta(days=rng.randrange(DAYS))
            joined = datetime.combine(join_day, datetime.min.time(), TZ).astimezone(timezone.utc) + timedelta(hours=rng.randrange(24))
        joins[user_id] = join_day
        deleted = rng.random() < 0.05
        left = joined + timedelta(days=rng.randrange(1, 200)) if deleted and joined and rng.random() < 0.5 else None
        member_rows.append({"user_id": user_id, "role": "member", "is_bot": index % 500 == 0, "is_deleted": deleted,
                            "analytics_opt_out": index % 97 == 0, "created_at": now, "updated_at": now,
                            "joined_at": joined, "left_at": left, "display_name": f"member {index}"})
    # Activity spread evenly over the two years (about 1,370 rows a day); who posts is skewed
    # (Pareto weights: a few members post a lot, many rarely), among members who had joined.
    order = sorted(joins, key=lambda u: joins[u])
    join_days = [joins[u] for u in order]
    cumulative = list(itertools.accumulate(rng.paretovariate(1.2) for _ in order))
    keys: set[tuple[date, str, str]] = set()
    while len(keys) < rows:
        day = first_day + timedelta(days=rng.randrange(DAYS))
        eligible = bisect.bisect_right(join_days, day)
        user_id = order[bisect.bisect_left(cumulative, rng.random() * cumulative[eligible - 1])]
        keys.add((day, user_id, rng.choice(CHANNELS[: 3 + rng.randrange(27)])))
    ids = order
    activity = sorted(keys)[:rows]
    print(f"  generated {len(member_rows)} members, {len(activity)} activity rows", file=sys.stderr)
    with db.session() as session:
        session.connection().execute(Member.__table__.insert(), member_rows)
    if db.is_sqlite:
        with db.session() as session:
            session.connection().execute(Activity.__table__.insert(), [
                {"day": d, "user_id": u, "channel_id": c, "week_start": week_start(d), "month": month_start(d),
                 "messages": 1 + (hash((d, u)) % 4), "replies": hash((u, c)) % 2, "reactions": hash((c, d)) % 3}
                for d, u, c in activity
            ])
    else:
        raw = db.engine.raw_connection()
        try:
            with raw.cursor() as cursor, cursor.copy(
                "COPY growth_activity (day, user_id, channel_id, week_start, month, messages, replies, reactions) FROM STDIN"
            ) as copy:
                for d, u, c in activity:
                    copy.write_row((d, u, c, week_start(d), month_start(d), 1 + (hash((d, u)) % 4), hash((u, c)) % 2, hash((c, d)) % 3))
            raw.commit()
        finally:
            raw.close()
    with db.session() as session:
        rebuild_rollups(session, ids)
        session.connection().execute(text("ANALYZE"))


def bench_stats(db: Database, url: str, repeats: int) -> dict[str, float]:
    compute_stats(db, TZ, AS_OF)  # warm: imports, connection pool, page cache
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        figures = compute_stats(db, TZ, AS_OF).figures
        timings.append((time.perf_counter() - started) * 1000)
    env = dict(os.environ, DATABASE_URL=url, LOG_LEVEL="WARNING", PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "stats", "--json", "--as-of", AS_OF.isoformat()], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    process_ms = (time.perf_counter() - started) * 1000
    print(f"  members_total={figures['members_total']} active_28d={figures['active_28d']} messages_28d={figures['messages_28d']}",
          file=sys.stderr)
    return {"median_ms": statistics.median(timings), "max_ms": max(timings), "process_ms": process_ms}


def bench_ingestion(db: Database, events: int, workers: int = 1, offset: int = 0) -> float:
    """Events per second through the recorder: one after the other (workers=1), or spread over
    a few threads as the app's listener pool (16 threads) handles a burst of events."""
    clock_now = datetime.combine(AS_OF, datetime.min.time(), TZ).astimezone(timezone.utc)
    recorder = ActivityRecorder(db, TZ, frozenset({CHANNELS[0]}), lambda: clock_now)
    rng = random.Random(2)
    payloads = []
    base = clock_now.timestamp()
    for index in range(offset, offset + events):
        ts = f"{base + index * 0.37:.6f}"
        user = f"U{rng.randrange(2000):08d}"
        channel = rng.choice(CHANNELS[:8])
        if index % 5 == 4:
            payloads.append(("reaction", {"type": "reaction_added", "user": user, "reaction": "+1", "event_ts": ts,
                                          "item": {"type": "message", "channel": channel, "ts": ts}}))
        else:
            thread = f"{base + (index - 3) * 0.37:.6f}" if index % 3 == 0 and index > 3 else None
            payloads.append(("message", {"type": "message", "user": user, "channel": channel, "channel_type": "channel",
                                         "ts": ts, "text": "Une question ?" if index % 4 == 0 else "Bonjour", "thread_ts": thread}))

    def run(share: list[tuple[str, dict]]) -> None:
        for kind, payload in share:
            (recorder.message if kind == "message" else recorder.reaction)(payload, "UBOT")

    started = time.perf_counter()
    if workers == 1:
        run(payloads)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, [payloads[i::workers] for i in range(workers)]))
    return events / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a new SQLite file in a temp dir")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=4, help="threads for the concurrent ingestion run")
    args = parser.parse_args()
    db, url = fresh_database(args.database_url)
    backend = "SQLite" if db.is_sqlite else "PostgreSQL"
    print(f"{backend}: loading {args.members} members and {args.rows} activity rows…", file=sys.stderr)
    started = time.perf_counter()
    generate(db, args.members, args.rows)
    print(f"  loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    with db.session() as session:
        count = session.scalar(select(func.count()).select_from(Activity))
    result = bench_stats(db, url, args.repeats)
    rate = bench_ingestion(db, args.events)
    # Different timestamps from the first run, so these events are new ones.
    concurrent = bench_ingestion(db, args.events, workers=args.workers, offset=args.events)
    print(f"{backend}: {count} activity rows; stats in-process median {result['median_ms']:.0f} ms "
          f"(max {result['max_ms']:.0f} ms over {args.repeats}); whole `stats --json` process {result['process_ms']:.0f} ms; "
          f"ingestion {rate:.0f} events/s ({args.events} events, one transaction each), "
          f"{concurrent:.0f} events/s over {args.workers} threads")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
