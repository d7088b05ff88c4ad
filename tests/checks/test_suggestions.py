"""Suggestions: a one-key "accept" exists only where a check offers a replacement for
exactly the flagged words, and accepting it clears the finding; everything else is
advice.  One table, both directions."""

from __future__ import annotations

import pytest

from relais.checks.base import CheckContext, SegmentPair
from relais.checks.registry import run_checks
from relais.document.model import BlockKind

# (language, source, target, check, flagged words, suggestion, replaces)
TABLE = [
    ("fr", "The deal was worth £48.2m, officials said.", "L’accord valait £48.2m, selon des responsables.",
     "numbers.mismatch", "£48.2m", "48,2 millions de livres", True),
    ("de", "The deal was worth £48.2m, officials said.", "Der Vertrag war £48.2m wert, sagten Beamte.",
     "numbers.mismatch", "£48.2m", "48,2 Millionen Pfund", True),
    ("es", "The fund holds $1.2bn.", "El fondo tiene $1.2bn.", "numbers.mismatch", "$1.2bn", "1,2 mil millones de dólares", True),
    ("fr", "It cost €4,200.", "Cela a coûté 4 300 €.", "numbers.mismatch", "4 300 €", "4\u202f200 euros", True),
    ("fr", "The storm damaged 4,200 metres of sea wall.", "La tempête a endommagé 4 300 mètres de digue.",
     "numbers.mismatch", "4 300", "4\u202f200", True),
    ("fr", "Turnout was 4,200,000.5 votes.", "La participation a été de 4,200,000.5 voix.", "numbers.format",
     "4,200,000.5", "4\u202f200\u202f000,5", True),
    # advice: the finding covers the whole sentence, its suggestion is not a sentence
    ("fr", "The fire destroyed 27 homes.", "L’incendie a détruit des maisons.", "numbers.missing",
     "L’incendie a détruit des maisons.", "27", False),
]  # fmt: skip


def _findings(lang: str, source: str, target: str, check: str):
    pair = SegmentPair(0, 0, BlockKind.PARAGRAPH, source, target, "en", lang, {}, {})
    return [f for f in run_checks([pair], CheckContext("en", lang, machine_output=False)) if f.check == check]


@pytest.mark.parametrize("lang,source,target,check,words,suggestion,replaces", TABLE, ids=[f"{r[0]}-{r[3]}-{r[4]}" for r in TABLE])
def test_suggestion_and_accepting_it(lang, source, target, check, words, suggestion, replaces):
    [f] = _findings(lang, source, target, check)
    assert target[f.start : f.end] == words
    assert f.suggestion == suggestion and f.replaces is replaces
    if replaces:
        accepted = target[: f.start] + f.suggestion + target[f.end :]
        assert _findings(lang, source, accepted, check) == [], accepted  # accepting clears its own finding
        assert not [g for g in _findings(lang, source, accepted, "numbers.format")]



def test_whole_sentence_findings_are_never_replacements():
    source = "The minister said on Monday that 27 people were hurt in the blast amid the talks."
    target = "Le ministre a parlé."
    pair = SegmentPair(0, 0, BlockKind.PARAGRAPH, source, target, "en", "fr", {}, {})
    findings = run_checks([pair], CheckContext("en", "fr", machine_output=False))
    assert findings
    for f in findings:
        if f.start == 0 and f.end == len(target):
            assert not f.replaces, f
