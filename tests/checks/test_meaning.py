"""Meaning checks: connectives that flip, negations that vanish; the risk score."""

import pytest

from relais.checks.base import Finding, Severity
from relais.checks.meaning import HIGH_RISK, segment_risk
from tests.checks.table import ids

CONN, NEG = "meaning.connective", "meaning.negation"

CASES = [
    # amid rendered as despite: the error Relais exists to prevent
    ("Prices rose amid the strike.", "Les prix ont augmenté malgré la grève.", "fr", {CONN}),
    ("Prices rose amid the strike.", "Les prix ont augmenté sur fond de grève.", "fr", set()),
    ("Prices rose amid the strike.", "Les prix ont augmenté pendant la grève.", "fr", set()),
    ("Prices rose amid the strike.", "Die Preise stiegen trotz des Streiks.", "de", {CONN}),
    ("Prices rose amid the strike.", "Die Preise stiegen angesichts des Streiks.", "de", set()),
    ("Prices rose amid the strike.", "Los precios subieron a pesar de la huelga.", "es", {CONN}),
    ("Prices rose amid the strike.", "Los precios subieron en medio de la huelga.", "es", set()),
    # despite rendered as because
    ("The bridge opened despite the protests.", "Le pont a ouvert en raison des manifestations.", "fr", {CONN}),
    ("The bridge opened despite the protests.", "Le pont a ouvert malgré les manifestations.", "fr", set()),
    ("The bridge opened despite the protests.", "Die Brücke wurde wegen der Proteste trotz allem eröffnet.", "de", set()),
    ("The bridge opened despite the protests.", "El puente abrió porque hubo protestas.", "es", {CONN}),
    ("The bridge opened despite the protests.", "El puente abrió pese a las protestas.", "es", set()),
    # because rendered as despite
    ("The school closed because of the flood.", "L’école a fermé malgré l’inondation.", "fr", {CONN}),
    ("The school closed because of the flood.", "L’école a fermé à cause de l’inondation.", "fr", set()),
    ("The school closed because of the flood.", "Die Schule schloss trotz der Flut.", "de", {CONN}),
    ("The school closed because of the flood.", "Die Schule schloss wegen der Flut.", "de", set()),
    # although rendered as because
    ("Although the river fell, the roads stayed shut.", "Parce que la rivière a baissé, les routes sont restées fermées.", "fr", {CONN}),
    ("Although the river fell, the roads stayed shut.", "Bien que la rivière ait baissé, les routes sont restées fermées.", "fr", set()),
    # both words in the source: no flip
    ("Despite the rain and because of the wind, the match was delayed.", "Malgré la pluie et à cause du vent, le match a été retardé.", "fr", set()),
    # negation
    ("The mayor did not resign.", "Le maire a démissionné.", "fr", {NEG}),
    ("The mayor did not resign.", "Le maire n’a pas démissionné.", "fr", set()),
    ("The mayor didn't resign.", "Der Bürgermeister trat zurück.", "de", {NEG}),
    ("The mayor didn't resign.", "Der Bürgermeister trat nicht zurück.", "de", set()),
    ("Nobody was hurt.", "Nadie resultó herido.", "es", set()),
    ("Nobody was hurt.", "Todos resultaron heridos.", "es", {NEG}),
    ("He was cosmonaut No. 11.", "Il était le cosmonaute n° 11.", "fr", set()),
    ("The plan has no funding.", "Le plan n’a aucun financement.", "fr", set()),
    # not a language the data covers: silent
    ("Prices rose amid the strike.", "Prijzen stegen ondanks de staking.", "nl", set()),
]


@pytest.mark.parametrize("source, target, locale, expected", CASES)
def test_meaning_cases(source, target, locale, expected):
    assert ids(source, target, locale, only={"meaning"}) == expected


def test_connective_finding_points_at_the_flipped_word():
    from tests.checks.table import findings

    (f,) = findings("Prices rose amid the strike.", "Les prix ont augmenté <b1>malgré</b1> la grève.", "fr", only={CONN})
    assert "Les prix ont augmenté <b1>malgré</b1> la grève."[f.start : f.end] == "malgré"
    assert f.severity is Severity.MAJOR


@pytest.mark.parametrize(
    "checks, chrf, expected",
    [([], None, 0.0), ([], 75.0, 0.0), ([], 20.0, 1.0), ([], 40.0, 0.5), ([CONN], None, 0.7), ([NEG], 70.0, 0.5)],
)
def test_segment_risk(checks, chrf, expected):
    found = [Finding(c, Severity.MAJOR, 0, 0, 0, 0, "") for c in checks]
    assert segment_risk(found, chrf) == pytest.approx(expected)
    assert (segment_risk(found, chrf) >= HIGH_RISK) == (expected >= HIGH_RISK)
