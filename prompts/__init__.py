"""The LLM prompts, shipped as package data so an installed bot reads the same files as a checkout."""

from __future__ import annotations

from importlib import resources


def read_prompt(name: str) -> str:
    """The text of `prompts/<name>`, e.g. read_prompt("answer.md")."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
