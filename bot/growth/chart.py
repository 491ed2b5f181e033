"""The 26-week chart: members (line) and weekly actives (bars), as a PNG."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from bot.growth.texts import GROWTH
from bot.core.i18n import Lang


def weekly_chart_png(weekly: list[dict[str, Any]], lang: Lang) -> bytes:
    """PNG bytes. Uses Figure directly (not pyplot), which is safe in the listener threads."""
    figure = weekly_chart(weekly, lang)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def weekly_chart(weekly: list[dict[str, Any]], lang: Lang) -> Any:
    """The chart as a matplotlib Figure: people are whole, so the axis ticks are integers, and
    every label is in the viewer's language."""
    # Imported on first use: matplotlib adds tens of megabytes to a process that may never draw.
    import matplotlib

    matplotlib.use("Agg")  # no display on servers
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
    weeks = [date.fromisoformat(w["week_start"]) for w in weekly]
    labels = [d.strftime("%d/%m") if lang == "fr" else d.strftime("%b %d") for d in weeks]
    members = [w["members_total"] for w in weekly]
    active = [w["active"] for w in weekly]
    figure = Figure(figsize=(10, 4.8), dpi=110)
    axis = figure.add_subplot()
    positions = list(range(len(weeks)))
    axis.bar(positions, active, color="#7fb8d8", label=GROWTH("chart_active", lang))
    axis.plot(positions, members, color="#1f4e79", linewidth=2.5, marker="o", markersize=3, label=GROWTH("chart_members", lang))
    axis.set_title(GROWTH("chart_title", lang), fontsize=13)
    axis.set_xticks(positions[::2], labels[::2], rotation=45, ha="right", fontsize=8)
    axis.set_ylim(0, max(members + active + [1]) * 1.15)
    axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_ylabel(GROWTH("chart_y_axis", lang))
    axis.set_xlabel(GROWTH("chart_x_axis", lang))
    axis.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    if members:
        axis.annotate(str(members[-1]), (positions[-1], members[-1]), textcoords="offset points", xytext=(0, 8),
                      ha="center", fontsize=9, color="#1f4e79")
    axis.legend(loc="upper left", frameon=False)
    figure.tight_layout()
    return figure
