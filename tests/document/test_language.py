"""Language identification and the guarded "not English" verdict."""

from __future__ import annotations

import pytest

from relais.document.ingest import ingest_bytes
from relais.document.language import (
    MIN_WORDS_TO_REJECT,
    confidently_not,
    detect_language,
    language_name,
    language_probabilities,
    macrolanguage,
    word_count,
)
from relais.errors import InputError
from tests.foreign_articles import ENGLISH as ENGLISH_QUOTING, FOREIGN, FORMATS, SPLIT, SUFFIXES, as_file

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


def _ids(samples):
    return [f"{s.code}-{s.headline[:12]}" for s in samples]


@pytest.mark.parametrize(
    "text, words",
    [
        ("The council met on Tuesday.", 5),
        ("市议会通过了预算。", 8),  # Han: one word per character, punctuation aside
        ("市議会は予算を可決した。", 11),  # Kanji and kana alike
        ("시의회는 예산안을 통과시켰다.", 3),  # Korean spaces its words
        ("สภาเทศบาลอนุมัติงบ", 5),  # Thai, 4 words: one per three letters (15, vowel signs aside)
        ("Tokyo 東京 Tower", 4),
        ("12 345 — 67 %", 0),
    ],
)
def test_words_are_counted_in_their_script(text, words):
    assert word_count(text) == words


@pytest.mark.parametrize(
    "code, macro",
    [("hr", "sh"), ("bs", "sh"), ("sr", "sh"), ("id", "ms"), ("ms", "ms"), ("nn", "no"), ("nb", "no"), ("wuu", "zh"),
     ("yue", "zh"), ("arz", "ar"), ("ary", "ar"), ("uzs", "uz"), ("ja", "ja"), ("fa", "fa"), ("pt-BR", "pt"), ("EN", "en")],
)  # fmt: skip
def test_macrolanguages(code, macro):
    assert macrolanguage(code) == macro


def test_labels_the_model_holds_twice_are_summed():
    # py3langid 0.4.0 has two "sr" classes; a dict of its ranking must not drop one.
    probabilities = language_probabilities(SPLIT[3].body)
    assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("sample", FOREIGN + SPLIT, ids=_ids(FOREIGN + SPLIT))
def test_foreign_articles_are_named(sample):
    """Every script, and languages whose score py3langid splits between close labels."""
    assert word_count(sample.body) >= MIN_WORDS_TO_REJECT
    verdict = confidently_not(sample.body, "en")
    assert verdict is not None and verdict[0] == sample.code and verdict[1] >= 0.9


@pytest.mark.parametrize("sample", ENGLISH_QUOTING, ids=_ids(ENGLISH_QUOTING))
def test_english_quoting_other_languages_is_english(sample):
    assert confidently_not(sample.headline + "\n" + sample.body, "en") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        (SPLIT[3].body, "sr"),  # Croatian read back as a Serbian document: one language
        (SPLIT[2].body, "ms"),  # Indonesian as Malay
        (SPLIT[4].body, "nn"),
        (FOREIGN[0].body, "yue"),
        (FRENCH, "fr-CA"),
    ],
)
def test_a_close_variety_of_the_expected_language_is_not_refused(text, expected):
    assert confidently_not(text, expected) is None


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sample", FOREIGN + SPLIT, ids=_ids(FOREIGN + SPLIT))
def test_ingest_refuses_foreign_articles_in_every_format(sample, fmt):
    name = f"story{SUFFIXES[fmt]}"
    with pytest.raises(InputError) as refused:
        ingest_bytes(as_file(sample, fmt), name=name)
    message = str(refused.value)
    assert message == f"{name}: the article looks like {sample.name} ({sample.code}); Relais translates from English"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sample", ENGLISH_QUOTING, ids=_ids(ENGLISH_QUOTING))
def test_ingest_accepts_english_quoting_other_languages(sample, fmt):
    article = ingest_bytes(as_file(sample, fmt), name=f"story{SUFFIXES[fmt]}")
    assert article.source_language == "en" and article.headline == sample.headline
