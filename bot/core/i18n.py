"""User-facing text: French first, English when the member's Slack locale is English."""

from __future__ import annotations

from typing import Literal, Mapping

Lang = Literal["fr", "en"]
DEFAULT_LANG: Lang = "fr"


def lang_from_locale(locale: str | None) -> Lang:
    return "en" if (locale or "").lower().startswith("en") else "fr"


class Catalog:
    """Texts of one capability: `{key: {"fr": ..., "en": ...}}`, formatted with keyword args."""

    def __init__(self, texts: Mapping[str, Mapping[str, str]]) -> None:
        missing = [key for key, variants in texts.items() if "fr" not in variants or "en" not in variants]
        if missing:
            raise ValueError(f"texts without both languages: {missing}")
        self._texts = texts

    def __call__(self, key: str, lang: str = DEFAULT_LANG, /, **values: object) -> str:
        # Any string: a language other than French or English gets the French text.
        template = self._texts[key][lang if lang in ("fr", "en") else DEFAULT_LANG]
        return template.format(**values) if values else template

    def keys(self) -> list[str]:
        return list(self._texts)
