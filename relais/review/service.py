"""The human review of a translation job: edit, re-check, approve, sign off.

This is the library the web app (``relais.review.app``) and the command line drive.
Nothing is edited in place: every save adds a revision (version 1, 2, … on top of the
machine draft, version 0), every approval and sign-off adds a journal event, so any
published word can be traced to the person who approved it.  Every function checks
the actor's rights itself, so no caller can skip them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from relais.checks.base import CheckContext, Finding, SegmentPair, Severity
from relais.checks.registry import run_checks
from relais.document.inline import PLACEHOLDER_RE, nesting_problem
from relais.document.model import BlockKind
from relais.document.text import person_text
from relais.errors import InputError, NotFound, RelaisError
from relais.review.accounts import Actor, PermissionDenied
from relais.store import repo
from relais.store.models import (
    BlockRow,
    DraftRow,
    FindingRow,
    JobRow,
    JobStatus,
    ReviewEventRow,
    ReviewStatus,
    RevisionRow,
    SegmentRow,
    UserRow,
)

MAX_SEGMENT_CHARS = 5000
# Blocks whose every segment needs its own approval: the words readers see first.
EXPLICIT_KINDS = frozenset({BlockKind.HEADLINE.value, BlockKind.SUBHEADING.value})
EDITABLE = (ReviewStatus.DRAFT, ReviewStatus.IN_REVIEW)


class Conflict(RelaisError):
    """Someone saved the segment since this person loaded it."""

    def __init__(self, segment_id: int, version: int, text: str, yours: str):
        super().__init__(f"segment {segment_id} was changed by someone else (now version {version})")
        self.segment_id, self.version, self.text, self.yours = segment_id, version, text, yours


class InvalidState(RelaisError):
    """The job is not at a stage where this can be done."""


# --------------------------------------------------------------------------- views


@dataclass
class FindingView:
    check: str
    severity: str
    start: int
    end: int
    text: str
    message: str
    suggestion: str | None

    @classmethod
    def of(cls, row: FindingRow | Finding) -> FindingView:
        if isinstance(row, FindingRow):
            return cls(row.check, row.severity, row.start_offset, row.end_offset, row.text, row.message, row.suggestion)
        return cls(row.check, row.severity.value, row.start, row.end, row.text, row.message, row.suggestion)


@dataclass
class SegmentView:
    id: int
    block: int
    index: int
    kind: str
    source: str
    draft: str | None  # the machine draft (None: the engine failed on it)
    text: str  # current text: newest revision, else the draft, else ""
    version: int  # 0: the machine draft
    risk: float | None
    error: str | None
    approved_by: str | None  # who approved the current version, if anyone
    explicit: bool  # needs its own approval before the article can be approved
    findings: list[FindingView] = field(default_factory=list)
    draft_findings: list[FindingView] = field(default_factory=list)

    @property
    def approved(self) -> bool:
        return self.approved_by is not None

    @property
    def edited(self) -> bool:
        return self.version > 0

    @property
    def worst(self) -> str | None:
        worst = max((Severity(f.severity) for f in self.findings), key=lambda s: s.rank, default=None)
        return worst.value if worst else None


@dataclass
class BlockView:
    index: int
    kind: str
    segments: list[SegmentView]
    findings: list[FindingView]  # about the block as a whole (at draft time)


@dataclass
class JobView:
    id: int
    article_id: int
    title: str | None
    source_language: str
    target_language: str
    status: str
    review_status: str
    assignee: str | None
    headline_signoff: bool
    engine: str
    blocks: list[BlockView]

    @property
    def segments(self) -> list[SegmentView]:
        return [s for b in self.blocks for s in b.segments]

    def counts(self) -> dict[str, int]:
        segs = self.segments
        sev = Counter(f.severity for s in segs for f in s.findings)
        return {
            "segments": len(segs),
            "approved": sum(s.approved for s in segs),
            "edited": sum(s.edited for s in segs),
            "explicit_pending": sum(s.explicit and not s.approved for s in segs),
            "empty": sum(not s.text.strip() for s in segs),
            "critical": sev["critical"],
            "major": sev["major"],
            "minor": sev["minor"],
        }

    def blockers(self) -> list[str]:
        """Why the article cannot be approved yet (empty: it can)."""
        out = []
        for s in self.segments:
            where = f"block {s.block + 1}, segment {s.index + 1}"
            if not s.text.strip():
                out.append(f"{where} has no translation")
            elif s.explicit and not s.approved:
                why = "the headline" if s.kind == BlockKind.HEADLINE.value else (
                    "a subheading" if s.kind == BlockKind.SUBHEADING.value else "it has a critical finding")
                out.append(f"{where} needs its own approval ({why})")
        return out


def _job(session: Session, job_id: int) -> JobRow:
    job = session.get(JobRow, job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}")
    return job


def _approvals(session: Session, job_id: int, segment_id: int | None = None) -> dict[tuple[int, int], str]:
    """(segment id, version) → the name of whoever approved that version."""
    q = select(ReviewEventRow.segment_id, ReviewEventRow.version, ReviewEventRow.actor).where(
        ReviewEventRow.job_id == job_id, ReviewEventRow.action == "approve_segment"
    )
    if segment_id is not None:
        q = q.where(ReviewEventRow.segment_id == segment_id)
    return {(sid, version): actor for sid, version, actor in session.execute(q)}


_FINDING_COLUMNS = (
    FindingRow.segment_id, FindingRow.stage, FindingRow.revision_id, FindingRow.block_position, FindingRow.check,
    FindingRow.severity, FindingRow.start_offset, FindingRow.end_offset, FindingRow.text, FindingRow.message,
    FindingRow.suggestion,
)  # fmt: skip


def _blocks(session: Session, job: JobRow, segment_id: int | None = None) -> list[BlockView]:
    """The review state of every segment of the job (or of one), in a fixed handful of
    queries whatever the article's length: rendering the editor must stay fast."""
    job_id = job.id

    def only(q, column):
        return q if segment_id is None else q.where(column == segment_id)

    rows = session.execute(
        only(
            select(SegmentRow.id, SegmentRow.position, SegmentRow.text, BlockRow.position, BlockRow.kind)
            .join(BlockRow, SegmentRow.block_id == BlockRow.id)
            .where(SegmentRow.article_id == job.article_id)
            .order_by(BlockRow.position, SegmentRow.position),
            SegmentRow.id,
        )
    ).all()
    drafts = {
        sid: (text, risk, error)
        for sid, text, risk, error in session.execute(
            only(select(DraftRow.segment_id, DraftRow.text, DraftRow.risk, DraftRow.error).where(DraftRow.job_id == job_id),
                 DraftRow.segment_id)  # fmt: skip
        )
    }
    newest = only(
        select(RevisionRow.segment_id, func.max(RevisionRow.version).label("version"))
        .where(RevisionRow.job_id == job_id)
        .group_by(RevisionRow.segment_id),
        RevisionRow.segment_id,
    ).subquery()
    revisions = {
        sid: (rid, version, text)
        for rid, sid, version, text in session.execute(
            select(RevisionRow.id, RevisionRow.segment_id, RevisionRow.version, RevisionRow.text).join(
                newest, (RevisionRow.segment_id == newest.c.segment_id) & (RevisionRow.version == newest.c.version)
            ).where(RevisionRow.job_id == job_id)
        )
    }
    approvals = _approvals(session, job_id, segment_id)
    draft_by_seg: dict[int, list[FindingView]] = {}
    by_revision: dict[int, list[FindingView]] = {}
    block_level: dict[int, list[FindingView]] = {}
    q = select(*_FINDING_COLUMNS).where(FindingRow.job_id == job_id, FindingRow.stage.in_(("draft", "revision")))
    if segment_id is not None:
        q = q.where(FindingRow.segment_id == segment_id)
    for sid, stage, rid, block_pos, check, severity, start, end, text, message, suggestion in session.execute(
        q.order_by(FindingRow.start_offset, FindingRow.id)
    ):
        view = FindingView(check, severity, start, end, text, message, suggestion)
        if stage == "revision":
            by_revision.setdefault(rid, []).append(view)
        elif sid is None:
            block_level.setdefault(block_pos, []).append(view)
        else:
            draft_by_seg.setdefault(sid, []).append(view)
    out: list[BlockView] = []
    for sid, position, source, block_pos, kind in rows:
        draft_text, risk, error = drafts.get(sid, (None, None, None))
        rid, version, revised = revisions.get(sid, (None, 0, None))
        text = revised if rid is not None else (draft_text or "")
        at_draft = draft_by_seg.get(sid, [])
        current = by_revision.get(rid, []) if rid is not None else at_draft
        critical = any(f.severity == Severity.CRITICAL.value for f in (*at_draft, *current))
        seg = SegmentView(
            id=sid, block=block_pos, index=position, kind=kind, source=source, draft=draft_text, text=text,
            version=version, risk=risk, error=error, approved_by=approvals.get((sid, version)),
            explicit=kind in EXPLICIT_KINDS or critical, findings=list(current), draft_findings=list(at_draft),
        )  # fmt: skip
        if not out or out[-1].index != block_pos:
            out.append(BlockView(block_pos, kind, [], block_level.get(block_pos, [])))
        out[-1].segments.append(seg)
    return out


