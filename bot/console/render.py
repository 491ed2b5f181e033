"""Block Kit and mrkdwn rendered as terminal text, with buttons numbered so they can be pressed."""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

WIDTH = 88


@dataclass
class Pressable:
    """A button the console user can press by its number."""

    element: dict[str, Any]
    block_id: str
    container: dict[str, Any]


@dataclass(frozen=True)
class Names:
    """How to show the ids in mrkdwn mentions."""

    user: Callable[[str], str] = lambda uid: uid
    channel: Callable[[str], str] = lambda cid: cid


@dataclass
class Rendered:
    lines: list[str] = field(default_factory=list)
    buttons: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)  # (label, element, block_id)


def mrkdwn_to_text(
    text: str,
    user_name: Callable[[str], str] = lambda uid: uid,
    channel_name: Callable[[str], str] = lambda cid: cid,
) -> str:
    text = re.sub(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", lambda m: "@" + user_name(m.group(1)), text)
    text = re.sub(r"<#([CDG][A-Z0-9]+)\|([^>]+)>", r"#\2", text)
    text = re.sub(r"<#([CDG][A-Z0-9]+)\|?>", lambda m: "#" + channel_name(m.group(1)), text)
    text = re.sub(r"<!(here|channel|everyone)(?:\|[^>]*)?>", r"@\1", text)
    text = re.sub(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>", lambda m: m.group(1) or "@group", text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<(mailto:[^|>]+)\|([^>]+)>", r"\2", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)
    text = re.sub(r"(?<![\w~])~([^~\n]+)~(?![\w~])", r"\1", text)
    return html.unescape(text)


def _text_of(obj: Any, names: Names) -> str:
    if not isinstance(obj, dict):
        return ""
    raw = obj.get("text", "")
    return mrkdwn_to_text(raw, names.user, names.channel) if obj.get("type") == "mrkdwn" else html.unescape(raw)


def _wrap(text: str, indent: str = "  ") -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        if not paragraph.strip():
            lines.append("")
            continue
        lines.extend(textwrap.wrap(paragraph, WIDTH, initial_indent=indent, subsequent_indent=indent + "  " if paragraph.lstrip().startswith(("•", "-", "*")) else indent) or [indent])
    return lines


def _rich_text(element: dict[str, Any]) -> str:
    parts: list[str] = []
    for item in element.get("elements", []):
        if item.get("type") in ("text", "link"):
            parts.append(item.get("text") or item.get("url", ""))
        elif item.get("type") == "emoji":
            parts.append(f":{item.get('name')}:")
        elif isinstance(item.get("elements"), list):
            parts.append(_rich_text(item))
    return "".join(parts)


def render_blocks(
    blocks: list[dict[str, Any]],
    names: Names = Names(),
    fallback: str = "",
    first_button: int = 1,
) -> Rendered:
    """Buttons are numbered from `first_button` on, so that numbers stay unique across messages."""
    out = Rendered()
    if not blocks:
        out.lines.extend(_wrap(mrkdwn_to_text(fallback, names.user, names.channel)))
        return out

    def add_button(element: dict[str, Any], block_id: str) -> str:
        label = _text_of(element.get("text"), names) or element.get("action_id", "?")
        out.buttons.append((label, element, block_id))
        return f"({first_button + len(out.buttons) - 1}) {label}" + (f" -> {element['url']}" if element.get("url") else "")

    for block in blocks:
        kind = block.get("type")
        block_id = block.get("block_id", "")
        if kind == "header":
            title = _text_of(block.get("text"), names)
            out.lines.extend(["", "  " + title.upper(), "  " + "═" * min(len(title), WIDTH - 2)])
        elif kind == "section":
            if block.get("text"):
                out.lines.extend(_wrap(_text_of(block["text"], names)))
            for item in block.get("fields", []):
                out.lines.extend(_wrap(_text_of(item, names), "    "))
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":
                out.lines.append("      " + add_button(accessory, block_id))
            elif accessory.get("type") == "image":
                out.lines.append(f"      [image: {accessory.get('alt_text', '')}]")
            elif accessory.get("type") == "overflow":
                for option in accessory.get("options", []):
                    element = {"type": "button", "action_id": accessory.get("action_id"), "value": option.get("value"),
                               "text": option.get("text")}
                    out.lines.append("      " + add_button(element, block_id))
        elif kind == "context":
            texts = [_text_of(e, names) if e.get("type") in ("mrkdwn", "plain_text") else f"[{e.get('alt_text', 'image')}]"
                     for e in block.get("elements", [])]
            out.lines.extend(_wrap(" · ".join(t for t in texts if t), "    "))
        elif kind == "divider":
            out.lines.append("  " + "─" * 40)
        elif kind == "actions":
            labels = []
            for element in block.get("elements", []):
                if element.get("type") == "button":
                    labels.append(add_button(element, block_id))
                elif element.get("type") in ("static_select", "overflow", "radio_buttons"):
                    for option in element.get("options", []):
                        pseudo = {"type": "button", "action_id": element.get("action_id"), "value": option.get("value"),
                                  "text": option.get("text"), "_selected_option": option, "_select_type": element.get("type")}
                        labels.append(add_button(pseudo, block_id))
            out.lines.append("  " + "   ".join(labels))
        elif kind == "image":
            out.lines.append(f"  [image: {block.get('alt_text', '')}] {block.get('image_url', '')}")
        elif kind == "rich_text":
            for element in block.get("elements", []):
                out.lines.extend(_wrap(_rich_text(element)))
        elif kind == "input":
            label = _text_of(block.get("label"), names)
            optional = " (optionnel)" if block.get("optional") else ""
            out.lines.append(f"  ▸ {label}{optional}")
        elif kind == "markdown":
            out.lines.extend(_wrap(block.get("text", "")))
        elif kind == "file":
            out.lines.append(f"  [file {block.get('file_id')}]")
    return out
