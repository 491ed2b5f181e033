"""Block Kit for the café intake: pure functions from domain objects to messages and modals."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.slack.blocks import (
    MAX_BLOCKS, Block, actions, button, context, divider, escape_mrkdwn, fit, header, section, truncate,
)
from bot.cafe.analysis import fold
from bot.cafe.export import author_label
from bot.cafe.values import CafeInfo, QuestionView, Submission
from bot.cafe.themes import Theme
from bot.cafe.texts import CAFE

ASK_VIEW = "cafe_ask_view"
EDIT_QUESTION_VIEW = "cafe_edit_question_view"
CAFE_VIEW = "cafe_cafe_view"
MERGE_VIEW = "cafe_merge_view"


def when(dt: datetime, tz: ZoneInfo, lang: str) -> str:
    local = dt.astimezone(tz)
    return local.strftime("%d/%m/%Y %H:%M") if lang == "fr" else local.strftime("%d %b %Y, %H:%M")


def place_text(cafe: CafeInfo) -> str:
    return escape_mrkdwn(cafe.place) if cafe.place else "—"


def quote(text: str, limit: int = 600) -> str:
    return escape_mrkdwn(truncate(" ".join(text.split()), limit))


def _plain(text: str, limit: int = 75) -> dict:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


# -- announcement and reminders (in the café's language) ------------------------------------
def announcement(cafe: CafeInfo, tz: ZoneInfo) -> tuple[str, list[Block]]:
    lang = cafe.language
    title = heading(cafe, lang)
    body = CAFE("announce_body", lang, when=when(cafe.starts_at, tz, lang), place=place_text(cafe), closes=when(cafe.closes_at, tz, lang))
    blocks: list[Block] = [header(title), section(body)]
    if cafe.intake_open:
        blocks.append(actions(
            button(CAFE("ask_button", lang), "cafe_ask", str(cafe.id), style="primary"),
            button(CAFE("see_button", lang), "cafe_list", str(cafe.id)),
            block_id=f"cafe_announce_{cafe.id}",
        ))
        blocks.append(context(CAFE("announce_count", lang, count=cafe.question_count)))
    else:
        blocks.append(context(CAFE("announce_closed", lang, count=cafe.question_count)))
    return f"{title} — {CAFE('announce_count', lang, count=cafe.question_count)}", blocks


def heading(cafe: CafeInfo, lang: str) -> str:
    """"☕ Café IAssos : <title>", unless the title already says it is a café."""
    if "cafe" in fold(cafe.title):
        return f"☕ {cafe.title}"
    return CAFE("announce_title", lang, title=cafe.title)


def reminder_text(kind: str, cafe: CafeInfo, tz: ZoneInfo) -> str:
    lang = cafe.language
    if kind == "closing":
        return CAFE("reminder_closing", lang, title=escape_mrkdwn(cafe.title), closes=when(cafe.closes_at, tz, lang))
    return CAFE("reminder_morning", lang, title=escape_mrkdwn(cafe.title), time=cafe.starts_at.astimezone(tz).strftime("%H:%M"),
                place=place_text(cafe), count=cafe.question_count)


def reminder_blocks(kind: str, cafe: CafeInfo, tz: ZoneInfo) -> list[Block]:
    blocks = [section(reminder_text(kind, cafe, tz))]
    if kind == "closing" and cafe.intake_open:
        blocks.append(actions(button(CAFE("ask_button", cafe.language), "cafe_ask", str(cafe.id), style="primary"),
                              button(CAFE("see_button", cafe.language), "cafe_list", str(cafe.id))))
    return blocks


# -- member modals --------------------------------------------------------------------------
def _cafe_options(cafes: Sequence[CafeInfo]) -> list[dict]:
    return [{"text": _plain(c.title), "value": str(c.id)} for c in cafes[:100]]


def ask_modal(cafes: Sequence[CafeInfo], lang: str, *, text: str = "", cafe_id: int | None = None) -> dict:
    """The question modal. With several open cafés and none chosen, it asks which one."""
    chosen = next((c for c in cafes if c.id == cafe_id), None) or (cafes[0] if len(cafes) == 1 else None)
    blocks: list[Block] = []
    if chosen is None:
        blocks.append({
            "type": "input", "block_id": "cafe_cafe", "label": _plain(CAFE("cafe_label", lang)),
            "element": {"type": "static_select", "action_id": "value", "options": _cafe_options(cafes),
                        "initial_option": _cafe_options(cafes)[0]},
        })
    element: dict = {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 1000}
    if text:
        element["initial_value"] = text[:1000]
    blocks.append({
        "type": "input", "block_id": "cafe_question", "label": _plain(CAFE("ask_label", lang)), "element": element,
        "hint": _plain(CAFE("ask_hint", lang, title=chosen.title if chosen else "…"), 150),
    })
    blocks.append({
        "type": "input", "block_id": "cafe_anonymous", "optional": True, "label": _plain(CAFE("anonymous_label", lang)),
        "element": {"type": "checkboxes", "action_id": "value",
                    "options": [{"text": _plain(CAFE("anonymous_option", lang)), "value": "anonymous"}]},
    })
    return {
        "type": "modal", "callback_id": ASK_VIEW, "title": _plain(CAFE("ask_modal_title", lang), 24),
        "submit": _plain(CAFE("ask_modal_submit", lang), 24), "close": _plain(CAFE("cancel", lang), 24),
        "private_metadata": json.dumps({"cafe_id": chosen.id if chosen else None}), "blocks": blocks,
    }


def edit_question_modal(question: QuestionView, lang: str) -> dict:
    return {
        "type": "modal", "callback_id": EDIT_QUESTION_VIEW, "title": _plain(CAFE("edit_modal_title", lang), 24),
        "submit": _plain(CAFE("save", lang), 24), "close": _plain(CAFE("cancel", lang), 24),
        "private_metadata": json.dumps({"question_id": question.id}),
        "blocks": [{
            "type": "input", "block_id": "cafe_question", "label": _plain(CAFE("ask_label", lang)),
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 1000,
                        "initial_value": question.text[:1000]},
        }],
    }


# -- results for the member -----------------------------------------------------------------
def submission_result(submission: Submission, text: str, anonymous: bool, lang: str) -> tuple[str, list[Block]]:
    cafe = submission.cafe
    title = cafe.title if cafe else ""
    if submission.question is not None:
        key = "submitted_pending" if submission.question.status == "pending" else "submitted"
        message = CAFE(key, lang, title=escape_mrkdwn(title))
        return message, [section(message), context(CAFE("your_question", lang, text=quote(text)))]
    message = CAFE("similar_found", lang, title=escape_mrkdwn(title))
    blocks: list[Block] = [section(message)]
    for q in submission.similar:
        blocks.append(section(f"> {quote(q.text)}\n{CAFE('votes', lang, votes=q.votes)}",
                              button(CAFE("vote_for_this", lang), "cafe_vote", str(q.id), style="primary")))
    payload = json.dumps({"cafe_id": cafe.id if cafe else None, "text": text, "anonymous": anonymous}, ensure_ascii=False)
    blocks.append(context(CAFE("your_question", lang, text=quote(text))))
    # The text rides in the button (Slack keeps 2,000 characters of value; questions are ≤ 1,000).
    if len(payload) <= 2000:
        blocks.append(actions(button(CAFE("add_mine", lang), "cafe_add_anyway", payload), block_id="cafe_similar"))
    return message, blocks


def question_line(q: QuestionView, lang: str, display_name: Callable[[str], str] | None = None, *, status: bool = False) -> str:
    meta = [CAFE("votes", lang, votes=q.votes)]
    if display_name is not None:
        meta.append(CAFE("by", lang, name=escape_mrkdwn(author_label(q, display_name, lang))))
    if status:
        meta.append(CAFE("status_" + q.status, lang))
    if q.theme:
        meta.append(escape_mrkdwn(q.theme))
    return f"{quote(q.text)}\n_{' · '.join(meta)}_"


def member_questions(cafe: CafeInfo, questions: Sequence[QuestionView], lang: str, display_name: Callable[[str], str]) -> list[Block]:
    """The ranked list a member votes from: one section per question with a vote toggle."""
    blocks: list[Block] = [header(CAFE("questions_title", lang, title=cafe.title))]
    if not questions:
        return blocks + [section(CAFE("no_questions", lang))]
    room = MAX_BLOCKS - 3
    for q in questions[:room]:
        accessory = None
        if cafe.intake_open:
            accessory = (button(CAFE("unvote", lang), "cafe_unvote", str(q.id)) if q.voted
                         else button(CAFE("vote", lang), "cafe_vote", str(q.id)))
        blocks.append(dict(section(question_line(q, lang, display_name), accessory), block_id=f"cafe_list_{q.id}"))
    if len(questions) > room:
        blocks.append(context(CAFE("more_questions", lang)))
    return blocks


def moderation_list(cafe: CafeInfo, questions: Sequence[QuestionView], lang: str, display_name: Callable[[str], str]) -> list[Block]:
    """Facilitators' ranked list: each question with approve/hide/answered/merge buttons."""
    blocks: list[Block] = [header(CAFE("questions_title", lang, title=cafe.title)),
                           context(CAFE("facilitator_help", lang))]
    if not questions:
        return blocks + [section(CAFE("no_questions", lang))]
    per_question = 2
    room = (MAX_BLOCKS - len(blocks) - 1) // per_question
    for q in questions[:room]:
        buttons = []
        if q.status in ("pending", "hidden"):
            buttons.append(button(CAFE("approve", lang), "cafe_approve", str(q.id), style="primary"))
        if q.status != "hidden":
            buttons.append(button(CAFE("hide", lang), "cafe_hide", str(q.id), style="danger"))
        if q.status != "answered":
            buttons.append(button(CAFE("answer", lang), "cafe_answer", str(q.id)))
        buttons.append(button(CAFE("merge", lang), "cafe_merge", str(q.id)))
        blocks.append(section(f"*#{q.id}* " + question_line(q, lang, display_name, status=True)))
        blocks.append(actions(*buttons, block_id=f"cafe_moderate_{q.id}"))
    if len(questions) > room:
        blocks.append(context(CAFE("more_questions", lang)))
    return fit(blocks)