def job_view(session: Session, job_id: int) -> JobView:
    job = _job(session, job_id)
    assignee = session.get(UserRow, job.assignee_id).name if job.assignee_id else None
    return JobView(
        id=job.id, article_id=job.article_id, title=job.article.title, source_language=job.article.source_language,
        target_language=job.target_language, status=job.status, review_status=job.review_status, assignee=assignee,
        headline_signoff=job.headline_signoff, engine=job.engine, blocks=_blocks(session, job),
    )  # fmt: skip


def segment_view(session: Session, job_id: int, segment_id: int) -> SegmentView:
    blocks = _blocks(session, _job(session, job_id), segment_id)
    if not blocks:
        raise NotFound(f"job {job_id} has no segment {segment_id}")
    return blocks[0].segments[0]


# --------------------------------------------------------------------------- queue


@dataclass
class QueueItem:
    job_id: int
    article_id: int
    title: str | None
    target_language: str
    status: str
    review_status: str
    created_at: datetime
    assignee: str | None
    critical: int
    major: int
    risk: float | None
    segments: int

    @property
    def age_seconds(self) -> float:
        created = self.created_at if self.created_at.tzinfo else self.created_at.replace(tzinfo=UTC)
        return (datetime.now(UTC) - created).total_seconds()


QUEUE_SORTS = {"age", "-age", "critical", "risk", "language"}


