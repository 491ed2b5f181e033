"""Growth in Slack, through the real app over signed HTTP: events, /stats, the Home, the welcome DM."""

from __future__ import annotations

import csv
import json
import io
from datetime import date

from sqlalchemy import func, select

from bot.cli.main import main
from bot.console.slack_standin import BOT_USER_ID
from bot.growth.models import Activity, Question
from bot.growth.stats import compute_stats
from bot.store.models import Member
from jobs.growth import reconcile_members_job
from tests.support import ENGLISH_MEMBER, MEMBER, STAFF, BotHarness

def _files(bot: BotHarness) -> list[dict]:
    return [item.data for item in bot.slack.feed if item.kind == "file"]


def _dm_messages(bot: BotHarness, user: str) -> list[dict]:
    return bot.slack.bot_messages(bot.slack.dm_channel(user))


def _activity(bot: BotHarness) -> dict[str, int]:
    with bot.services.db.session() as session:
        rows = session.execute(select(Activity.user_id, func.sum(Activity.messages), func.sum(Activity.reactions))
                               .group_by(Activity.user_id)).all()
    return {user: (int(m), int(r)) for user, m, r in rows}


def _post(bot: BotHarness, user: str, channel: str, text: str, minutes_ago: float, thread_ts: str | None = None) -> str:
    """A channel message dated by the test's clock (the stand-in would use the real time)."""
    ts = f"{bot.clock().timestamp() - minutes_ago * 60:.6f}"
    message = bot.slack.add_message(channel, user, text, thread_ts=thread_ts, ts=ts)
    bot.client.send_event(dict(message, channel=channel, channel_type="channel", event_ts=ts))
    bot.wait_idle()
    return ts


def _today(bot: BotHarness) -> date:
    return bot.clock().astimezone(bot.settings.tz).date()


def _seed(bot: BotHarness) -> None:
    question = _post(bot, MEMBER, "C0ENTRAIDE", "Quelqu'un a un modèle de budget ?", 50)
    _post(bot, ENGLISH_MEMBER, "C0ENTRAIDE", "Yes, here", 20, thread_ts=question)
    _post(bot, MEMBER, "C0GENERAL", "Bonjour !", 10)


def test_human_messages_and_reactions_count_and_nothing_else(bot: BotHarness) -> None:
    _seed(bot)
    bot.dm(MEMBER, "une question privée ?")  # a DM with the bot is not community activity
    now = f"{bot.clock().timestamp():.6f}"
    bot.client.send_event({"type": "message", "subtype": "channel_join", "user": ENGLISH_MEMBER, "channel": "C0GENERAL",
                           "ts": now, "channel_type": "channel", "text": "has joined"})
    bot.client.send_event({"type": "message", "subtype": "bot_message", "bot_id": "B0OTHER", "channel": "C0GENERAL",
                           "ts": now, "channel_type": "channel", "text": "RSS ?"})
    bot.client.send_event({"type": "message", "user": BOT_USER_ID, "bot_id": "BSOGA0001", "channel": "C0GENERAL",
                           "ts": now, "channel_type": "channel", "text": "moi-même"})
    ts = bot.slack.ws.messages["C0GENERAL"][0]["ts"]
    bot.client.send_event({"type": "reaction_added", "user": STAFF, "reaction": "tada",
                           "item": {"type": "message", "channel": "C0GENERAL", "ts": ts}, "event_ts": now})
    bot.wait_idle()
    assert _activity(bot) == {MEMBER: (2, 0), ENGLISH_MEMBER: (1, 0), STAFF: (0, 1)}
    with bot.services.db.session() as session:
        questions = session.execute(select(Question.asker_user_id, Question.first_reply_at)).all()
    assert len(questions) == 1 and questions[0][0] == MEMBER and questions[0][1] is not None


def test_a_redelivered_message_counts_once(bot: BotHarness) -> None:
    message = bot.slack.add_message("C0GENERAL", MEMBER, "Salut", ts=f"{bot.clock().timestamp():.6f}")
    event = dict(message, channel="C0GENERAL", channel_type="channel")
    bot.client.send_event(event, event_id="Ev0SAME")
    bot.client.send_event(event, event_id="Ev0SAME", retry_num=1)
    bot.wait_idle()
    assert _activity(bot) == {MEMBER: (1, 0)}


def test_stats_is_refused_to_members_politely(bot: BotHarness) -> None:
    result, _key = bot.command(MEMBER, "/stats")
    assert result.json["response_type"] == "ephemeral"
    assert "réservée à l'équipe du SOGA" in result.json["text"]
    assert _dm_messages(bot, MEMBER) == [] and _files(bot) == []


