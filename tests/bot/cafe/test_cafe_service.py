"""The café domain: intake rules, votes, merges, similarity, reminders, export."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.cafe.export import export_csv, export_markdown
from bot.cafe.models import Question, Vote
from bot.cafe.service import CafeService
from bot.cafe.values import CafeError
from tests.bot.cafe.cafe_support import CLOSES, PARIS, STARTS, draft, make_cafe


@pytest.fixture
def cafes(db, clock) -> CafeService:
    return CafeService(db, clock, PARIS)


def count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("text", "code"),
    [("   ", "question_empty"), ("x" * 1001, "question_too_long")],
)
def test_empty_or_overlong_questions_are_refused_and_nothing_is_saved(cafes, db, text, code) -> None:
    cafe = make_cafe(cafes)
    with pytest.raises(CafeError) as refused:
        cafes.submit(cafe.id, "U1", text)
    assert refused.value.code == code
    assert count(db, Question) == 0


def test_a_question_of_exactly_1000_characters_is_accepted(cafes) -> None:
    cafe = make_cafe(cafes)
    assert cafes.submit(cafe.id, "U1", "é" * 1000).question is not None


def test_late_questions_and_votes_on_a_closed_cafe_are_refused(cafes, db, clock) -> None:
    cafe = make_cafe(cafes)
    question = cafes.submit(cafe.id, "U1", "Quelle place pour l'éthique ?").question
    clock.set(CLOSES.astimezone(timezone.utc) + timedelta(minutes=1))
    with pytest.raises(CafeError) as late:
        cafes.submit(cafe.id, "U2", "Une question en retard")
    assert late.value.code == "intake_closed"
    with pytest.raises(CafeError) as vote:
        cafes.vote(question.id, "U2")
    assert vote.value.code == "votes_closed"
    assert count(db, Question) == 1 and count(db, Vote) == 0


def test_closing_by_hand_refuses_questions_and_reopening_takes_them_again(cafes) -> None:
    cafe = make_cafe(cafes)
    cafes.set_status(cafe.id, "closed")
    with pytest.raises(CafeError):
        cafes.submit(cafe.id, "U1", "Trop tard ?")
    cafes.set_status(cafe.id, "open")
    assert cafes.submit(cafe.id, "U1", "Pas trop tard").question is not None


def test_a_second_vote_says_already_voted_and_only_unvote_takes_it_back(cafes) -> None:
    cafe = make_cafe(cafes)
    q = cafes.submit(cafe.id, "U1", "Comment former les bénévoles ?").question
    assert cafes.vote(q.id, "U2").votes == 1
    assert cafes.vote(q.id, "U3").votes == 2
    again = cafes.vote(q.id, "U2")
    assert (again.voted, again.already, again.votes) == (True, True, 2)
    taken_back = cafes.unvote(q.id, "U2")
    assert (taken_back.voted, taken_back.votes) == (False, 1)
    assert cafes.unvote(q.id, "U2").votes == 1  # nothing left to take back


def test_an_intake_may_stay_open_while_the_cafe_runs_but_not_past_the_day(cafes) -> None:
    assert make_cafe(cafes, closes_at=STARTS + timedelta(hours=3)).intake_open
    with pytest.raises(CafeError) as late:
        make_cafe(cafes, closes_at=STARTS + timedelta(hours=13))
    assert late.value.code == "closes_after_start"


def test_pending_questions_need_approval_before_members_see_or_vote(cafes) -> None:
    cafe = make_cafe(cafes, approval_required=True)
    q = cafes.submit(cafe.id, "U1", "Faut-il une charte IA ?").question
    assert q.status == "pending"
    assert cafes.questions(cafe.id) == []
    with pytest.raises(CafeError):
        cafes.vote(q.id, "U2")
    cafes.moderate(q.id, "approve")
    assert [v.id for v in cafes.questions(cafe.id)] == [q.id]


def test_a_near_duplicate_is_offered_instead_of_saved_unless_forced(cafes, db) -> None:
    cafe = make_cafe(cafes)
    first = cafes.submit(cafe.id, "U1", "Comment l'IA peut-elle aider les petites associations ?").question
    offer = cafes.submit(cafe.id, "U2", "Comment les petites associations peuvent-elles utiliser l'IA ?")
    assert offer.question is None and [q.id for q in offer.similar] == [first.id]
    assert count(db, Question) == 1
    unrelated = cafes.submit(cafe.id, "U2", "Quel est l'impact carbone des grands modèles ?")
    assert unrelated.question is not None and unrelated.similar == ()
    forced = cafes.submit(cafe.id, "U2", "Comment les petites associations peuvent-elles utiliser l'IA ?", force=True)
    assert forced.question is not None and count(db, Question) == 3


def test_similarity_folds_accents_and_case(cafes) -> None:
    cafe = make_cafe(cafes)
    cafes.submit(cafe.id, "U1", "Éthique et données des bénéficiaires")
    assert cafes.submit(cafe.id, "U2", "ETHIQUE des DONNEES beneficiaires ?").similar


def test_merge_keeps_every_distinct_voter_exactly_once(cafes, db) -> None:
    cafe = make_cafe(cafes)
    target = cafes.submit(cafe.id, "U1", "Comment financer un projet IA ?").question
    source = cafes.submit(cafe.id, "U2", "Quelles subventions pour l'IA solidaire ?").question
    for user in ("A", "B"):
        cafes.vote(target.id, user)
    for user in ("B", "C", "D"):
        cafes.vote(source.id, user)
    merged = cafes.merge(source.id, target.id)
    assert merged.votes == 4
    with db.session() as session:
        voters = sorted(session.scalars(select(Vote.user_id).where(Vote.question_id == target.id)))
        assert voters == ["A", "B", "C", "D"]
        assert session.get(Question, source.id).status == "merged"
        assert session.get(Question, source.id).merged_into_id == target.id
    assert [q.id for q in cafes.questions(cafe.id)] == [target.id]
    with pytest.raises(CafeError):
        cafes.merge(source.id, target.id)


def test_members_edit_and_withdraw_only_their_own_questions_before_closing(cafes, clock) -> None:
    cafe = make_cafe(cafes)
    q = cafes.submit(cafe.id, "U1", "Première version").question
    with pytest.raises(CafeError) as other:
        cafes.edit(q.id, "U2", "Détournée")
    assert other.value.code == "not_your_question"
    assert cafes.edit(q.id, "U1", "Seconde version").text == "Seconde version"
    clock.set(CLOSES.astimezone(timezone.utc) + timedelta(hours=1))
    with pytest.raises(CafeError) as late:
        cafes.withdraw(q.id, "U1")
    assert late.value.code == "intake_closed"


def test_cafe_dates_are_checked(cafes, clock) -> None:
    with pytest.raises(CafeError) as after:
        cafes.create_cafe("U0FACIL", draft(closes_at=STARTS + timedelta(days=1)))
    assert after.value.code == "closes_after_start"
    with pytest.raises(CafeError) as past:
        cafes.create_cafe("U0FACIL", draft(starts_at=clock() - timedelta(days=1), closes_at=clock() - timedelta(days=2)))
    assert past.value.code == "starts_in_past"


def test_reminders_are_scheduled_and_move_with_the_dates(cafes, clock) -> None:
    cafe = make_cafe(cafes)
    due = {kind: at for kind, (at, _sent) in cafes.reminders(cafe.id).items()}
    assert due["announce"] == clock()
    assert due["closing"] == CLOSES - timedelta(hours=48)
    assert due["morning"] == datetime(2026, 12, 3, 9, 0, tzinfo=PARIS)
    later_start, later_close = STARTS + timedelta(days=7), CLOSES + timedelta(days=7)
    cafes.update_cafe(cafe.id, draft(starts_at=later_start, closes_at=later_close))
    moved = {kind: at for kind, (at, _sent) in cafes.reminders(cafe.id).items()}
    assert moved["closing"] == later_close - timedelta(hours=48)
    assert moved["morning"] == datetime(2026, 12, 10, 9, 0, tzinfo=PARIS)
    assert moved["announce"] == due["announce"]


def test_a_short_intake_gets_no_48_hour_reminder(cafes, clock) -> None:
    cafe = make_cafe(cafes, closes_at=clock() + timedelta(hours=20), starts_at=clock() + timedelta(hours=30))
    assert "closing" not in cafes.reminders(cafe.id)


def test_reminder_claim_is_once_only(cafes) -> None:
    make_cafe(cafes)
    (reminder_id, kind, _cafe), = cafes.due_reminders()
    assert kind == "announce"
    assert cafes.claim_reminder(reminder_id) is True
    assert cafes.claim_reminder(reminder_id) is False
    assert cafes.due_reminders() == []


def test_export_ranks_by_votes_and_never_names_an_anonymous_author(cafes) -> None:
    cafe = make_cafe(cafes)
    named = cafes.submit(cafe.id, "U0CAMILLE", "Quels usages de l'IA dans l'insertion ?").question
    secret = cafes.submit(cafe.id, "U0SECRET", "Peut-on refuser l'IA au travail ?", anonymous=True).question
    for user in ("A", "B"):
        cafes.vote(secret.id, user)
    names = {"U0CAMILLE": "camille", "U0SECRET": "dominique"}
    rows = read_csv(export_csv(cafes.export_questions(cafe.id), names.__getitem__, "fr"))
    assert [(r["rank"], r["votes"], r["author"]) for r in rows] == [("1", "2", "anonyme"), ("2", "0", "camille")]
    markdown = export_markdown(cafes.get(cafe.id), cafes.export_questions(cafe.id), names.__getitem__, "fr", PARIS)
    assert "dominique" not in markdown and "U0SECRET" not in markdown and "camille" in markdown
    assert all(q.author_user_id is None for q in cafes.questions(cafe.id, moderation=True) if q.id == secret.id)
    assert named.author_user_id == "U0CAMILLE"


def read_csv(content: str) -> list[dict[str, str]]:
    """As French Excel reads it: the byte order mark says UTF-8, `;` separates cells."""
    assert content.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(content[1:]), delimiter=";"))


def test_csv_export_opens_in_french_excel_and_member_text_never_becomes_a_formula(cafes) -> None:
    cafe = make_cafe(cafes)
    for user, text in [("U1", "=HYPERLINK(\"http://evil.example\";\"clic\")"), ("U2", "+33 6 12 34 56 78 ?"),
                       ("U3", "-1 vote ; vraiment ?"), ("U4", "@équipe : et la RGPD ?"), ("U5", "Une question, normale ; avec « guillemets »")]:
        cafes.submit(cafe.id, user, text, force=True)
    content = export_csv(cafes.export_questions(cafe.id), lambda uid: "=cmd|' /C calc'!A0" if uid == "U5" else uid, "fr")
    rows = read_csv(content)
    texts = [r["question"] for r in rows]
    assert texts[:4] == ["'=HYPERLINK(\"http://evil.example\";\"clic\")", "'+33 6 12 34 56 78 ?", "'-1 vote ; vraiment ?", "'@équipe : et la RGPD ?"]
    assert texts[4] == "Une question, normale ; avec « guillemets »"
    assert rows[4]["author"] == "'=cmd|' /C calc'!A0"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


def test_an_erased_member_is_a_former_member_and_a_web_participant_their_chosen_name(cafes, db) -> None:
    from bot.privacy.rights import erase

    cafe = make_cafe(cafes)
    cafes.submit(cafe.id, "U0GONE", "Qui garde nos données ?")
    cafes.submit(cafe.id, "web:0123456789abcdef", "Et les logiciels libres ?", author_name="  Inès  ")
    cafes.submit(cafe.id, "web:fedcba9876543210", "Une question sans nom")
    erase(db, "U0GONE", now=cafes.clock(), via="test")
    rows = read_csv(export_csv(cafes.export_questions(cafe.id), lambda uid: "should not be asked for " + uid, "fr"))
    assert [r["author"] for r in rows] == ["membre supprimé", "Inès", "anonyme"]
    markdown = export_markdown(cafes.get(cafe.id), cafes.export_questions(cafe.id), lambda uid: uid, "en", PARIS)
    assert "former member" in markdown and "ERASED" not in markdown and "web:" not in markdown
