"""Build one digest from a week of 20,000 public messages. Target: ≤ 2 s.

    PYTHONPATH=$PWD python bench/digest_build.py [--messages 20000] [--database-url URL]

The week's messages go through the same recorder as live events would (timed separately),
then the digest is built and rendered (email HTML, text, Block Kit) with Slack look-ups
answered locally.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.slack.blocks.digest import digest_blocks  # noqa: E402
from bot.digest.content import SlackLookups, build_digest  # noqa: E402
from bot.digest.models import DigestLink, DigestThread  # noqa: E402
from bot.digest.observe import extract_links, make_excerpt  # noqa: E402
from bot.digest.render import render_html, render_text  # noqa: E402
from bot.digest.sources import sources_for  # noqa: E402
from bot.digest.weeks import week_of_ts  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.models import Member  # noqa: E402

TZ = ZoneInfo("Europe/Paris")
WEEK = "2026-W47"
START = datetime(2026, 11, 16, 0, 0, tzinfo=TZ).astimezone(timezone.utc)


def seed(db: Database, messages: int, rng: random.Random) -> None:
    users = [f"U{n:07d}" for n in range(600)]
    with db.session() as session:
        session.add_all(Member(user_id=u, display_name=f"membre {n}", role="member", is_bot=False, is_deleted=False,
                               analytics_opt_out=n % 50 == 0, created_at=START - timedelta(days=n), updated_at=START)
                        for n, u in enumerate(users))
    threads: dict[tuple[str, str], dict] = {}
    links: dict[str, dict] = {}
    channels = [f"C{n:07d}" for n in range(12)]
    for n in range(messages):
        ts = f"{START.timestamp() + n * (7 * 86400 / messages):.6f}"
        user, channel = rng.choice(users), rng.choice(channels)
        text = f"message {n} sur les communs numériques <https://ex{n % 900}.org/a|ressource {n % 900}>" if n % 7 == 0 else f"message {n} " + "mot " * 30
        parents = [key for key in list(threads)[-40:] if key[0] == channel]
        if parents and rng.random() < 0.7:
            threads[rng.choice(parents)]["reply_count"] += 1
        else:
            threads[(channel, ts)] = dict(channel_id=channel, ts=ts, user_id=user, iso_week=week_of_ts(ts, TZ),
                                          posted_at=datetime.fromtimestamp(float(ts), timezone.utc), reply_count=0,
                                          reaction_count=rng.randint(0, 6), excerpt=make_excerpt(text, resolve_users=False))
        for url, label in extract_links(text):
            if url in links:
                links[url]["shares"] += 1
            else:
                links[url] = dict(iso_week=WEEK, channel_id=channel, ts=ts, user_id=user, url=url, title=label, shares=1,
                                  posted_at=datetime.fromtimestamp(float(ts), timezone.utc))
    with db.session() as session:
        session.bulk_insert_mappings(DigestThread, list(threads.values()))
        session.bulk_insert_mappings(DigestLink, list(links.values()))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    db = Database(args.database_url or f"sqlite:///{folder}/bench.db")
    upgrade(db)
    started = time.perf_counter()
    seed(db, args.messages, random.Random(7))
    seeded = time.perf_counter() - started
    lookups = SlackLookups(channel_name=lambda c: c.lower(), permalink=lambda c, ts: f"https://x.slack.com/archives/{c}/p{ts.replace('.', '')}")
    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        content = build_digest(WEEK, db=db, tz=TZ, sources=sources_for(db, TZ, {}, [Path("knowledge")]), lookups=lookups,
                               newsletter=lambda: None)
        render_html(content), render_text(content), digest_blocks(content)
        timings.append(time.perf_counter() - started)
    timings.sort()
    print(f"{args.messages} messages ({db.engine.dialect.name}), seeded in {seeded:.2f} s; "
          f"build+render of one digest: median {timings[len(timings) // 2] * 1000:.0f} ms, worst {timings[-1] * 1000:.0f} ms "
          f"({len(content.threads)} threads, {len(content.links)} links, figures {content.figures})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