def merge_modal(source: QuestionView, candidates: Sequence[QuestionView], lang: str) -> dict:
    options = [{"text": _plain(f"#{q.id} {' '.join(q.text.split())}"), "value": str(q.id)} for q in candidates[:100]]
    blocks: list[Block] = [section(CAFE("merge_source", lang, text=quote(source.text)))]
    if options:
        blocks.append({"type": "input", "block_id": "cafe_target", "label": _plain(CAFE("merge_label", lang)),
                       "element": {"type": "static_select", "action_id": "value", "options": options}})
    else:
        blocks.append(section(CAFE("merge_nothing", lang)))
    view = {
        "type": "modal", "callback_id": MERGE_VIEW, "title": _plain(CAFE("merge_modal_title", lang), 24),
        "close": _plain(CAFE("cancel", lang), 24), "private_metadata": json.dumps({"question_id": source.id}), "blocks": blocks,
    }
    if options:
        view["submit"] = _plain(CAFE("merge_modal_title", lang), 24)
    return view


def themes_blocks(cafe: CafeInfo, themes: Sequence[Theme], method: str, questions: Sequence[QuestionView], lang: str) -> list[Block]:
    blocks: list[Block] = [header(CAFE("themes_title", lang, title=cafe.title)), context(CAFE("themes_method_" + method, lang))]
    if not themes:
        return blocks + [section(CAFE("themes_none", lang))]
    by_id = {q.id: q for q in questions}
    for theme in themes:
        members = sorted((by_id[i] for i in theme.question_ids if i in by_id), key=lambda q: (-q.votes, q.id))
        votes = sum(q.votes for q in members)
        lines = [f"*{escape_mrkdwn(theme.title)}* — {CAFE('votes', lang, votes=votes)}"]
        lines += [f"• {quote(q.text, 200)} ({q.votes})" for q in members]
        blocks.append(section("\n".join(lines)))
    return fit(blocks)


