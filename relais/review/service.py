"""The human review of a translation job: edit, re-check, approve, sign off.

This is the library the web app (``relais.web``) and the command line drive.
Nothing is edited in place: every save adds a revision (version 1, 2, … on top of the
machine draft, version 0), every approval and sign-off adds a journal event, so any
published word can be traced to the person who confirmed it.  Every action asks the
review rules (``relais.review.workflow``) first, so no caller can skip them; nothing
here decides who may do what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from relais.checks.audit import check_draft_segments
from relais.checks.base import CheckContext, Finding, SegmentPair
from relais.checks.registry import run_checks
from relais.document.inline import PLACEHOLDER_RE, nesting_problem
from relais.document.model import BlockKind
from relais.document.text import person_text
from relais.document.translation import Segment, Translation
from relais.errors import InputError, NotFound, RelaisError
from relais.memory.termbase import termbase_for
from relais.memory.tm import withdraw_job
from relais.store.actors import Actor
from relais.review.workflow import (
    DEFAULT_RULES,
    Action,
    Claim,
    InvalidState,
    Rules,
    Situation,
    StorySituation,
    decide,
    decide_withdrawal,
)
from relais.store import events as outbox, repo, stories, translation
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
    StoryRow,
    UserRow,
)

MAX_SEGMENT_CHARS = 5000
# What counts as working on the article in a review round (four eyes: an editor who did
# any of these since the job was last reopened may not sign it off or publish it).
WORK_ACTIONS = ("edit", "confirm", "approve_article")
# What keeps a claim alive: the claimant's own activity on the job.
CLAIM_ACTIVITY = ("claim", "edit", "confirm", "approve_article")


class Conflict(RelaisError):
    """Someone saved the segment since this person loaded it."""

    def __init__(self, segment_id: int, version: int, text: str, yours: str):
        super().__init__(f"segment {segment_id} was changed by someone else (now version {version})")
        self.segment_id, self.version, self.text, self.yours = segment_id, version, text, yours


# --------------------------------------------------------------------------- views


def job_view(session: Session, job_id: int) -> Translation:
    """The job under review: every segment's current text, version, confirmation and findings."""
    return translation.load(session, job_id)


def segment_view(session: Session, job_id: int, segment_id: int) -> Segment:
    """One segment of the job as ``job_view`` has it."""
    view = translation.load(session, job_id, segment_id=segment_id)
    if not view.segments:
        raise NotFound(f"job {job_id} has no segment {segment_id}")
    return view.segments[0]


# --------------------------------------------------------------------------- queue


@dataclass
class QueueItem:
    job_id: int
    article_id: int
    story_id: int
    version: int  # the story's version this job translates
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
    standing: stories.Standing | None = None  # the story's published source version in this language

    @property
    def age_seconds(self) -> float:
        created = self.created_at if self.created_at.tzinfo else self.created_at.replace(tzinfo=UTC)
        return (datetime.now(UTC) - created).total_seconds()


QUEUE_SORTS = {"age", "-age", "critical", "risk", "language"}


def queue(
    session: Session, actor: Actor, language: str | None = None, review_status: str | None = None, sort: str = "age"
) -> list[QueueItem]:
    """Jobs the actor may review, oldest first by default.  ``review_status`` None hides
    published ones.  Each item has its story's standing in its language (as `relais list`)."""
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
    standing = stories.standings(session) if ids else {}
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
            j.id, j.article_id, j.article.story_id, j.article.version, j.article.title, j.target_language, j.status,
            j.review_status, j.created_at, names.get(j.assignee_id), sev.get((j.id, "critical"), 0),
            sev.get((j.id, "major"), 0), risk.get(j.id), segs.get(j.id, 0),
            standing.get((j.article.story_id, j.target_language)),
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


def record(session: Session, job: JobRow, actor: Actor, action: str, segment_id: int | None = None,
            version: int | None = None, before: str | None = None, after: str | None = None, *,
            how: str | None = None, seconds: float | None = None) -> None:  # fmt: skip
    session.add(
        ReviewEventRow(
            job_id=job.id, segment_id=segment_id, user_id=actor.user_id, actor=actor.name, action=action,
            version=version, before=before, after=after, how=how, seconds=seconds,
        )
    )  # fmt: skip


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)  # SQLite drops the zone


# Built once: every action reads the journal and the segment it acts on (autosave included).
_EVENTS = (
    select(ReviewEventRow.user_id, ReviewEventRow.action, ReviewEventRow.created_at)
    .where(ReviewEventRow.job_id == bindparam("job_id"))
    .order_by(ReviewEventRow.id)
)
_SEGMENT = (
    select(SegmentRow, BlockRow).join(BlockRow, SegmentRow.block_id == BlockRow.id).where(SegmentRow.id == bindparam("segment_id"))
)


