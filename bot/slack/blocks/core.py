from __future__ import annotations

from bot.slack.blocks import Block, context, divider, header, section
from bot.core.i18n import Lang
from bot.core.texts import CORE, commands_list


def help_blocks(lang: Lang) -> list[Block]:
    return [
        header(CORE("help_title", lang)),
        section(CORE("help_body", lang)),
        section(commands_list(lang)),
    ]


def unknown_command_text(command: str, lang: Lang) -> str:
    return CORE("unknown_command", lang, command=command, commands=commands_list(lang))


def home_view(sections: list[list[Block]], lang: Lang, limit: int = 100) -> dict:
    blocks: list[Block] = [header(CORE("help_title", lang)), context(CORE("home_intro", lang))]
    for part in sections:
        if not part:
            continue
        if len(blocks) + len(part) + 1 > limit:
            break
        blocks.append(divider())
        blocks.extend(part)
    return {"type": "home", "blocks": blocks}
