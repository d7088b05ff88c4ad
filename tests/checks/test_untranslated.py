"""untranslated.segment, untranslated.fragment and furniture.leaked, table-driven."""

from __future__ import annotations

import pytest

from relais.checks.base import Severity
from relais.document.model import BlockKind
from tests.checks.table import findings, ids

ONLY = {"untranslated", "furniture"}
SEG, FRAG, FURN = "untranslated.segment", "untranslated.fragment", "furniture.leaked"

CASES = [
    # English clause left inside the translation.
    ("The council voted, but the residents say the money arrives too late.", "Le conseil a voté, but the residents say the money arrives too late.", "fr", {FRAG}),
    ("The council voted, but the residents say the money arrives too late.", "Der Rat hat abgestimmt, but the residents say the money arrives too late.", "de", {FRAG}),
    ("The council voted, but the residents say the money arrives too late.", "El consejo votó, but the residents say the money arrives too late.", "es", {FRAG}),
    ("The mayor resigned after the vote, which surprised her allies.", "Le maire a démissionné after the vote, ce qui a surpris ses alliés.", "fr", {FRAG}),
    # Whole segment left in English, or copied.
    ("The bridge will close for repairs next week.", "The bridge will close for repairs next week.", "fr", {SEG}),
    ("The bridge will close for repairs next week.", "The bridge is going to close for repairs next week.", "de", {SEG}),
    ("Key points", "Key points", "es", {SEG}),
    # Names, numbers, titles and loanwords are not untranslated text.
    ("Taylor Swift", "Taylor Swift", "fr", set()),
    ("Plaza de la Constitución.", "Plaza de la Constitución.", "fr", set()),  # a foreign name with its particles
    ("Walk to the Plaza de la Constitución.", "Walk to the Plaza de la Constitución.", "fr", {SEG}),
    ("2024", "2024", "de", set()),
    ("The Royal Society for the Protection of Birds opened a reserve.", "La Royal Society for the Protection of Birds a ouvert une réserve.", "fr", set()),
    ("She watched The Lord of the Rings on Sunday.", "Sie hat am Sonntag The Lord of the Rings gesehen.", "de", set()),
    ("The shops stay open at the weekend.", "Les magasins restent ouverts le week-end.", "fr", set()),
    ("The company sells software by email.", "La empresa vende software por email.", "es", set()),
    ("Visit https://example.org/the-report-on-the-city for details.", "Consulte https://example.org/the-report-on-the-city para más detalles.", "es", set()),
    # Target-language words that look like English function words.
    ("He was born in Berlin and will stay there.", "Er wurde in Berlin geboren und will also dort bleiben.", "de", set()),
    ("The minister has a son.", "El ministro tiene un hijo y no se sabe más.", "es", set()),
    ("On Monday the council met.", "On a appris lundi que le conseil s'était réuni.", "fr", set()),
    # Page furniture.
    ("Why it matters", "Pourquoi c’est importantCopier le lien", "fr", {FURN}),
    ("Why it matters", "Warum es wichtig istCopy link to section", "de", {FURN}),
    ("The council met on Monday.", "El consejo se reunió el lunes. Seguir leyendo", "es", {FURN}),
    ("The council met on Monday.", "Le conseil s'est réuni lundi. Share this article", "fr", {FURN}),
    ("Click “Copy link” to share the page.", "Cliquez sur « Copy link » pour partager la page.", "fr", set()),
    ("Shares rose on Monday.", "Die Aktien stiegen am Montag.", "de", set()),
    ("The council met on Monday.", "Le conseil s’est réuni lundi.", "fr", set()),
    pytest.param(
        "The council voted. Residents are angry that the money arrives late.", "Le conseil a voté. Residents angry, money late.", "fr", {FRAG},
        marks=pytest.mark.xfail(strict=True, reason="telegraphic English without any function word is not looked at"),
    ),
    ("Residents are angry.", "Les habitants sont angry about it.", "fr", {FRAG}),
]


@pytest.mark.parametrize(("source", "target", "locale", "expected"), CASES)
def test_table(source, target, locale, expected):
    assert ids(source, target, locale, only=ONLY) == expected


def test_fragment_span_is_the_english_clause():
    target = "Le conseil a voté, but the residents say the money arrives too late."
    [finding] = findings("The council voted, but the residents say the money arrives too late.", target, "fr", only=ONLY)
    assert target[finding.start : finding.end] == "but the residents say the money arrives too late"
    assert finding.severity == Severity.CRITICAL


def test_short_fragment_is_major():
    [finding] = findings("The council voted after the meeting.", "Le conseil a voté after the meeting.", "fr", only=ONLY)
    assert finding.check == FRAG and finding.severity == Severity.MAJOR


def test_fragment_offsets_look_through_placeholders():
    target = "<b1>Le conseil</b1> a voté, but the residents say it is too late."
    [finding] = findings("<b1>The council</b1> voted, but the residents say it is too late.", target, "fr", only=ONLY)
    assert target[finding.start : finding.end] == "but the residents say it is too late"


def test_furniture_span():
    target = "Pourquoi c’est importantCopier le lien"
    [finding] = findings("Why it matters", target, "fr", only=ONLY)
    assert target[finding.start : finding.end] == "Copier le lien"


def test_headline_copy_is_flagged():
    assert ids("Council closes library", "Council closes library", "fr", only=ONLY, kind=BlockKind.HEADLINE) == {SEG}
