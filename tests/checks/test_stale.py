"""``numbers.stale`` and ``names.stale``: after a correction in the source, a translation
that keeps the old figure or the old spelling of a name is named as such; one table per
check, both directions."""

from __future__ import annotations

import pytest

from relais.checks.base import CheckContext, SegmentPair
from relais.checks.figures import StaleFigure
from relais.checks.names import NameStaleCheck
from relais.document.model import BlockKind

OLD = "The storm damaged 4,200 metres of sea wall in January."
NEW = "The storm damaged 4,600 metres of sea wall in January."

TABLE = [
    # earlier source, new source, translation, lang, found
    (OLD, NEW, "La tempête a endommagé 4 200 mètres de digue en janvier.", "fr", True),
    (OLD, NEW, "La tempête a endommagé 4 600 mètres de digue en janvier.", "fr", False),
    (OLD, NEW, "Der Sturm beschädigte im Januar 4.200 Meter Deich.", "de", True),
    (OLD, NEW, "Der Sturm beschädigte im Januar 4.600 Meter Deich.", "de", False),
    ("Shares rose 3% on Monday.", "Shares rose 5% on Tuesday.", "Les actions ont gagné 3 % lundi.", "fr", True),
    # a figure wrong in the translation but never in the source: numbers.mismatch, not stale
    (OLD, NEW, "La tempête a endommagé 4 700 mètres de digue en janvier.", "fr", False),
    # no earlier version: nothing to compare with
    (None, NEW, "La tempête a endommagé 4 200 mètres de digue en janvier.", "fr", False),
]


@pytest.mark.parametrize(("old", "new", "target", "lang", "found"), TABLE)
def test_stale_table(old, new, target, lang, found) -> None:
    pair = SegmentPair(0, 0, BlockKind.PARAGRAPH, new, target, "en", lang)
    ctx = CheckContext("en", lang, earlier={(0, 0): old} if old else {})
    findings = StaleFigure().run(pair, ctx)
    assert bool(findings) is found
    for f in findings:
        assert f.check == "numbers.stale" and "corrected" in f.message


NAME_OLD = "Mayor Anna Kowalska opened the new quay on Friday."
NAME_NEW = "Mayor Anna Kowalski opened the new quay on Friday."

NAME_TABLE = [
    # earlier source, new source, translation, lang, found, suggestion
    (NAME_OLD, NAME_NEW, "La maire Anna Kowalska a inauguré le nouveau quai vendredi.", "fr", True, "Kowalski"),
    (NAME_OLD, NAME_NEW, "La maire Anna Kowalski a inauguré le nouveau quai vendredi.", "fr", False, None),
    (NAME_OLD, NAME_NEW, "Bürgermeisterin Anna Kowalska eröffnete am Freitag den neuen Kai.", "de", True, "Kowalski"),
    (NAME_OLD, NAME_NEW, "Bürgermeisterin Anna Kowalski eröffnete am Freitag den neuen Kai.", "de", False, None),
    # accents aside: the old spelling with an accent is still the old spelling
    ("Talks were held in Tromso.", "Talks were held in Bodo.", "Les pourparlers ont eu lieu à Tromsø.", "fr", True, "Bodo"),
    # the new source still has the old name elsewhere: not stale
    ("Anna Kowalska met Piotr Nowak.", "Anna Kowalska met Piotr Nowak and Ewa Nowak.",
     "Anna Kowalska a rencontré Piotr Nowak et Ewa Nowak.", "fr", False, None),
    # no earlier version: nothing to compare with
    (None, NAME_NEW, "La maire Anna Kowalska a inauguré le nouveau quai vendredi.", "fr", False, None),
]


@pytest.mark.parametrize(("old", "new", "target", "lang", "found", "suggestion"), NAME_TABLE)
def test_stale_name_table(old, new, target, lang, found, suggestion) -> None:
    pair = SegmentPair(0, 0, BlockKind.PARAGRAPH, new, target, "en", lang)
    ctx = CheckContext("en", lang, earlier={(0, 0): old} if old else {})
    findings = NameStaleCheck().run(pair, ctx)
    assert bool(findings) is found
    for f in findings:
        assert f.check == "names.stale" and "corrected" in f.message
        assert f.suggestion == suggestion
        assert target[f.start : f.end].lower().startswith(("kowalska", "tromsø"))
