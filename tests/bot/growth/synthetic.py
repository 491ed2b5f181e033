"""A synthetic Slack workspace history, written as a Slack export and replayable as live events,
and an independent computation of the growth figures over it (plain Python, no database)."""

from __future__ import annotations

import io
import json
import random
import statistics
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
PACIFIC = ZoneInfo("America/Los_Angeles")
START = datetime(2026, 1, 1, tzinfo=PARIS)
END = datetime(2026, 6, 30, 23, 59, tzinfo=PARIS)
GENERAL, HELP, PROJECTS, RANDOM = "C0GEN", "C0HELP", "C0PROJ", "C0RAND"
CHANNELS = {GENERAL: "general", HELP: "entraide", PROJECTS: "projets", RANDOM: "random"}
HUMAN_SUBTYPES = (None, "file_share", "thread_broadcast")


@dataclass
class History:
    users: list[dict[str, Any]]
    messages: dict[str, list[dict[str, Any]]]  # channel id -> messages, in ts order
    joins: dict[str, float] = field(default_factory=dict)  # user -> join ts (general channel_join)

    @property
    def bots(self) -> set[str]:
        return {u["id"] for u in self.users if u.get("is_bot")} | {"USLACKBOT"}

    @property
    def first_signs(self) -> dict[str, float]:
        """A member's join as docs/growth.md defines it for imported history: the earliest of
        their channel_join in a public channel and their first counted message."""
        found: dict[str, float] = {}
        for items in self.messages.values():
            for m in items:
                if m.get("subtype") == "channel_join" or _counts(m, self.bots):
                    if m.get("user") and m["user"] not in self.bots:
                        found[m["user"]] = min(float(m["ts"]), found.get(m["user"], float(m["ts"])))
        return found


