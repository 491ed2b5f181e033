"""Reading a Slack export as Slack makes it: a zip or a folder, with or without a top folder.

An export lists its conversations in up to four files, one per kind (DESIGN.md, "Slack
exports"): `channels.json` (public channels), `groups.json` (private channels), `dms.json`
(direct messages) and `mpims.json` (group DMs), each with one folder of day files per
conversation. People are in `users.json`, or `org_users.json` on Enterprise Grid.

This module only finds and parses files; what counts is bot.growth.export_import's business.
A DM or group DM's day files are never opened.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

PUBLIC, PRIVATE, DM, MPIM = "public", "private", "dm", "mpim"
LISTINGS = {"channels.json": PUBLIC, "groups.json": PRIVATE, "dms.json": DM, "mpims.json": MPIM}
USER_FILES = ("users.json", "org_users.json")
_DAY_FILE = re.compile(r"^(?P<folder>[^/]+)/(?P<day>\d{4}-\d{2}-\d{2})\.json$")


class ExportError(Exception):
    """The path is not a Slack export we can read at all (one line, safe to show)."""


@dataclass(frozen=True)
class Conversation:
    id: str
    name: str | None  # None for DMs, which have no name
    kind: str  # public | private | dm | mpim
    folder: str
    is_general: bool = False


class ExportFiles:
    """The files of one export, by their path below the export's root."""

    def __init__(self, path: str) -> None:
        self._zip: zipfile.ZipFile | None = None
        self._folder: Path | None = None
        target = Path(path)
        if target.is_dir():
            self._folder = target
            names = [p.relative_to(target).as_posix() for p in target.rglob("*.json") if p.is_file()]
        elif target.is_file():
            try:
                self._zip = zipfile.ZipFile(target)
            except (zipfile.BadZipFile, OSError) as exc:
                raise ExportError(f"{path} is not a readable zip file, nor a folder ({exc})") from None
            names = [n for n in self._zip.namelist() if not n.endswith("/")]
        else:
            raise ExportError(f"no such file or folder: {path}")
        names = [n for n in names if not n.startswith("__MACOSX/")]
        self.root = _root(names)
        self.names = [n[len(self.root):] for n in names if n.startswith(self.root)]
        self.skipped: list[str] = []  # "path: reason"

    def __enter__(self) -> "ExportFiles":
        return self

    def __exit__(self, *_exc: Any) -> None:
        if self._zip is not None:
            self._zip.close()

    def read_json(self, name: str) -> Any:
        """The parsed file, or None (and a line in `skipped`) when it can't be read."""
        try:
            if self._zip is not None:
                data = self._zip.read(self.root + name)
            else:
                assert self._folder is not None
                data = (self._folder / (self.root + name)).read_bytes()
            return json.loads(data.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, OSError, KeyError) as exc:
            self.skipped.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}")
            return None

    def _list(self, name: str) -> list[dict[str, Any]]:
        if name not in self.names:
            return []
        found = self.read_json(name)
        if not isinstance(found, list):
            if found is not None:
                self.skipped.append(f"{name}: not a list")
            return []
        return [item for item in found if isinstance(item, dict) and item.get("id")]

    def users(self) -> list[dict[str, Any]]:
        """users.json, or org_users.json (Enterprise Grid); both when an export has both."""
        people: dict[str, dict[str, Any]] = {}
        for name in USER_FILES:
            for user in self._list(name):
                people.setdefault(user["id"], user)
        return list(people.values())

    def has_users_file(self) -> bool:
        return any(name in self.names for name in USER_FILES)

    def conversations(self) -> list[Conversation]:
        found = []
        for listing, kind in LISTINGS.items():
            for item in self._list(listing):
                # A DM's folder is its id; every other conversation's folder is its name.
                folder = item["id"] if kind == DM else (item.get("name") or item["id"])
                found.append(Conversation(
                    id=str(item["id"]), name=item.get("name") if kind != DM else None, kind=kind, folder=str(folder),
                    is_general=bool(item.get("is_general")),
                ))
        return found

    def day_files(self) -> Iterator[tuple[str, str]]:
        """(folder, file name) of every day file, in a stable order."""
        for name in sorted(self.names):
            match = _DAY_FILE.match(name)
            if match:
                yield match["folder"], name


def _root(names: list[str]) -> str:
    """Exports are often zipped inside a top folder: find where the listing files sit."""
    wanted = set(LISTINGS) | set(USER_FILES)
    for candidate in sorted(names, key=lambda n: (n.count("/"), n)):
        path = PurePosixPath(candidate)
        if path.name in wanted:
            return "" if str(path.parent) == "." else str(path.parent) + "/"
    raise ExportError("no channels.json, groups.json or users.json found: is it a Slack export?")