def queue(
    session: Session, actor: Actor, language: str | None = None, review_status: str | None = None, sort: str = "age"
) -> list[QueueItem]:
    """Jobs the actor may review, oldest first by default.  ``review_status`` None hides
    published ones."""
    q = select(JobRow).options(selectinload(JobRow.article)).where(JobRow.status == JobStatus.DONE)
    if language:
        q = q.where(JobRow.target_language == language)
    if review_status:
        q = q.where(JobRow.review_status == review_status)
    else:
        q = q.where(JobRow.review_status != ReviewStatus.PUBLISHED)
    jobs = [j for j in session.scalars(q) if actor.may_review(j.target_language)]
    ids = [j.id for j in jobs]
    sev: dict[tuple[int, str], int] = {}
    risk: dict[int, float] = {}
    segs: dict[int, int] = {}
    names = {u.id: u.name for u in session.scalars(select(UserRow))}
    if ids:
        for job_id, severity, n in session.execute(
            select(FindingRow.job_id, FindingRow.severity, func.count())
            .where(FindingRow.job_id.in_(ids), FindingRow.stage == "draft")
            .group_by(FindingRow.job_id, FindingRow.severity)
        ):
            sev[(job_id, severity)] = n
        for job_id, top, n in session.execute(
            select(DraftRow.job_id, func.max(DraftRow.risk), func.count()).where(DraftRow.job_id.in_(ids)).group_by(DraftRow.job_id)
        ):
            risk[job_id], segs[job_id] = top, n
    items = [
        QueueItem(
            j.id, j.article_id, j.article.title, j.target_language, j.status, j.review_status, j.created_at,
            names.get(j.assignee_id), sev.get((j.id, "critical"), 0), sev.get((j.id, "major"), 0), risk.get(j.id),
            segs.get(j.id, 0),
        )
        for j in jobs
    ]  # fmt: skip
    keys = {
        "age": lambda i: i.age_seconds * -1,
        "-age": lambda i: i.age_seconds,
        "critical": lambda i: (-i.critical, -i.major),
        "risk": lambda i: -(i.risk or 0.0),
        "language": lambda i: (i.target_language, -i.age_seconds),
    }
    items.sort(key=keys.get(sort, keys["age"]))
    return items


