"""Fix the typography of machine output before a human reviews it.

The fixer applies the edits the typography rules propose (``relais.checks.typography``)
until none are left, so its output raises no typography finding and fixing twice
changes nothing.  Tags (``<a1>…</a1>``, any HTML-like tag) and URLs are never edited;
letters and digits are never touched, so ``4 200 000,5`` and ``9 h 30`` stay as they
are.  The checks themselves never change text: the pipeline calls this on machine
output only.
"""

from __future__ import annotations

from relais.checks.typography import SEGMENT_RULES, TextView, apostrophe_edits, apply_pieces, original_edits, typography_for

# Each pass fixes every non-overlapping edit; a few passes settle what one edit enables
# (a straight quote becomes «, then the space inside it is added).
MAX_PASSES = 6


def fix_typography(text: str, lang: str) -> str:
    """``text`` with the typography of ``lang`` applied (unchanged for languages without rules)."""
    typo = typography_for(lang)
    if typo is None or not text:
        return text
    for _ in range(MAX_PASSES):
        view = TextView(text)
        pieces = []
        for rule in SEGMENT_RULES.values():
            for edit in rule(view, typo):
                pieces.extend(original_edits(view, edit))
        for edit in apostrophe_edits(view, typo):
            pieces.extend(original_edits(view, edit))
        if not pieces:
            break
        fixed = apply_pieces(text, pieces)
        if fixed == text:
            break
        text = fixed
    return text
