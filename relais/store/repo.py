"""Reading and writing the records of the translation flow.

Functions take an open ``Session`` so that callers decide what one transaction is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from relais.document.model import Article
from relais.document.segment import segment_block
from relais.document.story import StoryKey
from relais.engines.types import SegmentResult
from relais.errors import NotFound
from relais.checks.base import Finding
from relais.store import events, stories
from relais.store.models import ArticleRow, BlockRow, DraftRow, FindingRow, JobRow, JobStatus, SegmentRow


def save_article(
    session: Session,
    article: Article,
    original: bytes,
    source_name: str | None,
    *,
    keys: tuple[StoryKey, ...] = (),
    story_id: int | None = None,
) -> tuple[ArticleRow, bool]:
    """Store an ingested article as a version of its story, with its blocks and
    segments; ``(row, created)``.

    The story is the one ``story_id`` names, else the one any of ``keys`` names, else a
    new one (``relais.store.stories.place``).  The same content as the story's latest
    version is that version: a second ingest returns the first row.  Two processes
    storing the same story at once: the loser of the race on a key or a version number
    tries again and finds the winner's rows.
    """
    digest = article.content_hash()
    for attempt in range(3):
        try:
            with session.begin_nested():
                return _save_version(session, article, original, source_name, digest, keys, story_id)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _save_version(session, article, original, source_name, digest, keys, story_id) -> tuple[ArticleRow, bool]:
    placement = stories.place(session, article, digest, keys, story_id)
    if placement.existing is not None:
        stories.attach(session, placement.story_id, keys)
        return placement.existing, False
    row = ArticleRow(
        story_id=stories.attach(session, placement.story_id, keys),
        version=placement.version,
        modified=article.modified,
        content_hash=digest,
        source_language=article.source_language,
        source_format=article.source_format,
        source_name=source_name,
        title=article.title,
        author=article.author,
        date=article.date,
        url=article.url,
        word_count=article.word_count(),
        original=original,
    )
    session.add(row)
    session.flush()
    for position, block in enumerate(article.blocks):
        brow = BlockRow(
            article_id=row.id,
            position=position,
            kind=str(block.kind),
            text=block.text,
            marks=block.marks,
            attrs=block.attrs,
        )
        session.add(brow)
        session.flush()
        for spos, span in enumerate(segment_block(block.text, article.source_language)):
            session.add(
                SegmentRow(
                    article_id=row.id,
                    block_id=brow.id,
                    position=spos,
                    start_offset=span.start,
                    end_offset=span.end,
                    text=span.text,
                )
            )
    session.flush()
    if row.version > 1:
        events.story_outdated(session, row)
    return row, True


def get_article(session: Session, article_id: int) -> ArticleRow:
    row = session.get(ArticleRow, article_id)
    if row is None:
        raise NotFound(f"no article with id {article_id}")
    return row


def create_job(session: Session, article_id: int, target: str, engine: str, base_job_id: int | None = None) -> JobRow:
    job = JobRow(article_id=article_id, target_language=target, engine=engine, status=JobStatus.QUEUED, attempts=0,
                 base_job_id=base_job_id)  # fmt: skip
    session.add(job)
    session.flush()
    return job


def latest_job(session: Session, article_id: int, target: str) -> JobRow | None:
    return session.scalar(
        select(JobRow)
        .where(JobRow.article_id == article_id, JobRow.target_language == target)
        .order_by(JobRow.id.desc())
        .limit(1)
    )


def get_job(session: Session, job_id: int, for_update: bool = False) -> JobRow:
    """The job; ``for_update`` locks its row until the session ends (PostgreSQL), so two
    processes claiming the same job take turns."""
    job = session.get(JobRow, job_id, with_for_update=for_update or None, populate_existing=for_update)
    if job is None:
        raise NotFound(f"no translation with id {job_id}")
    return job


@dataclass
class JobSummary:
    job: JobRow
    segments: int  # in the article
    drafted: int  # segments with a draft (translated or failed)
    failed: int  # drafts the engine failed on


def list_jobs(session: Session, status: str | None = None, job_ids: list[int] | None = None) -> list[JobSummary]:
    """Jobs (all, or those with ``status``, or those in ``job_ids``), newest first, with their segment counts."""
    seg_count = (
        select(SegmentRow.article_id, func.count().label("n")).group_by(SegmentRow.article_id).subquery()
    )
    draft_count = (
        select(
            DraftRow.job_id,
            func.count().label("n"),
            func.sum(case((DraftRow.text.is_(None), 1), else_=0)).label("failed"),
        )
        .group_by(DraftRow.job_id)
        .subquery()
    )
    query = (
        select(
            JobRow,
            func.coalesce(seg_count.c.n, 0),
            func.coalesce(draft_count.c.n, 0),
            func.coalesce(draft_count.c.failed, 0),
        )
        .outerjoin(seg_count, seg_count.c.article_id == JobRow.article_id)
        .outerjoin(draft_count, draft_count.c.job_id == JobRow.id)
        .options(selectinload(JobRow.article))
        .order_by(JobRow.id.desc())
    )
    if status:
        query = query.where(JobRow.status == status)
    if job_ids is not None:
        query = query.where(JobRow.id.in_(job_ids))
    return [JobSummary(job, int(n), int(d), int(f)) for job, n, d, f in session.execute(query)]


def unfinished_jobs(session: Session) -> list[JobRow]:
    return list(session.scalars(select(JobRow).where(JobRow.status.in_(JobStatus.UNFINISHED)).order_by(JobRow.id)))


def article_segments(session: Session, article_id: int) -> list[tuple[SegmentRow, BlockRow]]:
    """Every segment of an article in reading order, with its block."""
    rows = session.execute(
        select(SegmentRow, BlockRow)
        .join(BlockRow, SegmentRow.block_id == BlockRow.id)
        .where(SegmentRow.article_id == article_id)
        .order_by(BlockRow.position, SegmentRow.position)
    )
    return [(seg, block) for seg, block in rows]


def drafted_segment_ids(session: Session, job_id: int) -> set[int]:
    return set(session.scalars(select(DraftRow.segment_id).where(DraftRow.job_id == job_id)))


def save_drafts(session: Session, job_id: int, results: list[tuple[int, SegmentResult]]) -> None:
    """Record engine results (``(segment_id, result)``) for a job.

    Their text is already under the store's text rule (``relais.document.text``): an
    engine's output is cleaned in ``Engine.translate`` (control characters removed, so a
    model's NUL never reaches PostgreSQL), a memory match is stored text."""
    for segment_id, result in results:
        prov = result.provenance
        session.add(
            DraftRow(
                job_id=job_id,
                segment_id=segment_id,
                text=result.text if result.ok else None,
                error=result.error,
                engine=prov.engine,
                model=prov.model,
                model_version=prov.model_version,
                prompt_version=prov.prompt_version,
                seconds=prov.seconds,
                input_tokens=prov.input_tokens,
                output_tokens=prov.output_tokens,
                attempts=prov.attempts,
            )
        )


