"""Meaning checks: connectives that flip, negations that vanish, roles that change; the risk score."""

import pytest

from relais.checks.base import CheckContext, Finding, SegmentPair, Severity
from relais.checks.registry import run_checks
from relais.document.model import BlockKind
from relais.checks.meaning import HIGH_RISK, segment_risk
from relais.engines.llama import LlamaEngine
from tests.checks.table import ids

CONN, NEG, ROLE = "meaning.connective", "meaning.negation", "meaning.role"

CASES = [
    # amid rendered as despite: the error Relais exists to prevent
    ("Prices rose amid the strike.", "Les prix ont augmenté malgré la grève.", "fr", {CONN}),
    ("Prices rose amid the strike.", "Les prix ont augmenté sur fond de grève.", "fr", set()),
    ("Prices rose amid the strike.", "Les prix ont augmenté pendant la grève.", "fr", set()),
    # a role or title the source does not have: changed, or invented
    ("The foreign minister said talks would resume.", "Le ministre de l’Intérieur a déclaré que les pourparlers reprendraient.", "fr", {ROLE}),
    ("The foreign minister said talks would resume.", "Le ministre des Affaires étrangères a déclaré que les pourparlers reprendraient.", "fr", set()),
    ("The foreign minister said talks would resume.", "Le ministre a déclaré que les pourparlers reprendraient.", "fr", set()),
    ("The mayor said the road was shut.", "Der Gouverneur sagte, die Straße sei gesperrt.", "de", {ROLE}),
    ("The mayor said the road was shut.", "Der Bürgermeister sagte, die Straße sei gesperrt.", "de", set()),
    ("The president spoke on Monday.", "El primer ministro habló el lunes.", "es", {ROLE}),
    ("The president spoke on Monday.", "El presidente habló el lunes.", "es", set()),
    ("Joe Biden spoke on Monday.", "Il presidente Joe Biden ha parlato lunedì.", "it", {ROLE}),
    ("The ship sailed to Puerto Princesa.", "O navio seguiu para Puerto Princesa.", "pt", set()),  # a name, not a role
    # a role word opening a possessive name is no one's role: the target's role is then unexplained
    ("She taught at King's Harbour for years.", "Fue profesora en King's Harbour durante años.", "es", {ROLE}),
    ("The tutor taught at King's Harbour for years.", "El profesor enseñó en King's Harbour durante años.", "es", set()),
    ("The king spoke at Queen's University.", "El profesor habló en Queen's University.", "es", {ROLE}),
    ("Former Speaker Helen Marsh came second.", "L’ancienne présidente de la Chambre Helen Marsh est arrivée deuxième.", "fr", set()),
    ("The board chief resigned.", "Die Vorsitzende des Vorstands trat zurück.", "de", set()),  # chief: a head, a chair
    ("The board chief resigned.", "Die Bürgermeisterin trat zurück.", "de", {ROLE}),
    ("The plan sets out the guiding principles.", "Le plan fixe les lignes directrices.", "fr", set()),  # no one's role
    ("The plan sets out the guiding principles.", "Le plan a été fixé par la directrice.", "fr", {ROLE}),
    ("Speakers of both languages understand each other.", "Sprecher beider Sprachen verstehen sich.", "de", set()),
    ("The festival honours the presiding deity.", "O festival homenageia a divindade presidente.", "pt", set()),
    ("Although some doubt it, since it rained, it was called off.", "Por mais que alguns duvidem, como choveu, foi cancelado.", "pt", set()),
    # an accepted rendering elsewhere in the sentence ("avec") does not stand in for "amid"
    ("Trade grows amid the minister's talks with Beijing.", "Le commerce progresse malgré les discussions du ministre avec Pékin.", "fr", {CONN}),
    ("Trade grows amid the minister's talks with Beijing.", "Le commerce progresse sur fond de discussions du ministre avec Pékin.", "fr", set()),
    ("Trade grows amid the minister's talks with Beijing.", "Der Handel wächst trotz der Gespräche des Ministers mit Peking.", "de", {CONN}),
    ("Trade grows amid talks, despite the ban.", "Le commerce progresse sur fond de discussions, malgré l'interdiction.", "fr", set()),
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
    # (nl now has meaning data: tests/locales/test_packs.py; Swedish has no pack)
    ("Prices rose amid the strike.", "Priserna steg trots strejken.", "sv", set()),
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


@pytest.mark.parametrize("chrf, method_risk, expected", [(None, 0.3, 0.3), (75.0, 0.8, 0.8), (20.0, 0.1, 1.0), (None, None, 0.0)])
def test_segment_risk_takes_the_highest_of_rules_and_methods(chrf, method_risk, expected):
    assert segment_risk([], chrf, method_risk=method_risk) == pytest.approx(expected)
    negation = [Finding(NEG, Severity.MINOR, 0, 0, 0, 0, "")]
    assert segment_risk(negation, chrf, method_risk=method_risk) == pytest.approx(max(0.5, expected))


# -- the LLM judge's answers: what a chat model, a small base model or a broken server says


@pytest.mark.parametrize(
    "answer, score",
    [
        ("85", 85.0),
        (" 100", 100.0),
        ("0", 0.0),
        ("100 points.", 100.0),
        ("Score: 72", 72.0),
        ("**40**", 40.0),
        ("85/100", 85.0),
        ("8/10", 80.0),
        ("4 out of 5", 80.0),
        ("7.5/10", 75.0),
        ("90%", 90.0),
        ("I would rate it 30 because the negation is lost.", 30.0),
        ("Yes, the meaning is the same.", 100.0),
        ("No.", 0.0),
        ("Different meaning", 0.0),
        ("\n\n  60\nanything after", 60.0),
    ],
)
def test_judge_answers_with_a_score(answer, score):
    from relais.checks.meaning import parse_judge_answer

    assert parse_judge_answer(answer) == pytest.approx(score)


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "   \n ",
        "The translation is good",  # no number, no yes/no
        "150",  # out of range
        "2020 was a good year",  # a year, not a score
        "12/7",  # a date, not a scale
        "11/10",  # above its scale
        "1. The translation keeps the names",  # a list marker
        "-5",
        "No. 11 Downing Street",  # "No." as a number sign, not an answer
        "TADTGPr une8AKY: uneQHcEE)A8RJ9<2p+\x7fN",  # a random-weight model's gibberish
        "0!l47|",
        "7\x0cabc",
    ],
)
def test_judge_answers_without_a_score(answer):
    from relais.checks.meaning import parse_judge_answer

    assert parse_judge_answer(answer) is None