# -- overview, home -------------------------------------------------------------------------
def cafe_summary(cafe: CafeInfo, tz: ZoneInfo, lang: str) -> str:
    return CAFE("overview_cafe", lang, title=escape_mrkdwn(cafe.title), when=when(cafe.starts_at, tz, lang),
                place=place_text(cafe), closes=when(cafe.closes_at, tz, lang), count=cafe.question_count)


def web_links(cafe: CafeInfo, base_url: str, lang: str) -> str:
    """The board to project and the join page, for facilitators (the token is their secret)."""
    root = f"{base_url.rstrip('/')}/cafe/{cafe.web_token}"
    return CAFE("web_links", lang, board=f"{root}/board", join=f"{root}/join")


def already_voted(question_id: int, lang: str) -> list[Block]:
    """A second press on "Vote": nothing changed; withdrawing is offered, never done silently."""
    return [section(CAFE("already_voted", lang),
                    button(CAFE("withdraw_vote", lang), "cafe_unvote", str(question_id)))]


def overview(cafes: Sequence[CafeInfo], mine: Sequence[tuple[CafeInfo, QuestionView]], lang: str, tz: ZoneInfo,
             *, facilitator: bool = False, limit: int = MAX_BLOCKS, base_url: str | None = None) -> list[Block]:
    """Open cafés with their buttons, then the member's own questions with edit/withdraw;
    facilitators also get each café's board and join page (with `base_url`)."""
    blocks: list[Block] = [header(CAFE("home_title", lang))]
    if not cafes:
        blocks.append(section(CAFE("overview_none", lang)))
    for cafe in cafes[:10]:
        blocks.append(section(cafe_summary(cafe, tz, lang)))
        blocks.append(actions(button(CAFE("ask_button", lang), "cafe_ask", str(cafe.id), style="primary"),
                              button(CAFE("see_button", lang), "cafe_list", str(cafe.id))))
        if facilitator and base_url:
            blocks.append(context(web_links(cafe, base_url, lang)))
    if mine:
        blocks.append(divider())
        blocks.append(section(CAFE("overview_mine", lang)))
        for cafe, q in mine[:15]:
            text = f"{quote(q.text, 300)}\n_{escape_mrkdwn(cafe.title)} · {CAFE('votes', lang, votes=q.votes)} · {CAFE('status_' + q.status, lang)}"
            text += f" · {CAFE('anonymous_author', lang)}_" if q.anonymous else "_"
            blocks.append(section(text))
            blocks.append(actions(button(CAFE("edit", lang), "cafe_edit", str(q.id)),
                                  button(CAFE("withdraw", lang), "cafe_withdraw", str(q.id), style="danger")))
    blocks.append(context(CAFE("overview_help", lang)))
    if facilitator:
        blocks.append(context(CAFE("facilitator_help", lang)))
    return fit(blocks, limit)


