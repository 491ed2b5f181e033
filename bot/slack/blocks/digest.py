"""Block Kit of the digest: the Slack version members read, and the staff preview with its buttons."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.slack.blocks import Block, MAX_BLOCKS, actions, button, context, divider, escape_mrkdwn, fit, header, section, truncate
from bot.digest.content import DigestContent, date_fr, percent
from bot.digest.texts import DIGEST
from bot.core.i18n import Lang

ACTION_APPROVE = "digest_approve"
ACTION_EDIT_INTRO = "digest_edit_intro"
ACTION_SKIP = "digest_skip"
ACTION_RETRY = "digest_retry"
INTRO_MODAL = "digest_intro_modal"
INTRO_BLOCK = "digest_intro_block"
INTRO_INPUT = "digest_intro_input"


def _link(url: str, label: str) -> str:
    return f"<{url}|{escape_mrkdwn(truncate(label, 150))}>"


def digest_blocks(content: DigestContent, limit: int = MAX_BLOCKS) -> list[Block]:
    """The digest as posted in DIGEST_CHANNEL (French, like the email)."""
    blocks: list[Block] = [
        header(f"Le digest de la semaine · {content.period_fr}"),
        section(escape_mrkdwn(content.intro)),
        context(f"👥 *{content.figures.get('members', 0)}* membres · 🌱 *{content.figures.get('joins', 0)}* arrivées · "
                f"💬 *{content.figures.get('actives', 0)}* membres actifs"),
    ]
    if content.new_members:
        names = ", ".join(escape_mrkdwn(m["name"]) for m in content.new_members)
        blocks += [divider(), section(f"*Bienvenue !* 👋 {names}")]
    if content.threads:
        blocks += [divider(), section("*Les conversations de la semaine*")]
        for thread in content.threads:
            meta = f"#{escape_mrkdwn(thread['channel_name'])}"
            if thread.get("author"):
                meta += f" · {escape_mrkdwn(thread['author'])}"
            meta += f" · 💬 {thread['reply_count']} · ❤️ {thread['reaction_count']}"
            text = meta
            if thread.get("excerpt"):
                text += f"\n> {escape_mrkdwn(thread['excerpt'])}"
            if thread.get("permalink"):
                text += f"\n<{thread['permalink']}|Lire la conversation →>"
            blocks.append(section(text))
    if content.links:
        lines = [f"• {_link(link['url'], link.get('title') or link['url'])}" for link in content.links]
        blocks += [divider(), section("*Ressources partagées*\n" + "\n".join(lines))]
    if content.events or content.cafes:
        lines = []
        for event in content.events:
            where = f" · {escape_mrkdwn(event['where'])}" if event.get("where") else ""
            title = _link(event["url"], event["title"]) if event.get("url") else escape_mrkdwn(event["title"])
            lines.append(f"• *{date_fr(date.fromisoformat(event['date']))}*{where} — {title}")
        for cafe in content.cafes:
            when = f" ({escape_mrkdwn(str(cafe['when']))})" if cafe.get("when") else ""
            lines.append(f"• *{escape_mrkdwn(cafe['title'])}*{when} — posez et votez pour vos questions avec `/cafe`")
        blocks += [divider(), section("*À venir*\n" + "\n".join(lines))]
    if content.is_quiet:
        blocks.append(context("Pas de conversation marquante cette semaine : partagez vos questions et ressources, elles feront peut-être le prochain digest."))
    if content.newsletter:
        last, year, base = content.newsletter["last"], content.newsletter["year"], content.newsletter["baseline"]
        text = (f"📬 Dernière newsletter : {last['emails_sent']} envois, {percent(last['open_rate'])} d'ouvertures, "
                f"{percent(last['click_rate'])} de clics.")
        if year.get("open_rate") is not None:
            text += (f" Moyenne {year['year']} : {percent(year['open_rate'])} / {percent(year['click_rate'])} "
                     f"(contre {percent(base['open_rate'])} / {percent(base['click_rate'])} en {base['year']}).")
        blocks.append(context(text))
    return fit(blocks, limit, "…")


def status_lines(view: dict[str, Any], lang: Lang) -> list[str]:
    """What happened to the digest, for the preview message."""
    state, user = view["state"], view.get("approved_by_user_id") or "?"
    lines: list[str] = []
    if state == "draft":
        lines.append(DIGEST("state_draft", lang))
    elif state == "approved":
        lines.append(DIGEST("state_approved", lang, user=user))
    elif state == "scheduled":
        lines.append(DIGEST("state_scheduled", lang, user=user, when=view.get("scheduled_for") or "?"))
    elif state == "sent" and view.get("outbox_path"):
        lines.append(DIGEST("state_sent_outbox", lang, user=user, path=view["outbox_path"]))
    elif state == "sent":
        lines.append(DIGEST("state_sent", lang, user=user))
    elif state == "skipped":
        lines.append(DIGEST("state_skipped", lang, user=view.get("skipped_by") or user))
    elif state == "failed":
        lines.append(DIGEST("state_failed", lang, attempts=view.get("attempts", 0)))
    if view.get("campaign_url"):
        lines.append(DIGEST("campaign_link", lang, url=view["campaign_url"]))
    if view.get("slack_channel") and view.get("slack_ts"):
        lines.append(DIGEST("slack_link", lang, channel=view["slack_channel"]))
    if view.get("intro_edited_by_user_id"):
        lines.append(DIGEST("intro_by", lang, user=view["intro_edited_by_user_id"]))
    if state == "draft" and not view.get("mailchimp_enabled"):
        lines.append(DIGEST("no_mailchimp_note", lang))
    return lines


def preview_blocks(content: DigestContent, view: dict[str, Any], lang: Lang = "fr") -> list[Block]:
    """The staff preview: status, buttons that fit the state, then the digest itself."""
    week = content.iso_week
    top: list[Block] = [header(DIGEST("preview_title", lang, week=week)), context(*status_lines(view, lang))]
    buttons: list[Block] = []
    if view["state"] == "draft":
        buttons = [
            button(DIGEST("approve", lang), ACTION_APPROVE, week, style="primary"),
            button(DIGEST("edit_intro", lang), ACTION_EDIT_INTRO, week),
            button(DIGEST("skip", lang), ACTION_SKIP, week, style="danger"),
        ]
    elif view["state"] in ("approved", "failed") and view.get("last_error"):
        buttons = [button(DIGEST("retry", lang), ACTION_RETRY, week, style="primary"),
                   button(DIGEST("skip", lang), ACTION_SKIP, week, style="danger")]
    if buttons:
        top.append(actions(*buttons, block_id=f"digest_actions_{week}"))
    top.append(divider())
    return top + digest_blocks(content, MAX_BLOCKS - len(top))


def retry_blocks(text: str, week: str, lang: Lang) -> list[Block]:
    return [section(text), actions(button(DIGEST("retry", lang), ACTION_RETRY, week, style="primary"))]


def intro_modal(week: str, intro: str, lang: Lang, channel: str | None, ts: str | None) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": INTRO_MODAL,
        "private_metadata": "|".join([week, channel or "", ts or ""]),
        "title": {"type": "plain_text", "text": DIGEST("modal_title", lang)},
        "submit": {"type": "plain_text", "text": DIGEST("modal_submit", lang)},
        "close": {"type": "plain_text", "text": DIGEST("modal_cancel", lang)},
        "blocks": [{
            "type": "input",
            "block_id": INTRO_BLOCK,
            "label": {"type": "plain_text", "text": DIGEST("modal_label", lang)},
            "element": {"type": "plain_text_input", "action_id": INTRO_INPUT, "multiline": True,
                        "initial_value": intro[:3000], "max_length": 1500},
        }],
    }