def situation(session: Session, job: JobRow, rules: Rules = DEFAULT_RULES, *, view: Translation | None = None,
              now: datetime | None = None, progress: bool = True) -> Situation:  # fmt: skip
    """What the review rules need to know about ``job`` now (``relais.review.workflow``).
    Without ``progress`` the segments' confirmations are not read (unconfirmed and
    empty stay empty): only for actions outside ``PROGRESS_ACTIONS``.

    The round is everything since the job was last reopened.  A claim is live while its
    holder's last activity on the job (claim, edit, confirm, approve) is more recent than
    ``rules.claim_idle`` seconds."""
    now = now or datetime.now(UTC)
    events = session.execute(_EVENTS, {"job_id": job.id}).all()
    reopened = max((i for i, e in enumerate(events) if e.action == "reopen"), default=-1)
    round_workers = frozenset(e.user_id for e in events[reopened + 1 :] if e.action in WORK_ACTIONS and e.user_id is not None)
    claim = None
    if job.assignee_id is not None:
        last = max((_aware(e.created_at) for e in events if e.user_id == job.assignee_id and e.action in CLAIM_ACTIVITY),
                   default=None)  # fmt: skip
        if last is not None and (now - last).total_seconds() <= rules.claim_idle:
            claim = Claim(job.assignee_id, session.get(UserRow, job.assignee_id).name)
    if not progress:
        return Situation(job.id, job.target_language, job.status, job.review_status, claim, round_workers)
    view = view or job_view(session, job.id)
    return Situation(
        job.id, job.target_language, job.status, job.review_status, claim, round_workers, view.unconfirmed(), view.empty()
    )


def _story_situation(row: StoryRow) -> StorySituation:
    return StorySituation(row.id, row.withdrawn_at, row.withdrawn_by, row.withdrawn_reason)


def story_situation(session: Session, story_id: int, for_update: bool = False) -> StorySituation:
    """What the withdrawal rule needs to know about a story (NotFound when there is none);
    ``for_update`` locks the story's row (``stories.get_story``)."""
    return _story_situation(stories.get_story(session, story_id, for_update))


def may_withdraw(session: Session, actor: Actor, story_id: int, reason: str | None = None) -> StorySituation:
    """Ask the review rules whether ``actor`` may withdraw the story with ``reason``;
    raise their refusal (PermissionDenied, InvalidState, InputError) if not.  The story's
    row stays locked until the session ends: a second withdrawal waits, then is refused."""
    state = story_situation(session, story_id, for_update=True)
    decide_withdrawal(actor, state, reason).require()
    return state


def withdrawable(session: Session, actor: Actor, story_ids: set[int]) -> set[int]:
    """Which of these stories ``actor`` may withdraw now (which pages offer the action)."""
    if not story_ids:
        return set()
    rows = session.scalars(select(StoryRow).where(StoryRow.id.in_(story_ids)))
    return {row.id for row in rows if decide_withdrawal(actor, _story_situation(row)).allowed}


# The actions whose rules look at every segment's confirmation (the others need no view
# of the article: a save stays a few small queries).
PROGRESS_ACTIONS = frozenset({Action.APPROVE, Action.SIGN_OFF, Action.PUBLISH})


def may(session: Session, actor: Actor, job: JobRow, action: Action, rules: Rules = DEFAULT_RULES, *,
        view: Translation | None = None) -> Situation:  # fmt: skip
    """Ask the review rules; raise their refusal (PermissionDenied, InvalidState) if any."""
    state = situation(session, job, rules, view=view, progress=action in PROGRESS_ACTIONS or view is not None)
    decide(actor, state, action).require()
    return state


def _claim_for(session: Session, job: JobRow, actor: Actor, state: Situation) -> None:
    """The person who starts working on an unclaimed (or lapsed) job claims it."""
    if state.claim is None or state.claim.user_id != actor.user_id:
        before = state.claim.name if state.claim else None
        job.assignee_id = actor.user_id
        record(session, job, actor, "claim", before=before, after=actor.name)
    if job.review_status == ReviewStatus.DRAFT:
        job.review_status = ReviewStatus.IN_REVIEW


def claim(session: Session, actor: Actor, job_id: int, rules: Rules = DEFAULT_RULES) -> None:
    """Claim a job: while the claim is live only the claimant edits and confirms it.  An
    editor may take over another person's claim (the journal says whose)."""
    job = repo.get_job(session, job_id)
    state = may(session, actor, job, Action.CLAIM, rules)
    before = state.claim.name if state.claim else None
    job.assignee_id = actor.user_id
    job.review_status = ReviewStatus.IN_REVIEW
    record(session, job, actor, "claim", before=before, after=actor.name, how="take_over" if before else None)


