"""The README stays true: every setting is documented, the commands it names exist."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli.main import build_parser
from bot.core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_table() -> None:
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)`", README, flags=re.M))
    documented |= {name for row in re.findall(r"^\| ((?:`[A-Z0-9_]+`,? ?)+)\|", README, flags=re.M)
                   for name in re.findall(r"`([A-Z0-9_]+)`", row)}
    settings = {name.upper() for name in Settings.model_fields}
    assert settings - documented == set(), "settings missing from the README's table"
    assert documented - settings == set(), "the README documents settings that don't exist"


def test_the_readme_names_real_commands() -> None:
    parser = build_parser()
    subcommands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    for command in set(re.findall(r"`sogabot ([a-z-]+)", README)):
        assert command in subcommands, command


def test_the_procfile_runs_what_the_readme_says() -> None:
    procfile = (ROOT / "Procfile").read_text()
    for line in procfile.strip().splitlines():
        assert line in README
