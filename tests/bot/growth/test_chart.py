"""The 26-week chart: whole people on the axis, labels in the viewer's language."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.growth.chart import weekly_chart, weekly_chart_png


def _weeks(members: list[int], active: list[int]) -> list[dict]:
    start = date(2026, 6, 1)
    return [{"week_start": (start + timedelta(weeks=i)).isoformat(), "members_total": m, "active": a}
            for i, (m, a) in enumerate(zip(members, active))]


@pytest.mark.parametrize("members", [[1, 2, 2, 3], [0, 0, 1, 1], [120, 131, 140, 152]])
def test_the_members_axis_has_whole_ticks_only(members) -> None:
    axis = weekly_chart(_weeks(members, [1, 0, 2, 1]), "fr").axes[0]
    ticks = [t for t in axis.get_yticks() if axis.get_ylim()[0] <= t <= axis.get_ylim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)


def test_labels_are_in_the_viewers_language() -> None:
    weeks = _weeks([3, 4, 5, 5], [1, 2, 0, 3])
    fr, en = weekly_chart(weeks, "fr").axes[0], weekly_chart(weeks, "en").axes[0]
    assert (fr.get_ylabel(), fr.get_xlabel()) == ("Personnes", "Semaine du")
    assert (en.get_ylabel(), en.get_xlabel()) == ("People", "Week of")
    assert fr.get_title() != en.get_title()
    assert weekly_chart_png(weeks, "en").startswith(b"\x89PNG")
