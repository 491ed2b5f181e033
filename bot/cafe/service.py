"""The café question intake: cafés, questions, votes, moderation, merges, themes and reminders.

No Slack here: listeners, jobs and the CLI call these functions and render what they return.
Every change is one unit of work, so a refused or failed request leaves nothing half-saved.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.cafe.analysis import cosine, fold, jaccard, stems
from bot.cafe.models import Cafe, Question, Reminder, Vote
from bot.cafe.reminders import reminder_schedule
from bot.cafe.themes import Theme, ThemeInput, make_themes
from bot.cafe.values import (
    LIVE_STATUSES, MAX_QUESTION_CHARS, MAX_TITLE_CHARS, MAX_WEB_NAME_CHARS, MODERATION, PUBLIC_STATUSES, WEB_AUTHOR_PREFIX,
    CafeDraft, CafeError, CafeInfo, QuestionView, Submission, VoteResult,
)
from bot.store.db import Database
from integrations.llm import LLM, LLMUnavailable

LEXICAL_SIMILARITY = 0.5
EMBEDDING_SIMILARITY = 0.85
MAX_SIMILAR = 3
# The intake may stay open while the café runs, so the room can ask and vote on the board.
INTAKE_AFTER_START = timedelta(hours=12)


class CafeService:
    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        tz: ZoneInfo,
        llm: LLM | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.llm = llm

    # -- cafés -------------------------------------------------------------------------------
    def _validate(self, draft: CafeDraft, now: datetime) -> CafeDraft:
        title = " ".join(draft.title.split())
        if not title:
            raise CafeError("title_missing")
        if len(title) > MAX_TITLE_CHARS:
            raise CafeError("title_too_long", limit=MAX_TITLE_CHARS)
        if not draft.announce_channel:
            raise CafeError("channel_missing")
        if draft.starts_at <= now:
            raise CafeError("starts_in_past")
        if draft.closes_at > draft.starts_at + INTAKE_AFTER_START:
            raise CafeError("closes_after_start", hours=int(INTAKE_AFTER_START.total_seconds() // 3600))
        if draft.language not in ("fr", "en"):
            raise CafeError("bad_language")
        return replace(draft, title=title, place=" ".join(draft.place.split())[:500])

    def check_draft(self, draft: CafeDraft, *, new: bool = True) -> CafeDraft:
        """The draft cleaned up, or CafeError: what the café form checks before saving."""
        now = self.clock()
        draft = self._validate(draft, now)
        if new and draft.closes_at <= now:
            raise CafeError("closes_in_past")
        return draft

    def create_cafe(self, user_id: str, draft: CafeDraft) -> CafeInfo:
        now = self.clock()
        draft = self.check_draft(draft, new=True)
        with self.db.session() as session:
            cafe = Cafe(
                title=draft.title, starts_at=draft.starts_at, closes_at=draft.closes_at, place=draft.place,
                announce_channel=draft.announce_channel, approval_required=draft.approval_required,
                language=draft.language, status="open", created_by_user_id=user_id, created_at=now, updated_at=now,
                web_token=secrets.token_urlsafe(24), web_approval_required=draft.web_approval_required,
            )
            session.add(cafe)
            session.flush()
            self._schedule(session, cafe, now)
            return self._info(session, cafe)

    def update_cafe(self, cafe_id: int, draft: CafeDraft) -> CafeInfo:
        """Change a café; its reminders move with its dates."""
        now = self.clock()
        with self.db.session() as session:
            cafe = self._cafe(session, cafe_id)
            draft = self._validate(draft, now)
            cafe.title, cafe.starts_at, cafe.closes_at, cafe.place = draft.title, draft.starts_at, draft.closes_at, draft.place
            cafe.announce_channel, cafe.approval_required, cafe.language = (
                draft.announce_channel, draft.approval_required, draft.language,
            )
            cafe.web_approval_required = draft.web_approval_required
            cafe.updated_at = now
            self._schedule(session, cafe, cafe.created_at)
            return self._info(session, cafe)

    def _schedule(self, session: Session, cafe: Cafe, created_at: datetime) -> None:
        now = self.clock()
        due = reminder_schedule(created_at=created_at, starts_at=cafe.starts_at, closes_at=cafe.closes_at, tz=self.tz)
        existing = {r.kind: r for r in session.scalars(select(Reminder).where(Reminder.cafe_id == cafe.id))}
        for kind, due_at in due.items():
            reminder = existing.get(kind)
            if due_at is None:
                if reminder is not None and reminder.sent_at is None:
                    session.delete(reminder)
                continue
            if reminder is None:
                session.add(Reminder(cafe_id=cafe.id, kind=kind, due_at=due_at))
            elif reminder.due_at != due_at:
                reminder.due_at = due_at
                # A reminder already sent for the old date is owed again if its new time is ahead.
                if kind != "announce" and due_at > now:
                    reminder.sent_at = None

    def set_status(self, cafe_id: int, status: str) -> CafeInfo:
        with self.db.session() as session:
            cafe = self._cafe(session, cafe_id)
            if status == "open" and cafe.closes_at <= self.clock():
                raise CafeError("reopen_past_close", title=cafe.title)
            cafe.status = status
            cafe.updated_at = self.clock()
            return self._info(session, cafe)

    def record_announcement(self, cafe_id: int, channel: str, ts: str) -> None:
        with self.db.session() as session:
            cafe = self._cafe(session, cafe_id)
            cafe.announcement_channel, cafe.announcement_ts = channel, ts

    def get(self, cafe_id: int) -> CafeInfo:
        with self.db.session() as session:
            return self._info(session, self._cafe(session, cafe_id))

    def by_token(self, token: str) -> CafeInfo:
        """The café whose web pages live at /cafe/<token>/…; unknown_cafe for any other token."""
        with self.db.session() as session:
            cafe = session.scalar(select(Cafe).where(Cafe.web_token == token)) if token else None
            if cafe is None:
                raise CafeError("unknown_cafe", ref="")
            return self._info(session, cafe)

    def cafes(self, *, intake_open_only: bool = False) -> list[CafeInfo]:
        """Cafés by start time, the next one first."""
        with self.db.session() as session:
            rows = session.scalars(select(Cafe).order_by(Cafe.starts_at, Cafe.id)).all()
            infos = [self._info(session, c) for c in rows]
        return [c for c in infos if c.intake_open] if intake_open_only else infos

    def resolve(self, ref: str | None, *, intake_open_only: bool = False) -> CafeInfo:
        """The café a member or facilitator means: by number ("3" or "#3") or by a word of its
        title; when none is named, the next café taking questions, else the next one to come,
        else the latest one."""
        cafes = self.cafes()
        ref = (ref or "").strip().lstrip("#")
        if ref:
            if ref.isdigit():
                found = [c for c in cafes if c.id == int(ref)]
            else:
                found = [c for c in cafes if fold(ref) in fold(c.title)]
                found = sorted(found, key=lambda c: (not c.intake_open, c.starts_at < self.clock(), c.starts_at))
            if not found:
                raise CafeError("unknown_cafe", ref=ref)
            if intake_open_only and not found[0].intake_open:
                raise CafeError("intake_closed", title=found[0].title)
            return found[0]
        taking = [c for c in cafes if c.intake_open]
        if taking:
            return taking[0]
        if intake_open_only:
            raise CafeError("no_open_cafe")
        upcoming = [c for c in cafes if c.starts_at >= self.clock()]
        if upcoming:
            return upcoming[0]
        if cafes:
            return cafes[-1]
        raise CafeError("no_cafe")

    def _cafe(self, session: Session, cafe_id: int) -> Cafe:
        cafe = session.get(Cafe, cafe_id)
        if cafe is None:
            raise CafeError("unknown_cafe", ref=str(cafe_id))
        return cafe

    def _intake_open(self, cafe: Cafe) -> bool:
        return cafe.status == "open" and self.clock() < cafe.closes_at

    def _info(self, session: Session, cafe: Cafe) -> CafeInfo:
        count = session.scalar(
            select(func.count(Question.id)).where(Question.cafe_id == cafe.id, Question.status.in_(PUBLIC_STATUSES))
        )
        return CafeInfo(
            id=cafe.id, title=cafe.title, starts_at=cafe.starts_at, closes_at=cafe.closes_at, place=cafe.place,
            announce_channel=cafe.announce_channel, approval_required=cafe.approval_required,
            language=cafe.language, status=cafe.status, intake_open=self._intake_open(cafe),
            question_count=int(count or 0), announcement_channel=cafe.announcement_channel,
            announcement_ts=cafe.announcement_ts, web_token=cafe.web_token,
            web_approval_required=cafe.web_approval_required,
        )

    # -- questions ---------------------------------------------------------------------------
    def _check_text(self, text: str) -> str:
        text = (text or "").strip()
        if not text:
            raise CafeError("question_empty")
        if len(text) > MAX_QUESTION_CHARS:
            raise CafeError("question_too_long", limit=MAX_QUESTION_CHARS, length=len(text))
        return text

    def submit(
        self, cafe_id: int, user_id: str, text: str, *, anonymous: bool = False, force: bool = False,
        author_name: str | None = None,
    ) -> Submission:
        """Add a question, unless a similar one exists and `force` is False: then nothing is
        saved and the similar questions come back, so the member can vote for one instead.
        A web participant's `user_id` starts with "web:"; their question waits for approval
        when the café's web_approval_required says so."""
        text = self._check_text(text)
        from_web = user_id.startswith(WEB_AUTHOR_PREFIX)
        author_name = (" ".join((author_name or "").split())[:MAX_WEB_NAME_CHARS] or None) if from_web else None
        anonymous = anonymous or (from_web and author_name is None)
        with self.db.session() as session:
            cafe = self._cafe(session, cafe_id)
            if not self._intake_open(cafe):
                raise CafeError("intake_closed", title=cafe.title)
        if not force:
            similar = self.similar(cafe_id, text, viewer=user_id)
            if similar:
                return Submission(None, tuple(similar), self.get(cafe_id))
        with self.db.session() as session:
            cafe = self._cafe(session, cafe_id)
            if not self._intake_open(cafe):  # it may have closed while we compared
                raise CafeError("intake_closed", title=cafe.title)
            needs_approval = cafe.approval_required or (from_web and cafe.web_approval_required)
            question = Question(
                cafe_id=cafe_id, author_user_id=user_id, text=text, anonymous=anonymous, author_name=author_name,
                status="pending" if needs_approval else "visible", created_at=self.clock(),
            )
            session.add(question)
            session.flush()
            return Submission(self._view(session, question, user_id), (), self._info(session, cafe))

    def similar(self, cafe_id: int, text: str, *, viewer: str | None = None, exclude: int | None = None) -> list[QuestionView]:
        """Questions of the same café that ask nearly the same thing: shared stems (Jaccard),
        or close embeddings when an embedding model is configured."""
        with self.db.session() as session:
            cafe = self._cafe(session, cafe_id)
            rows = session.scalars(
                select(Question).where(Question.cafe_id == cafe_id, Question.status.in_(PUBLIC_STATUSES)).order_by(Question.id)
            ).all()
            candidates = [q for q in rows if q.id != exclude]
            lang = cafe.language
            if not candidates:
                return []
            mine = set(stems(text, lang))
            scores = {q.id: jaccard(mine, set(stems(q.text, lang))) for q in candidates}
            if self.llm is not None and self.llm.embeddings_enabled:
                try:
                    vectors = self.llm.embed([text, *(q.text for q in candidates)])
                    for q, vector in zip(candidates, vectors[1:]):
                        if cosine(vectors[0], vector) >= EMBEDDING_SIMILARITY:
                            scores[q.id] = max(scores[q.id], 1.0)
                except LLMUnavailable:
                    pass
            close = sorted((q for q in candidates if scores[q.id] >= LEXICAL_SIMILARITY), key=lambda q: (-scores[q.id], q.id))
            return [self._view(session, q, viewer) for q in close[:MAX_SIMILAR]]

    def edit(self, question_id: int, user_id: str, text: str) -> QuestionView:
        text = self._check_text(text)
        with self.db.session() as session:
            question = self._own_question(session, question_id, user_id)
            question.text = text
            question.edited_at = self.clock()
            return self._view(session, question, user_id)

    def withdraw(self, question_id: int, user_id: str) -> QuestionView:
        with self.db.session() as session:
            question = self._own_question(session, question_id, user_id)
            question.status = "withdrawn"
            question.edited_at = self.clock()
            return self._view(session, question, user_id)

    def _own_question(self, session: Session, question_id: int, user_id: str) -> Question:
        question = self._question(session, question_id)
        if question.author_user_id != user_id or question.status in ("withdrawn", "merged"):
            raise CafeError("not_your_question")
        cafe = self._cafe(session, question.cafe_id)
        if not self._intake_open(cafe):
            raise CafeError("intake_closed", title=cafe.title)
        return question

    def _question(self, session: Session, question_id: int) -> Question:
        question = session.get(Question, question_id)
        if question is None:
            raise CafeError("unknown_question")
        return question

    def question(self, question_id: int, viewer: str | None = None) -> QuestionView:
        with self.db.session() as session:
            return self._view(session, self._question(session, question_id), viewer)

    # -- votes -------------------------------------------------------------------------------
    def _votable(self, session: Session, question_id: int) -> Question:
        question = self._question(session, question_id)
        cafe = self._cafe(session, question.cafe_id)
        if not self._intake_open(cafe):
            raise CafeError("votes_closed", title=cafe.title)
        if question.status not in PUBLIC_STATUSES:
            raise CafeError("not_votable")
        return question

    def vote(self, question_id: int, user_id: str) -> VoteResult:
        """Count the member's vote once. A second press changes nothing and says so
        (`already`), so a vote is only ever taken back on purpose, with `unvote`. The unique
        constraint settles concurrent presses: the losing insert fails and the vote stands."""
        already = False
        try:
            with self.db.session() as session:
                self._votable(session, question_id)
                already = (session.scalar(
                    select(func.count(Vote.id)).where(Vote.question_id == question_id, Vote.user_id == user_id)
                ) or 0) > 0
                if not already:
                    session.add(Vote(question_id=question_id, user_id=user_id, created_at=self.clock()))
                    session.flush()
        except IntegrityError:
            already = True
        view = self.question(question_id, user_id)
        return VoteResult(True, view.votes, view, already=already)

    def unvote(self, question_id: int, user_id: str) -> VoteResult:
        """Take the member's vote back; nothing happens when there was none."""
        with self.db.session() as session:
            self._votable(session, question_id)
            session.execute(delete(Vote).where(Vote.question_id == question_id, Vote.user_id == user_id))
        view = self.question(question_id, user_id)
        return VoteResult(False, view.votes, view)

    # -- moderation --------------------------------------------------------------------------
    def moderate(self, question_id: int, action: str) -> QuestionView:
        if action not in MODERATION:
            raise CafeError("unknown_action")
        with self.db.session() as session:
            question = self._question(session, question_id)
            if question.status in ("merged", "withdrawn"):
                raise CafeError("question_gone")
            question.status = MODERATION[action]
            return self._view(session, question, None)

    def merge(self, source_id: int, target_id: int) -> QuestionView:
        """Fold a question into another: each distinct voter of either ends up on the target
        exactly once, and the source points at its target."""
        if source_id == target_id:
            raise CafeError("merge_same")
        with self.db.session() as session:
            source, target = self._question(session, source_id), self._question(session, target_id)
            if source.cafe_id != target.cafe_id:
                raise CafeError("merge_other_cafe")
            if source.status in ("merged", "withdrawn") or target.status in ("merged", "withdrawn"):
                raise CafeError("question_gone")
            on_target = set(session.scalars(select(Vote.user_id).where(Vote.question_id == target_id)))
            for vote in session.scalars(select(Vote).where(Vote.question_id == source_id)).all():
                if vote.user_id in on_target:
                    session.delete(vote)
                else:
                    vote.question_id = target_id
                    on_target.add(vote.user_id)
            source.status = "merged"
            source.merged_into_id = target_id
            session.flush()
            return self._view(session, target, None)

    # -- reading -----------------------------------------------------------------------------
    def questions(self, cafe_id: int, *, viewer: str | None = None, moderation: bool = False) -> list[QuestionView]:
        """The café's questions, most voted first (then oldest first)."""
        statuses = LIVE_STATUSES if moderation else PUBLIC_STATUSES
        with self.db.session() as session:
            self._cafe(session, cafe_id)
            rows = session.scalars(
                select(Question).where(Question.cafe_id == cafe_id, Question.status.in_(statuses))
            ).all()
            views = self._views(session, rows, viewer)
        return sorted(views, key=lambda v: (-v.votes, v.created_at, v.id))

    def voted_by(self, cafe_id: int, user_id: str) -> set[int]:
        """The ids of the café's questions this member (or browser) has voted for."""
        with self.db.session() as session:
            return set(session.scalars(
                select(Vote.question_id).join(Question, Question.id == Vote.question_id)
                .where(Question.cafe_id == cafe_id, Vote.user_id == user_id)
            ))

    def export_questions(self, cafe_id: int) -> list[QuestionView]:
        """What the export lists: every question still in play (not hidden, merged or withdrawn)."""
        return [q for q in self.questions(cafe_id, moderation=True) if q.status != "hidden"]

    def my_questions(self, user_id: str) -> list[tuple[CafeInfo, QuestionView]]:
        """The member's questions in cafés still taking questions."""
        result = []
        for cafe in self.cafes(intake_open_only=True):
            with self.db.session() as session:
                rows = session.scalars(
                    select(Question).where(
                        Question.cafe_id == cafe.id, Question.author_user_id == user_id,
                        Question.status.in_(("pending", "visible", "hidden", "answered")),
                    ).order_by(Question.id)
                ).all()
                result.extend((cafe, view) for view in self._views(session, rows, user_id))
        return result

    def _views(self, session: Session, rows: Sequence[Question], viewer: str | None) -> list[QuestionView]:
        if not rows:
            return []
        ids = [q.id for q in rows]
        counts = dict(
            session.execute(select(Vote.question_id, func.count(Vote.id)).where(Vote.question_id.in_(ids)).group_by(Vote.question_id)).all()
        )
        mine: set[int] = set()
        if viewer:
            mine = set(session.scalars(select(Vote.question_id).where(Vote.question_id.in_(ids), Vote.user_id == viewer)))
        return [
            QuestionView(
                id=q.id, cafe_id=q.cafe_id, text=q.text, status=q.status, votes=int(counts.get(q.id, 0)),
                theme=q.theme, anonymous=q.anonymous, author_user_id=None if q.anonymous else q.author_user_id,
                voted=q.id in mine, mine=viewer is not None and q.author_user_id == viewer, created_at=q.created_at,
                author_name=None if q.anonymous else q.author_name,
            )
            for q in rows
        ]

    def _view(self, session: Session, question: Question, viewer: str | None) -> QuestionView:
        return self._views(session, [question], viewer)[0]

    # -- themes ------------------------------------------------------------------------------
    def themes(self, cafe_id: int) -> tuple[list[Theme], str]:
        """At most six themes over the café's live questions, and how they were made ("llm",
        "lexical" or "cached"). The same questions give the same themes: they are kept with a
        fingerprint of the questions and recomputed only when the questions change."""
        with self.db.session() as session:
            cafe = self._cafe(session, cafe_id)
            rows = session.scalars(
                select(Question).where(Question.cafe_id == cafe_id, Question.status.in_(("pending", "visible", "answered"))).order_by(Question.id)
            ).all()
            inputs = [ThemeInput(q.id, q.text) for q in rows]
            lang = cafe.language
            fingerprint = hashlib.sha256(json.dumps([[q.id, q.text] for q in inputs], ensure_ascii=False).encode()).hexdigest()
            if cafe.themes_fingerprint == fingerprint and cafe.themes_json:
                stored = json.loads(cafe.themes_json)
                return [Theme(t["title"], tuple(t["question_ids"])) for t in stored], "cached"
        complete = None
        if self.llm is not None:
            llm = self.llm

            def complete(messages: list[dict[str, str]]) -> str:
                return llm.complete(messages, max_tokens=800, temperature=0.0)

        themes, method = make_themes(inputs, lang, complete)
        with self.db.session() as session:
            cafe = self._cafe(session, cafe_id)
            cafe.themes_fingerprint = fingerprint
            cafe.themes_json = json.dumps([{"title": t.title, "question_ids": list(t.question_ids)} for t in themes], ensure_ascii=False)
            title_of = {qid: t.title for t in themes for qid in t.question_ids}
            for question in session.scalars(select(Question).where(Question.cafe_id == cafe_id)).all():
                question.theme = title_of.get(question.id)
        return themes, method

    # -- reminders ---------------------------------------------------------------------------
    def due_reminders(self) -> list[tuple[int, str, CafeInfo]]:
        now = self.clock()
        with self.db.session() as session:
            rows = session.execute(
                select(Reminder.id, Reminder.kind, Reminder.cafe_id).where(Reminder.sent_at.is_(None), Reminder.due_at <= now).order_by(Reminder.due_at, Reminder.id)
            ).all()
            return [(rid, kind, self._info(session, self._cafe(session, cafe_id))) for rid, kind, cafe_id in rows]

    def claim_reminder(self, reminder_id: int) -> bool:
        """Mark a reminder sent before sending it; only one process can win (at most once)."""
        with self.db.session() as session:
            result = session.execute(
                update(Reminder).where(and_(Reminder.id == reminder_id, Reminder.sent_at.is_(None))).values(sent_at=self.clock())
            )
            return result.rowcount == 1

    def release_reminder(self, reminder_id: int) -> None:
        """Sending failed: owe it again."""
        with self.db.session() as session:
            session.execute(update(Reminder).where(Reminder.id == reminder_id).values(sent_at=None))

    def reminders(self, cafe_id: int) -> dict[str, tuple[datetime, datetime | None]]:
        with self.db.session() as session:
            rows = session.scalars(select(Reminder).where(Reminder.cafe_id == cafe_id)).all()
            return {r.kind: (r.due_at, r.sent_at) for r in rows}

    def close_expired(self) -> list[CafeInfo]:
        """Cafés whose intake time has passed but are still marked open: close them."""
        now = self.clock()
        with self.db.session() as session:
            rows = session.scalars(select(Cafe).where(Cafe.status == "open", Cafe.closes_at <= now)).all()
            for cafe in rows:
                cafe.status = "closed"
                cafe.updated_at = now
            return [self._info(session, c) for c in rows]
