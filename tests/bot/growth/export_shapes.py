"""Slack exports in every shape, built from real exports' files (tests/fixtures/slack_exports/README.md).

Messages are never changed: whole day files are copied under the folder a shape puts them in.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "slack_exports"
HOUSTON = FIXTURES / "houstondatavis"
ARCHIVE = FIXTURES / "testarchive"

PUBLIC_ID = "C0JGLMMNX"  # enrique
PRIVATE_ID = "C0JL6CGQ2"  # traveling-sailor, listed in groups.json
DM_ID = "D0JQDMTEST"
MPIM_ID = "G0JQMPTEST"
MPIM_NAME = "mpdm-abilinski--hpotter--rweasley-1"


def _listing() -> dict[str, dict]:
    return {c["name"]: c for c in json.loads((ARCHIVE / "channels.json").read_text())}


def full_export(target: Path, *, enterprise: bool = False, stray_folder: bool = False) -> Path:
    """A Business+ export: a public channel, a private one (groups.json), a DM and a group DM
    (both made of the private channel's real day files), optionally Enterprise Grid's
    org_users.json instead of users.json, and a day folder no listing names."""
    target.mkdir(parents=True)
    channels = _listing()
    (target / "channels.json").write_text(json.dumps([channels["enrique"]]))
    (target / "groups.json").write_text(json.dumps([dict(channels["traveling-sailor"], is_private=True)]))
    members = channels["traveling-sailor"]["members"]
    (target / "dms.json").write_text(json.dumps([{"id": DM_ID, "created": 1452988822, "members": members[:2]}]))
    (target / "mpims.json").write_text(json.dumps([{"id": MPIM_ID, "name": MPIM_NAME, "created": 1452988822, "members": members}]))
    (target / ("org_users.json" if enterprise else "users.json")).write_bytes((ARCHIVE / "users.json").read_bytes())
    shutil.copy(ARCHIVE / "integration_logs.json", target / "integration_logs.json")
    folders = {"enrique": "enrique", "traveling-sailor": "traveling-sailor", DM_ID: "traveling-sailor", MPIM_NAME: "traveling-sailor"}
    if stray_folder:
        folders["not-listed"] = "enrique"
    for folder, source in folders.items():
        shutil.copytree(ARCHIVE / source, target / folder)
    return target


def standard_export(target: Path) -> Path:
    """The standard (public channels) export: users.json, channels.json, channel folders."""
    shutil.copytree(HOUSTON, target)
    return target


def zipped(folder: Path, *, top_folder: str | None = None) -> Path:
    path = folder.with_suffix(".zip")
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                name = file.relative_to(folder).as_posix()
                archive.write(file, f"{top_folder}/{name}" if top_folder else name)
    return path


def human_messages(folder: Path) -> list[dict]:
    """Every human message of a folder's day files, read independently of the importer."""
    found = []
    for file in sorted(folder.glob("*.json")):
        for message in json.loads(file.read_text()):
            if message.get("user") and not message.get("bot_id") and message.get("subtype") in (None, "file_share"):
                found.append(message)
    return found
