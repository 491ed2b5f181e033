"""The facilitators' export: questions ranked by votes, as CSV or Markdown."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from bot.cafe.values import WEB_AUTHOR_PREFIX, CafeInfo, QuestionView
from bot.cafe.texts import CAFE
from bot.privacy.erasure import ERASED_PREFIX

FORMATS = ("csv", "md")


# What a spreadsheet reads as the start of a formula (OWASP's list): such a cell gets a
# leading apostrophe, which Excel and LibreOffice show as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def author_label(question: QuestionView, display_name: Callable[[str], str], lang: str) -> str:
    """Who asked, as every café view and export shows it: nobody for an anonymous question
    (QuestionView carries no author then), "membre supprimé" for an erased member, the name a
    web participant gave, else the member's display name."""
    author = question.author_user_id
    if question.anonymous or author is None:
        return CAFE("anonymous_author", lang)
    if author.startswith(ERASED_PREFIX):
        return CAFE("former_member", lang)
    if author.startswith(WEB_AUTHOR_PREFIX):
        return question.author_name or CAFE("web_participant", lang)
    return display_name(author)


def spreadsheet_cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_csv(questions: Sequence[QuestionView], display_name: Callable[[str], str], lang: str) -> str:
    """CSV as French Excel opens it: a UTF-8 byte order mark, `;` between cells, and member
    text that cannot turn into a formula."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["rank", "votes", "question", "theme", "status", "author"])
    for rank, q in enumerate(questions, 1):
        writer.writerow([rank, q.votes, *(spreadsheet_cell(v) for v in (
            q.text, q.theme or "", CAFE("status_" + q.status, lang), author_label(q, display_name, lang)))])
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
