"""The rights as domain functions: counts, export, erase, on every erase mode."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select

from bot.core.event_ledger import EventLedger
from bot.privacy.models import ErasureLog
from bot.privacy.rights import erase, export, what_we_keep
from bot.store.db import Database
from bot.store.models import Member
from tests.bot.privacy.support import extra_tables, scan_for

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
ME, OTHER = "U0CAMILLE", "U0ALEX"


def add_member(db: Database, user_id: str, name: str, **values: object) -> None:
    with db.session() as session:
        session.add(Member(user_id=user_id, display_name=name, locale="fr-FR", tz="Europe/Paris", team_id="T1",
                           role="member", created_at=NOW - timedelta(days=400), updated_at=NOW, **values))


def fill(db: Database, t: dict) -> None:
    add_member(db, ME, "camille")
    add_member(db, OTHER, "alex")
    with db.engine.begin() as c:
        for who, days in ((ME, 3), (OTHER, 2)):
            for day in range(days):
                c.execute(insert(t["activity"]).values(
                    user_id=who, day=f"2026-11-0{day + 1}", channel_id="C0GENERAL", messages=day + 1,
                    day_start=NOW - timedelta(days=20 - day)))
        c.execute(insert(t["qa_log"]).values(user_id=ME, question="Qui finance DIGISET ?", feedback="up", asked_at=NOW))
        c.execute(insert(t["qa_log"]).values(user_id=OTHER, question=f"Que pense <@{ME}> du café ?", asked_at=NOW))
        mine = c.execute(insert(t["cafe_questions"]).values(author_user_id=ME, text="L'IA et les bénévoles ?", anonymous=False)).inserted_primary_key[0]
        theirs = c.execute(insert(t["cafe_questions"]).values(author_user_id=OTHER, text="Et la sobriété ?", anonymous=True)).inserted_primary_key[0]
        for voter, question in ((ME, mine), (ME, theirs), (OTHER, mine)):
            c.execute(insert(t["cafe_votes"]).values(question_id=question, user_id=voter))


def figures(db: Database, activity) -> list[tuple]:
    """What growth computes from the raw rows: distinct actives and messages per day."""
    with db.engine.connect() as c:
        return c.execute(
            select(activity.c.day, func.count(activity.c.user_id.distinct()), func.sum(activity.c.messages))
            .group_by(activity.c.day).order_by(activity.c.day)
        ).all()


def test_what_we_keep_counts_each_kind_and_zero_for_what_is_not_there(db: Database) -> None:
    with extra_tables(db) as (schema, registry, t):
        fill(db, t)
        summary = what_we_keep(db, ME, registry=registry, metadata=schema)
    assert summary.counts == {
        "profile": 4, "activity_days": 3, "questions": 1, "feedback": 0,
        "cafe_questions": 1, "cafe_votes": 2, "digest_mentions": 0,
    }
    assert summary.opted_out is False
    assert what_we_keep(db, "U0NOBODY").total == 0


def test_export_holds_every_row_about_the_member_and_nobody_else(db: Database) -> None:
    with extra_tables(db) as (schema, registry, t):
        fill(db, t)
        data = json.loads(json.dumps(export(db, ME, now=NOW, registry=registry, metadata=schema)))
    tables = data["tables"]
    assert tables["members"][0]["display_name"] == "camille"
    assert tables["members"][0]["created_at"] == (NOW - timedelta(days=400)).isoformat()
    assert len(tables["privacy_test_activity"]) == 3
    assert [row["question"] for row in tables["privacy_test_qa_log"]] == ["Qui finance DIGISET ?"]
    assert len(tables["privacy_test_cafe_votes"]) == 2
    every_row = [row for rows in tables.values() for row in rows]
    assert all(ME in row.values() for row in every_row)
    assert OTHER not in json.dumps(tables)
    assert "processed_events" in data["not_exported"]
    assert data["summary"]["activity_days"] == 3


def test_erase_leaves_no_trace_keeps_the_figures_and_the_other_member(db: Database) -> None:
    ledger = EventLedger(db, lambda: NOW)
    ledger.claim("Ev0PENDING", "message", payload=json.dumps({"event": {"user": ME, "text": "salut"}}))
    with extra_tables(db) as (schema, registry, t):
        fill(db, t)
        before = figures(db, t["activity"])
        other_before = export(db, OTHER, now=NOW, registry=registry, metadata=schema)["tables"]

        report = erase(db, ME, now=NOW, via="cli", registry=registry, metadata=schema)

        assert scan_for(db, schema, ME) == []
        assert figures(db, t["activity"]) == before
        with db.engine.connect() as c:
            questions = c.execute(select(t["cafe_questions"].c.text, t["cafe_questions"].c.author_user_id)
                                  .order_by(t["cafe_questions"].c.id)).all()
            votes = c.execute(select(t["cafe_votes"].c.user_id)).scalars().all()
            erased = c.execute(select(schema.tables["members"]).where(schema.tables["members"].c.user_id.startswith("ERASED-"))).mappings().one()
            pseudonyms = set(c.execute(select(t["activity"].c.user_id)).scalars()) - {OTHER}
            qa = c.execute(select(t["qa_log"].c.question)).scalars().all()
        assert questions == [("L'IA et les bénévoles ?", None), ("Et la sobriété ?", OTHER)]
        assert votes == [OTHER]
        assert (erased["display_name"], erased["locale"], erased["tz"], erased["team_id"]) == (None, None, None, None)
        assert erased["created_at"] == NOW - timedelta(days=400)
        assert pseudonyms == {erased["user_id"]}
        assert qa == [f"Que pense <@{erased['user_id']}> du café ?"]
        other_after = export(db, OTHER, now=NOW, registry=registry, metadata=schema)["tables"]
        assert other_after["members"] == other_before["members"]
        assert other_after["privacy_test_activity"] == other_before["privacy_test_activity"]
        assert report.deleted == {"privacy_test_qa_log": 1, "privacy_test_cafe_votes": 2}
        assert what_we_keep(db, ME, registry=registry, metadata=schema).total == 0
    assert ledger.status("Ev0PENDING") == "failed"
    with db.session() as session:
        log = session.scalars(select(ErasureLog)).one()
    assert (log.via, log.rows_deleted, log.erased_at) == ("cli", 3, NOW)
    assert ME not in log.tables and "ERASED-" not in log.tables


def test_erasing_twice_changes_nothing_more(db: Database) -> None:
    add_member(db, ME, "camille")
    assert erase(db, ME, now=NOW, via="slack").anonymised == {"members": 1}
    second = erase(db, ME, now=NOW, via="slack")
    assert (second.deleted, second.anonymised) == ({}, {})
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Member)) == 1
        assert session.scalar(select(func.count()).select_from(ErasureLog)) == 2
