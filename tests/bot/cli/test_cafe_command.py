"""★ `sogabot cafe export CAFE_ID --format csv|md` and `sogabot cafe list`."""

from __future__ import annotations

import csv
import io

from bot.cafe.service import CafeService
from bot.cli.main import main
from bot.core.members import MemberDirectory
from tests.bot.cafe.cafe_support import PARIS, make_cafe


def seed(db, clock) -> int:
    directory = MemberDirectory(db, lambda _uid: None, clock)
    directory.upsert({"user_id": "U0CAMILLE", "display_name": "camille"})
    directory.upsert({"user_id": "U0SECRET", "display_name": "dominique"})
    cafes = CafeService(db, clock, PARIS)
    cafe = make_cafe(cafes)
    cafes.submit(cafe.id, "U0CAMILLE", "Quels usages de l'IA dans l'insertion ?")
    secret = cafes.submit(cafe.id, "U0SECRET", "Peut-on refuser l'IA au travail ?", anonymous=True).question
    cafes.vote(secret.id, "U0CAMILLE")
    return cafe.id


def test_export_markdown_ranks_and_hides_the_anonymous_author(settings, db, clock, capsys) -> None:
    cafe_id = seed(db, clock)
    assert main(["cafe", "export", str(cafe_id), "--format", "md"], settings=settings) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Café IAssos de décembre")
    rows = [line for line in out.splitlines() if line.startswith("| 1 ") or line.startswith("| 2 ")]
    assert "Peut-on refuser" in rows[0] and "anonyme" in rows[0] and "| 1 |" in rows[0]
    assert "camille" in rows[1]
    assert "dominique" not in out and "U0SECRET" not in out


def test_export_csv(settings, db, clock, capsys) -> None:
    cafe_id = seed(db, clock)
    assert main(["cafe", "export", str(cafe_id), "--format", "csv"], settings=settings) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeff")  # French Excel reads it as UTF-8, with `;` between cells
    rows = list(csv.DictReader(io.StringIO(out[1:]), delimiter=";"))
    assert [(r["votes"], r["author"], r["status"]) for r in rows] == [("1", "anonyme", "publiée"), ("0", "camille", "publiée")]
    assert all(r["theme"] for r in rows)


def test_unknown_cafe_is_a_clear_message_and_exit_2(settings, db, capsys) -> None:
    assert main(["cafe", "export", "999", "--format", "md"], settings=settings) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "no café with id 999" in captured.err and "Traceback" not in captured.err


def test_list(settings, db, clock, capsys) -> None:
    cafe_id = seed(db, clock)
    assert main(["cafe", "list"], settings=settings) == 0
    line = capsys.readouterr().out.strip()
    assert line.split()[0] == str(cafe_id) and "2026-12-03 18:30" in line and line.endswith("Café IAssos de décembre")
