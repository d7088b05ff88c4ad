"""Language identification and the guarded "not English" verdict."""

from __future__ import annotations

import pytest

from relais.document.language import confidently_not, detect_language, language_name

FRENCH = (
    "Les pêcheurs du port de Lanvéoc ont manifesté samedi matin devant la mairie pour réclamer une aide "
    "d’urgence, après trois semaines de tempêtes qui les ont empêchés de sortir en mer. Le maire a promis "
    "de transmettre leur demande à la préfecture dès lundi."
)
SPANISH = (
    "Los vecinos del barrio de San Telmo votaron el domingo a favor de convertir el antiguo mercado en una "
    "biblioteca pública, después de dos años de debate. La obra costará unos tres millones de euros y "
    "debería terminar antes del verano de 2028, según el ayuntamiento."
)
ENGLISH = (
    "Fishermen from the harbour demonstrated outside the town hall on Saturday morning to demand emergency "
    "help after three weeks of storms kept them ashore. The mayor promised to pass their request to the "
    "regional office on Monday."
)


@pytest.mark.parametrize("text, code", [(FRENCH, "fr"), (SPANISH, "es"), (ENGLISH, "en")])
def test_detect_language(text, code):
    detected, probability = detect_language(text)
    assert detected == code and 0.9 < probability <= 1.0


def test_placeholders_are_ignored():
    assert detect_language("<a1>" + ENGLISH + "</a1> <b1>x</b1>")[0] == "en"


def test_no_letters_is_undetermined():
    assert detect_language("12 345 — 67%") == ("und", 0.0)


@pytest.mark.parametrize(
    "text, expected",
    [
        (FRENCH, ("fr", pytest.approx(1.0, abs=0.1))),
        (SPANISH, ("es", pytest.approx(1.0, abs=0.1))),
        (ENGLISH, None),
        ("Ana Ferreira", None),  # short: never judged
        ("Le maire a promis de transmettre leur demande.", None),  # French, but too short to refuse
        (ENGLISH + " “Nous ne lâcherons rien,” said one of them, Yann Le Goff. " + ENGLISH, None),
    ],
)
def test_confidently_not_english(text, expected):
    assert confidently_not(text, "en") == expected


def test_language_names():
    assert language_name("fr") == "French"
    assert language_name("pcm") == "Nigerian Pidgin"
    assert language_name("qq") == "qq"
