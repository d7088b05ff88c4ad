"""Language packs: what each provides, that a new pack folder is picked up with no code
change (checks, prompt, notices), and that nl and pl gain the checks their packs support."""

from __future__ import annotations

import pytest

from relais.checks.fixer import fix_typography
from relais.checks.registry import all_checks
from relais.engines.types import SegmentRequest
from relais.engines.languages import language, language_name
from relais.engines.prompt import completion_prompt, fewshot_examples
from relais.locales import FEATURES, PACKS_ENV, available, coverage, coverage_table, get_locale, parse_targets, reload
from tests.checks.table import ids

EVERYTHING = set(FEATURES)
COVERAGE = [
    # code, role, lacks
    ("de", "target", set()),
    ("en", "source", set()),
    ("es", "target", set()),
    ("fr", "target", set()),
    ("it", "target", set()),
    ("nl", "target", {"figures", "known_names", "untranslated", "length_ratio", "examples", "furniture"}),
    ("pl", "target", {"figures", "known_names", "untranslated", "length_ratio", "examples", "furniture"}),
    ("pt", "target", set()),
]
SOURCE_ONLY = {"disclosure", "unreviewed", "spelling", "typography", "untranslated", "length_ratio", "examples"}


def test_every_pack_is_in_the_table() -> None:
    assert [row.code for row in coverage()] == [code for code, _, _ in COVERAGE]


@pytest.mark.parametrize(("code", "role", "lacks"), COVERAGE)
def test_what_each_pack_provides_and_lacks(code: str, role: str, lacks: set[str]) -> None:
    row = next(row for row in coverage() if row.code == code)
    assert row.role == role
    assert set(row.lacks) == lacks
    assert row.complete == (not lacks)
    expected = EVERYTHING - lacks - (SOURCE_ONLY if role == "source" else set())
    assert set(row.provides) == expected


def test_the_table_for_users_marks_partial_packs() -> None:
    table = coverage_table()
    assert "nl: lacks figures, known_names, untranslated, length_ratio, examples, furniture" in table
    lines = {line.split()[0]: line for line in table.splitlines() if line and not line.startswith(("code", "nl:", "pl:"))}
    assert lines["fr"].endswith("complete") and lines["nl"].endswith("partial")


def test_targets_are_the_packs_with_notices() -> None:
    assert available() == ("de", "es", "fr", "it", "nl", "pl", "pt")  # en is the source pack
    with pytest.raises(Exception, match="no locale data"):
        get_locale("en")


# --------------------------------------------------------------------------- nl and pl

GAINED = ["meaning.connective", "meaning.negation", "typography.quotes", "typography.straight_quotes", "typography.space", "spelling.unknown"]
NOT_YET = ["numbers.missing", "numbers.mismatch", "typography.inverted_marks", "grammar.fr"]


@pytest.mark.parametrize("code", ["nl", "pl"])
def test_nl_and_pl_gain_the_checks_their_packs_support(code: str) -> None:
    checks = {check.id: check for check in all_checks()}
    assert all(checks[c].applies_to(code) for c in GAINED), code
    assert not any(checks[c].applies_to(code) for c in NOT_YET), code


@pytest.mark.parametrize(
    ("code", "dropped", "kept", "straight", "curly"),
    [
        ("nl", "De burgemeester is afgetreden.", "De burgemeester is niet afgetreden.", 'Hij zei: "Ik kom ."', "Hij zei: “Ik kom.”"),
        ("pl", "Burmistrz podał się do dymisji.", "Burmistrz nie podał się do dymisji.", 'Powiedział: "Przyjdę ."', "Powiedział: „Przyjdę.”"),
    ],
)
def test_nl_and_pl_findings(code: str, dropped: str, kept: str, straight: str, curly: str) -> None:
    source = "The mayor did not resign."
    assert "meaning.negation" in ids(source, dropped, code, only={"meaning"})
    assert not ids(source, kept, code, only={"meaning"})
    assert "typography.straight_quotes" in ids('He said: "I will come."', straight, code, only={"typography"})
    assert fix_typography(straight, code) == curly


def test_a_flipped_connective_in_dutch() -> None:
    source = "Prices rose amid the strike."
    assert ids(source, "De prijzen stegen ondanks de staking.", "nl", only={"meaning"}) == {"meaning.connective"}
    assert not ids(source, "De prijzen stegen te midden van de staking.", "nl", only={"meaning"})


# --------------------------------------------------------------------------- a new folder

