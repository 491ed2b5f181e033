"""`sogabot ask --json` (★ contract) on a fresh database, without network or LLM key."""

from __future__ import annotations

import io
import json

from bot.cli.main import main
from bot.core.settings import Settings


def test_ask_json_one_question_and_stdin_lines(database_url, tmp_path, capsys, monkeypatch) -> None:
    settings = Settings(_env_file=None, database_url=database_url)
    assert main(["ask", "--json", "Qui finance DIGISET ?"], settings=settings) == 0
    [line] = capsys.readouterr().out.splitlines()
    answer = json.loads(line)
    assert set(answer) == {"question", "answer", "answered", "language", "sources", "latency_ms"}
    assert answer["answered"] is True and answer["language"] == "fr" and "COSME" in answer["answer"]
    assert set(answer["sources"][0]) == {"title", "ref", "excerpt"} and len(answer["sources"]) <= 5

    monkeypatch.setattr("sys.stdin", io.StringIO("Who funds the SETS project?\n\nWhat's the weather in Paris tomorrow?\n"))
    assert main(["ask", "--json", "-"], settings=settings) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert (first["language"], first["answered"], second["answered"]) == ("en", True, False)


def test_reindex_reports_unchanged_files_the_second_time(database_url, capsys) -> None:
    settings = Settings(_env_file=None, database_url=database_url)
    assert main(["knowledge", "reindex"], settings=settings) == 0
    assert main(["knowledge", "reindex"], settings=settings) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["added"] == 74 and second == {"added": 0, "updated": 0, "unchanged": 74, "removed": 0, "chunks": 0}
