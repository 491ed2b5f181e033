"""#14 item 14: the export holds the digests that name or quote the member; an erase keeps
other members' queued events; a failed statement's error carries no member text."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from bot.digest.models import DigestIssue
from bot.privacy.rights import erase, export
from bot.store.db import Database
from bot.store.models import Member, ProcessedEvent

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
ME, OTHER = "U0CAMILLE", "U0ALEX"


def _member(db: Database, user_id: str, name: str) -> None:
    with db.session() as session:
        session.add(Member(user_id=user_id, display_name=name, role="member", created_at=NOW - timedelta(days=9), updated_at=NOW))


def _digest(db: Database, week: str, content: dict) -> None:
    with db.session() as session:
        session.add(DigestIssue(iso_week=week, state="sent", content_json=json.dumps(content, ensure_ascii=False),
                                attempts=0, created_at=NOW, updated_at=NOW))


def test_the_export_holds_the_digests_that_name_or_quote_the_member(db: Database) -> None:
    _member(db, ME, "camille")
    _member(db, OTHER, "alex")
    _digest(db, "2026-W45", {"new_members": [{"user_id": ME, "name": "camille"}], "threads": []})
    _digest(db, "2026-W46", {"new_members": [], "threads": [
        {"user_id": OTHER, "author": "alex", "excerpt": "Merci @camille pour l'atelier !"}]})
    _digest(db, "2026-W47", {"new_members": [], "threads": [{"user_id": OTHER, "author": "alex", "excerpt": "Rien à voir"}]})
    data = export(db, ME, now=NOW)
    weeks = sorted(row["iso_week"] for row in data["tables"]["digest_issues"])
    assert weeks == ["2026-W45", "2026-W46"]
    assert "digest_issues" not in data["not_exported"]


def _queue(db: Database, event_id: str, payload: dict) -> None:
    with db.engine.begin() as connection:
        connection.execute(insert(ProcessedEvent.__table__).values(
            event_id=event_id, event_type="message", status="queued", attempts=0, claimed_at=NOW, payload=json.dumps(payload)))


def test_an_erase_keeps_other_members_queued_events_that_mention_the_erased_id(db: Database) -> None:
    _member(db, ME, "camille")
    _member(db, OTHER, "alex")
    _queue(db, "Ev-mine", {"event": {"type": "message", "user": ME, "text": "mon message", "channel": "C1"}})
    _queue(db, "Ev-theirs", {"event": {"type": "message", "user": OTHER, "text": f"Bravo <@{ME}> !", "channel": "C1"}})
    lazy_body = {"user": {"id": OTHER}, "actions": [{"value": ME}]}
    _queue(db, "lazy:theirs", {"lazy": "run", "body": lazy_body})
    erase(db, ME, now=NOW, via="test")
    with db.session() as session:
        rows = {r.event_id: r for r in session.scalars(select(ProcessedEvent))}
    assert rows["Ev-mine"].payload is None and rows["Ev-mine"].status == "failed"
    kept_payloads = {}
    for kept in ("Ev-theirs", "lazy:theirs"):
        payload = rows[kept].payload
        assert rows[kept].status == "queued" and payload and ME not in payload
        kept_payloads[kept] = payload
    assert "Bravo <@ERASED-" in json.loads(kept_payloads["Ev-theirs"])["event"]["text"]


def test_a_failed_statement_names_no_member_text(db: Database, caplog) -> None:
    _member(db, ME, "camille")
    secret = "appelez-moi au 06 12 34 56 78"
    with pytest.raises(IntegrityError) as failure:
        with db.session() as session:
            session.add(Member(user_id=ME, display_name=secret, role="member", created_at=NOW, updated_at=NOW))
    assert secret not in str(failure.value) and "06 12 34" not in repr(failure.value)
