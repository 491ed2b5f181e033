"""Block Kit for `/privacy`, its App Home section and the erase confirmation modal."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks import Block, actions, button, context, header, section, truncate
from bot.core.i18n import Lang
from bot.privacy.rights import KeptKind, Summary
from bot.privacy.texts import TEXTS

EXPORT, OPT_OUT, OPT_IN, ERASE = "privacy_export", "privacy_opt_out", "privacy_opt_in", "privacy_erase"
ERASE_CALLBACK = "privacy_erase_confirm"


def _buttons(summary: Summary, lang: Lang) -> Block:
    tracking = button(TEXTS("opt_in", lang), OPT_IN) if summary.opted_out else button(TEXTS("opt_out", lang), OPT_OUT)
    return actions(
        button(TEXTS("export", lang), EXPORT),
        tracking,
        button(TEXTS("erase", lang), ERASE, style="danger"),
        block_id="privacy_actions",
    )


def _status(summary: Summary, lang: Lang) -> str:
    return TEXTS("not_tracked" if summary.opted_out else "tracked", lang)


def _policy(settings: Any, lang: Lang) -> str:
    if settings.privacy_policy_url:
        return TEXTS("policy_link", lang, url=settings.privacy_policy_url)
    return TEXTS("policy_file", lang)


def privacy_blocks(summary: Summary, kinds: list[KeptKind], lang: Lang, settings: Any) -> list[Block]:
    """The `/privacy` answer: each kind with its count, why it is kept and for how long."""
    blocks: list[Block] = [header(TEXTS("title", lang)), section(TEXTS("intro", lang))]
    for kind in kinds:
        blocks.append(section(TEXTS(
            "kind", lang, label=kind.label, count=kind.count, purpose=kind.purpose, retention=kind.retention,
        )))
    blocks.append(context(_status(summary, lang), _policy(settings, lang)))
    blocks.append(_buttons(summary, lang))
    return blocks


def home_blocks(summary: Summary, kinds: list[KeptKind], lang: Lang, settings: Any) -> list[Block]:
    """The App Home section: the counts in one section, the same buttons."""
    lines = [TEXTS("home_intro", lang)] + [TEXTS("kind_short", lang, label=kind.label, count=kind.count) for kind in kinds]
    return [
        header(TEXTS("title", lang)),
        section("\n".join(lines)),
        context(_status(summary, lang), _policy(settings, lang)),
        _buttons(summary, lang),
    ]


def erase_modal(summary: Summary, lang: Lang, user_id: str) -> dict[str, Any]:
    """The confirmation. `private_metadata` names whose data it is, checked again on submit."""
    return {
        "type": "modal",
        "callback_id": ERASE_CALLBACK,
        "private_metadata": user_id,
        "title": {"type": "plain_text", "text": truncate(TEXTS("modal_title", lang), 24)},
        "submit": {"type": "plain_text", "text": truncate(TEXTS("modal_submit", lang), 24)},
        "close": {"type": "plain_text", "text": truncate(TEXTS("modal_close", lang), 24)},
        "blocks": [section(TEXTS("modal_body", lang, count=summary.total)), context(TEXTS("modal_note", lang))],
    }


def notice_modal(text: str, lang: Lang) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": truncate(TEXTS("modal_title", lang), 24)},
        "close": {"type": "plain_text", "text": "OK"},
        "blocks": [section(text)],
    }
