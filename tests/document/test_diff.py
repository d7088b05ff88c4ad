"""The segment diff between two versions of a story: one table, each row a pair of
versions and the kinds it must give, in order."""

from __future__ import annotations

import pytest

from relais.document.diff import ADDED, CHANGED, MOVED, REMOVED, UNCHANGED, diff_segments, summary, word_diff

A = "The harbour in Sennet flooded on Monday after two days of rain."
B = "About 453,000 tonnes of cargo were stuck on the quays, the port authority said."
C = "The mayor, Ada Okafor, asked residents to stay away from the waterfront."
D = "Schools near the river will stay closed until Thursday."
E = "Insurers expect claims to pass last year's total."

TABLE = [
    # name, old, new, kinds (in the order of the result)
    ("identical", [A, B, C], [A, B, C], [UNCHANGED, UNCHANGED, UNCHANGED]),
    ("whitespace only", [A, B], [A.replace(" ", "  "), B + " "], [UNCHANGED, UNCHANGED]),
    ("a corrected figure", [A, B, C], [A, B.replace("453,000", "435,000"), C], [UNCHANGED, CHANGED, UNCHANGED]),
    ("a sentence added", [A, B, C], [A, B, D, C], [UNCHANGED, UNCHANGED, ADDED, UNCHANGED]),
    ("a sentence added at the end", [A, B], [A, B, E], [UNCHANGED, UNCHANGED, ADDED]),
    ("a sentence removed", [A, B, C], [A, C], [UNCHANGED, REMOVED, UNCHANGED]),
    ("the first removed", [A, B, C], [B, C], [REMOVED, UNCHANGED, UNCHANGED]),
    ("a sentence moved", [A, B, C, D], [A, C, D, B], [UNCHANGED, UNCHANGED, UNCHANGED, MOVED]),
    ("two swapped", [A, B], [B, A], [MOVED, UNCHANGED]),
    ("replaced by something else", [A, B, C], [A, E, C], [UNCHANGED, REMOVED, ADDED, UNCHANGED]),
    ("an edit next to an addition", [A, B, C], [A, D, B + " Shipping resumed on Tuesday.", C],
     [UNCHANGED, ADDED, CHANGED, UNCHANGED]),  # fmt: skip
    ("everything new", [A, B], [D, E], [REMOVED, REMOVED, ADDED, ADDED]),
    ("from nothing", [], [A, B], [ADDED, ADDED]),
    ("to nothing", [A, B], [], [REMOVED, REMOVED]),
    ("a repeated line", [A, "Read more.", B, "Read more."], [A, "Read more.", B], [UNCHANGED, UNCHANGED, UNCHANGED, REMOVED]),
]


@pytest.mark.parametrize(("name", "old", "new", "kinds"), TABLE, ids=[row[0] for row in TABLE])
def test_diff_table(name: str, old: list[str], new: list[str], kinds: list[str]) -> None:
    changes = diff_segments(old, new)
    assert [c.kind for c in changes] == kinds
    # every new segment once, in order; every old one at most once
    assert [c.new for c in changes if c.new is not None] == list(range(len(new)))
    olds = [c.old for c in changes if c.old is not None]
    assert sorted(olds) == list(range(len(old)))
    for c in changes:
        assert c.old_text == (old[c.old] if c.old is not None else None)
        assert c.new_text == (new[c.new] if c.new is not None else None)
        assert c.carried == (c.kind in (UNCHANGED, MOVED))
    assert sum(summary(changes).values()) == len(changes)


def test_a_split_paragraph_changes_nothing() -> None:
    # Blocks are flattened first: the same sentences, now in two paragraphs, are unchanged.
    before = [[A, B, C, D]]
    after = [[A, B], [C, D]]
    flat = [s for block in before for s in block], [s for block in after for s in block]
    assert {c.kind for c in diff_segments(*flat)} == {UNCHANGED}


def test_a_changed_figure_is_changed_not_replaced() -> None:
    (change,) = [c for c in diff_segments([B], [B.replace("453,000", "435,000")])]
    assert change.kind == CHANGED and change.old_text == B


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (B, B.replace("453,000", "435,000")),
        ("Trade grows amid the talks.", "Trade grows despite the talks, officials said."),
        ("", "A new sentence."),
        ("An old sentence.", ""),
    ],
)
def test_word_diff_rebuilds_both_texts(old: str, new: str) -> None:
    pieces = word_diff(old, new)
    assert "".join(t for op, t in pieces if op in "=-") == old
    assert "".join(t for op, t in pieces if op in "=+") == new
    assert all(op in "=+-" for op, _ in pieces)


def test_word_diff_names_the_corrected_figure() -> None:
    pieces = word_diff(B, B.replace("453,000", "435,000"))
    assert ("-", "453") in pieces and ("+", "435") in pieces
