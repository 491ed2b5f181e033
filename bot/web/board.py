"""What the board and the join page show of a café, as plain data: approved questions ranked
by votes, with themes, counts and answered state, and no member data beyond a name the author
let be shown. Snapshots are shared for a fraction of a second, so a room of phones polling
costs the database a few queries a second whatever the room's size."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.cafe.export import author_label
from bot.cafe.service import CafeService
from bot.cafe.values import CafeError, CafeInfo, QuestionView
from bot.cafe.themes import OTHER_TITLE
from bot.web.texts import WEB

log = logging.getLogger(__name__)

SNAPSHOT_SECONDS = 0.25
THEMES_EVERY_SECONDS = 10.0
BOARD_TOP = 10


@dataclass(frozen=True)
class Snapshot:
    cafe: CafeInfo
    questions: tuple[dict[str, Any], ...]  # ranked, JSON-ready
    version: str
    taken_at: float

    @property
    def votes(self) -> int:
        return sum(q["votes"] for q in self.questions)


def ranked(questions: list[QuestionView]) -> list[QuestionView]:
    """Open questions by votes (then oldest first), answered ones after them: what the room
    still has to discuss comes first."""
    return sorted(questions, key=lambda q: (q.status == "answered", -q.votes, q.created_at, q.id))


class BoardFeed:
    def __init__(self, cafes: CafeService, display_name: Callable[[str], str | None],
                 run_later: Callable[..., Any], clock: Callable[[], float] = time.monotonic) -> None:
        self._cafes = cafes
        self._display_name = display_name
        self._run_later = run_later
        self._clock = clock
        self._snapshots: dict[str, Snapshot] = {}
        self._themed_at: dict[int, float] = {}
        self._theming: set[int] = set()
        self._lock = threading.Lock()

    def cafe(self, token: str) -> CafeInfo:
        return self.snapshot(token).cafe

    def snapshot(self, token: str) -> Snapshot:
        """The café's current state; CafeError("unknown_cafe") for a token that isn't one."""
        now = self._clock()
        with self._lock:
            cached = self._snapshots.get(token)
        if cached is not None and now - cached.taken_at < SNAPSHOT_SECONDS:
            return cached
        cafe = self._cafes.by_token(token)
        questions = ranked(self._cafes.questions(cafe.id))
        rows = tuple(self._row(q, cafe.language) for q in questions)
        version = hashlib.sha256(
            json.dumps([cafe.intake_open, cafe.title, rows], ensure_ascii=False, default=str).encode()
        ).hexdigest()[:20]
        snapshot = Snapshot(cafe, rows, version, now)
        with self._lock:
            self._snapshots[token] = snapshot
        self._refresh_themes(cafe.id, now)
        return snapshot

    def forget(self, token: str) -> None:
        """A change was just made here: the next read must see it."""
        with self._lock:
            self._snapshots.pop(token, None)

    def _row(self, q: QuestionView, lang: str) -> dict[str, Any]:
        author = None
        if not q.anonymous and q.author_user_id is not None:
            # A name the bot knows, or none: never a Slack id, never a lookup from a web page.
            author = author_label(q, lambda uid: self._display_name(uid) or "", lang) or None
        # "Other questions" is no theme: on a projector it would only be noise.
        theme = None if q.theme in OTHER_TITLE.values() else q.theme
        return {"id": q.id, "text": q.text, "votes": q.votes, "theme": theme, "answered": q.status == "answered",
                "author": author}

    def _refresh_themes(self, cafe_id: int, now: float) -> None:
        """Themes follow the questions on the board; with a language model they take seconds,
        so they are made in the background, at most every THEMES_EVERY_SECONDS."""
        with self._lock:
            if cafe_id in self._theming or now - self._themed_at.get(cafe_id, -THEMES_EVERY_SECONDS) < THEMES_EVERY_SECONDS:
                return
            self._theming.add(cafe_id)
            self._themed_at[cafe_id] = now

        def make() -> None:
            try:
                self._cafes.themes(cafe_id)
            except CafeError:
                pass
            except Exception:  # themes are a nicety: the board goes on without them
                log.warning("could not make the themes of café %s", cafe_id, exc_info=True)
            finally:
                with self._lock:
                    self._theming.discard(cafe_id)

        self._run_later(make)


def state_json(snapshot: Snapshot, lang: str, *, voted: set[int] | None = None, top: int | None = None) -> dict[str, Any]:
    questions = list(snapshot.questions)
    shown = questions[:top] if top else questions
    data: dict[str, Any] = {
        "version": snapshot.version,
        "accepting": snapshot.cafe.intake_open,
        "title": snapshot.cafe.title,
        "count": len(questions),
        "votes": snapshot.votes,
        "summary": WEB("count", lang, questions=len(questions), votes=snapshot.votes),
        "more": WEB("more", lang, count=len(questions) - len(shown)) if len(shown) < len(questions) else "",
        "questions": shown,
    }
    if voted is not None:
        data["voted"] = sorted(voted)
    return data
