"""The one model of a translation: a job's article, segment by segment, as every layer reads it.

``relais.store.translation.load`` builds it from the store, in a fixed handful of queries;
the renderer, the checks, the review service and its pages, the publisher, the XLIFF
export and the termbase read it.  Nothing here touches the store: it is plain data.

A segment carries its machine draft (with its provenance and meaning risk), its current
text (the newest revision by a person, else the draft), which version that is (0: the
machine draft), who confirmed that version and how, and the findings of the checks on
the draft and on the current text.  ``current=False`` when loading gives the machine
draft alone, as the engine left it (no revisions): what ``relais translate`` writes and
the draft checks read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from relais.document.model import BlockKind

UNREVIEWED = "UNREVIEWED MACHINE DRAFT"
UNREVIEWED_NOTE = f"{UNREVIEWED}: machine translation not yet reviewed by a human translator. Do not publish."


class Severity(StrEnum):
    """How bad a finding is (the checks' contract, ``relais.checks.base``, uses it too)."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"

    @property
    def rank(self) -> int:
        return {"critical": 3, "major": 2, "minor": 1}[self.value]


@dataclass
class StoredFinding:
    """A finding of the checks as stored with the job (offsets local to the segment's
    text, or to the block's for a finding about a whole block)."""

    check: str
    severity: str
    start: int
    end: int
    text: str
    message: str
    suggestion: str | None
    replaces: bool = False  # the suggestion replaces exactly text[start:end] (else it is advice)


@dataclass
class Segment:
    id: int  # the stored segment
    block: int  # position of its block in the article
    index: int  # position in its block
    kind: BlockKind  # its block's kind
    source: str  # with inline placeholders
    start: int  # offsets of the source segment in its block's source text
    end: int
    draft: str | None = None  # the machine draft (None: not translated, or the engine failed)
    error: str | None = None  # why the engine failed
    provenance: dict | None = None  # engine, model, model version, prompt version, seconds, tokens, attempts
    risk: float | None = None  # meaning risk of the draft
    text: str = ""  # current text: the newest revision, else the draft, else ""
    version: int = 0  # 0: the machine draft
    confirmed_by: str | None = None  # who confirmed the current version, if anyone
    confirmed_how: str | None = None  # "editor", "xliff" or "carried" (from an earlier version)
    findings: list[StoredFinding] = field(default_factory=list)  # on the current text
    draft_findings: list[StoredFinding] = field(default_factory=list)  # on the machine draft

    @property
    def status(self) -> str:
        """"translated" (it has text), "failed" (the engine failed on it) or "pending"."""
        if self.version > 0 or self.draft is not None:
            return "translated"
        return "failed" if self.provenance is not None else "pending"

    @property
    def translated(self) -> bool:
        return self.status == "translated"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_by is not None

    @property
    def edited(self) -> bool:
        return self.version > 0

    @property
    def label(self) -> str:
        return f"block {self.block + 1}, segment {self.index + 1}"

    @property
    def worst(self) -> str | None:
        worst = max((Severity(f.severity) for f in self.findings), key=lambda s: s.rank, default=None)
        return worst.value if worst else None


@dataclass
class Block:
    index: int
    kind: BlockKind
    source: str  # the block's source text, with placeholders
    marks: dict[str, dict[str, str]]  # link targets
    attrs: dict[str, str]  # image src, list id
    segments: list[Segment]
    findings: list[StoredFinding] = field(default_factory=list)  # about the block as a whole (at draft time)

    @property
    def text(self) -> str:
        """Target text of the block: its segments' text joined by the source's gaps.

        A segment without a translation shows its source inside ⟦ ⟧ so that nothing is
        silently missing from the draft.
        """
        out: list[str] = []
        prev_end = 0
        for seg in self.segments:
            gap = self.source[prev_end : seg.start]
            if out:
                out.append(gap if gap.strip() == "" and gap else " ")
            out.append(seg.text if seg.translated else f"⟦{seg.source}⟧")
            prev_end = seg.end
        return "".join(out)


@dataclass
class Translation:
    """A job: one article into one target language, with its review state."""

    job_id: int
    article_id: int
    source_language: str
    target_language: str
    title: str | None
    author: str | None
    date: str | None
    url: str | None
    status: str  # the job's status (queued, running, done, failed)
    review_status: str  # draft, in_review, approved, signed_off, published
    assignee: str | None  # who holds the claim
    headline_signoff: bool  # the headline needs an editor's sign-off
    engine: str
    disclosure: str  # the line that ends a publication
    notice: str  # the visible line that ends an unreviewed draft, in the target language
    blocks: list[Block]
    models: list[str] = field(default_factory=list)
    reviewed: bool = False  # a publication: ends with the disclosure
    current: bool = True  # segments carry their newest revision (False: the machine draft alone)
    story_id: int = 0  # the story the article is a version of
    version: int = 1  # which version of it (1, 2, …)

    # Keep the identity of a job the same as the review pages and the API name it.
    @property
    def id(self) -> int:
        return self.job_id

    @property
    def segments(self) -> list[Segment]:
        return [s for b in self.blocks for s in b.segments]

    @property
    def draft_counts(self) -> dict[str, int]:
        """How far the machine got: segments translated, failed, pending."""
        status = Counter(s.status for s in self.segments)
        return {"segments": len(self.segments), "translated": status["translated"], "failed": status["failed"],
                "pending": status["pending"]}  # fmt: skip

    def counts(self) -> dict[str, int]:
        """How far the review got: confirmed, edited, unconfirmed, empty, findings by severity."""
        segs = self.segments
        sev = Counter(f.severity for s in segs for f in s.findings)
        return {
            "segments": len(segs),
            "confirmed": sum(s.confirmed for s in segs),
            "edited": sum(s.edited for s in segs),
            "unconfirmed": len(self.unconfirmed()),
            "empty": len(self.empty()),
            "critical": sev["critical"],
            "major": sev["major"],
            "minor": sev["minor"],
        }

    def unconfirmed(self) -> tuple[str, ...]:
        """Segments with text that no person has confirmed in its current version."""
        return tuple(s.label for s in self.segments if s.text.strip() and not s.confirmed)

    def empty(self) -> tuple[str, ...]:
        return tuple(s.label for s in self.segments if not s.text.strip())

    def blockers(self) -> list[str]:
        """Why the article cannot be approved yet (empty: it can), for the page."""
        return [f"{label} has no translation" for label in self.empty()] + [
            f"{label} is not confirmed" for label in self.unconfirmed()
        ]

    def marker(self) -> str:
        c = self.draft_counts
        extra = ""
        if c["failed"] or c["pending"]:
            extra = f" {c['failed']} segment(s) failed, {c['pending']} pending: marked ⟦…⟧."
        return f"{UNREVIEWED_NOTE} Relais job {self.job_id}, engine {self.engine}.{extra}"

    @property
    def closing_line(self) -> str:
        """The disclosure for a publication; the unreviewed notice for anything else."""
        return self.disclosure if self.reviewed else self.notice