def _ts(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


def build_history(seed: int = 7, members: int = 260, deleted_joiners: bool = True) -> History:
    rng = random.Random(seed)
    users: list[dict[str, Any]] = []
    messages: dict[str, list[dict[str, Any]]] = {c: [] for c in CHANNELS}
    joins: dict[str, float] = {}
    used_ts: set[str] = set()

    def moment(low: datetime, high: datetime) -> datetime:
        while True:
            # Late evenings on purpose: a message at 23:30 in Paris is on another UTC/Pacific day.
            at = low + timedelta(seconds=rng.uniform(0, (high - low).total_seconds()))
            if rng.random() < 0.2:
                at = at.astimezone(PARIS).replace(hour=23, minute=rng.randint(0, 59))
            at = min(max(at, low), high)
            if _ts(at) not in used_ts:
                used_ts.add(_ts(at))
                return at

    for index in range(members):
        user_id = f"U{index:05d}"
        deleted = rng.random() < 0.06
        users.append({"id": user_id, "team_id": "T1", "name": f"member{index}", "deleted": deleted,
                      "is_bot": False, "tz": "Europe/Paris", "profile": {"real_name": f"Member {index}", "display_name": f"member{index}"}})
    for index in range(4):
        users.append({"id": f"UBOT{index}", "team_id": "T1", "name": f"bot{index}", "deleted": False, "is_bot": True,
                      "profile": {"real_name": f"Bot {index}", "bot_id": f"B{index}"}})
    bots = [u["id"] for u in users if u["is_bot"]]
    humans = [u for u in users if not u["is_bot"]]

    def add(channel: str, message: dict[str, Any]) -> dict[str, Any]:
        messages[channel].append(message)
        return message

    arrival: dict[str, datetime] = {}
    for user in humans:
        if rng.random() < 0.45 or (user["deleted"] and not deleted_joiners):
            arrival[user["id"]] = START  # there before the export: no join message
            continue
        at = moment(START + timedelta(days=1), END - timedelta(days=2))
        arrival[user["id"]] = at
        joins[user["id"]] = at.timestamp()
        add(GENERAL, {"type": "message", "subtype": "channel_join", "user": user["id"], "ts": _ts(at),
                      "text": f"<@{user['id']}|{user['name']}> has joined the channel"})
        for channel in rng.sample([HELP, PROJECTS, RANDOM], 2):
            join_at = moment(at, min(at + timedelta(hours=5), END))
            add(channel, {"type": "message", "subtype": "channel_join", "user": user["id"], "ts": _ts(join_at),
                          "text": f"<@{user['id']}> has joined the channel"})

    for user in humans:
        # Engagement varies: a third never speaks, a few speak a lot.
        weight = rng.choice([0, 0, 0, 1, 2, 3, 8, 20])
        if user["deleted"] and not deleted_joiners:
            continue  # a deleted member with no sign of life: never joined as far as the export shows
        for _ in range(weight):
            at = moment(arrival[user["id"]], END)
            channel = rng.choice([GENERAL, HELP, PROJECTS, PROJECTS, RANDOM])
            question = rng.random() < 0.3
            subtype = rng.choice([None, None, None, None, "file_share"])
            message = {"type": "message", "user": user["id"], "ts": _ts(at),
                       "text": "Quelqu'un connaît un bon outil ?" if question else "Bonjour à toutes et tous."}
            if subtype:
                message["subtype"] = subtype
            add(channel, message)
    # Bots, Slackbot and system messages: none of them counts.
    for _ in range(120):
        at = moment(START, END)
        add(rng.choice(list(CHANNELS)), {"type": "message", "subtype": "bot_message", "bot_id": "B1", "ts": _ts(at),
                                          "text": "Nouvel article publié ?", "username": "rss"})
    for _ in range(30):
        at = moment(START, END)
        add(rng.choice(list(CHANNELS)), {"type": "message", "user": rng.choice(bots), "bot_id": "B2", "ts": _ts(at), "text": "Rappel ?"})
    for _ in range(10):
        at = moment(START, END)
        add(GENERAL, {"type": "message", "user": "USLACKBOT", "ts": _ts(at), "text": "Slackbot says hi?"})
    for _ in range(20):
        at = moment(START, END)
        user = rng.choice(humans)["id"]
        subtype = rng.choice(["channel_topic", "channel_purpose", "channel_leave", "pinned_item"])
        add(rng.choice(list(CHANNELS)), {"type": "message", "subtype": subtype, "user": user, "ts": _ts(at), "text": "system?"})

    # Threads: replies by others, by the asker, by bots; some broadcast to the channel.
    for channel in list(messages):
        tops = [m for m in messages[channel] if m.get("subtype") in HUMAN_SUBTYPES and m.get("user") and "bot_id" not in m]
        for parent in tops:
            if rng.random() > 0.45:
                continue
            parent_at = float(parent["ts"])
            for _ in range(rng.randint(1, 4)):
                delay = rng.choice([rng.uniform(60, 3600), rng.uniform(3600, 86400 * 3)])
                at_ts = parent_at + delay
                if at_ts > END.timestamp():
                    continue
                at = datetime.fromtimestamp(at_ts, timezone.utc)
                if _ts(at) in used_ts:
                    continue
                used_ts.add(_ts(at))
                kind = rng.random()
                if kind < 0.15:
                    reply = {"type": "message", "user": parent["user"], "text": "Merci !"}
                elif kind < 0.22:
                    reply = {"type": "message", "subtype": "bot_message", "bot_id": "B1", "text": "auto"}
                else:
                    candidates = [u["id"] for u in humans if arrival[u["id"]] <= at
                                  and (deleted_joiners or not u["deleted"])]
                    reply = {"type": "message", "user": rng.choice(candidates), "text": "Oui, regarde ce lien."}
                    if rng.random() < 0.1:
                        reply["subtype"] = "thread_broadcast"
                reply.update(ts=_ts(at), thread_ts=parent["ts"], parent_user_id=parent["user"])
                add(channel, reply)
            parent["thread_ts"] = parent["ts"]

    # Reactions, by humans and bots, on any message.
    for channel in messages:
        for message in messages[channel]:
            if message.get("subtype") == "channel_join" or rng.random() > 0.25:
                continue
            reactors = rng.sample([u["id"] for u in humans] + bots, rng.randint(1, 3))
            message["reactions"] = [{"name": "+1", "users": reactors, "count": len(reactors)}]
    # An edit notice: not a new message.
    some = messages[PROJECTS][0]
    messages[PROJECTS].append({"type": "message", "subtype": "message_changed", "ts": _ts(moment(START, END)),
                               "message": {"user": some.get("user"), "text": "edited?", "ts": some["ts"]}})
    for channel in messages:
        messages[channel].sort(key=lambda m: float(m["ts"]))
    return History(users=users, messages=messages, joins=joins)


def write_export(history: History, path: str, *, malformed: bool = True, top_folder: str = "") -> None:
    """Day files named by the Pacific date, as Slack does; the importer must not trust them."""
    channels = [{"id": cid, "name": name, "created": "1451606400", "is_general": cid == GENERAL,
                 "members": [], "topic": {"value": ""}, "purpose": {"value": ""}} for cid, name in CHANNELS.items()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(top_folder + "users.json", json.dumps(history.users))
        archive.writestr(top_folder + "channels.json", json.dumps(channels))
        for cid, name in CHANNELS.items():
            days: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for message in history.messages[cid]:
                day = datetime.fromtimestamp(float(message["ts"]), PACIFIC).date().isoformat()
                days[day].append(message)
            for day, items in days.items():
                archive.writestr(f"{top_folder}{name}/{day}.json", json.dumps(items, ensure_ascii=False))
        if malformed:
            archive.writestr(f"{top_folder}random/2026-07-15.json", '[{"type": "message", "user": "U00001", "ts": ')


def export_bytes(history: History) -> bytes:
    buffer = io.BytesIO()
    write_export(history, buffer)  # type: ignore[arg-type]
    return buffer.getvalue()


# -- the figures, computed independently --------------------------------------------------------

def _day(ts: float | str) -> date:
    return datetime.fromtimestamp(float(ts), PARIS).date()


def _counts(message: dict[str, Any], bots: set[str]) -> bool:
    return (message.get("subtype") in HUMAN_SUBTYPES and "bot_id" not in message
            and message.get("user") not in bots and bool(message.get("user")))


def expected_figures(history: History, d: date, help_channels: set[str] = frozenset({HELP})) -> dict[str, Any]:  # type: ignore[assignment]
    bots = history.bots
    humans = [u for u in history.users if u["id"] not in bots]
    signs = history.first_signs
    join_day = {u["id"]: _day(signs[u["id"]]) if u["id"] in signs else None for u in humans}
    deleted = {u["id"] for u in humans if u.get("deleted")}

    def present(user: str, day: date) -> bool:
        return user not in deleted and (join_day[user] is None or join_day[user] <= day)

    def window(days: int, end: date = d) -> tuple[date, date]:
        return end - timedelta(days=days - 1), end

    def within(day: date | None, span: tuple[date, date]) -> bool:
        return day is not None and span[0] <= day <= span[1]

    posts = [(channel, m) for channel, items in history.messages.items() for m in items if _counts(m, bots)]
    active_days: dict[str, set[date]] = defaultdict(set)
    for _channel, m in posts:
        active_days[m["user"]].add(_day(m["ts"]))

    def active_in(span: tuple[date, date]) -> set[str]:
        return {u for u, days in active_days.items() if any(within(x, span) for x in days)}

    w7, w28 = window(7), window(28)
    per_channel: dict[str, int] = defaultdict(int)
    for channel, m in posts:
        if within(_day(m["ts"]), w28):
            per_channel[channel] += 1
    reactions = sum(
        1 for items in history.messages.values() for m in items for r in m.get("reactions", [])
        for reactor in r["users"] if reactor not in bots and within(_day(m["ts"]), w28)
    )
    # First responses.
    end_instant = datetime.combine(d + timedelta(days=1), datetime.min.time(), PARIS).timestamp()
    minutes = []
    for channel, items in history.messages.items():
        for m in items:
            if not _counts(m, bots) or m.get("thread_ts") not in (None, m["ts"]):
                continue
            if not (m.get("text", "").rstrip().endswith("?") or channel in help_channels):
                continue
            if not within(_day(m["ts"]), w28):
                continue
            replies = [float(r["ts"]) for r in items if r.get("thread_ts") == m["ts"] and r["ts"] != m["ts"]
                       and _counts(r, bots) and r["user"] != m["user"] and float(r["ts"]) < end_instant]
            if replies:
                minutes.append((min(replies) - float(m["ts"])) / 60)
    joined_28 = {u for u, j in join_day.items() if within(j, w28)}

    weekly = []
    monday = d - timedelta(days=d.weekday())
    for i in range(26):
        start = monday - timedelta(weeks=25 - i)
        end = min(start + timedelta(days=6), d)
        weekly.append({
            "week_start": start.isoformat(),
            "members_total": sum(1 for u in join_day if present(u, end)),
            "joined": sum(1 for j in join_day.values() if within(j, (start, end))),
            "left": 0,
            "active": len(active_in((start, end))),
        })

    cohorts = []
    month0 = d.replace(day=1)
    months = []
    for back in range(11, -1, -1):
        index = month0.year * 12 + month0.month - 1 - back
        months.append(date(index // 12, index % 12 + 1, 1))
    for month in months:
        members = [u for u, j in join_day.items() if j is not None and j <= d and j.replace(day=1) == month]
        if not members:
            continue
        rows = []
        for step in months[months.index(month):]:
            last = min((step.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1), d)
            count = sum(1 for u in members if any(within(x, (step, last)) for x in active_days.get(u, ())))
            rows.append({"month": step.strftime("%Y-%m"), "active": count, "share": round(count / len(members), 4)})
        cohorts.append({"cohort": month.strftime("%Y-%m"), "members": len(members), "months": rows})

    levels = {"advocates": 0, "contributors": 0, "participants": 0, "observers": 0}
    at_risk = 0
    for user in join_day:
        if not present(user, d):
            continue
        days = {x for x in active_days.get(user, ()) if within(x, window(90))}
        n = len(days)
        levels["advocates" if n >= 12 else "contributors" if n >= 4 else "participants" if n >= 1 else "observers"] += 1
        if days and max(days) <= d - timedelta(days=30):
            at_risk += 1

    return {
        "as_of": d.isoformat(),
        "members_total": sum(1 for u in join_day if present(u, d)),
        "joined_7d": sum(1 for j in join_day.values() if within(j, w7)),
        "joined_28d": len(joined_28),
        "left_28d": 0,
        "active_7d": len(active_in(w7)),
        "active_28d": len(active_in(w28)),
        "messages_7d": sum(1 for _c, m in posts if within(_day(m["ts"]), w7)),
        "messages_28d": sum(per_channel.values()),
        "reactions_28d": reactions,
        "activated_28d": len(joined_28 & active_in(w28)),
        "median_first_response_minutes_28d": round(statistics.median(minutes), 1) if minutes else None,
        "questions_28d_answered": len(minutes),
        "top_channels_28d": [{"channel": c, "messages": n} for c, n in sorted(per_channel.items(), key=lambda p: (-p[1], p[0]))][:10],
        "weekly": weekly,
        "cohorts": cohorts,
        "levels": levels,
        "at_risk": at_risk,
        # The export's oldest message of any kind is where the bot's data starts.
        "history_starts": (start := min(_day(m["ts"]) for items in history.messages.values() for m in items)).isoformat(),
        "before_history": d < start,
    }
