"""What the café service takes and gives: drafts, cafés and questions as values, the limits,
and the refusals (CafeError), shared with the listeners, the web pages and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MAX_QUESTION_CHARS = 1000
MAX_TITLE_CHARS = 200
MAX_WEB_NAME_CHARS = 80
WEB_AUTHOR_PREFIX = "web:"

# Statuses a member can see and vote for; facilitators also see pending and hidden ones.
PUBLIC_STATUSES = ("visible", "answered")
LIVE_STATUSES = ("pending", "visible", "hidden", "answered")
MODERATION = {"approve": "visible", "hide": "hidden", "answer": "answered"}


class CafeError(Exception):
    """A request the rules refuse; `code` is a text key of bot.cafe.texts, `values` fill it."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class CafeDraft:
    title: str
    starts_at: datetime
    closes_at: datetime
    place: str
    announce_channel: str
    approval_required: bool = False
    language: str = "fr"
    web_approval_required: bool = True


@dataclass(frozen=True)
class CafeInfo:
    id: int
    title: str
    starts_at: datetime
    closes_at: datetime
    place: str
    announce_channel: str
    approval_required: bool
    language: str
    status: str
    intake_open: bool
    question_count: int
    announcement_channel: str | None
    announcement_ts: str | None
    web_token: str = ""
    web_approval_required: bool = True


@dataclass(frozen=True)
class QuestionView:
    id: int
    cafe_id: int
    text: str
    status: str
    votes: int
    theme: str | None
    anonymous: bool
    # None when the question is anonymous: nobody is shown who asked it.
    author_user_id: str | None
    voted: bool = False  # by the viewer
    mine: bool = False  # the viewer asked it
    created_at: datetime | None = None
    # The name a web participant gave (None when anonymous or when asked from Slack).
    author_name: str | None = None


@dataclass(frozen=True)
class Submission:
    question: QuestionView | None
    similar: tuple[QuestionView, ...] = ()
    cafe: CafeInfo | None = None


@dataclass(frozen=True)
class VoteResult:
    voted: bool
    votes: int
    question: QuestionView
    # The vote was there already: nothing changed, and the member is offered to withdraw it.
    already: bool = False
