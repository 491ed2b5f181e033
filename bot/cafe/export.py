"""The facilitators' export: questions ranked by votes, as CSV or Markdown."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from bot.cafe.service import CafeInfo, QuestionView
from bot.cafe.texts import CAFE

FORMATS = ("csv", "md")


def author_label(question: QuestionView, display_name: Callable[[str], str], lang: str) -> str:
    # QuestionView carries no author for anonymous questions; the label says so, nothing more.
    if question.anonymous or question.author_user_id is None:
        return CAFE("anonymous_author", lang)
    return display_name(question.author_user_id)


def export_csv(questions: Sequence[QuestionView], display_name: Callable[[str], str], lang: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["rank", "votes", "question", "theme", "status", "author"])
    for rank, q in enumerate(questions, 1):
        writer.writerow([rank, q.votes, q.text, q.theme or "", CAFE("status_" + q.status, lang), author_label(q, display_name, lang)])
    return out.getvalue()


def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def export_markdown(
    cafe: CafeInfo, questions: Sequence[QuestionView], display_name: Callable[[str], str], lang: str, tz: ZoneInfo
) -> str:
    when = cafe.starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    lines = [
        f"# {cafe.title}",
        "",
        CAFE("export_intro", lang, when=when, place=cafe.place or "—", count=len(questions)),
        "",
        "| # | " + " | ".join(CAFE(k, lang) for k in ("col_votes", "col_question", "col_theme", "col_status", "col_author")) + " |",
        "|---|---|---|---|---|---|",
    ]
    for rank, q in enumerate(questions, 1):
        cells = [str(rank), str(q.votes), _md_cell(q.text), _md_cell(q.theme or "—"), CAFE("status_" + q.status, lang),
                 _md_cell(author_label(q, display_name, lang))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_export(
    fmt: str, cafe: CafeInfo, questions: Sequence[QuestionView], display_name: Callable[[str], str], lang: str, tz: ZoneInfo
) -> str:
    if fmt == "csv":
        return export_csv(questions, display_name, lang)
    return export_markdown(cafe, questions, display_name, lang, tz)
