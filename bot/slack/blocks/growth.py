"""Pure Block Kit builders for the growth report (the /stats message and the App Home section)."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks import Block, context, divider, escape_mrkdwn, fit, header, section
from bot.growth.stats import AtRisk, GrowthStats
from bot.growth.texts import GROWTH
from bot.core.i18n import Lang
from bot.privacy.names import is_erased, shown_name

KEY_FIGURES = ("members_total", "joined_28d", "left_28d", "active_7d", "active_28d", "messages_28d",
               "reactions_28d", "activated_28d")
AT_RISK_SHOWN = 10


def _number(value: float | int, lang: Lang) -> str:
    text = f"{value:,}".replace(",", "\u202f" if lang == "fr" else ",")
    return text.replace(".", ",") if lang == "fr" else text


def _delta(now: float | int | None, before: float | int | None, lang: Lang) -> str:
    if now is None or before is None:
        return ""
    change = now - before
    if change == 0:
        return " (=)"
    arrow = "↑" if change > 0 else "↓"
    shown = round(change, 1) if isinstance(change, float) else change
    return f" ({arrow} {'+' if change > 0 else '−'}{_number(abs(shown), lang)})"


def _percent(value: Any, lang: Lang) -> str:
    if not isinstance(value, (int, float)):
        return GROWTH("none", lang)
    return _number(round(value * 100, 1), lang) + ("\u202f%" if lang == "fr" else "%")


def key_figure_fields(stats: GrowthStats, previous: GrowthStats | None, previous_week: GrowthStats | None, lang: Lang) -> list[dict[str, str]]:
    fields = []
    for key in KEY_FIGURES:
        base = previous_week if key.endswith("_7d") else previous
        before = base[key] if base is not None else None
        fields.append({"type": "mrkdwn", "text": f"*{GROWTH(key, lang)}*\n{_number(stats[key], lang)}{_delta(stats[key], before, lang)}"})
    median = stats["median_first_response_minutes_28d"]
    before = previous["median_first_response_minutes_28d"] if previous is not None else None
    value = GROWTH("minutes", lang, value=_number(median, lang)) if median is not None else GROWTH("none", lang)
    fields.append({"type": "mrkdwn", "text": f"*{GROWTH('median_first_response_minutes_28d', lang)}*\n{value}{_delta(median, before, lang)}"})
    return fields


def _fields_blocks(fields: list[dict[str, str]]) -> list[Block]:
    # A section holds at most 10 fields.
    return [{"type": "section", "fields": fields[i : i + 10]} for i in range(0, len(fields), 10)]


def member_mention(user_id: str, name: str | None, lang: Lang) -> str:
    """`<@U…>`, which Slack shows by name; an erased member's pseudonym names no one and Slack
    can't resolve it, so they read "membre supprimé" / "former member"."""
    if is_erased(user_id):
        return shown_name(user_id, name, lang)
    return f"<@{user_id}>"


def at_risk_lines(at_risk: list[AtRisk], total: int, lang: Lang) -> str:
    if not at_risk:
        return GROWTH("at_risk_none", lang)
    lines = [f"• {member_mention(r.user_id, r.name, lang)} — {GROWTH('last_seen', lang, day=r.last_active_day.isoformat())}"
             for r in at_risk[:AT_RISK_SHOWN]]
    if total > AT_RISK_SHOWN:
        lines.append(GROWTH("and_more", lang, count=total - AT_RISK_SHOWN))
    return "\n".join(lines)


def channel_lines(top: list[dict[str, Any]], lang: Lang, limit: int, names: dict[str, str] | None = None) -> str:
    """The busiest channels by the names the bot keeps (`growth_channels`: an export's listings,
    names learned from Slack); a channel it never named is a `<#C…>` mention, which Slack shows
    by name when the channel exists in this workspace (the JSON keeps ids)."""
    names = names or {}
    sep = " : " if lang == "fr" else ": "

    def label(channel_id: str) -> str:
        name = names.get(channel_id)
        return f"#{escape_mrkdwn(name)}" if name else f"<#{channel_id}>"

    return "\n".join(f"• {label(c['channel'])}{sep}{_number(c['messages'], lang)}" for c in top[:limit])