# --------------------------------------------------------------------------- actions


def _record(session: Session, job: JobRow, actor: Actor, action: str, segment_id: int | None = None,
            version: int | None = None, before: str | None = None, after: str | None = None) -> None:  # fmt: skip
    session.add(
        ReviewEventRow(
            job_id=job.id, segment_id=segment_id, user_id=actor.user_id, actor=actor.name, action=action,
            version=version, before=before, after=after,
        )
    )  # fmt: skip


def _may_review(actor: Actor, job: JobRow) -> None:
    if not actor.may_review(job.target_language):
        raise PermissionDenied(f"{actor.name} may not review {job.target_language} translations")


def _editable(job: JobRow) -> None:
    if job.status != JobStatus.DONE:
        raise InvalidState(f"job {job.id} is {job.status}: its machine draft is not finished")
    if job.review_status not in EDITABLE:
        raise InvalidState(f"job {job.id} is {job.review_status.replace('_', ' ')}: an editor must reopen it first")


def claim(session: Session, actor: Actor, job_id: int) -> None:
    job = _job(session, job_id)
    _may_review(actor, job)
    _editable(job)
    if actor.user_id is None:
        raise InvalidState("only a signed-in person can claim an article")
    if job.assignee_id not in (None, actor.user_id) and not actor.is_editor:
        raise PermissionDenied(f"job {job_id} is already claimed by someone else")
    before = session.get(UserRow, job.assignee_id).name if job.assignee_id else None
    job.assignee_id = actor.user_id
    job.review_status = ReviewStatus.IN_REVIEW
    _record(session, job, actor, "claim", before=before, after=actor.name)


def _segment(session: Session, job: JobRow, segment_id: int) -> tuple[SegmentRow, BlockRow]:
    row = session.execute(
        select(SegmentRow, BlockRow).join(BlockRow, SegmentRow.block_id == BlockRow.id).where(SegmentRow.id == segment_id)
    ).one_or_none()
    if row is None or row[0].article_id != job.article_id:
        raise NotFound(f"job {job.id} has no segment {segment_id}")
    return row[0], row[1]


def _current(session: Session, job_id: int, segment_id: int) -> tuple[int, str]:
    rev = session.scalar(
        select(RevisionRow)
        .where(RevisionRow.job_id == job_id, RevisionRow.segment_id == segment_id)
        .order_by(RevisionRow.version.desc())
        .limit(1)
    )
    if rev is not None:
        return rev.version, rev.text
    draft = session.scalar(select(DraftRow).where(DraftRow.job_id == job_id, DraftRow.segment_id == segment_id))
    return 0, (draft.text if draft is not None and draft.text is not None else "")