def finding_row(job_id: int, segment_id: int | None, stage: str, f, revision_id: int | None = None) -> FindingRow:
    """The stored form of a check's ``Finding`` (the one mapping; offsets local to the segment)."""
    return FindingRow(
        job_id=job_id, segment_id=segment_id, stage=stage, revision_id=revision_id, block_position=f.block,
        segment_position=f.segment, check=f.check, severity=f.severity.value, start_offset=f.start, end_offset=f.end,
        text=f.text, message=f.message, suggestion=f.suggestion, replaces=f.replaces,
    )  # fmt: skip


def save_findings(
    session: Session,
    job_id: int,
    stage: str,
    findings: Iterable[tuple[int | None, Finding]],
    *,
    revision_id: int | None = None,
    risks: dict[int, float] | None = None,
    headline_signoff: bool | None = None,
) -> None:
    """Store the checks' findings (``(segment_id, finding)`` pairs, offsets local to the
    segment) at ``stage``: "draft" (after the job), "approval" (the whole approved
    article) replace that stage's findings; "revision" adds those of one new revision
    (``revision_id``).  With ``risks`` each draft's meaning risk is set, with
    ``headline_signoff`` the job's flag."""
    if stage == "revision":
        if revision_id is None:
            raise ValueError("findings on a revision need its revision_id")
    else:
        session.execute(delete(FindingRow).where(FindingRow.job_id == job_id, FindingRow.stage == stage))
    session.add_all(finding_row(job_id, segment_id, stage, f, revision_id) for segment_id, f in findings)
    if risks is not None:
        for draft in session.scalars(select(DraftRow).where(DraftRow.job_id == job_id)):
            draft.risk = risks.get(draft.segment_id)
    if headline_signoff is not None:
        get_job(session, job_id).headline_signoff = headline_signoff


def job_findings(session: Session, job_id: int, stage: str = "draft") -> list[FindingRow]:
    return list(
        session.scalars(
            select(FindingRow)
            .where(FindingRow.job_id == job_id, FindingRow.stage == stage)
            .order_by(FindingRow.block_position, FindingRow.segment_position, FindingRow.start_offset)
        )
    )