def _before_history(stats: GrowthStats, lang: Lang) -> list[Block]:
    """A day before the bot's first data: a warning instead of figures that would be partial."""
    return [section(GROWTH("before_history", lang, day=stats["as_of"], starts=stats["history_starts"])),
            context(GROWTH("joins_rule", lang))]


def ask_blocks(lang: Lang) -> list[Block]:
    """The members' Home: how to ask the bot a question."""
    return [section(GROWTH("ask_title", lang) + "\n" + GROWTH("ask_how", lang))]


def stats_blocks(
    stats: GrowthStats,
    previous: GrowthStats | None,
    previous_week: GrowthStats | None,
    lang: Lang,
    newsletter: dict[str, Any] | None = None,
    qa_gaps: list[dict[str, Any]] | None = None,
    channel_names: dict[str, str] | None = None,
) -> list[Block]:
    f = stats.figures
    blocks: list[Block] = [header(GROWTH("title", lang, day=f["as_of"]))]
    if f["before_history"]:
        return blocks + _before_history(stats, lang)
    blocks += _fields_blocks(key_figure_fields(stats, previous, previous_week, lang))
    blocks.append(context(GROWTH("versus", lang)))
    blocks.append(context(GROWTH("joins_rule", lang)))
    if f["top_channels_28d"]:
        blocks.append(section(GROWTH("top_channels", lang) + "\n" + channel_lines(f["top_channels_28d"], lang, 5, channel_names)))
    levels = "\n".join(f"• {GROWTH('level_' + name, lang)} : {count}" if lang == "fr" else f"• {GROWTH('level_' + name, lang)}: {count}"
                       for name, count in f["levels"].items())
    blocks.append(section(GROWTH("levels", lang) + "\n" + levels))
    blocks.append(divider())
    blocks.append(section(GROWTH("at_risk", lang, count=f["at_risk"]) + "\n" + at_risk_lines(stats.at_risk, f["at_risk"], lang)))
    if newsletter:
        line = GROWTH(
            "newsletter_line", lang,
            campaign=escape_mrkdwn(str(newsletter.get("campaign") or "—")),
            sent=str(newsletter.get("sent_at") or "—")[:10],
            emails=_number(newsletter["emails_sent"], lang) if isinstance(newsletter.get("emails_sent"), int) else "—",
            open=_percent(newsletter.get("open_rate"), lang),
            click=_percent(newsletter.get("click_rate"), lang),
        )
        blocks.append(section(GROWTH("newsletter", lang) + "\n" + line))
    if qa_gaps:
        lines = [f"• {escape_mrkdwn(str(g['question']))[:200]}" + (f" (×{g['count']})" if g.get("count") else "") for g in qa_gaps]
        blocks.append(section(GROWTH("qa_gaps", lang) + "\n" + "\n".join(lines)))
    return fit(blocks)


def chart_image(url: str, lang: Lang) -> Block:
    """An image Slack fetches from `url` (a public address: a Home can't show a file private to
    the bot)."""
    title = GROWTH("chart_title", lang)
    return {"type": "image", "image_url": url, "alt_text": title, "title": {"type": "plain_text", "text": title}}


def home_blocks(stats: GrowthStats, previous: GrowthStats | None, previous_week: GrowthStats | None, lang: Lang,
                chart_url: str | None = None, channel_names: dict[str, str] | None = None) -> list[Block]:
    """`chart_url`: where Slack can fetch the chart (PUBLIC_URL); without it the Home says that
    `/stats` sends the chart in a direct message."""
    blocks: list[Block] = [header(GROWTH("home_title", lang) + f" — {stats['as_of']}")]
    if stats["before_history"]:
        return blocks + _before_history(stats, lang)
    blocks += _fields_blocks(key_figure_fields(stats, previous, previous_week, lang))
    blocks.append(context(GROWTH("joins_rule", lang)))
    blocks.append(chart_image(chart_url, lang) if chart_url else context(GROWTH("home_chart_in_dm", lang)))
    if stats["top_channels_28d"]:
        blocks.append(section(GROWTH("top_channels", lang) + "\n" + channel_lines(stats["top_channels_28d"], lang, 3, channel_names)))
    blocks.append(section(GROWTH("at_risk", lang, count=stats["at_risk"]) + "\n" + at_risk_lines(stats.at_risk, stats["at_risk"], lang)))
    blocks.append(context(GROWTH("home_hint", lang)))
    return blocks