# -- facilitators' café modal ---------------------------------------------------------------
def cafe_modal(lang: str, tz: ZoneInfo, cafe: CafeInfo | None = None, default_channel: str | None = None) -> dict:
    def text_input(block_id: str, label: str, initial: str | None, *, optional: bool = False) -> Block:
        element: dict = {"type": "plain_text_input", "action_id": "value"}
        if initial:
            element["initial_value"] = initial
        return {"type": "input", "block_id": block_id, "optional": optional, "label": _plain(label), "element": element}

    def date_input(block_id: str, label: str, initial: datetime | None) -> Block:
        element: dict = {"type": "datepicker", "action_id": "value"}
        if initial:
            element["initial_date"] = initial.astimezone(tz).strftime("%Y-%m-%d")
        return {"type": "input", "block_id": block_id, "label": _plain(label), "element": element}

    def time_input(block_id: str, label: str, initial: datetime | None, default: str) -> Block:
        element: dict = {"type": "timepicker", "action_id": "value",
                         "initial_time": initial.astimezone(tz).strftime("%H:%M") if initial else default}
        return {"type": "input", "block_id": block_id, "label": _plain(label), "element": element}

    channel: dict = {"type": "conversations_select", "action_id": "value", "filter": {"include": ["public", "private"]}}
    initial_channel = cafe.announce_channel if cafe else default_channel
    if initial_channel:
        channel["initial_conversation"] = initial_channel
    approval_option = {"text": _plain(CAFE("f_approval_option", lang)), "value": "approval"}
    web_option = {"text": _plain(CAFE("f_web_approval_option", lang)), "value": "web_approval"}
    approval: dict = {"type": "checkboxes", "action_id": "value", "options": [approval_option, web_option]}
    initial = [o for o, on in ((approval_option, cafe and cafe.approval_required),
                               (web_option, cafe is None or cafe.web_approval_required)) if on]
    if initial:
        approval["initial_options"] = initial
    languages = [{"text": _plain(CAFE("lang_fr", lang)), "value": "fr"}, {"text": _plain(CAFE("lang_en", lang)), "value": "en"}]
    language: dict = {"type": "static_select", "action_id": "value", "options": languages,
                      "initial_option": languages[1 if cafe and cafe.language == "en" else 0]}
    blocks = [
        text_input("cafe_title", CAFE("f_title", lang), cafe.title if cafe else None),
        date_input("cafe_date", CAFE("f_date", lang), cafe.starts_at if cafe else None),
        time_input("cafe_time", CAFE("f_time", lang), cafe.starts_at if cafe else None, "18:30"),
        text_input("cafe_place", CAFE("f_place", lang), cafe.place if cafe else None, optional=True),
        {"type": "input", "block_id": "cafe_channel", "label": _plain(CAFE("f_channel", lang)), "element": channel},
        date_input("cafe_close_date", CAFE("f_close_date", lang), cafe.closes_at if cafe else None),
        time_input("cafe_close_time", CAFE("f_close_time", lang), cafe.closes_at if cafe else None, "12:00"),
        {"type": "input", "block_id": "cafe_approval", "optional": True, "label": _plain(CAFE("f_approval", lang)), "element": approval},
        {"type": "input", "block_id": "cafe_language", "label": _plain(CAFE("f_language", lang)), "element": language},
    ]
    return {
        "type": "modal", "callback_id": CAFE_VIEW,
        "title": _plain(CAFE("edit_cafe_modal_title" if cafe else "new_modal_title", lang), 24),
        "submit": _plain(CAFE("save" if cafe else "create", lang), 24), "close": _plain(CAFE("cancel", lang), 24),
        "private_metadata": json.dumps({"cafe_id": cafe.id if cafe else None}), "blocks": blocks,
    }
