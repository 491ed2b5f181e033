"""The asked slot of a question and the value check behind declines of unknown facts."""

from __future__ import annotations

from bot.knowledge.analysis import tokens
from bot.knowledge.slots import (
    asked_slot,
    counted_words,
    counts_asked,
    focus_word,
    has_value,
    is_definition,
    named_words,
    names_in,
)


def test_questions_name_the_kind_of_value_they_ask_for() -> None:
    assert asked_slot("Quel est le budget du projet ?") == "amount"
    assert asked_slot("What is the salary of the manager?") == "amount"
    assert asked_slot("Combien de personnes sont venues ?") == "quantity"
    assert asked_slot("How long did it last?") == "quantity"
    assert asked_slot("Les statuts ont été votés quand ?") == "date"
    assert asked_slot("Qui finance le projet ?") == "names"
    assert asked_slot("Quels sont les noms des partenaires ?") == "names"
    assert asked_slot("What is the name of the channel?") == "names"
    assert asked_slot("Combien de partenaires ?") == "quantity"
    assert asked_slot("Le projet qui a été annulé, c'était lequel ?") is None


def test_a_year_is_not_a_quantity_but_a_count_or_a_number_word_is() -> None:
    assert not has_value("Le hackathon a eu lieu dans le cadre d'Impact 2024.", "quantity")
    assert has_value("La communauté rassemblait 138 membres.", "quantity")
    assert has_value("L'accompagnement a duré trois mois.", "quantity")
    assert not has_value("Le projet est financé par COSME en 2024.", "amount")
    assert has_value("Un budget de 1 200 000 € sur trois ans.", "amount")
    assert has_value("Le jardin ouvre le jeudi.", "date")
    assert not has_value("Le jardin est partagé.", "date")


def test_focus_and_definition() -> None:
    assert focus_word("Dans quelles villes s'est tenu l'événement ?") == "villes"
    assert focus_word("Which company helped?") == "company"
    assert focus_word("Qui préside ?") is None
    assert focus_word("Combien d'abonnés a la newsletter ?") == "abonnes"
    assert is_definition("C'est quoi le code de conduite ?")
    assert is_definition("What is DIGISET?")
    assert not is_definition("Qui finance DIGISET ?")


def _groups(text: str) -> list[frozenset[str]]:
    return [frozenset([term]) for term in tokens(text)]


def test_a_count_answers_only_when_its_noun_phrase_holds_the_counted_noun() -> None:
    assert counted_words("Combien de participants et d'intervenants au NEC ?") == ["participants", "intervenants"]
    assert counted_words("How many people came?") == ["people"]
    subscribers = _groups("abonnés")
    assert counts_asked("La newsletter compte 268 abonné·es.", subscribers, [])
    # The number counts employees, the volunteers are another list item.
    assert not counts_asked("Pour les associations de moins de 50 salarié·e·s, leurs élu·e·s, bénévoles", _groups("bénévoles"), [])
    # LinkedIn sits with another number: the 268 subscribers are not LinkedIn's.
    assert not counts_asked(
        "8 874 impressions sur LinkedIn et 268 abonné·es à la newsletter.", subscribers, _groups("LinkedIn")
    )
    assert counts_asked("1 200 abonnés sur LinkedIn et 8 874 impressions.", subscribers, _groups("LinkedIn"))
    # A list item counts what its intro names.
    assert counts_asked("4 représentant·e·s du collège Recherche ;", _groups("sièges"), [], intro="Répartition des sièges :")
    assert not counts_asked("4 représentant·e·s du collège Recherche ;", _groups("sièges"), [])
    # Generic counted nouns ("personnes", "temps") take any count; a year or a date is not a count.
    assert counts_asked("Le site a reçu la visite de 6 448 Européens.", _groups("personnes"), [])
    assert not counts_asked("Le projet a commencé le 31 décembre 2024.", _groups("personnes"), [])


def test_names_are_capitalised_words_that_are_not_places_or_a_sentence_opening() -> None:
    assert named_words("Quels sont les noms des partenaires d'ESSE-DIGI ?") == ["partenaires"]
    assert named_words("What is the name of the Slack channel for job offers?") == ["slack", "channel"]
    assert named_words("Who is SOGA's godmother?") == ["godmother"]
    assert named_words("Qui finance DIGISET ?") == []
    assert names_in("Le consortium devait réunir 7 partenaires venant d'Italie, d'Espagne et de France.") == []
    assert names_in("Selon le rapport, le projet est annulé.") == []
    assert names_in("Partenaires : La MedNum (France) et EGINA (Italie).") == [["mednum"], ["egin"]]
    assert names_in("Jeanne Bretécher préside l'association.") == [["jeann"], ["bretech"]]
    assert names_in("FARI était partenaire.") == [["far"]]