def _text_problem(source: str, text: str) -> str | None:
    if len(text) > MAX_SEGMENT_CHARS:
        return f"the text is too long ({len(text)} characters, at most {MAX_SEGMENT_CHARS})"
    allowed = {m.group(0) for m in PLACEHOLDER_RE.finditer(source)}
    unknown = [m.group(0) for m in PLACEHOLDER_RE.finditer(text) if m.group(0) not in allowed]
    if unknown:
        return f"{unknown[0]} is not a tag of the source segment"
    return nesting_problem(text)


def recheck(session: Session, job: JobRow, seg: SegmentRow, block: BlockRow, text: str) -> list[Finding]:
    """The findings of the checks on one edited segment's text (stored by ``save_edit``).

    Human text: the typography rules report, they do not rewrite.  Article-wide checks
    see only this segment here; the whole article is checked again at approval.
    """
    pair = SegmentPair(
        block.position, seg.position, BlockKind(block.kind), seg.text, text,
        job.article.source_language, job.target_language, dict(block.marks), dict(block.marks),
    )  # fmt: skip
    from relais.memory.termbase import termbase_for

    termbase = termbase_for(session, job.target_language, job.article.source_language)
    ctx = CheckContext(job.article.source_language, job.target_language, machine_output=False, termbase=termbase)
    findings = run_checks([pair], ctx)
    for f in findings:
        f.text = text[f.start : f.end]
    return findings


@dataclass(frozen=True)
class Edit:
    """A person's text for a segment, checked and ready to be saved (``prepare_edit``)."""

    job_id: int
    segment_id: int
    text: str
    base_version: int
    active_seconds: float
    findings: tuple[Finding, ...]  # of the checks on ``text``
    unchanged: bool  # the text is already the current one: saving it is a no-op


def prepare_edit(
    session: Session, actor: Actor, job_id: int, segment_id: int, text: str, base_version: int, active_seconds: float = 0.0
) -> Edit:
    """Everything about saving an edit that only reads: rights, the text's rules, and
    the checks on the new text (the slow part, run before any write lock is taken).
    Raises what ``save_segment`` raises; ``save_edit`` then writes the result."""
    job = _job(session, job_id)
    _may_review(actor, job)
    _editable(job)
    seg, block = _segment(session, job, segment_id)
    if actor.user_id is None:
        raise InvalidState("edits are made by a signed-in person")
    text = person_text(text).strip()  # the store's text rule: controls refused, line breaks "\n"
    problem = _text_problem(seg.text, text)
    if problem:
        raise InputError(problem)
    version, current = _current(session, job_id, segment_id)
    unchanged = text == current  # a repeated save (its answer was lost) is no conflict
    if base_version != version and not unchanged:
        raise Conflict(segment_id, version, current, text)
    findings = () if unchanged else tuple(recheck(session, job, seg, block, text))
    seconds = max(0.0, min(float(active_seconds), 3600.0))
    return Edit(job_id, segment_id, text, base_version, seconds, findings, unchanged)