def test_stats_sends_the_summary_and_the_chart_to_staff(bot: BotHarness) -> None:
    _seed(bot)
    bot.services.extras["newsletter_figures"] = lambda: {"campaign": "Infolettre de novembre", "sent_at": "2026-11-20",
                                                         "emails_sent": 812, "open_rate": 0.418, "click_rate": 0.052}
    bot.services.extras["qa_gaps"] = lambda: [{"question": "Comment adhérer <!channel> ?", "count": 3}]
    result, key = bot.command(STAFF, "/stats", channel="C0STAFF")
    assert result.json["text"] == "Je prépare les chiffres…"
    bot.wait_idle()
    [summary] = _dm_messages(bot, STAFF)
    text = str(summary["blocks"])
    today = _today(bot)
    assert f"Chiffres de la communauté au {today.isoformat()}" in text
    assert "*Membres*" in text and "*Actifs (7 j)*\\n2" in text
    assert "• <#C0ENTRAIDE> : 2" in text and "• <#C0GENERAL> : 1" in text  # Slack shows channel names
    assert "Infolettre de novembre" in text and "41,8" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text  # member text can't ping anyone
    [chart] = _files(bot)
    assert chart["channel"] == bot.slack.dm_channel(STAFF) and chart["content"].startswith(b"\x89PNG")
    assert any("conversation privée" in r.get("text", "") for r in bot.responses(key))


def test_stats_export_sends_the_weekly_series_and_cohorts_as_csv(bot: BotHarness) -> None:
    _seed(bot)
    bot.command(STAFF, "/stats", "export")
    files = {f["name"].split("-")[1]: f["content"].decode() for f in _files(bot)}
    assert set(files) == {"weekly", "cohorts"}
    weekly = list(csv.DictReader(io.StringIO(files["weekly"])))
    expected = compute_stats(bot.services.db, bot.settings.tz, _today(bot))["weekly"]
    assert len(weekly) == 26
    assert [int(w["active"]) for w in weekly] == [w["active"] for w in expected]
    assert int(weekly[-1]["active"]) == 2
    assert files["cohorts"].splitlines()[0] == "cohort,members,month,months_after_joining,active,share"


def test_stats_for_a_past_day_and_a_bad_day(bot: BotHarness) -> None:
    bot.command(STAFF, "/stats", "2024-12-31")
    [summary] = _dm_messages(bot, STAFF)
    assert "2024-12-31" in str(summary["blocks"][0])
    _result, key = bot.command(STAFF, "/stats", "31/12/2024")
    assert any("AAAA-MM-JJ" in r.get("text", "") for r in bot.responses(key))
    assert len(_dm_messages(bot, STAFF)) == 1


def test_the_home_shows_everyone_how_to_ask_and_staff_the_dashboard(bot: BotHarness) -> None:
    _seed(bot)
    for user in (STAFF, MEMBER, ENGLISH_MEMBER):
        bot.client.send_event({"type": "app_home_opened", "user": user, "channel": bot.slack.dm_channel(user), "tab": "home"})
    bot.wait_idle()
    assert {STAFF, MEMBER, ENGLISH_MEMBER} <= set(bot.slack.ws.homes)  # published with views.publish
    member_view, english_view = str(bot.slack.ws.homes[MEMBER]), str(bot.slack.ws.homes[ENGLISH_MEMBER])
    # Members: how to ask (DM, mention, /ask), and none of the staff dashboard.
    assert "Poser une question" in member_view and "onglet *Messages*" in member_view and "`/ask" in member_view
    assert "Ask a question" in english_view and "*Messages* tab" in english_view
    assert "Tableau de bord" not in member_view and "slack_file" not in member_view
    # Staff: the same help first, then the dashboard with the chart and the channels by name.
    blocks = bot.slack.ws.homes[STAFF]["blocks"]
    text = [str(b) for b in blocks]
    ask = next(i for i, b in enumerate(text) if "Poser une question" in b)
    dashboard = next(i for i, b in enumerate(text) if "Tableau de bord de la croissance" in b)
    assert ask < dashboard
    assert "<#C0ENTRAIDE>" in str(blocks) and "<#C0GENERAL>" in str(blocks)
    # No PUBLIC_URL, so no address Slack could fetch the chart from: the Home says where it is.
    assert "`/stats`" in str(blocks) and "message privé" in str(blocks) and "image" not in {b["type"] for b in blocks}


def _team_join(bot: BotHarness, user_id: str, name: str, locale: str = "fr-FR") -> None:
    user = bot.slack.add_user(user_id, name, locale=locale)
    bot.client.send_event({"type": "team_join", "user": user})


