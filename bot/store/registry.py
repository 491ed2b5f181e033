"""Imports every models module so that `Base.metadata` knows all tables."""

from __future__ import annotations

from sqlalchemy import MetaData


def metadata() -> MetaData:
    import bot.cafe.models  # noqa: F401
    import bot.digest.models  # noqa: F401
    import bot.growth.models  # noqa: F401
    import bot.knowledge.models  # noqa: F401
    import bot.privacy.models  # noqa: F401
    import bot.store.models  # noqa: F401
    from bot.store.base import Base

    return Base.metadata
