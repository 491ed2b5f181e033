"""The asked slot of a question and the value check behind declines of unknown facts."""

from __future__ import annotations

from bot.knowledge.slots import asked_slot, focus_word, has_value, is_definition


def test_questions_name_the_kind_of_value_they_ask_for() -> None:
    assert asked_slot("Quel est le budget du projet ?") == "amount"
    assert asked_slot("What is the salary of the manager?") == "amount"
    assert asked_slot("Combien de personnes sont venues ?") == "quantity"
    assert asked_slot("How long did it last?") == "quantity"
    assert asked_slot("Les statuts ont été votés quand ?") == "date"
    assert asked_slot("Qui finance le projet ?") is None


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
    assert is_definition("C'est quoi le code de conduite ?")
    assert is_definition("What is DIGISET?")
    assert not is_definition("Qui finance DIGISET ?")
