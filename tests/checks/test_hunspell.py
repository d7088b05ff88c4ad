"""Hunspell dictionaries answer for any word: a word a legacy-encoded dictionary cannot
hold (chunspell's en_US is ISO-8859-1) is unknown, never an error in the checks."""

from __future__ import annotations

import pytest

from relais.text import hunspell
from relais.checks.base import CheckContext, SegmentPair
from relais.checks.registry import run_checks
from relais.text.names import is_common_english
from relais.document.model import BlockKind

OUTSIDE_LATIN_1 = ["Poznań", "Łódź", "北京", "Đà Nẵng", "İstanbul", "Ōsaka"]


@pytest.mark.parametrize("word", OUTSIDE_LATIN_1)
def test_the_english_dictionary_does_not_know_them_and_does_not_raise(word):
    english = hunspell.load("en_US")
    assert english is not None
    assert english.spell(word) is False
    assert english.suggest(word) == ()
    assert is_common_english(word) is False


def test_ordinary_words_are_still_known():
    english = hunspell.load("en_US")
    assert english.spell("harbour") or english.spell("harbor")
    assert is_common_english("falls")


def test_a_missing_dictionary_is_none():
    assert hunspell.load("xx_XX") is None


@pytest.mark.parametrize("lang", ["fr", "de", "es", "it", "pt"])
def test_the_checks_run_on_names_outside_latin_1(lang):
    source = "The mayor of Poznań met envoys from Łódź and Đà Nẵng on Monday."
    target = "Le maire de Poznań a rencontré des envoyés de Łódź et de Đà Nẵng lundi."
    pair = SegmentPair(0, 0, BlockKind.PARAGRAPH, source, target, "en", lang, {}, {})
    run_checks([pair], CheckContext("en", lang, machine_output=False))  # must not raise
