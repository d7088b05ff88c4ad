"""Story updates: which earlier translation a new version's job carries from, and what it
carries.

A job for version N of a story into a language updates the latest job of an earlier
version in that language (its *base*, ``JobRow.base_job_id``), set when the job is
made (``base_for``).  A base not yet published is superseded: nobody reviews it any
more, and its confirmed text carries like a publication's.  ``plan`` compares the two
versions' segments (``relais.document.diff``) and says for each segment of the new
version what the base gives it:

* ``confirmed``: the segment did not change (or moved) and the base's current text for
  it was confirmed by a person (or carried, confirmed, from further back): the new job
  takes that text, confirmed as "carried", with who confirmed it;
* ``draft``: it did not change, but nobody had confirmed it: the base's text is the new
  draft (no engine call), for the translator to confirm;
* ``changed``: it changed: the engine translates it, shown the old source and the old
  translation;
* nothing: it is new.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from relais.document.diff import CHANGED, Change, diff_segments
from relais.document.translation import Translation
from relais.store import repo, translation
from relais.store.models import ArticleRow, JobRow, JobStatus, ReviewEventRow, ReviewStatus

CARRIED_ENGINE = "carried"  # provenance of a draft carried from the job of an earlier version
CONFIRMED, DRAFT = "confirmed", "draft"


@dataclass(frozen=True)
class Carry:
    """What the base gives one segment of the new version."""

    kind: str  # confirmed | draft | changed
    old_source: str
    old_text: str  # the base's current text for the old segment
    confirmed_by: str | None = None  # who confirmed it (confirmed only)


@dataclass
class UpdatePlan:
    base_job_id: int
    base_version: int  # the story version the base translated
    changes: list[Change]
    carry: dict[int, Carry] = field(default_factory=dict)  # new segment id → what it gets


def base_for(session: Session, article: ArticleRow, target: str) -> JobRow | None:
    """The job a new job for ``article`` into ``target`` updates: the latest job of an
    earlier version of the story in that language that is not superseded."""
    return session.scalar(
        select(JobRow)
        .join(ArticleRow, ArticleRow.id == JobRow.article_id)
        .where(
            ArticleRow.story_id == article.story_id,
            ArticleRow.version < article.version,
            JobRow.target_language == target,
            JobRow.review_status != ReviewStatus.SUPERSEDED,
        )
        .order_by(ArticleRow.version.desc(), JobRow.id.desc())
        .limit(1)
    )


def supersede(base: JobRow, newer: JobRow) -> bool:
    """Close an unpublished base: ``newer`` takes its place.  A base the engine has not
    finished stops there (a running one at its next batch, ``superseded``); what it
    translated is carried.  True if it was open."""
    if base.review_status in (ReviewStatus.PUBLISHED, ReviewStatus.SUPERSEDED):
        return False
    base.review_status = ReviewStatus.SUPERSEDED
    base.assignee_id = None
    note = f"superseded by job {newer.id} (a newer version of the story)"
    if base.status in (JobStatus.QUEUED, JobStatus.FAILED, JobStatus.PARKED):
        base.status, base.error = JobStatus.DONE, note
    elif base.status == JobStatus.DONE:
        base.error = base.error or note
    return True


def superseded(session: Session, job_id: int) -> bool:
    """Whether a newer version's job has taken this job's place (its run should stop)."""
    return session.scalar(select(JobRow.review_status).where(JobRow.id == job_id)) == ReviewStatus.SUPERSEDED


def running_base(session: Session, job_id: int) -> JobRow | None:
    """The job this job updates, if a run of it is under way: what that run saves is
    what this job should carry, so this job waits for it (it stops at its next batch,
    being superseded)."""
    base_id = session.scalar(select(JobRow.base_job_id).where(JobRow.id == job_id))
    if base_id is None:
        return None
    base = session.get(JobRow, base_id)
    return base if base is not None and base.status == JobStatus.RUNNING else None


def plan(session: Session, job: JobRow) -> UpdatePlan | None:
    """What the job's base gives each of its segments; None for a job that updates none."""
    if job.base_job_id is None:
        return None
    base = translation.load(session, job.base_job_id)
    ordered = [seg for seg, _ in repo.article_segments(session, job.article_id)]
    return _plan(base, [seg.id for seg in ordered], [seg.text for seg in ordered])


def _plan(base: Translation, new_ids: list[int], new_texts: list[str]) -> UpdatePlan:
    old = base.segments
    changes = diff_segments([s.source for s in old], new_texts)
    result = UpdatePlan(base.job_id, base.version, changes)
    for change in changes:
        if change.new is None or change.old is None:
            continue
        segment = old[change.old]
        if not segment.text:
            continue  # the engine failed on it there: nothing to carry or show
        if change.carried:
            kind = CONFIRMED if segment.confirmed else DRAFT
            result.carry[new_ids[change.new]] = Carry(kind, segment.source, segment.text, segment.confirmed_by)
        elif change.kind == CHANGED:
            result.carry[new_ids[change.new]] = Carry(CHANGED, segment.source, segment.text)
    return result


def confirm_carried(session: Session, job_id: int, carried: list[tuple[int, str]]) -> None:
    """The journal's "carried" confirmations of the machine-free drafts just saved: each
    names who confirmed the text in the earlier version (version 0: the carried draft)."""
    for segment_id, actor in carried:
        session.add(ReviewEventRow(job_id=job_id, segment_id=segment_id, actor=actor, action="confirm", version=0,
                                   how=translation.CARRIED))  # fmt: skip
