"""Post-editing effort: how far the approved text is from the machine draft.

HTER is TER (sacrebleu) with the machine draft as hypothesis and the human-approved
text as reference: the share of the approved words that had to be inserted, deleted,
substituted or moved.  0 means the draft was approved unchanged.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from sacrebleu.metrics import TER

from relais.document.inline import strip_placeholders

_TER = TER(case_sensitive=True, normalized=True)  # punctuation split off words, as TER tools do
_TOKEN = re.compile(r"\s+|[^\s]+")


def segment_hter(draft: str | None, final: str) -> float:
    """TER of one segment, 0..1 (capped: a draft far longer than the final scores 1)."""
    hyp, ref = strip_placeholders(draft or ""), strip_placeholders(final)
    if hyp == ref:
        return 0.0
    if not ref.strip():
        return 1.0
    return min(1.0, _TER.sentence_score(hyp, [ref]).score / 100)


def article_hter(pairs: list[tuple[str | None, str]]) -> float:
    """Corpus TER over the article: edits summed over all segments / approved words."""
    if not pairs:
        return 0.0
    hyps = [strip_placeholders(d or "") for d, _ in pairs]
    refs = [strip_placeholders(f) for _, f in pairs]
    if hyps == refs:
        return 0.0
    if not any(r.strip() for r in refs):
        return 1.0
    return _TER.corpus_score(hyps, [refs]).score / 100


@dataclass(frozen=True)
class DiffOp:
    op: str  # "equal" | "delete" | "insert" | "replace"
    before: str
    after: str

    def to_dict(self) -> dict:
        return {"op": self.op, "before": self.before, "after": self.after}


def word_diff(before: str, after: str) -> list[DiffOp]:
    """Word-level diff (whitespace kept), for the audit record and the diff view."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        ops.append(DiffOp(tag, "".join(a[i1:i2]), "".join(b[j1:j2])))
    return ops


@dataclass(frozen=True)
class SegmentEffort:
    """One segment's post-editing effort so far: HTER from its machine draft, and the
    active editing seconds of every revision."""

    segment_id: int
    hter: float
    seconds: float


@dataclass(frozen=True)
class ReviewEffort:
    """The post-editing effort on a job under review (the diff page), segment by segment
    and in sum: the same HTER the audit record of a publication gives."""

    segments: list[SegmentEffort]
    hter: float
    edited: int
    active_seconds: float

    @property
    def share_edited(self) -> float:
        return self.edited / len(self.segments) if self.segments else 0.0

    def summary(self) -> dict[str, float | int]:
        return {"hter": self.hter, "segments": len(self.segments), "edited": self.edited,
                "share_edited": self.share_edited, "active_seconds": self.active_seconds}  # fmt: skip


def review_effort(segments, revisions) -> ReviewEffort:
    """The effort on ``segments`` (each with ``id``, ``draft`` and its current ``text``),
    with the active seconds of ``revisions`` (each with ``segment_id`` and ``active_seconds``)."""
    seconds: dict[int, float] = {}
    for r in revisions:
        seconds[r.segment_id] = seconds.get(r.segment_id, 0.0) + r.active_seconds
    rows = [SegmentEffort(seg.id, segment_hter(seg.draft, seg.text), seconds.get(seg.id, 0.0)) for seg in segments]
    return ReviewEffort(
        segments=rows,
        hter=article_hter([(seg.draft, seg.text) for seg in segments]),
        edited=sum(1 for seg in segments if (seg.draft or "") != seg.text),
        active_seconds=sum(seconds.values()),
    )
