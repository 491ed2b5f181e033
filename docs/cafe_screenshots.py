"""Takes the screenshots of docs/cafe.md: a café with a dozen questions, the board on a
1280x720 projector and the join page on a phone. Run: .venv/bin/python docs/cafe_screenshots.py"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from bot.console.slack_standin import SlackStandin  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from tests.bot.cafe.cafe_support import draft  # noqa: E402
from tests.support import BotHarness, FakeClock, make_settings, populate_workspace  # noqa: E402
from tests.web.browser import CHROMIUM_FLAGS, chromium_path  # noqa: E402

QUESTIONS = [
    ("U0MEMBER", "Comment une petite association peut-elle financer un premier projet d'IA ?", 9, False),
    ("web:a1", "Quelles données de nos bénéficiaires peut-on confier à un chatbot sans risque ?", 8, True),
    ("U0STAFF", "Faut-il former les bénévoles avant d'introduire des outils d'IA ?", 7, False),
    ("web:a2", "Existe-t-il des outils d'IA libres et hébergés en Europe ?", 6, False),
    ("U0FACIL", "Quelles subventions pour financer l'IA dans l'ESS ?", 5, False),
    ("web:a3", "Comment mesurer l'impact carbone de nos usages ?", 4, True),
    ("U0MEMBER", "Une charte éthique de l'IA : par où commencer ?", 3, False),
    ("web:a4", "L'IA va-t-elle remplacer les salariés de l'accompagnement social ?", 3, False),
    ("U0STAFF", "Comment protéger les données personnelles dans nos outils ?", 2, False),
    ("web:a5", "Peut-on utiliser l'IA pour rédiger nos demandes de subvention ?", 2, True),
    ("U0FACIL", "Quels retours d'expérience du pilote de Lille ?", 1, False),
    ("web:a6", "Comment associer les personnes accompagnées aux choix numériques ?", 0, False),
]


def main() -> None:
    out = Path(__file__).parent / "img"
    with tempfile.TemporaryDirectory() as tmp:
        slack = SlackStandin().start()
        populate_workspace(slack)
        db = Database(f"sqlite:///{tmp}/cafe.db")
        upgrade(db)
        bot = BotHarness(make_settings(slack, db.url,
                                       outbox_dir=Path(tmp) / "outbox"), db, slack, FakeClock())
        cafes = bot.services.extras["cafe"]
        for user_id in ("U0MEMBER", "U0STAFF", "U0FACIL"):
            bot.services.members.get(user_id)  # as the daily member sync would have
        cafe = cafes.create_cafe("U0FACIL", draft(title="Café IAssos #2 — Lille", web_approval_required=False))
        names = {"web:a2": "Inès", "web:a4": "Malik", "web:a6": "Jo"}
        ids = []
        for author, text, votes, anonymous in QUESTIONS:
            q = cafes.submit(cafe.id, author, text, anonymous=anonymous, force=True, author_name=names.get(author)).question
            ids.append(q.id)
            for n in range(votes):
                cafes.vote(q.id, f"U{n:03d}")
        cafes.moderate(ids[10], "answer")
        cafes.themes(cafe.id)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
            board = browser.new_page(viewport={"width": 1280, "height": 720})
            board.goto(f"{bot.url}/cafe/{cafe.web_token}/board")
            time.sleep(0.5)
            board.screenshot(path=str(out / "cafe-board.png"))
            phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2).new_page()
            phone.goto(f"{bot.url}/cafe/{cafe.web_token}/join")
            phone.locator(f"#q{ids[3]} button").click()
            phone.wait_for_selector(f"#q{ids[3]} >> text=Retirer mon vote")
            phone.fill("#text", "Comment impliquer le conseil d'administration ?")
            phone.screenshot(path=str(out / "cafe-join.png"))
            browser.close()
        bot.close()
        slack.stop()
    print("wrote", out / "cafe-board.png", "and", out / "cafe-join.png")


if __name__ == "__main__":
    main()
