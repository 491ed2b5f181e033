"""Block Kit for the knowledge capability: pure functions, within Slack's limits."""

from __future__ import annotations

from bot.slack.blocks import MAX_BLOCKS, Block, actions, button, context, escape_mrkdwn, fit, header, section, sections, truncate
from bot.core.i18n import Lang
from bot.knowledge.answer import Answer, Source
from bot.knowledge.records import Gap
from bot.knowledge.texts import KB_SLACK

FEEDBACK_UP = "kb_feedback_up"
FEEDBACK_DOWN = "kb_feedback_down"
HANDOFF = "kb_handoff"
SAVE_CALLBACK = "kb_save_message"
SAVE_VIEW = "kb_save_view"
SAVE_TITLE_BLOCK = "kb_save_title"
SAVE_TITLE_INPUT = "kb_save_title_input"


def safe_answer_text(text: str) -> str:
    """Answers quote knowledge and LLM output: no pings or links can slip through."""
    return escape_mrkdwn(text)


def source_line(n: int, source: Source) -> str:
    title = escape_mrkdwn(source.title)
    if source.ref.startswith(("http://", "https://")):
        return f"[{n}] <{source.ref}|{title}>"
    return f"[{n}] {title} — `{escape_mrkdwn(source.ref)}`"


def tail_blocks(answer: Answer, *, can_hand_off: bool) -> list[Block]:
    """What follows the answer's text: sources, then feedback or the hand-off offer, in the
    answer's language (the question's, not always the member's locale)."""
    lang = answer.language
    blocks: list[Block] = []
    if answer.sources:
        blocks.append(context(*[source_line(n, s) for n, s in enumerate(answer.sources, start=1)]))
    value = str(answer.question_id or "")
    if answer.answered:
        blocks.append(actions(button(KB_SLACK("feedback_up", lang), FEEDBACK_UP, value),
                              button(KB_SLACK("feedback_down", lang), FEEDBACK_DOWN, value), block_id="kb_feedback"))
    elif can_hand_off:
        blocks.append(section(KB_SLACK("handoff_offer", lang)))
        blocks.append(actions(button(KB_SLACK("handoff_button", lang), HANDOFF, value, style="primary"), block_id="kb_handoff"))
    return blocks


def answer_blocks(answer: Answer, *, can_hand_off: bool) -> list[Block]:
    tail = tail_blocks(answer, can_hand_off=can_hand_off)
    body = sections(safe_answer_text(answer.text))
    return fit(body, MAX_BLOCKS - len(tail)) + tail


def fallback_text(answer: Answer) -> str:
    return truncate(safe_answer_text(answer.text), 3000)


def gaps_section(gaps: list[Gap], lang: Lang, limit: int = 10) -> list[Block]:
    blocks: list[Block] = [header(KB_SLACK("gaps_title", lang))]
    if not gaps:
        blocks.append(context(KB_SLACK("gaps_none", lang)))
        return blocks
    lines = [
        f"• {escape_mrkdwn(truncate(gap.question, 200))} _({KB_SLACK('gap_' + gap.reason, lang)}, {gap.asked_at:%d/%m})_"
        for gap in gaps[:limit]
    ]
    blocks.extend(sections("\n".join(lines)))
    return blocks


def suggested_prompts(lang: Lang) -> tuple[str, list[dict[str, str]]]:
    prompts = [KB_SLACK(f"prompt_{i}", lang) for i in (1, 2, 3)]
    return KB_SLACK("prompt_title", lang), [{"title": p, "message": p} for p in prompts]


def save_modal(title: str, text: str, lang: Lang, metadata: str) -> dict:
    return {
        "type": "modal",
        "callback_id": SAVE_VIEW,
        "private_metadata": metadata[:3000],
        "title": {"type": "plain_text", "text": truncate(KB_SLACK("save_title", lang), 24)},
        "submit": {"type": "plain_text", "text": KB_SLACK("save_submit", lang)},
        "blocks": [
            {
                "type": "input", "block_id": SAVE_TITLE_BLOCK,
                "label": {"type": "plain_text", "text": KB_SLACK("save_label", lang)},
                "element": {"type": "plain_text_input", "action_id": SAVE_TITLE_INPUT,
                            "initial_value": truncate(title, 150), "max_length": 150},
            },
            context(KB_SLACK("save_preview", lang)),
            *sections(escape_mrkdwn(truncate(text, 2900)))[:1],
        ],
    }
