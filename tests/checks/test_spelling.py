"""Spelling (hunspell) and French grammar (Grammalecte).

These tests need the Debian packages hunspell-fr, hunspell-de-de, hunspell-es and
python3-grammalecte (installed by ``./dev.sh test``).
"""

from __future__ import annotations

import pytest

from relais.checks.spelling import grammalecte_engine, one_edit_away, speller_for
from tests.checks.table import findings, ids

SPELL = {"spelling"}

CASES = [
    # --- French ---
    ("The government decided.", "Le gouvernement a décidé.", "fr", set()),
    ("The government decided.", "Le gouvernemnt a décidé.", "fr", {"spelling.unknown"}),
    ("It is today.", "C’est aujourd’hui, peut-être.", "fr", set()),
    ("From 1 September, in the 20th century.", "Dès le 1er septembre, au XXe siècle, au 3e rang.", "fr", set()),  # ordinal suffixes
    ("It is the summer.", "C’est l’éte.", "fr", {"spelling.unknown"}),
    ("Kwasi Mensah spoke.", "Kwasi Mensah a pris la parole.", "fr", set()),  # names
    ("The Zorblat plan.", "Zorblat a présenté son plan.", "fr", set()),  # sentence-start name, in the source
    ("See https://exemple.org/xqzt.", "Voir https://exemple.org/xqzt.", "fr", set()),
    ("The NATO summit.", "Le sommet de l’OTAN.", "fr", set()),
    # --- German ---
    ("The scientists said.", "Die Wissenschaftler sagten.", "de", set()),
    ("The scientists said.", "Die Wisenschaftler sagten.", "de", {"spelling.unknown"}),
    ("It is rather cold.", "Es ist ziemich kalt.", "de", {"spelling.unknown"}),
    ("He met Olaf Brandtner.", "Er traf Olaf Brandtner.", "de", set()),
    # --- Spanish ---
    ("The government said.", "El gobierno dijo.", "es", set()),
    ("The government said.", "El gobierrno dijo.", "es", {"spelling.unknown"}),
    ("It was there.", "Eestaba allí.", "es", {"spelling.unknown"}),
    ("Where is Tegucigalpa?", "¿Dónde está Tegucigalpa?", "es", set()),
    # --- known gaps ---
    pytest.param("It was there.", "El gobierno a dicho.", "es", {"spelling.unknown"}, marks=pytest.mark.xfail(strict=True, reason="a real word in the wrong place (a/ha) is a grammar error, not spelling")),
    ("Mr Smith came.", "Smiht est venu.", "fr", {"spelling.unknown"}),  # sentence start: checked
    ("The Bundestag voted.", "Der Bundestag stimmte ab.", "de", set()),
    pytest.param("Mr Smith came.", "Il a vu Kofi Smiht hier.", "fr", {"spelling.unknown"}, marks=pytest.mark.xfail(strict=True, reason="a misspelt name mid-sentence looks like any other name")),
]


@pytest.mark.parametrize("source,target,locale,expected", CASES)
def test_spelling_table(source, target, locale, expected):
    assert ids(source, target, locale, only=SPELL) == expected


def test_suggestion_is_the_word_one_edit_away():
    fs = findings("The government decided.", "Le <b1>gouvernemnt</b1> a décidé.", "fr", only=SPELL)
    assert [(f.start, f.end, f.suggestion) for f in fs] == [(7, 18, "gouvernement")]


def test_language_without_dictionary_is_silent():
    assert ids("The government decided.", "De regerimg besloot.", "nl", only=SPELL) == set()


def test_allow_list_comes_from_locale_data():
    assert speller_for("fr").known("podcast")


def test_one_edit_away_starts_with_transpositions():
    assert next(one_edit_away("ab", "xy")) == "ba"


# --- Grammalecte ---------------------------------------------------------------------

GRAMMAR_CASES = [
    ("The children eat apples.", "Les enfants mangent des pommes.", set()),
    ("The children eat apples.", "Les enfant mangent des pommes.", {"grammar.fr"}),
    ("He has eaten.", "Il a manger.", {"grammar.fr"}),
    ("He has eaten.", "Il a mangé.", set()),
    # typography is the typography check's business, not Grammalecte's
    ("He said: yes.", "Il a dit : oui.", set()),
    ("It's summer.", "C'est l'été.", set()),
]


@pytest.mark.parametrize("source,target,expected", GRAMMAR_CASES)
def test_grammar_table(source, target, expected):
    assert grammalecte_engine() is not None, "python3-grammalecte is not installed"
    assert ids(source, target, "fr", only={"grammar"}) == expected


def test_grammar_finding_has_message_and_suggestion():
    (f,) = findings("The children eat apples.", "Les <i1>enfant</i1> mangent des pommes.", "fr", only={"grammar"})
    assert f.suggestion == "enfants"
    assert "pluriel" in f.message
    assert "Les <i1>enfant</i1> mangent"[f.start : f.end] == "enfant"
    assert f.severity == "minor"


@pytest.mark.parametrize("locale", ["fr", "de", "es", "it", "pt"])
def test_the_packs_own_lines_are_never_misspelt(locale):
    # Relais's disclosure lines and unreviewed notice are the pack's own language.
    from relais.locales import get_pack

    pack = get_pack(locale)
    for line in [*pack.disclosure.values(), pack.unreviewed or ""]:
        if line:
            assert ids("", line, locale, only=SPELL) == set(), line
