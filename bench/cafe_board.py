"""A café room on the web pages (issue #16): 40 participants (the Lille pilot's size) submit
and vote from the join page for a minute while boards poll as the projected page does.

Run: `python -m bench.cafe_board [--participants 40] [--seconds 60] [--boards 2]
[--database-url URL] [--json PATH]`.

What runs: the bot as deployed by default (`python -m bot run`, HTTP mode, its worker child, the café pages
mounted beside /slack/events), against the Slack stand-in, on a SQLite file unless
--database-url. Every participant is a browser of its own (cookie jar, CSRF token) and all of
them share one address, as a room on the venue's Wi-Fi does. Each acts every 1-3 s: mostly a
vote for a question it hasn't voted for yet, sometimes a second press on one it has (which
must change nothing), sometimes a question (published at once: web approval is off here).

Measured:
- every vote counted once: the votes the server confirmed as new, against the rows in
  cafe_votes and the board's final total; second presses that changed anything;
- the board's update latency: from a vote's confirmed response to the first board poll
  (every POLL_MS, as the page's script does) whose count for that question includes it;
- request latencies and errors (429s included).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bench.harness import Environment, make_workdir, percentile
from bot.cafe.models import Vote
from bot.cafe.service import CafeService
from bot.cafe.values import CafeDraft
from bot.store.db import Database
from bot.web.app import POLL_MS

TOPICS = ["financer un projet", "former les bénévoles", "protéger les données", "mesurer l'impact carbone",
          "choisir des outils libres", "rédiger une charte éthique", "recruter", "accompagner les publics",
          "automatiser l'administratif", "travailler avec les universités"]


class Participant:
    def __init__(self, base: str, token: str, rng: random.Random) -> None:
        self.base, self.token, self.rng = base, token, rng
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = ""
        self.voted: set[int] = set()

    def request(self, path: str, form: dict[str, str] | None = None, json_reply: bool = False) -> tuple[int, bytes]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"Accept": "application/json"} if json_reply else {}
        req = urllib.request.Request(f"{self.base}/cafe/{self.token}/{path}", data=data, headers=headers)
        try:
            with self.opener.open(req, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def join(self) -> None:
        _, body = self.request("join")
        self.csrf = unescape(re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode())  # type: ignore[union-attr]


def run(env: Environment, participants: int, seconds: float, boards: int, seed: int = 7) -> dict[str, Any]:
    db = Database(env.db_url)
    now = datetime.now(timezone.utc)
    cafes = CafeService(db, lambda: datetime.now(timezone.utc), ZoneInfo("UTC"))
    cafe = cafes.create_cafe("U0FACIL", CafeDraft(
        title="Café IAssos (bench)", starts_at=now + timedelta(hours=1), closes_at=now + timedelta(hours=2),
        place="Lille", announce_channel="C0GENERAL", web_approval_required=False))
    base = f"http://127.0.0.1:{env.ports['bot']}"
    for i, topic in enumerate(TOPICS[:4]):
        cafes.submit(cafe.id, f"U0SEED{i}", f"Comment {topic} avec l'IA ?", force=True)

    lock = threading.Lock()
    confirmed: list[tuple[int, int, float]] = []  # (question, count it reached, when confirmed)
    request_ms: list[float] = []
    statuses: dict[int, int] = {}
    second_presses = {"count": 0, "changed": 0}
    stop_at = time.monotonic() + seconds

    def act(p: Participant) -> None:
        p.join()
        while time.monotonic() < stop_at:
            time.sleep(p.rng.uniform(1.0, 3.0))
            started = time.monotonic()
            roll = p.rng.random()
            if roll < 0.08:
                topic = p.rng.choice(TOPICS)
                status, _ = p.request("ask", {"csrf": p.csrf, "text": f"Question {p.rng.randrange(10**6)} : {topic} ?", "force": "1"})
            else:
                status, body = p.request("state.json?view=join")
                if status != 200:
                    record(started, status)
                    continue
                ids = [q["id"] for q in json.loads(body)["questions"]]
                fresh = [qid for qid in ids if qid not in p.voted]
                again = roll < 0.15 and p.voted
                target = p.rng.choice(sorted(p.voted)) if again else (p.rng.choice(fresh) if fresh else None)
                if target is None:
                    continue
                started = time.monotonic()
                status, body = p.request("vote", {"csrf": p.csrf, "question_id": str(target)}, json_reply=True)
                if status == 200:
                    reply = json.loads(body)
                    votes = next(q["votes"] for q in reply["questions"] if q["id"] == target)
                    with lock:
                        if again:
                            second_presses["count"] += 1
                            second_presses["changed"] += not reply["already"]
                        elif not reply["already"]:
                            confirmed.append((target, votes, time.monotonic()))
                    p.voted.add(target)
            record(started, status)

    def record(started: float, status: int) -> None:
        with lock:
            request_ms.append((time.monotonic() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

    def board(index: int) -> None:
        """A projected board: polls every POLL_MS with its ETag, as the page's script does
        (the whole list rather than the top 10, so every vote can be timed)."""
        history: dict[int, list[tuple[float, int]]] = {}
        etag = None
        while time.monotonic() < stop_at + 3:
            req = urllib.request.Request(f"{base}/cafe/{cafe.web_token}/state.json")
            if etag:
                req.add_header("If-None-Match", etag)
            try:
                with urllib.request.urlopen(req, timeout=10) as response:
                    etag = response.headers.get("ETag")
                    state = json.loads(response.read())
                    at = time.monotonic()
                    for q in state["questions"]:
                        history.setdefault(q["id"], []).append((at, q["votes"]))
            except urllib.error.HTTPError as error:
                if error.code != 304:
                    raise
            time.sleep(POLL_MS / 1000)
        histories[index] = history

    histories: list[dict[int, list[tuple[float, int]]]] = [{} for _ in range(boards)]
    threads = [threading.Thread(target=act, args=(Participant(base, cafe.web_token, random.Random(seed * 1000 + i)),))
               for i in range(participants)]
    threads += [threading.Thread(target=board, args=(i,)) for i in range(boards)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    latencies = []
    for history in histories:
        for question, reached, at in confirmed:
            later = [t for t, votes in history.get(question, []) if votes >= reached and t >= at]
            if later:
                latencies.append((min(later) - at) * 1000)
    stored = cafes_votes(db, cafe.id)
    final = json.loads(urllib.request.urlopen(f"{base}/cafe/{cafe.web_token}/state.json", timeout=10).read())
    db.dispose()
    return {
        "participants": participants, "seconds": seconds, "boards": boards,
        "votes_confirmed_new": len(confirmed), "votes_stored": stored, "board_final_total": final["votes"],
        "second_presses": second_presses["count"], "second_presses_that_changed_anything": second_presses["changed"],
        "questions_on_board": final["count"],
        "requests": len(request_ms), "statuses": statuses,
        "request_p50_ms": round(percentile(request_ms, 50), 1), "request_p99_ms": round(percentile(request_ms, 99), 1),
        "board_update_samples": len(latencies),
        "board_update_p50_ms": round(percentile(latencies, 50), 1), "board_update_p99_ms": round(percentile(latencies, 99), 1),
        "board_update_max_ms": round(max(latencies), 1) if latencies else None,
        "every_vote_counted_once": len(confirmed) == stored == final["votes"] and second_presses["changed"] == 0,
    }


def cafes_votes(db: Database, cafe_id: int) -> int:
    from bot.cafe.models import Question

    with db.session() as session:
        return int(session.scalar(select(func.count(Vote.id)).join(Question, Question.id == Vote.question_id)
                                  .where(Question.cafe_id == cafe_id)) or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--boards", type=int, default=2)
    parser.add_argument("--database-url")
    parser.add_argument("--json")
    args = parser.parse_args()
    env = Environment(make_workdir(), pin=False, background_work="auto", database_url=args.database_url).start()
    try:
        report = run(env, args.participants, args.seconds, args.boards)
    finally:
        env.stop()
    print(json.dumps(report, indent=2))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)


if __name__ == "__main__":
    main()