def test_welcome_dm_once_in_the_members_language(bot: BotHarness) -> None:
    settings = bot.services.settings
    settings.welcome_channels = "C0ENTRAIDE,C0GENERAL"
    _team_join(bot, "U0NEWFR", "lea")
    _team_join(bot, "U0NEWEN", "sam", locale="en-GB")
    bot.wait_idle()
    bot.client.send_event({"type": "team_join", "user": bot.slack.ws.users["U0NEWFR"]})  # a second delivery
    deactivated = dict(bot.slack.ws.users["U0NEWFR"], deleted=True)
    bot.client.send_event({"type": "user_change", "user": deactivated})
    bot.wait_idle()  # events are handled concurrently; Slack sends these two minutes apart at least
    bot.client.send_event({"type": "user_change", "user": dict(deactivated, deleted=False)})
    bot.wait_idle()
    [french] = _dm_messages(bot, "U0NEWFR")
    [english] = _dm_messages(bot, "U0NEWEN")
    assert "Bienvenue" in french["text"] and "<#C0ENTRAIDE>" in french["text"] and f"<@{BOT_USER_ID}>" in french["text"]
    assert english["text"].startswith("Welcome")
    with bot.services.db.session() as session:
        member = session.get(Member, "U0NEWFR")
        assert member.welcome_sent_at is not None and member.joined_at is not None and not member.is_deleted


def test_reconciliation_catches_a_missed_join_and_a_missed_leave(bot: BotHarness) -> None:
    services = bot.services
    tz = bot.settings.tz
    outcomes = reconcile_members_job(services, pause=0)
    assert outcomes == {"updated": 5}  # the baseline: nobody "joined" today
    bot.slack.add_user("U0MISSED", "noa")  # team_join never reached us
    bot.slack.ws.users[MEMBER]["deleted"] = True  # nor did the deactivation
    bot.clock.advance(days=1)
    day = bot.clock().astimezone(tz).date()
    before = compute_stats(services.db, tz, day)
    assert reconcile_members_job(services, pause=0) == {"joined": 1, "left": 1, "updated": 4}
    after = compute_stats(services.db, tz, day)
    assert after["joined_7d"] == before["joined_7d"] + 1
    assert after["left_28d"] == before["left_28d"] + 1
    assert after["members_total"] == before["members_total"]  # one in, one out
    assert reconcile_members_job(services, pause=0) == {"updated": 6}  # idempotent
    assert compute_stats(services.db, tz, day).figures == after.figures


def test_a_join_found_by_reconciliation_is_welcomed_once(bot: BotHarness) -> None:
    reconcile_members_job(bot.services, pause=0)  # the baseline: nobody is welcomed
    assert not any(_dm_messages(bot, user) for user in (MEMBER, ENGLISH_MEMBER, STAFF))
    bot.slack.add_user("U0MISSED", "noa", locale="en-GB")  # joined while the bot was down
    bot.slack.add_user("U0BOTNEW", "helper", is_bot=True)
    bot.clock.advance(days=1)
    assert reconcile_members_job(bot.services, pause=0)["joined"] == 2
    [welcome] = _dm_messages(bot, "U0MISSED")
    assert "Welcome" in welcome["text"] and "noa" in welcome["text"]
    assert _dm_messages(bot, "U0BOTNEW") == []
    reconcile_members_job(bot.services, pause=0)
    assert len(_dm_messages(bot, "U0MISSED")) == 1


def test_the_first_member_list_after_an_import_welcomes_nobody(bot: BotHarness, tmp_path) -> None:
    """An export lists some members; the first users.list finds others who joined since the
    export (maybe months ago): counted as joins, not welcomed as if they had just arrived."""
    export = tmp_path / "export"
    export.mkdir()
    (export / "users.json").write_text(json.dumps([{"id": MEMBER, "name": "camille"}]))
    (export / "channels.json").write_text(json.dumps([{"id": "C0GENERAL", "name": "general", "members": [MEMBER]}]))
    (export / "general").mkdir()
    (export / "general" / "2026-01-05.json").write_text(json.dumps([
        {"type": "message", "user": MEMBER, "text": "bonjour", "ts": "1767600000.000100"}]))
    assert main(["import-slack-export", str(export)], settings=bot.settings) == 0
    outcomes = reconcile_members_job(bot.services, pause=0)
    assert outcomes["joined"] >= 2  # ENGLISH_MEMBER, STAFF… were not in the export
    assert not any(_dm_messages(bot, user) for user in (ENGLISH_MEMBER, STAFF))
    bot.slack.add_user("U0AFTER", "ines")  # joined after the first list, team_join missed
    assert bot.clock is not None
    bot.clock.advance(days=1)
    assert reconcile_members_job(bot.services, pause=0)["joined"] == 1
    assert len(_dm_messages(bot, "U0AFTER")) == 1


def test_reconciliation_pages_through_users_list(bot: BotHarness) -> None:
    bot.slack.page_size = 2
    reconcile_members_job(bot.services, pause=0)
    calls = [c for c in bot.slack.calls if c.path.endswith("users.list")]
    assert len(calls) == 3
    with bot.services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Member)) == 5
