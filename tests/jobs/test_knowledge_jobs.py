"""The daily sync of opt-in Slack channels into the knowledge, against the Slack stand-in."""

from __future__ import annotations

from sqlalchemy import select

from bot.console.slack_standin import SlackStandin
from bot.knowledge.models import KbChunk, KbDocument, KbSlackCursor
from bot.knowledge.service import KnowledgeBase
from bot.core.services import build_services
from jobs.knowledge import JOBS, sync_slack_channels
from tests.support import MEMBER, STAFF, make_settings


def test_opt_in_channels_are_ingested_paginated_incrementally_and_without_authors(slack: SlackStandin, database_url, db, clock, tmp_path) -> None:
    slack.page_size = 2  # several pages of conversations.history
    slack.add_message("C0ENTRAIDE", MEMBER, "Le local de Roubaix prête une imprimante 3D aux membres le samedi matin.")
    slack.add_message("C0ENTRAIDE", STAFF, f"Merci <@{MEMBER}> ! La clé de l'atelier est à l'accueil du local de Roubaix.")
    slack.add_message("C0ENTRAIDE", MEMBER, "merci !")  # too short to teach anything
    slack.add_message("C0ENTRAIDE", STAFF, "<@U0BOT> a rejoint le canal", subtype="channel_join")
    slack.add_message("C0GENERAL", MEMBER, "Le mot de passe du wifi du local est affiché près de la porte.")  # not opted in
    settings = make_settings(slack, database_url, outbox_dir=tmp_path / "outbox", knowledge_slack_channels="C0ENTRAIDE")
    services = build_services(settings, db=db, clock=clock)
    try:
        assert sync_slack_channels(services) == {"channels": 1, "messages": 2, "replies": 0, "added": 2, "updated": 0}
        assert sync_slack_channels(services) == {"channels": 1, "messages": 0, "replies": 0, "added": 0, "updated": 0}
        slack.add_message("C0ENTRAIDE", MEMBER, "Le repair café du local de Roubaix a lieu le premier jeudi du mois.")
        assert sync_slack_channels(services)["added"] == 1
    finally:
        services.executor.shutdown()

    histories = [c.params for c in slack.calls_to("conversations.history")]
    assert len(histories) > 3 and any(p.get("cursor") for p in histories)  # paginated
    assert all(p.get("channel") == "C0ENTRAIDE" for p in histories)
    with db.session() as session:
        documents = session.scalars(select(KbDocument).where(KbDocument.source == "slack_channel")).all()
        stored = " ".join((d.body or "") + d.title for d in documents) + " ".join(session.scalars(select(KbChunk.text)).all())
        assert len(documents) == 3 and all(d.created_by_user_id is None for d in documents)
        assert MEMBER not in stored and STAFF not in stored and "wifi" not in stored
        assert session.get(KbSlackCursor, "C0ENTRAIDE") is not None
    answer = KnowledgeBase(db, clock=clock).ask("Où est la clé de l'atelier ?")
    assert answer.answered and "accueil" in answer.text and answer.sources[0].ref.startswith("https://")
    assert any(job.id == "knowledge_sync_slack" for job in JOBS)


def test_thread_replies_are_followed_paginated_and_only_when_new(slack: SlackStandin, database_url, db, clock, tmp_path) -> None:
    slack.page_size = 2  # several pages of conversations.replies too
    drill = slack.add_message("C0ENTRAIDE", MEMBER, "Quelqu'un sait où trouver une perceuse au local de Roubaix ?")
    slack.add_message("C0ENTRAIDE", STAFF, f"<@{MEMBER}> la perceuse est rangée dans l'armoire bleue de l'atelier.", thread_ts=drill["ts"])
    slack.add_message("C0ENTRAIDE", MEMBER, "merci !", thread_ts=drill["ts"])  # too short
    slack.add_message("C0ENTRAIDE", "U0OTHERBOT", "Rappel automatique : rendez le matériel emprunté.", thread_ts=drill["ts"], bot_id="B0OTHER")
    ideas = slack.add_message("C0ENTRAIDE", MEMBER, "Des idées ?")  # too short alone, kept for its reply
    slack.add_message("C0ENTRAIDE", STAFF, "Le fablab de Tourcoing ouvre ses machines aux associations le mercredi.", thread_ts=ideas["ts"])
    quiet = slack.add_message("C0ENTRAIDE", STAFF, "Le local de Roubaix ferme exceptionnellement le 14 juillet.")
    settings = make_settings(slack, database_url, outbox_dir=tmp_path / "outbox", knowledge_slack_channels="C0ENTRAIDE")
    services = build_services(settings, db=db, clock=clock)
    try:
        assert sync_slack_channels(services) == {"channels": 1, "messages": 3, "replies": 2, "added": 3, "updated": 0}
        first = [c.params for c in slack.calls_to("conversations.replies")]
        assert {p["ts"] for p in first} == {drill["ts"], ideas["ts"]} and any(p.get("cursor") for p in first)  # paginated
        assert sync_slack_channels(services)["messages"] == 0
        assert len(slack.calls_to("conversations.replies")) == len(first)  # no new reply: no thread read again

        slack.add_message("C0ENTRAIDE", STAFF, "Les forets sont dans le tiroir du bas de l'armoire bleue.", thread_ts=drill["ts"])
        assert sync_slack_channels(services) == {"channels": 1, "messages": 1, "replies": 2, "added": 0, "updated": 1}
        again = [c.params["ts"] for c in slack.calls_to("conversations.replies")][len(first):]
        assert set(again) == {drill["ts"]} and quiet["ts"] not in again
    finally:
        services.executor.shutdown()

    with db.session() as session:
        bodies = " ".join(d.body or "" for d in session.scalars(select(KbDocument).where(KbDocument.source == "slack_channel")))
        assert MEMBER not in bodies and "Rappel automatique" not in bodies and "merci !" not in bodies
        assert session.get(KbSlackCursor, "C0ENTRAIDE").latest_ts == max(slack.ws.messages["C0ENTRAIDE"], key=lambda m: float(m["ts"]))["ts"]
    kb = KnowledgeBase(db, clock=clock)
    drawer = kb.ask("Où sont rangés les forets de la perceuse ?")
    assert drawer.answered and "tiroir du bas" in drawer.text
    fablab = kb.ask("Quel fablab ouvre ses machines aux associations ?")
    assert fablab.answered and "Tourcoing" in fablab.text
