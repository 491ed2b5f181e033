"""What the bot knows of each member: locale (for the language), time zone and role."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select

from bot.core.i18n import DEFAULT_LANG, Lang, lang_from_locale
from bot.store.db import Database, DriverStatement
from bot.store.models import Member

log = logging.getLogger(__name__)

# Profiles change rarely; refreshing daily keeps users.info calls (Tier 4) well within limits.
PROFILE_TTL = timedelta(hours=24)
_LOCALE_OF = select(Member.__table__.c.locale).where(Member.__table__.c.user_id == bindparam("user_id"))


class MemberDirectory:
    def __init__(
        self,
        db: Database,
        fetch_profile: Callable[[str], dict[str, Any] | None],
        clock: Callable[[], datetime],
    ) -> None:
        self._db = db
        self._fetch_profile = fetch_profile
        self._clock = clock
        self._locale_of = DriverStatement(db.statement_engine, _LOCALE_OF)
        # The last language read for each member, for paths that must work without the
        # database (telling a member that something failed while it is down).
        self._known: dict[str, Lang] = {}

    def get(self, user_id: str, *, refresh: bool = True) -> Member | None:
        with self._db.read_session() as session:
            member = session.get(Member, user_id)
            if member is not None:
                session.expunge(member)
            fresh = member is not None and member.updated_at > self._clock() - PROFILE_TTL
        if fresh or not refresh:
            return member
        profile = self._fetch_profile(user_id)
        if profile is None:
            return member
        return self.upsert(profile)

    def upsert(self, profile: dict[str, Any]) -> Member:
        return _once_more_on_insert_race(lambda: self._upsert(profile))

    def _upsert(self, profile: dict[str, Any]) -> Member:
        fields = ("team_id", "display_name", "locale", "tz", "is_bot", "is_deleted")
        with self._db.session() as session:
            member = session.get(Member, profile["user_id"])
            if member is None:
                member = Member(user_id=profile["user_id"], role="member", created_at=self._clock())
                session.add(member)
            for name in fields:
                if name in profile and profile[name] is not None:
                    setattr(member, name, profile[name])
            member.updated_at = self._clock()
            session.flush()
            session.expunge(member)
            return member

    def is_opted_out(self, user_id: str) -> bool:
        """True when the member asked not to be counted in analytics (privacy)."""
        with self._db.read_session() as session:
            member = session.get(Member, user_id)
            return bool(member and member.analytics_opt_out)

    def set_opt_out(self, user_id: str, opted_out: bool) -> None:
        def write() -> None:
            with self._db.session() as session:
                member = session.get(Member, user_id)
                if member is None:
                    member = Member(user_id=user_id, role="member", created_at=self._clock(), updated_at=self._clock() - PROFILE_TTL)
                    session.add(member)
                member.analytics_opt_out = opted_out

        _once_more_on_insert_race(write)

    def language(self, user_id: str | None) -> Lang:
        if not user_id:
            return DEFAULT_LANG
        member = self.get(user_id)
        return self._remember(user_id, lang_from_locale(member.locale) if member else DEFAULT_LANG)

    def cached_language(self, user_id: str | None) -> Lang:
        """The language from what is stored, without any network call: for ack functions and
        error paths. One statement on the driver (DriverStatement): acks call it."""
        if not user_id:
            return DEFAULT_LANG
        try:
            found = self._locale_of.rows({"user_id": user_id})
        except Exception:  # the database is down: the ack (or the apology) goes out all the same
            log.warning("the member's language could not be read; using the last one known")
            return self.known_language(user_id)
        return self._remember(user_id, lang_from_locale(found[0][0]) if found and found[0][0] else DEFAULT_LANG)

    def known_language(self, user_id: str | None) -> Lang:
        """The language last read for this member, without the database (French if none)."""
        return self._known.get(user_id or "", DEFAULT_LANG)

    def _remember(self, user_id: str, lang: Lang) -> Lang:
        if len(self._known) > 100_000:
            self._known.clear()
        self._known[user_id] = lang
        return lang


def _once_more_on_insert_race(write: Callable[[], Any]) -> Any:
    """Two threads may create the same member at once (a button's ack and its lazy listener,
    two events of a new member): the loser's INSERT fails; its second try finds the row."""
    from sqlalchemy.exc import IntegrityError

    try:
        return write()
    except IntegrityError:
        return write()
