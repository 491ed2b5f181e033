"""Pure Block Kit builders, and the limits every message must respect."""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_FALLBACK_TEXT = 40000

Block = dict[str, Any]


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Split long text into pieces under `limit`, at paragraph, line or word boundaries."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, MAX_HEADER_TEXT), "emoji": True}}


def section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)}}
    if accessory:
        block["accessory"] = accessory
    return block


def sections(text: str) -> list[Block]:
    return [section(piece) for piece in split_text(text)]


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(t, MAX_SECTION_TEXT)} for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", style: str | None = None, url: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
    }
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def fit(blocks: list[Block], limit: int = MAX_BLOCKS, overflow_note: str = "…") -> list[Block]:
    """Keep a message within the block limit, saying that something was left out."""
    if len(blocks) <= limit:
        return blocks
    return blocks[: limit - 1] + [context(overflow_note)]


def escape_mrkdwn(text: str) -> str:
    """Neutralise member text: no @channel/@here pings, no smuggled links or user mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
