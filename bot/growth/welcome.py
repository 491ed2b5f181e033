"""The welcome DM on team_join, or when the daily reconciliation finds a join the events missed:
sent once per member, never twice."""

from __future__ import annotations

import logging
from datetime import datetime
from collections.abc import Callable
from typing import Any

from sqlalchemy import update

from bot.growth.texts import GROWTH
from bot.core.i18n import Lang
from bot.store.db import Database
from bot.store.models import Member

log = logging.getLogger(__name__)

# (user_id, text): post the text in the person's DM; given by the composition root
# (services.publishers.direct_message), rendered by the Slack side.
DirectMessage = Callable[[str, str], None]


def claim_welcome(db: Database, user_id: str, now: datetime) -> bool:
    """Mark the welcome as sent; True only for the one caller that may send it."""
    with db.session() as session:
        result = session.execute(
            update(Member).where(Member.user_id == user_id, Member.welcome_sent_at.is_(None), Member.is_bot.is_(False))
            .values(welcome_sent_at=now)
        )
        return result.rowcount == 1


def release_welcome(db: Database, user_id: str) -> None:
    """Sending failed: let a later attempt send it."""
    with db.session() as session:
        session.execute(update(Member).where(Member.user_id == user_id).values(welcome_sent_at=None))


def welcome_text(lang: Lang, name: str, channel_ids: tuple[str, ...], bot_user_id: str | None,
                 template_fr: str = "", template_en: str = "") -> str:
    channels = ", ".join(f"<#{c}>" for c in channel_ids) or GROWTH("welcome_no_channels", lang)
    values = {"name": name, "channels": channels, "bot": f"<@{bot_user_id}>" if bot_user_id else "@SOGA"}
    custom = template_en if lang == "en" else template_fr
    if custom.strip():
        try:
            return custom.replace("\\n", "\n").format(**values)
        except (KeyError, IndexError, ValueError):
            log.warning("WELCOME_TEMPLATE_%s has an unknown {placeholder}; using the built-in text", lang.upper())
    return GROWTH("welcome", lang, **values)


def send_welcome(services: Any, direct_message: DirectMessage, user: dict[str, Any], bot_user_id: str | None) -> bool:
    """Post the welcome DM to a Slack user object, unless they already had it; True if posted.
    A failed post releases the claim, so the next join or reconciliation tries again."""
    settings = services.settings
    user_id = user["id"]
    if not claim_welcome(services.db, user_id, services.clock()):
        return False
    try:
        lang = services.members.language(user_id)
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name") or ""
        text = welcome_text(lang, name, settings.welcome_channel_ids, bot_user_id,
                            settings.welcome_template_fr, settings.welcome_template_en)
        direct_message(user_id, text)
    except Exception:
        release_welcome(services.db, user_id)
        raise
    return True
