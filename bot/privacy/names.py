"""How a member is named wherever the bot shows people: an erased member names no one."""

from __future__ import annotations

ERASED_PREFIX = "ERASED-"
_FORMER = {"fr": "membre supprimé", "en": "former member"}


def is_erased(user_id: str | None) -> bool:
    return bool(user_id) and str(user_id).startswith(ERASED_PREFIX)


def shown_name(user_id: str | None, name: str | None, lang: str = "fr") -> str:
    """The member's display name; "membre supprimé" / "former member" once erased; else the id."""
    if is_erased(user_id):
        return _FORMER.get(lang, _FORMER["fr"])
    return name or str(user_id or "")