CATALAN_PACK = '''
name = "Català"
english_name = "Catalan"
labels = ["traducció"]
unreviewed = "Traducció automàtica no revisada. No publicar."
[disclosure]
en = "Aquest article s’ha traduït de l’anglès amb eines d’intel·ligència artificial i l’ha revisat un traductor."
[typography]
apostrophe = "’"
quote_open = ["«"]
quote_close = ["»"]
quote_inner_space = ""
quote_inner_space_accepted = []
inverted_marks = false
no_space_before = [",", ".", ";", ":", "!", "?"]
'''
CATALAN_MEANING = '''
[negation]
words = ["no", "mai", "cap", "res", "ningú", "sense"]
'''
CATALAN_FIGURES = """
[percent]
pattern = '[\\s\\u00a0]?(?:%|per cent\\b)'
[ordinal]
suffix = '(?:r|n|t|è|a)\\b'
"""
CATALAN_NAMES = '''
place_words = ["mar", "riu"]
[renderings]
"Germany" = ["Alemanya", "alemany*"]
"Brussels" = ["Brussel·les"]
'''
CATALAN_EXAMPLES = '''
[[from.en]]
source = "Read <a1>the full report</a1>."
target = "Llegiu <a1>l’informe complet</a1>."
'''


@pytest.fixture
def catalan(tmp_path, monkeypatch):
    folder = tmp_path / "packs" / "ca"
    folder.mkdir(parents=True)
    for name, text in [("pack.toml", CATALAN_PACK), ("meaning.toml", CATALAN_MEANING), ("figures.toml", CATALAN_FIGURES), ("examples.toml", CATALAN_EXAMPLES), ("names.toml", CATALAN_NAMES)]:
        (folder / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv(PACKS_ENV, str(tmp_path / "packs"))
    reload()
    yield "ca"
    monkeypatch.delenv(PACKS_ENV, raising=False)
    reload()


def test_adding_a_language_is_adding_a_folder(catalan: str) -> None:
    # targets, notices and the disclosure
    assert parse_targets("fr,ca") == ["fr", "ca"]
    assert get_locale("ca").unreviewed == "Traducció automàtica no revisada. No publicar."
    assert get_locale("ca").disclosure_from("en").startswith("Aquest article")
    # the prompt: language name and few-shot examples
    assert language_name("ca") == "Catalan"
    assert fewshot_examples("ca") == [("Read <a1>the full report</a1>.", "Llegiu <a1>l’informe complet</a1>.")]
    prompt = completion_prompt(SegmentRequest("s", "The mayor resigned.", "en", "ca"))
    assert prompt.prefix == "English: Read <a1>the full report</a1>.\nCatalan: Llegiu <a1>l’informe complet</a1>.\n\n"
    assert prompt.text.endswith("English: The mayor resigned.\nCatalan:")
    # the checks its data supports, and only those
    checks = {check.id: check for check in all_checks()}
    assert all(checks[c].applies_to("ca") for c in ("meaning.negation", "typography.straight_quotes", "numbers.missing"))
    assert not any(checks[c].applies_to("ca") for c in ("meaning.connective", "spelling.unknown", "grammar.fr"))
    assert "meaning.negation" in ids("The mayor did not resign.", "L’alcalde ha dimitit.", "ca", only={"meaning"})
    assert "numbers.missing" in ids("The fund lost 4,200 dollars.", "El fons va perdre dòlars.", "ca", only={"numbers"})
    assert fix_typography('Va dir: "Vindré ."', "ca") == "Va dir: «Vindré.»"
    # the names checks know the pack's renderings of known names
    met = ("Ministers from Germany met in Brussels on Monday.", "Els ministres d’Alemanya es van reunir dilluns a Brussel·les.")
    assert "names.missing" not in ids(*met, "ca", only={"names"})
    assert "names.missing" in ids(met[0], "Els ministres es van reunir dilluns.", "ca", only={"names"})
    # and the coverage table
    row = next(row for row in coverage() if row.code == "ca")
    assert row.role == "target" and set(row.lacks) == {"connectives", "spelling", "untranslated", "length_ratio", "furniture", "notes"}


def test_the_extra_pack_is_gone_with_its_folder(catalan: str, monkeypatch) -> None:
    monkeypatch.delenv(PACKS_ENV)
    reload()
    assert "ca" not in available()
    assert language("ca").labels == ()  # the pack's labels are gone; the name is py3langid's
    assert fewshot_examples("ca") == []