def save_edit(session: Session, actor: Actor, edit: Edit) -> SegmentView:
    """Save a prepared edit on top of its base version, in a write session.

    The rights and the job's state are asked again (they may have changed since the
    edit was prepared); the unique (job, segment, version) key decides a race, so a
    second save on the same version is a ``Conflict``, never an overwrite."""
    job = _job(session, edit.job_id)
    _may_review(actor, job)
    _editable(job)
    seg, block = _segment(session, job, edit.segment_id)
    if edit.unchanged:
        version, current = _current(session, edit.job_id, edit.segment_id)
        if current != edit.text:
            raise Conflict(edit.segment_id, version, current, edit.text)
        return segment_view(session, edit.job_id, edit.segment_id)
    version = edit.base_version
    revision = RevisionRow(
        job_id=edit.job_id, segment_id=edit.segment_id, version=version + 1, text=edit.text, user_id=actor.user_id,
        active_seconds=edit.active_seconds,
    )  # fmt: skip
    try:
        with session.begin_nested():  # the unique (job, segment, version) decides a race
            session.add(revision)
            session.flush()
    except IntegrityError:
        version, current = _current(session, edit.job_id, edit.segment_id)
        raise Conflict(edit.segment_id, version, current, edit.text) from None
    before = _revision_text(session, edit.job_id, edit.segment_id, version)
    _record(session, job, actor, "edit", edit.segment_id, version + 1, before=before, after=edit.text)
    if job.review_status == ReviewStatus.DRAFT:
        job.review_status = ReviewStatus.IN_REVIEW
        if job.assignee_id is None:
            job.assignee_id = actor.user_id
    for f in edit.findings:
        session.add(
            FindingRow(
                job_id=job.id, segment_id=seg.id, stage="revision", revision_id=revision.id,
                block_position=f.block, segment_position=f.segment, check=f.check, severity=f.severity.value,
                start_offset=f.start, end_offset=f.end, text=f.text, message=f.message, suggestion=f.suggestion,
            )
        )  # fmt: skip
    session.flush()
    return _edited_view(session, job, seg, block, revision, list(edit.findings))


def save_segment(
    session: Session, actor: Actor, job_id: int, segment_id: int, text: str, base_version: int, active_seconds: float = 0.0
) -> SegmentView:
    """Save a person's text for a segment on top of ``base_version``, in one write
    session (``prepare_edit`` then ``save_edit``; the web app runs the two in a read and
    a write session, so the checks never hold the write lock).

    Raises ``Conflict`` when someone else saved since (never overwrites).  Saving the
    current text again is a no-op.
    """
    return save_edit(session, actor, prepare_edit(session, actor, job_id, segment_id, text, base_version, active_seconds))


def _revision_text(session: Session, job_id: int, segment_id: int, version: int) -> str:
    """The text of one version of a segment (0: the machine draft)."""
    if version:
        text = session.scalar(
            select(RevisionRow.text).where(
                RevisionRow.job_id == job_id, RevisionRow.segment_id == segment_id, RevisionRow.version == version
            )
        )
        if text is not None:
            return text
    draft = session.scalar(select(DraftRow.text).where(DraftRow.job_id == job_id, DraftRow.segment_id == segment_id))
    return draft or ""


def _edited_view(
    session: Session, job: JobRow, seg: SegmentRow, block: BlockRow, revision: RevisionRow, findings: list[Finding]
) -> SegmentView:
    """The view of a segment just saved, from what the save already knows (a new version
    has no approval yet): two small queries instead of ``segment_view``'s five, because
    autosave runs on every pause in typing."""
    draft = session.execute(
        select(DraftRow.text, DraftRow.risk, DraftRow.error).where(
            DraftRow.job_id == job.id, DraftRow.segment_id == seg.id
        )
    ).one_or_none()
    at_draft = [
        FindingView(check, severity, start, end, text, message, suggestion)
        for check, severity, start, end, text, message, suggestion in session.execute(
            select(FindingRow.check, FindingRow.severity, FindingRow.start_offset, FindingRow.end_offset,
                   FindingRow.text, FindingRow.message, FindingRow.suggestion)
            .where(FindingRow.job_id == job.id, FindingRow.segment_id == seg.id, FindingRow.stage == "draft")
            .order_by(FindingRow.start_offset, FindingRow.id)
        )
    ]  # fmt: skip
    current = [FindingView.of(f) for f in sorted(findings, key=lambda f: f.start)]
    critical = any(f.severity == Severity.CRITICAL.value for f in (*at_draft, *current))
    draft_text, risk, error = draft if draft is not None else (None, None, None)
    return SegmentView(
        id=seg.id, block=block.position, index=seg.position, kind=block.kind, source=seg.text, draft=draft_text,
        text=revision.text, version=revision.version, risk=risk, error=error, approved_by=None,
        explicit=block.kind in EXPLICIT_KINDS or critical, findings=current, draft_findings=at_draft,
    )  # fmt: skip