def release(session: Session, actor: Actor, job_id: int, rules: Rules = DEFAULT_RULES) -> None:
    """Give a claimed job back to the queue (the claimant, or an editor)."""
    job = repo.get_job(session, job_id)
    state = may(session, actor, job, Action.RELEASE, rules)
    job.assignee_id = None
    record(session, job, actor, "release", before=state.claim.name if state.claim else None)


def _segment(session: Session, job: JobRow, segment_id: int) -> tuple[SegmentRow, BlockRow]:
    row = session.execute(_SEGMENT, {"segment_id": segment_id}).one_or_none()
    if row is None or row[0].article_id != job.article_id:
        raise NotFound(f"job {job.id} has no segment {segment_id}")
    return row[0], row[1]


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
    session: Session, actor: Actor, job_id: int, segment_id: int, text: str, base_version: int, active_seconds: float = 0.0,
    rules: Rules = DEFAULT_RULES,
) -> Edit:
    """Everything about saving an edit that only reads: rights, the text's rules, and
    the checks on the new text (the slow part, run before any write lock is taken).
    Raises what ``save_segment`` raises; ``save_edit`` then writes the result."""
    job = repo.get_job(session, job_id)
    may(session, actor, job, Action.EDIT, rules)
    seg, block = _segment(session, job, segment_id)
    text = person_text(text).strip()  # the store's text rule: controls refused, line breaks "\n"
    problem = _text_problem(seg.text, text)
    if problem:
        raise InputError(problem)
    version, current = translation.current_text(session, job_id, segment_id)
    unchanged = text == current  # a repeated save (its answer was lost) is no conflict
    if base_version != version and not unchanged:
        raise Conflict(segment_id, version, current, text)
    findings = () if unchanged else tuple(recheck(session, job, seg, block, text))
    seconds = max(0.0, min(float(active_seconds), 3600.0))
    return Edit(job_id, segment_id, text, base_version, seconds, findings, unchanged)


def save_edit(session: Session, actor: Actor, edit: Edit, rules: Rules = DEFAULT_RULES) -> Segment:
    """Save a prepared edit on top of its base version, in a write session.

    The rules are asked again (things may have changed since the edit was prepared); the
    unique (job, segment, version) key decides a race, so a second save on the same
    version is a ``Conflict``, never an overwrite.  Editing an unclaimed job claims it."""
    job = repo.get_job(session, edit.job_id)
    state = may(session, actor, job, Action.EDIT, rules)
    seg, block = _segment(session, job, edit.segment_id)
    if edit.unchanged:
        version, current = translation.current_text(session, edit.job_id, edit.segment_id)
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
        version, current = translation.current_text(session, edit.job_id, edit.segment_id)
        raise Conflict(edit.segment_id, version, current, edit.text) from None
    before = _revision_text(session, edit.job_id, edit.segment_id, version)
    _claim_for(session, job, actor, state)
    record(session, job, actor, "edit", edit.segment_id, version + 1, before=before, after=edit.text)
    repo.save_findings(session, job.id, "revision", ((seg.id, f) for f in edit.findings), revision_id=revision.id)
    session.flush()
    return segment_view(session, edit.job_id, edit.segment_id)


def save_segment(
    session: Session, actor: Actor, job_id: int, segment_id: int, text: str, base_version: int, active_seconds: float = 0.0,
    rules: Rules = DEFAULT_RULES,
) -> Segment:
    """Save a person's text for a segment on top of ``base_version``, in one write
    session (``prepare_edit`` then ``save_edit``; the web app runs the two in a read and
    a write session, so the checks never hold the write lock).

    Raises ``Conflict`` when someone else saved since (never overwrites).  Saving the
    current text again is a no-op.
    """
    edit = prepare_edit(session, actor, job_id, segment_id, text, base_version, active_seconds, rules)
    return save_edit(session, actor, edit, rules)


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


def confirm_segment(session: Session, actor: Actor, job_id: int, segment_id: int, version: int, *,
                    how: str = "editor", seconds: float | None = None, rules: Rules = DEFAULT_RULES) -> Segment:  # fmt: skip
    """A person confirms the given version of a segment (it must still be the current one):
    this exact text is theirs to answer for.  ``how``: "editor" (``seconds``: how long the
    segment was on their screen) or "xliff" (a final unit of a file they imported).  An
    edit afterwards makes a new version, so the confirmation lapses by itself."""
    if how not in translation.BY_HAND:
        raise ValueError(f"unknown way of confirming {how!r}")
    job = repo.get_job(session, job_id)
    state = may(session, actor, job, Action.CONFIRM, rules)
    _segment(session, job, segment_id)
    current, text = translation.current_text(session, job_id, segment_id)
    if version != current:
        raise Conflict(segment_id, current, text, "")
    if not text.strip():
        raise InvalidState("an empty segment cannot be confirmed: write its translation first")
    if (segment_id, version) not in translation.confirmations(session, job_id, segment_id):
        _claim_for(session, job, actor, state)
        on_screen = None if seconds is None else round(max(0.0, min(float(seconds), 86400.0)), 1)
        record(session, job, actor, "confirm", segment_id, version, after=text, how=how, seconds=on_screen)
    session.flush()
    return segment_view(session, job_id, segment_id)


