"""With an LLM, the model decides: it gets the top passages of any question retrieval finds in
scope and replies in a structured form (a status line, the passages it cites, then the text).

Its reply is checked before a member sees it: the citations must be passages it was given,
and every number of the answer must appear in the cited passages. A reply that fails a check
is dropped for the extractive answer. Member-authored passages (saved from Slack, opt-in
channels) lose their e-mail addresses and phone numbers before any call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.core.i18n import Lang
from bot.knowledge.index import Hit
from integrations.llm import neutralise, scrub_contacts
from prompts import read_prompt

MAX_PASSAGES = 5
_STATUS = re.compile(r"^\s*STATUS:\s*(ANSWER|NO_ANSWER)\s*$", re.IGNORECASE)
_SOURCES = re.compile(r"^\s*SOURCES:\s*([\d,\s]*)$", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f.,]\d+)*")


@dataclass
class Reply:
    answered: bool
    text: str
    cited: list[int]  # 1-based passage numbers


def passage_text(hit: Hit) -> str:
    text = f"{hit.title} — {hit.heading}\n{hit.text}"
    return text if hit.source == "file" else scrub_contacts(text)


def answer_messages(question: str, hits: list[Hit], lang: Lang, history: list[tuple[str, str]] | None = None) -> list[dict[str, str]]:
    """The system prompt holds the rules and the passages; member text only ever appears
    inside delimiters in user messages, with delimiter look-alikes removed."""
    passages = "\n\n".join(neutralise(f"[{n}] {passage_text(hit)}") for n, hit in enumerate(hits[:MAX_PASSAGES], start=1))
    system = read_prompt("answer.md").replace("{language}", "French" if lang == "fr" else "English").replace("{passages}", passages)
    messages = [{"role": "system", "content": system}]
    if history:
        conversation = "\n".join(f"{who}: {neutralise(scrub_contacts(text))}" for who, text in history[-6:])
        messages.append({"role": "user", "content": f"<conversation>\n{conversation}\n</conversation>"})
    messages.append({"role": "user", "content": f"<question>\n{neutralise(question)}\n</question>"})
    return messages


def standalone_messages(question: str, history: list[tuple[str, str]]) -> list[dict[str, str]]:
    conversation = "\n".join(f"{who}: {neutralise(scrub_contacts(text))}" for who, text in history[-6:])
    return [
        {"role": "system", "content": read_prompt("standalone.md")},
        {"role": "user", "content": f"<conversation>\n{conversation}\n</conversation>\n<question>\n{neutralise(question)}\n</question>"},
    ]


def parse(raw: str) -> Reply | None:
    """The structured reply, or None when it doesn't follow the format."""
    lines = raw.strip().splitlines()
    if not lines:
        return None
    status = _STATUS.match(lines[0])
    if status is None:
        return None
    if status.group(1).upper() == "NO_ANSWER":
        return Reply(False, "", [])
    sources = _SOURCES.match(lines[1]) if len(lines) > 1 else None
    if sources is None:
        return None
    cited = sorted({int(n) for n in re.findall(r"\d+", sources.group(1))})
    text = "\n".join(lines[2:]).strip()
    return Reply(True, text, cited) if text else None


def checked(reply: Reply, hits: list[Hit]) -> bool:
    """Citations are passages given, and every number of the answer is in a cited passage."""
    given = hits[:MAX_PASSAGES]
    if not reply.cited or any(n < 1 or n > len(given) for n in reply.cited):
        return False
    inline = {int(n) for n in re.findall(r"\[(\d{1,2})\]", reply.text)}
    if any(n < 1 or n > len(given) for n in inline):
        return False
    material = _digits(" ".join(passage_text(given[n - 1]) for n in set(reply.cited) | inline))
    text = re.sub(r"\[\d{1,2}\]", "", reply.text)
    return all(_digits(number) in material for number in _NUMBER.findall(text))


def _digits(text: str) -> str:
    """Numbers compared without their separators: "8 874" is "8,874" is "8874"."""
    return re.sub(r"(?<=\d)[ \u00a0\u202f.,](?=\d)", "", text)


def text_deltas(deltas: Iterator[str], on_text: Callable[[str], None]) -> Iterator[str]:
    """Yield every delta; forward to `on_text` only the answer's text (after the status and
    sources lines) as it comes. A NO_ANSWER or malformed head forwards nothing."""
    head = ""
    state = "head"  # head | text | mute
    for delta in deltas:
        yield delta
        if state == "text":
            on_text(delta)
        elif state == "head":
            head += delta
            lines = head.split("\n")
            if len(lines) < 3:
                continue
            if _STATUS.match(lines[0]) and "NO_ANSWER" not in lines[0].upper() and _SOURCES.match(lines[1]):
                state = "text"
                rest = "\n".join(lines[2:]).lstrip()
                if rest:
                    on_text(rest)
            else:
                state = "mute"