def approve_segment(session: Session, actor: Actor, job_id: int, segment_id: int, version: int) -> SegmentView:
    """Approve the given version of a segment (it must still be the current one)."""
    job = _job(session, job_id)
    _may_review(actor, job)
    _editable(job)
    _segment(session, job, segment_id)
    current, text = _current(session, job_id, segment_id)
    if version != current:
        raise Conflict(segment_id, current, text, "")
    if not text.strip():
        raise InvalidState("an empty segment cannot be approved: write its translation first")
    if (segment_id, version) not in _approvals(session, job_id):
        _record(session, job, actor, "approve_segment", segment_id, version, after=text)
    if job.review_status == ReviewStatus.DRAFT:
        job.review_status = ReviewStatus.IN_REVIEW
    session.flush()
    return segment_view(session, job_id, segment_id)


@dataclass(frozen=True)
class Approval:
    """A translator's approval of a whole article, checked and ready to be recorded
    (``prepare_approval``): the checks' findings on the text as it was then."""

    job_id: int
    versions: tuple[tuple[int, int], ...]  # (segment, version) of every segment that was checked
    findings: tuple[tuple[int, Finding], ...]  # (segment, finding) of the whole-article checks


def _approvable(session: Session, actor: Actor, job_id: int) -> tuple[JobRow, JobView]:
    job = _job(session, job_id)
    _may_review(actor, job)
    _editable(job)
    view = job_view(session, job_id)
    blockers = view.blockers()
    if blockers:
        more = f" (and {len(blockers) - 1} more)" if len(blockers) > 1 else ""
        raise InvalidState(f"cannot approve the article yet: {blockers[0]}{more}")
    return job, view


def _article_findings(session: Session, view: JobView) -> tuple[tuple[int, Finding], ...]:
    from relais.checks.audit import check_draft_segments
    from relais.memory.termbase import termbase_for

    termbase = termbase_for(session, view.target_language, view.source_language)
    result = check_draft_segments(
        repo.translated_article(session, view.id, current=True), machine_output=False, termbase=termbase
    )
    return tuple(result.findings)


def prepare_approval(session: Session, actor: Actor, job_id: int) -> Approval:
    """Everything about approving an article that only reads: rights, blockers, and the
    whole-article checks on its current text (slow: run before the write lock)."""
    _, view = _approvable(session, actor, job_id)
    versions = tuple((seg.id, seg.version) for seg in view.segments)
    return Approval(job_id, versions, _article_findings(session, view))


def save_approval(session: Session, actor: Actor, approval: Approval) -> JobView:
    """Record a prepared approval in a write session.  Rights and blockers are asked
    again; if a segment changed since it was prepared, the checks run again here."""
    job, view = _approvable(session, actor, approval.job_id)
    job_id = job.id
    findings = approval.findings
    if tuple((seg.id, seg.version) for seg in view.segments) != approval.versions:
        findings = _article_findings(session, view)
    for s in view.segments:
        if not s.approved:
            _record(session, job, actor, "approve_segment", s.id, s.version, after=s.text)
    session.execute(FindingRow.__table__.delete().where(FindingRow.job_id == job_id, FindingRow.stage == "approval"))
    for segment_id, f in findings:
        session.add(
            FindingRow(
                job_id=job_id, segment_id=segment_id, stage="approval", block_position=f.block,
                segment_position=f.segment, check=f.check, severity=f.severity.value, start_offset=f.start,
                end_offset=f.end, text=f.text, message=f.message, suggestion=f.suggestion,
            )
        )  # fmt: skip
    job.review_status = ReviewStatus.APPROVED
    _record(session, job, actor, "approve_article")
    remember_approved(session, job, job_view(session, job_id))
    # Names the translator rendered differently from the machine become termbase
    # proposals for an editor to approve (relais.memory.termbase).
    from relais.memory.termbase import propose_from_review

    propose_from_review(session, actor, job_id)
    session.flush()
    return job_view(session, job_id)