@dataclass(frozen=True)
class Approval:
    """A translator's approval of a whole article, checked and ready to be recorded
    (``prepare_approval``): the checks' findings on the text as it was then."""

    job_id: int
    versions: tuple[tuple[int, int], ...]  # (segment, version) of every segment that was checked
    findings: tuple[tuple[int, Finding], ...]  # (segment, finding) of the whole-article checks


def _approvable(session: Session, actor: Actor, job_id: int, rules: Rules) -> tuple[JobRow, Translation]:
    job = repo.get_job(session, job_id)
    view = job_view(session, job_id)
    may(session, actor, job, Action.APPROVE, rules, view=view)
    return job, view


def _article_findings(session: Session, view: Translation) -> tuple[tuple[int, Finding], ...]:
    termbase = termbase_for(session, view.target_language, view.source_language)
    return tuple(check_draft_segments(view, machine_output=False, termbase=termbase).findings)


def prepare_approval(session: Session, actor: Actor, job_id: int, rules: Rules = DEFAULT_RULES) -> Approval:
    """Everything about approving an article that only reads: the rules (every segment
    confirmed), and the whole-article checks on its current text (slow: run before the
    write lock)."""
    _, view = _approvable(session, actor, job_id, rules)
    versions = tuple((seg.id, seg.version) for seg in view.segments)
    return Approval(job_id, versions, _article_findings(session, view))


def save_approval(session: Session, actor: Actor, approval: Approval, rules: Rules = DEFAULT_RULES) -> Translation:
    """Record a prepared approval in a write session.  The rules are asked again; if a
    segment changed since it was prepared, the checks run again here.  Nothing enters
    the memory or the termbase here: they learn from published text only."""
    job, view = _approvable(session, actor, approval.job_id, rules)
    job_id = job.id
    findings = approval.findings
    if tuple((seg.id, seg.version) for seg in view.segments) != approval.versions:
        findings = _article_findings(session, view)
    repo.save_findings(session, job_id, "approval", findings)
    job.review_status = ReviewStatus.APPROVED
    record(session, job, actor, "approve_article")
    outbox.emit(session, outbox.ARTICLE_APPROVED, outbox.job_data(session, job, by=actor.name))
    session.flush()
    return job_view(session, job_id)


def approve_article(session: Session, actor: Actor, job_id: int, rules: Rules = DEFAULT_RULES) -> Translation:
    """The translator approves the whole article, in one write session
    (``prepare_approval`` then ``save_approval``; the web app runs the two in a read and
    a write session).  Every segment's current text must have been confirmed by a person
    first; the refusal names those that are not.  The whole approved text is checked
    again and the findings are stored at stage "approval"."""
    return save_approval(session, actor, prepare_approval(session, actor, job_id, rules), rules)


def sign_off(session: Session, actor: Actor, job_id: int, rules: Rules = DEFAULT_RULES) -> None:
    """An editor who did not work on the article in this round signs it off (four eyes)."""
    job = repo.get_job(session, job_id)
    may(session, actor, job, Action.SIGN_OFF, rules)
    job.review_status = ReviewStatus.SIGNED_OFF
    record(session, job, actor, "sign_off", after="headline sign-off" if job.headline_signoff else None)


def reopen(session: Session, actor: Actor, job_id: int, reason: str = "", rules: Rules = DEFAULT_RULES) -> None:
    """An editor sends an approved, signed-off or published article back for review: a
    new round starts, the claim ends, and what only its publications taught the memory
    is withdrawn until it is published again."""
    job = repo.get_job(session, job_id)
    may(session, actor, job, Action.REOPEN, rules)
    before = job.review_status
    job.review_status = ReviewStatus.IN_REVIEW
    job.assignee_id = None
    withdraw_job(session, job_id)
    record(session, job, actor, "reopen", before=before, after=reason.strip()[:2000] or None)


def journal(session: Session, job_id: int) -> list[ReviewEventRow]:
    repo.get_job(session, job_id)
    return list(session.scalars(select(ReviewEventRow).where(ReviewEventRow.job_id == job_id).order_by(ReviewEventRow.id)))


def revisions(session: Session, job_id: int) -> list[RevisionRow]:
    return list(
        session.scalars(
            select(RevisionRow).where(RevisionRow.job_id == job_id).order_by(RevisionRow.segment_id, RevisionRow.version)
        )
    )
