"""Post-editing effort: HTER (sacrebleu TER, machine draft against approved text) and word diffs."""

import pytest

from relais.publish.effort import article_hter, segment_hter, word_diff


@pytest.mark.parametrize(
    "draft, final, expected",
    [
        ("Le conseil a voté.", "Le conseil a voté.", 0.0),  # approved unchanged
        ("Le conseil a voté.", "Le conseil a voté hier.", 1 / 6),  # one insertion over 6 reference tokens (". " is one)
        ("La tempête a endommagé 4 300 mètres.", "La tempête a endommagé 4 200 mètres.", 1 / 8),  # one substitution
        (None, "Le conseil a voté.", 1.0),  # failed draft: everything written by hand
        ("Le <a1>conseil</a1> a voté.", "Le conseil a voté.", 0.0),  # tags are not words
        ("Un deux trois quatre cinq six sept huit", "Un", 1.0),  # capped at 1
    ],
)
def test_segment_hter(draft, final, expected):
    assert segment_hter(draft, final) == pytest.approx(expected, abs=1e-4)


def test_article_hter_weighs_segments_by_their_length():
    pairs = [("Le conseil a voté.", "Le conseil a voté."), ("Il pleut.", "Il neige.")]
    # tokens: "Le conseil a voté ." (5) and "Il neige ." (3)
    # one substitution over 5 + 3 reference tokens (punctuation counts as a token)
    assert article_hter(pairs) == pytest.approx(1 / 8, abs=1e-4)
    assert article_hter([]) == 0.0
    assert article_hter([("a b", "a b")]) == 0.0


def test_word_diff_keeps_every_character():
    before, after = "La tempête a endommagé 4 300 mètres.", "La tempête a abîmé 4 200 mètres de digue."
    ops = word_diff(before, after)
    assert "".join(op.before for op in ops) == before
    assert "".join(op.after for op in ops) == after
    changed = [(op.op, op.before, op.after) for op in ops if op.op != "equal"]
    assert ("replace", "endommagé", "abîmé") in changed
    assert any(op == "replace" and b == "300" for op, b, _ in changed)