@pytest.mark.parametrize("score, risk", [(100.0, 0.0), (0.0, 1.0), (40.0, 0.6), (85.0, 0.15)])
def test_judge_score_to_risk(score, risk):
    from relais.checks.meaning import judge_risk

    assert judge_risk(score) == pytest.approx(risk)
    assert (judge_risk(score) >= HIGH_RISK) == (score <= 40.0)


def test_judge_prompt_is_short_fixed_and_without_markup():
    from relais.checks.base import SegmentPair
    from relais.checks.meaning import JudgeScorer

    pair = SegmentPair(0, 0, "paragraph", "Read <a1>the report</a1>.", "Lisez <a1>le rapport</a1>.", "en", "fr", {}, {})
    prompt = JudgeScorer.prompt(pair)
    assert "English: Read the report." in prompt and "French: Lisez le rapport." in prompt
    assert "<a1>" not in prompt and prompt.endswith("Score (0-100):") and len(prompt) < 400


def test_rules_method_has_no_engine_scorer():
    from relais.checks.meaning import BackTranslationScorer, JudgeScorer, make_scorer
    from relais.errors import RelaisError

    assert make_scorer("rules", object()) is None
    assert isinstance(make_scorer("back-translation", object()), BackTranslationScorer)
    assert isinstance(make_scorer("judge", LlamaEngine), JudgeScorer)  # an engine that declares completion
    with pytest.raises(RelaisError):
        make_scorer("vibes", object())


def test_headlines_and_subheadings_are_judged_more_strictly():
    from relais.checks.meaning import HEADING_HIGH_RISK, risk_threshold
    from relais.document.model import BlockKind

    assert risk_threshold(BlockKind.HEADLINE) == risk_threshold(BlockKind.SUBHEADING) == HEADING_HIGH_RISK < HIGH_RISK
    assert risk_threshold(BlockKind.PARAGRAPH) == risk_threshold(BlockKind.QUOTE) == HIGH_RISK


@pytest.mark.parametrize("first_source,severity", [
    ("Governor Ann Pike toured the site.", Severity.MINOR),  # the article's source gives the role elsewhere
    ("Ann Pike toured the site.", Severity.MAJOR),  # nowhere: an invented title
])
def test_role_given_only_in_another_segment(first_source, severity):
    pairs = [SegmentPair(0, 0, BlockKind.PARAGRAPH, first_source, "Ann Pike a visité le site.", "en", "fr"),
             SegmentPair(1, 0, BlockKind.PARAGRAPH, "She promised action.", "Le gouverneur a promis des mesures.", "en", "fr")]
    found = [(f.block, f.check, f.severity) for f in run_checks(pairs, CheckContext("en", "fr"), only={ROLE})]
    assert found == [(1, ROLE, severity)]


def test_meaning_findings_of_one_pair_include_the_document_checks():
    # segment_risk reads these for each pair: the role check reads pairs as a document.
    from relais.checks.meaning import meaning_findings

    pair = SegmentPair(0, 0, BlockKind.PARAGRAPH, "The mayor said the road was shut.", "Der Gouverneur sagte, die Straße sei gesperrt.", "en", "de")
    assert [f.check for f in meaning_findings(pair, CheckContext("en", "de"))] == [ROLE]


@pytest.mark.parametrize("distance,severity", [(1, Severity.MINOR), (2, Severity.MINOR), (3, Severity.MAJOR)])
def test_a_role_counts_as_given_only_by_the_blocks_just_before(distance, severity):
    filler = [SegmentPair(b, 0, BlockKind.PARAGRAPH, "Rain fell all day.", "Il a plu toute la journée.", "en", "fr") for b in range(1, distance)]
    pairs = [SegmentPair(0, 0, BlockKind.PARAGRAPH, "Governor Ann Pike toured the site.", "Ann Pike a visité le site.", "en", "fr"), *filler,
             SegmentPair(distance, 0, BlockKind.PARAGRAPH, "She promised action.", "Le gouverneur a promis des mesures.", "en", "fr")]
    found = [(f.block, f.severity) for f in run_checks(pairs, CheckContext("en", "fr"), only={ROLE})]
    assert found == [(distance, severity)]
