"""What changed between two versions of a story, segment by segment, and word by word.

``diff_segments(old, new)`` aligns the two lists of segment texts (the whole article,
across blocks, so a paragraph split or joined changes nothing) with difflib's
``SequenceMatcher`` and names each segment:

* ``unchanged``: the same text (whitespace aside), in the same order;
* ``moved``: the same text, elsewhere (taken out of order);
* ``changed``: a new text in the place of a similar old one (``rapidfuzz`` ratio at
  least ``SIMILAR``): an edit, a corrected figure, a sentence with a clause added;
* ``added`` and ``removed``: the rest.

``word_diff(old, new)`` is what an editor reads for a changed segment: the words kept,
taken out and put in.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from rapidfuzz import fuzz

UNCHANGED, MOVED, CHANGED, ADDED, REMOVED = "unchanged", "moved", "changed", "added", "removed"
KINDS = (UNCHANGED, MOVED, CHANGED, ADDED, REMOVED)
SIMILAR = 55.0  # rapidfuzz ratio (0–100) from which a new segment is an edit of an old one

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\s+|[^\w\s]|\w+")


@dataclass(frozen=True)
class Change:
    """One segment of the comparison: its kind, its index in the old and in the new
    version (None where it has none), and the two texts."""

    kind: str
    old: int | None
    new: int | None
    old_text: str | None
    new_text: str | None

    @property
    def carried(self) -> bool:
        """Whether the old segment's translation still holds (the text is the same)."""
        return self.kind in (UNCHANGED, MOVED)


def _key(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def diff_segments(old: Sequence[str], new: Sequence[str], *, similar: float = SIMILAR) -> list[Change]:
    """The changes from ``old`` to ``new`` (segment texts in reading order): every new
    segment once, in its order, and every removed old one after the new segment that
    precedes it."""
    old_keys, new_keys = [_key(t) for t in old], [_key(t) for t in new]
    by_new: dict[int, Change] = {}
    removed: list[int] = []
    regions: list[tuple[list[int], list[int]]] = []
    matcher = SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                by_new[j] = Change(UNCHANGED, i, j, old[i], new[j])
        else:
            regions.append((list(range(i1, i2)), list(range(j1, j2))))
    # The same text elsewhere: moved (the first unmatched old one of that text).
    loose_old: dict[str, list[int]] = defaultdict(list)
    for olds, _ in regions:
        for i in olds:
            loose_old[old_keys[i]].append(i)
    taken: set[int] = set()
    for _, news in regions:
        for j in news:
            if loose_old.get(new_keys[j]):
                i = loose_old[new_keys[j]].pop(0)
                taken.add(i)
                by_new[j] = Change(MOVED, i, j, old[i], new[j])
    # Within each region, the rest pair in order by similarity: an edit of the old text.
    for olds, news in regions:
        olds = [i for i in olds if i not in taken]
        news = [j for j in news if j not in by_new]
        for i, j in _pairs(olds, news, old_keys, new_keys, similar):
            by_new[j] = Change(CHANGED, i, j, old[i], new[j])
            taken.add(i)
        for j in news:
            by_new.setdefault(j, Change(ADDED, None, j, None, new[j]))
        removed += [i for i in olds if i not in taken]
    return _in_order(by_new, removed, old)


def _pairs(olds: list[int], news: list[int], old_keys, new_keys, similar: float) -> list[tuple[int, int]]:
    """The monotone pairing of ``olds`` with ``news`` that maximises the similarity of
    the pairs that reach ``similar`` (a small dynamic programme: regions are short)."""
    if not olds or not news:
        return []
    score = [[fuzz.ratio(old_keys[i], new_keys[j]) for j in news] for i in olds]
    m, n = len(olds), len(news)
    best = [[0.0] * (n + 1) for _ in range(m + 1)]
    for a in range(m - 1, -1, -1):
        for b in range(n - 1, -1, -1):
            pair = score[a][b] + best[a + 1][b + 1] if score[a][b] >= similar else -1.0
            best[a][b] = max(pair, best[a + 1][b], best[a][b + 1])
    pairs, a, b = [], 0, 0
    while a < m and b < n:
        if score[a][b] >= similar and best[a][b] == score[a][b] + best[a + 1][b + 1]:
            pairs.append((olds[a], news[b]))
            a, b = a + 1, b + 1
        elif best[a][b] == best[a + 1][b]:
            a += 1
        else:
            b += 1
    return pairs


def _in_order(by_new: dict[int, Change], removed: list[int], old: Sequence[str]) -> list[Change]:
    """New segments in order; each removed old one after the new segment whose old
    counterpart precedes it (at the start when none does)."""
    after: dict[int, list[Change]] = defaultdict(list)  # new index (-1: before all) → removed
    anchors = sorted((c.old, j) for j, c in by_new.items() if c.old is not None)
    for i in sorted(removed):
        before = [j for o, j in anchors if o < i]
        after[max(before) if before else -1].append(Change(REMOVED, i, None, old[i], None))
    changes = list(after[-1])
    for j in sorted(by_new):
        changes.append(by_new[j])
        changes += after[j]
    return changes


def summary(changes: Sequence[Change]) -> dict[str, int]:
    """How many segments of each kind."""
    counts = dict.fromkeys(KINDS, 0)
    for change in changes:
        counts[change.kind] += 1
    return counts


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """``(op, text)`` pieces from ``old`` to ``new``: op is "=" (kept), "-" (taken out) or
    "+" (put in); joining the "=" and "+" pieces gives ``new``, the "=" and "-" ``old``."""
    a, b = _WORD.findall(old), _WORD.findall(new)
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("=", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("-", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("+", "".join(b[j1:j2])))
    return pieces
