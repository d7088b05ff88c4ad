"""Byline and dateline recognition: strict enough never to eat a sentence."""

from __future__ import annotations

import pytest

from relais.document.byline import Byline, find_date, parse_byline


@pytest.mark.parametrize(
    "text, expected",
    [
        ("By Ana Ferreira, Environment correspondent · 4 June 2026, 09:30 BST", Byline("Ana Ferreira", "2026-06-04")),
        ("By Ana Ferreira", Byline("Ana Ferreira", None)),
        ("By <a1>Ana Ferreira</a1> | June 4, 2026", Byline("Ana Ferreira", "2026-06-04")),
        ("By Jean-Luc de la Fontaine and Siobhan O'Neill — 2026-03-01", Byline("Jean-Luc de la Fontaine and Siobhan O'Neill", "2026-03-01")),
        ("By Priyanka Desai 27 April 2026", Byline("Priyanka Desai", "2026-04-27")),
        ("Words by Tom Osei", Byline("Tom Osei", None)),
        ("Published 4 June 2026, 09:30 BST", Byline(None, "2026-06-04")),
        ("Tuesday 4 June 2026 · 09:30", Byline(None, "2026-06-04")),
        ("Last updated: Sept. 3, 2025 at 7.15 p.m.", Byline(None, "2025-09-03")),
        # Sentences, not bylines.
        ("By Monday, the council had voted.", None),
        ("By Tuesday Evening the hall was full of residents.", None),
        ("By 2027 the wall should be finished.", None),
        ("by Ana Ferreira", None),
        ("The vote on 4 June 2026 was close.", None),
        ("4 June 2026 was the wettest day on record.", None),
        ("By Ana Ferreira, who has covered the valley for ten years, the story was first reported in a long piece last spring about the river gauges and the floods.", None),
    ],
)  # fmt: skip
def test_parse_byline(text, expected):
    assert parse_byline(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("on 4 June 2026", "2026-06-04"),
        ("June 4th, 2026", "2026-06-04"),
        ("2026-06-04T09:30:00+01:00", "2026-06-04"),
        ("28 Feb. 2026", "2026-02-28"),
        ("31 Feb. 2026", None),
        ("45 June 2026", None),
        ("4 Juneteenth 2026", None),
        ("no date here", None),
    ],
)
def test_find_date(text, expected):
    assert find_date(text) == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("fr", "Par Tomasz Wróbel · 12 mai 2026", Byline("Tomasz Wróbel", "2026-05-12")),
        ("fr", "Publié le 1er février 2026", Byline(None, "2026-02-01")),
        ("de", "Von Tomasz Wróbel · 12. Mai 2026", Byline("Tomasz Wróbel", "2026-05-12")),
        ("es", "Por Tomasz Wróbel · 12 de mayo de 2026", Byline("Tomasz Wróbel", "2026-05-12")),
        ("it", "Di Tomasz Wróbel · 12 maggio 2026", Byline("Tomasz Wróbel", "2026-05-12")),
        ("pt", "Por Tomasz Wróbel · 12 de maio de 2026", Byline("Tomasz Wróbel", "2026-05-12")),
        # Sentences, not bylines.
        ("fr", "Par ailleurs, le conseil a voté mardi.", None),
        ("it", "Di Maio ha detto che il porto riaprirà.", None),
        ("de", "Von der Leyen sagte am Montag, der Hafen bleibe offen.", None),
    ],
)  # fmt: skip
def test_a_translation_s_own_byline(lang, text, expected):
    """A translation read back for checking has its language's byline (``relais check``)."""
    assert parse_byline(text, (lang, "en")) == expected
