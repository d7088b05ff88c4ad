"""quote.unquoted, and the headline sign-off flag."""

from __future__ import annotations

import pytest

from relais.checks.base import Finding, Severity
from relais.checks.news import headline_signoff, needs_signoff
from relais.document.model import BlockKind
from tests.checks.table import ids, pair

ONLY = {"quote"}
UNQUOTED, LOST = "quote.unquoted", "quote.lost"
SAID = "“We will not close the library,” the mayor said."

CASES = [
    # Quotation marks kept, in any style.
    (SAID, "« Nous ne fermerons pas la bibliothèque », a déclaré le maire.", "fr", set()),
    (SAID, "„Wir werden die Bibliothek nicht schließen“, sagte der Bürgermeister.", "de", set()),
    (SAID, "«No cerraremos la biblioteca», dijo el alcalde.", "es", set()),
    (SAID, "“No cerraremos la biblioteca”, dijo el alcalde.", "es", set()),
    ('The mayor said: "We will not close the library."', "Der Bürgermeister sagte: »Wir werden die Bibliothek nicht schließen.«", "de", set()),
    # Quotation marks lost.
    (SAID, "Nous ne fermerons pas la bibliothèque, a déclaré le maire.", "fr", {UNQUOTED}),
    (SAID, "Der Bürgermeister sagte, man werde die Bibliothek nicht schließen.", "de", {UNQUOTED}),
    (SAID, "El alcalde dijo que no cerrarán la biblioteca.", "es", {UNQUOTED}),
    ('The mayor said: "We will not close the library."', "Le maire a dit qu’ils ne fermeraient pas la bibliothèque.", "fr", {UNQUOTED}),
    ("She told reporters ‘the library stays open’ after the vote.", "Ella dijo a los periodistas que la biblioteca sigue abierta tras la votación.", "es", {UNQUOTED}),
    # Quoted words, terms and titles: the marks must stay (quote.lost), in any style.
    ('Cells are often called "the building blocks of life".', "Les cellules sont souvent appelées les briques du vivant.", "fr", {LOST}),
    ('Cells are often called "the building blocks of life".', "Les cellules sont souvent appelées « les briques du vivant ».", "fr", set()),
    ('He called it "fake".', "Er nannte es eine Fälschung.", "de", {LOST}),
    ('He called it "fake".', "Er nannte es „gefälscht“.", "de", set()),
    ("The ‘bad bank’ was split off.", "La 'bad bank' è stata scorporata.", "it", set()),
    # Two quotations, German guillemets (»…« open with »): one lost its marks, then none.
    ('“We will rebuild,” she said, calling it “a duty”.', "»Wir bauen wieder auf«, sagte sie und nannte es eine Pflicht.", "de", {LOST}),
    ('“We will rebuild,” she said, calling it “a duty”.', "»Wir bauen wieder auf«, sagte sie und nannte es »eine Pflicht«.", "de", set()),
    ('“We will rebuild,” she said, calling it “a duty”.', "„Wir bauen wieder auf“, sagte sie und nannte es „eine Pflicht“.", "de", set()),
    ('“We will rebuild,” she said, calling it “a duty”.', "“We will rebuild”, disse, chiamandolo un dovere.", "it", {LOST}),
    ('“We will rebuild,” she said, calling it “a duty”.', "« Nous reconstruirons », a-t-elle dit, parlant d’un devoir.", "fr", {LOST}),
    # Apostrophes, and quotations that go on in the next segment.
    ("The mayor’s office said it would not comment.", "La oficina del alcalde dijo que no haría comentarios.", "es", set()),
    ("“We will not close the library.", "Nous ne fermerons pas la bibliothèque.", "fr", set()),  # quotation goes on in the next segment
    ("The council met on Monday.", "Der Rat tagte am Montag.", "de", set()),
    # a partial quotation with no speech cue: not quote.unquoted (it may be a term), but its marks were lost
    ('The mayor called the plan "a waste of public money for years to come" in her speech.', "La alcaldesa calificó el plan de despilfarro de dinero público durante años en su discurso.", "es", {LOST}),
]


@pytest.mark.parametrize(("source", "target", "locale", "expected"), CASES)
def test_table(source, target, locale, expected):
    assert ids(source, target, locale, only=ONLY) == expected


def test_suggestion_uses_locale_quotes():
    from tests.checks.table import findings

    [finding] = findings(SAID, "El alcalde dijo que no cerrarán la biblioteca.", "es", only=ONLY)
    assert "«" in finding.suggestion


def _finding(block: int) -> Finding:
    return Finding("x.y", Severity.MINOR, block, 0, 0, 1, "m")


def test_headline_signoff():
    headline = pair("Council closes library", "Le conseil ferme la bibliothèque", "fr", kind=BlockKind.HEADLINE)
    body = pair("It was old.", "Elle était vieille.", "fr")
    body.block = 1
    pairs = [headline, body]
    assert needs_signoff([_finding(0), _finding(1)], pairs) == {0}
    assert headline_signoff([_finding(0)], pairs) is True
    assert headline_signoff([_finding(1)], pairs) is False
    assert headline_signoff([], pairs) is False
