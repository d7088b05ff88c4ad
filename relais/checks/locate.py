"""From offsets inside a segment to offsets inside the target document's own text.

Checks report spans inside a target segment (with placeholders).  Other tools want them
in the document exactly as read from its file, escapes, markup and all, so that
``document_text[start:end]`` is the span.  Each segment's plain text is found in the
document in reading order (a moving cursor, a bounded window, ``difflib`` matching
blocks to step over markup and escapes such as ``\\*`` or ``&amp;``).
"""

from __future__ import annotations

from bisect import bisect_right
from difflib import SequenceMatcher

from relais.checks.base import Finding, SegmentPair
from relais.document.inline import PLACEHOLDER_RE

_WINDOW_SLACK = 4000  # characters of markup allowed between two segments


def tagged_to_plain(tagged: str, index: int) -> int:
    """Index in the placeholder-free text of the character at ``index`` in ``tagged``."""
    removed = 0
    for m in PLACEHOLDER_RE.finditer(tagged):
        if m.start() >= index:
            break
        removed += min(m.end(), index) - m.start()
    return index - removed


class _SegmentMap:
    """Plain-text index → document index for one located segment."""

    def __init__(self, start: int, blocks: list[tuple[int, int, int]], length: int):
        self.start = start  # document index where the segment begins
        self.blocks = blocks  # (plain index, document index, size) runs that match exactly
        self.length = length
        self._keys = [b[0] for b in blocks]

    def at(self, plain_index: int) -> int:
        if not self.blocks:
            return self.start
        k = bisect_right(self._keys, plain_index) - 1
        if k < 0:
            return self.blocks[0][1]
        a, b, size = self.blocks[k]
        if plain_index < a + size:
            return b + (plain_index - a)
        # In a gap (an escape or markup the plain text lacks): the next matching run.
        if k + 1 < len(self.blocks):
            return self.blocks[k + 1][1]
        return b + size

    @property
    def end(self) -> int:
        return self.at(self.length - 1) + 1 if self.length else self.start


class Locator:
    def __init__(self, pairs: list[SegmentPair], document: str):
        self.document = document
        self.maps: dict[tuple[int, int], _SegmentMap] = {}
        self.block_starts: dict[int, int] = {}
        cursor = 0
        for pair in pairs:
            plain = pair.target_plain
            if not plain.strip():
                self.maps[(pair.block, pair.segment)] = _SegmentMap(cursor, [], 0)
                continue
            window = document[cursor : cursor + 2 * len(plain) + _WINDOW_SLACK]
            matcher = SequenceMatcher(None, plain, window, autojunk=False)
            runs = [(a, cursor + b, size) for a, b, size in matcher.get_matching_blocks() if size]
            # Ignore stray single-character matches far ahead of the real text.
            runs = _main_run(runs, len(plain))
            seg = _SegmentMap(runs[0][1] if runs else cursor, runs, len(plain))
            self.maps[(pair.block, pair.segment)] = seg
            self.block_starts.setdefault(pair.block, seg.start)
            cursor = max(cursor, seg.end)

    def place(self, finding: Finding, pair: SegmentPair | None) -> Finding:
        """Set the finding's start, end and text to document coordinates."""
        if pair is None:
            start = self.block_starts.get(finding.block, 0)
            end = start
        else:
            seg = self.maps[(pair.block, pair.segment)]
            if seg.length == 0:
                start = end = seg.start
            else:
                p_start = tagged_to_plain(pair.target, finding.start)
                p_end = tagged_to_plain(pair.target, finding.end)
                if p_end <= p_start:
                    start = end = seg.at(min(p_start, seg.length - 1)) if p_start < seg.length else seg.end
                else:
                    start = seg.at(p_start)
                    end = seg.at(p_end - 1) + 1
        finding.start, finding.end = start, max(start, end)
        finding.text = self.document[finding.start : finding.end]
        return finding


def _main_run(runs: list[tuple[int, int, int]], length: int) -> list[tuple[int, int, int]]:
    """Drop leading one-character coincidences that start long before the bulk of the match."""
    while len(runs) > 1 and runs[0][2] <= 2 and runs[1][1] - runs[0][1] > 3 * length:
        runs = runs[1:]
    return runs
