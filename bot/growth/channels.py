"""Channel names as the bot knows them (`growth_channels`): from an export's listings, or learned
from Slack. Figures and the digest name channels from here, so they need no Slack call (the
command line has no token) and imported channels, which may no longer exist, keep their names."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.growth.models import Channel
from bot.store.db import Database

log = logging.getLogger(__name__)


def channel_names(db: Database, channel_ids: Iterable[str]) -> dict[str, str]:
    """{channel id: name} for those of `channel_ids` whose name is known."""
    ids = sorted({c for c in channel_ids if c})
    if not ids:
        return {}
    with db.session() as session:
        return {cid: name for cid, name in session.execute(
            select(Channel.channel_id, Channel.name).where(Channel.channel_id.in_(ids))) if name}


def remember_channel_name(db: Database, channel_id: str, name: str, kind: str = "public") -> None:
    """Keep a name learned from Slack (a rename replaces the old one; the kind an export gave stays)."""
    if not channel_id or not name:
        return
    try:
        with db.session() as session:
            row = session.get(Channel, channel_id)
            if row is None:
                session.add(Channel(channel_id=channel_id, name=name[:255], kind=kind))
            elif row.name != name[:255]:
                row.name = name[:255]
    except IntegrityError:  # another process learned it at the same moment
        log.debug("channel %s was named concurrently", channel_id)