def approve_article(session: Session, actor: Actor, job_id: int) -> JobView:
    """The translator approves the whole article, in one write session
    (``prepare_approval`` then ``save_approval``; the web app runs the two in a read and
    a write session).

    Segments that need their own approval (headline, subheadings, critical findings)
    must have it already; the others are approved here, each recorded.  The whole
    approved text is checked again and the findings are stored at stage "approval".
    """
    return save_approval(session, actor, prepare_approval(session, actor, job_id))


def remember_approved(session: Session, job: JobRow, view: JobView) -> int:
    """Put the approved text of every segment into the translation memory, with who
    approved it and the machine draft it replaced.  Only here does text enter the
    memory from a review, and only once a person has approved it."""
    from relais.memory.tm import add_entry

    approved_at = {
        (e.segment_id, e.version): e.created_at
        for e in session.scalars(
            select(ReviewEventRow).where(ReviewEventRow.job_id == job.id, ReviewEventRow.action == "approve_segment")
        )
    }
    added = 0
    for seg in view.segments:
        if seg.approved_by is None or not seg.text.strip():
            continue
        row = add_entry(
            session, view.source_language, view.target_language, seg.source, seg.text,
            job_id=job.id, segment_id=seg.id, article_id=job.article_id, approved_by=seg.approved_by,
            approved_at=approved_at.get((seg.id, seg.version)), draft_text=seg.draft,
        )  # fmt: skip
        added += row is not None
    return added


def _last_actor(session: Session, job_id: int, action: str) -> ReviewEventRow | None:
    return session.scalar(
        select(ReviewEventRow)
        .where(ReviewEventRow.job_id == job_id, ReviewEventRow.action == action)
        .order_by(ReviewEventRow.id.desc())
        .limit(1)
    )


def sign_off(session: Session, actor: Actor, job_id: int) -> None:
    """An editor signs off an approved article (a second person: four eyes)."""
    job = _job(session, job_id)
    if not actor.is_editor:
        raise PermissionDenied("only an editor can sign off an article")
    if job.review_status != ReviewStatus.APPROVED:
        raise InvalidState(f"job {job_id} is {job.review_status.replace('_', ' ')}: the translator must approve it first")
    approval = _last_actor(session, job_id, "approve_article")
    if actor.user_id is not None and approval is not None and approval.user_id == actor.user_id:
        raise PermissionDenied("the person who approved the translation cannot also sign it off")
    job.review_status = ReviewStatus.SIGNED_OFF
    _record(session, job, actor, "sign_off", after="headline sign-off" if job.headline_signoff else None)


def reopen(session: Session, actor: Actor, job_id: int, reason: str = "") -> None:
    """An editor sends an approved, signed-off or published article back for review."""
    job = _job(session, job_id)
    if not actor.is_editor:
        raise PermissionDenied("only an editor can reopen an article")
    if job.review_status in EDITABLE:
        raise InvalidState(f"job {job_id} is already open for review")
    before = job.review_status
    job.review_status = ReviewStatus.IN_REVIEW
    _record(session, job, actor, "reopen", before=before, after=reason.strip()[:2000] or None)


def journal(session: Session, job_id: int) -> list[ReviewEventRow]:
    _job(session, job_id)
    return list(session.scalars(select(ReviewEventRow).where(ReviewEventRow.job_id == job_id).order_by(ReviewEventRow.id)))


def revisions(session: Session, job_id: int) -> list[RevisionRow]:
    return list(
        session.scalars(
            select(RevisionRow).where(RevisionRow.job_id == job_id).order_by(RevisionRow.segment_id, RevisionRow.version)
        )
    )
