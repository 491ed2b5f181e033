"""What the digest republishes, through the real app (signed events, the Slack stand-in):
public channels only, never STAFF_CHANNEL; nothing of or about an opted-out member; the edited
text, not the old one; no deleted message; no merge tags, no misleading link labels."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.digest.models import DigestLink, DigestThread
from bot.digest.render import render_html, render_text
from bot.digest.service import build_for
from bot.digest.weeks import week_of_ts
from bot.slack.blocks.digest import digest_blocks
from bot.store.models import Member
from tests.support import ENGLISH_MEMBER, MEMBER, STAFF, STAFF_CHANNEL


def _event(bot, user, channel, text, channel_type, thread_ts=None):
    message = bot.slack.add_message(channel, user, text, thread_ts=thread_ts)
    bot.client.send_event(dict(message, channel=channel, channel_type=channel_type, event_ts=message["ts"]))
    bot.wait_idle()
    return message["ts"]


def _published(bot, ts) -> str:
    """Everything the week's digest would publish: the Slack post, the e-mail's HTML and text."""
    content = build_for(bot.services, week_of_ts(ts, bot.settings.tz), use_llm=False)
    return json.dumps(digest_blocks(content), ensure_ascii=False) + render_html(content) + render_text(content)


def _threads(bot) -> list[DigestThread]:
    with bot.services.db.session() as session:
        return list(session.scalars(select(DigestThread)))


def _react(bot, user, channel, ts) -> None:
    bot.client.send_event({"type": "reaction_added", "user": user, "reaction": "+1",
                           "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": ts})
    bot.wait_idle()


def test_the_staff_channel_never_feeds_the_digest(bot) -> None:
    # The bot's hand-off post, then staff replies in its thread: whatever channel_type says.
    parent = _event(bot, STAFF, STAFF_CHANNEL, "Point d'équipe https://interne.example.org", "channel")
    for n in range(2):
        _event(bot, STAFF, STAFF_CHANNEL, f"réponse {n}", "channel", thread_ts=parent)
    _react(bot, MEMBER, STAFF_CHANNEL, parent)
    assert _threads(bot) == []
    published = _published(bot, parent)
    assert "C0STAFF" not in published and "equipe" not in published and "interne.example.org" not in published


def test_private_channels_and_direct_messages_never_feed_the_digest(bot) -> None:
    bot.slack.add_channel("G0PRIVATE", "prive", is_private=True)
    posts = [
        _event(bot, MEMBER, "G0PRIVATE", "Dans un canal privé https://prive.example.org", "group"),
        _event(bot, MEMBER, "C0PRIVNEW", "Canal privé récent (id en C) https://prive2.example.org", "group"),
        _event(bot, MEMBER, bot.slack.dm_channel(MEMBER), "En privé au bot https://dm.example.org", "im"),
        _event(bot, MEMBER, "G0MPIM", "Message de groupe https://mpim.example.org", "mpim"),
    ]
    for ts in posts:
        _event(bot, STAFF, "G0PRIVATE", "une réponse", "group", thread_ts=ts)
    assert _threads(bot) == []
    with bot.services.db.session() as session:
        assert list(session.scalars(select(DigestLink))) == []
    assert "example.org" not in _published(bot, posts[0])


def test_a_public_channel_does_feed_it(bot) -> None:
    ts = _event(bot, MEMBER, "C0ENTRAIDE", "Un guide : https://guide.example.org", "channel")
    _event(bot, STAFF, "C0ENTRAIDE", "merci", "channel", thread_ts=ts)
    assert "guide.example.org" in _published(bot, ts)


def test_a_reply_to_a_post_the_digest_never_kept_adds_no_empty_thread(bot) -> None:
    _event(bot, MEMBER, "C0ENTRAIDE", "merci !", "channel", thread_ts="1700000000.000100")
    assert _threads(bot) == []


def test_an_opted_out_member_is_not_named_when_someone_mentions_them(bot) -> None:
    bot.client.block_action(ENGLISH_MEMBER, {"type": "button", "action_id": "privacy_opt_out"},
                            channel_id=bot.slack.dm_channel(ENGLISH_MEMBER))
    bot.wait_idle()
    with bot.services.db.session() as session:
        assert session.get(Member, ENGLISH_MEMBER).analytics_opt_out
    ts = _event(bot, MEMBER, "C0ENTRAIDE", f"Merci <@{ENGLISH_MEMBER}> et <@{STAFF}> pour l'atelier !", "channel")
    _event(bot, STAFF, "C0ENTRAIDE", "avec plaisir", "channel", thread_ts=ts)
    published = _published(bot, ts)
    assert "pour l'atelier" in published
    assert "alex" not in published and ENGLISH_MEMBER not in published and "@membre" in published
    assert all(ENGLISH_MEMBER not in (t.excerpt or "") for t in _threads(bot))


def test_the_digest_publishes_the_edited_text_and_drops_a_deleted_message(bot) -> None:
    ts = _event(bot, MEMBER, "C0ENTRAIDE", "Appelez-moi au 06 12 34 56 78 https://old.example.org", "channel")
    _event(bot, STAFF, "C0ENTRAIDE", "ok", "channel", thread_ts=ts)
    bot.client.send_event({
        "type": "message", "subtype": "message_changed", "channel": "C0ENTRAIDE", "channel_type": "channel",
        "hidden": True, "ts": bot.slack.next_ts(), "event_ts": bot.slack.next_ts(),
        "message": {"type": "message", "user": MEMBER, "text": "Écrivez-moi plutôt https://new.example.org", "ts": ts,
                    "edited": {"user": MEMBER, "ts": bot.slack.next_ts()}},
        "previous_message": {"type": "message", "user": MEMBER, "text": "Appelez-moi au 06 12 34 56 78", "ts": ts},
    })
    bot.wait_idle()
    published = _published(bot, ts)
    assert "Écrivez-moi plutôt" in published and "new.example.org" in published
    assert "06 12 34 56 78" not in published and "old.example.org" not in published

    other = _event(bot, STAFF, "C0ENTRAIDE", "Un autre fil https://other.example.org", "channel")
    _event(bot, MEMBER, "C0ENTRAIDE", "oui", "channel", thread_ts=other)
    bot.client.send_event({"type": "message", "subtype": "message_deleted", "channel": "C0ENTRAIDE", "channel_type": "channel",
                           "hidden": True, "deleted_ts": ts, "ts": bot.slack.next_ts(), "event_ts": bot.slack.next_ts(),
                           "previous_message": {"type": "message", "user": MEMBER, "text": "…", "ts": ts}})
    bot.wait_idle()
    published = _published(bot, ts)
    assert "Écrivez-moi plutôt" not in published and "new.example.org" not in published
    assert "Un autre fil" in published


def test_merge_tags_and_misleading_link_labels_are_neutralised(bot) -> None:
    text = ("Gagnez un prix *|EMAIL|* *|UNSUB|* ici : <https://evil.example.net/login|https://www.banque.fr/connexion> "
            "et <https://vrai.example.org/guide|le guide>")
    ts = _event(bot, MEMBER, "C0ENTRAIDE", text, "channel")
    _event(bot, STAFF, "C0ENTRAIDE", "merci", "channel", thread_ts=ts)
    content = build_for(bot.services, week_of_ts(ts, bot.settings.tz), use_llm=False)
    html, plain = render_html(content), render_text(content)
    member_part = html.split("Les conversations de la semaine", 1)[1].split("Vous recevez ce digest", 1)[0]
    assert "*|EMAIL|*" not in member_part and "*|UNSUB|*" not in member_part
    assert "*|EMAIL|*" not in plain
    assert "banque.fr" not in html + plain  # the label that pretended to be another address
    assert "evil.example.net" in plain and "le guide" in plain
    assert "*|UNSUB|*" in html  # the campaign's own unsubscribe tag is still there
