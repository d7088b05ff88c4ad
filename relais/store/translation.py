"""Reading a translation out of the store: the one builder of ``relais.document.translation``.

``load`` is the only function that assembles a job's segments with their draft,
revisions, confirmations and findings; ``latest_revisions`` is the one query for the
newest version of each segment, and ``current_text`` reads one segment's through it.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from relais.document.model import BlockKind
from relais.document.translation import Block, Segment, StoredFinding, Translation
from relais.locales import get_locale
from relais.store.models import (
    ArticleRow,
    JobRow,
    BlockRow,
    DraftRow,
    FindingRow,
    ReviewEventRow,
    RevisionRow,
    SegmentRow,
    UserRow,
)
from relais.store.repo import get_job

# How a segment's text was confirmed (review_events.how of a "confirm" event).  "bulk":
# approved by the old whole-article approval, without anyone confirming it: it does not
# count as confirmed (migration 0008).  "carried": confirmed in the job of an earlier
# version of the story, for a segment that did not change (relais.store.updates).
BY_HAND = ("editor", "xliff")  # a person confirming now
CARRIED = "carried"
CONFIRMED_HOW = (*BY_HAND, CARRIED)


class Revision(NamedTuple):
    """The newest version of a segment: its revision row's id, version and text."""

    id: int
    version: int
    text: str


# The queries are built once (each ``_…_query`` is cached) with bound parameters: building
# a statement costs more than running it on a small job, and ``load`` answers every
# autosave.  ``one`` limits a query to the segment of the ``segment_id`` parameter.
_JOB, _SEGMENT = bindparam("job_id"), bindparam("segment_id")


def _only(query, column, one: bool):
    return query.where(column == _SEGMENT) if one else query


@cache
def _revisions_query(one: bool):
    newest = _only(select(RevisionRow.segment_id, func.max(RevisionRow.version).label("version"))
                   .where(RevisionRow.job_id == _JOB), RevisionRow.segment_id, one)  # fmt: skip
    newest = newest.group_by(RevisionRow.segment_id).subquery()
    return select(RevisionRow.segment_id, RevisionRow.id, RevisionRow.version, RevisionRow.text).join(
        newest, (RevisionRow.segment_id == newest.c.segment_id) & (RevisionRow.version == newest.c.version)
    ).where(RevisionRow.job_id == _JOB)


@cache
def _confirmations_query(one: bool):
    return _only(
        select(ReviewEventRow.segment_id, ReviewEventRow.version, ReviewEventRow.actor, ReviewEventRow.how)
        .where(ReviewEventRow.job_id == _JOB, ReviewEventRow.action == "confirm", ReviewEventRow.how.in_(CONFIRMED_HOW)),
        ReviewEventRow.segment_id, one,
    ).order_by(ReviewEventRow.id)


@cache
def _head_query():
    return (
        select(JobRow.target_language, JobRow.status, JobRow.review_status, JobRow.headline_signoff, JobRow.engine,
               ArticleRow.id, ArticleRow.source_language, ArticleRow.title, ArticleRow.author, ArticleRow.date,
               ArticleRow.url, UserRow.name, ArticleRow.story_id, ArticleRow.version)
        .join(ArticleRow, ArticleRow.id == JobRow.article_id)
        .outerjoin(UserRow, UserRow.id == JobRow.assignee_id)
        .where(JobRow.id == _JOB)
    )  # fmt: skip


@cache
def _segments_query(one: bool):
    return _only(
        select(SegmentRow.id, SegmentRow.position, SegmentRow.text, SegmentRow.start_offset, SegmentRow.end_offset,
               BlockRow.position, BlockRow.kind, BlockRow.text, BlockRow.marks, BlockRow.attrs, DraftRow.id,
               DraftRow.text, DraftRow.error, DraftRow.risk, *_PROVENANCE)
        .join(BlockRow, SegmentRow.block_id == BlockRow.id)
        .outerjoin(DraftRow, (DraftRow.segment_id == SegmentRow.id) & (DraftRow.job_id == _JOB))
        .where(SegmentRow.article_id == bindparam("article_id")),
        SegmentRow.id, one,
    ).order_by(BlockRow.position, SegmentRow.position)  # fmt: skip


@cache
def _findings_query(one: bool, current: bool):
    """Findings on the draft, and with ``current`` on the revisions too."""
    stages = ("draft", "revision") if current else ("draft",)
    return _only(
        select(FindingRow.stage, FindingRow.segment_id, FindingRow.revision_id, FindingRow.block_position, *_FINDING)
        .where(FindingRow.job_id == _JOB, FindingRow.stage.in_(stages)),
        FindingRow.segment_id, one,
    ).order_by(FindingRow.start_offset, FindingRow.id)


def _params(job_id: int, segment_id: int | None, **more) -> dict:
    return {"job_id": job_id, **({"segment_id": segment_id} if segment_id is not None else {}), **more}


def latest_revisions(session: Session, job_id: int, segment_id: int | None = None) -> dict[int, Revision]:
    """Segment id → the newest human revision of that segment in the job (of one segment
    if ``segment_id``)."""
    rows = session.execute(_revisions_query(segment_id is not None), _params(job_id, segment_id))
    return {sid: Revision(rid, version, text) for sid, rid, version, text in rows}


def current_text(session: Session, job_id: int, segment_id: int) -> tuple[int, str]:
    """(version, text) of one segment now: its newest revision, else the machine draft
    (version 0; "" when the engine failed on it or has not translated it)."""
    revision = latest_revisions(session, job_id, segment_id).get(segment_id)
    if revision is not None:
        return revision.version, revision.text
    draft = session.scalar(select(DraftRow.text).where(DraftRow.job_id == job_id, DraftRow.segment_id == segment_id))
    return 0, draft or ""


def confirmations(session: Session, job_id: int, segment_id: int | None = None) -> dict[tuple[int, int], tuple[str, str]]:
    """(segment id, version) → (who confirmed that version, how); bulk approvals left out."""
    rows = session.execute(_confirmations_query(segment_id is not None), _params(job_id, segment_id))
    return {(sid, version): (actor, how) for sid, version, actor, how in rows}


_PROVENANCE = (DraftRow.engine, DraftRow.model, DraftRow.model_version, DraftRow.prompt_version, DraftRow.seconds,
               DraftRow.input_tokens, DraftRow.output_tokens, DraftRow.attempts)  # fmt: skip
_FINDING = (FindingRow.check, FindingRow.severity, FindingRow.start_offset, FindingRow.end_offset, FindingRow.text,
            FindingRow.message, FindingRow.suggestion, FindingRow.replaces)  # fmt: skip


def _provenance(engine, model, model_version, prompt_version, seconds, input_tokens, output_tokens, attempts) -> dict:
    return {"engine": engine, "model": model, "model_version": model_version, "prompt_version": prompt_version,
            "seconds": round(seconds, 4), "input_tokens": input_tokens, "output_tokens": output_tokens,
            "attempts": attempts}  # fmt: skip


def load(session: Session, job_id: int, *, current: bool = True, segment_id: int | None = None) -> Translation:
    """The job as one ``Translation``, in five queries whatever the article's length
    (rendering the editor, and answering each autosave, must stay fast).

    ``current``: each segment carries its newest revision, who confirmed it, and the
    findings on it (the text under review); otherwise the machine draft alone.
    ``segment_id``: only that segment (and its block) is read."""
    head = session.execute(_head_query(), {"job_id": job_id}).one_or_none()
    if head is None:
        get_job(session, job_id)  # raises the one "no such translation" error
    target, status, review_status, headline_signoff, engine, article_id, source_lang, title, author, date, url, assignee = head[:12]
    story_id, version = head[12:]
    rows = session.execute(_segments_query(segment_id is not None), _params(job_id, segment_id, article_id=article_id))
    revised = latest_revisions(session, job_id, segment_id) if current else {}
    confirmed = confirmations(session, job_id, segment_id) if current else {}
    at_draft, by_revision, block_level = _findings(session, job_id, segment_id, current)

    blocks: list[Block] = []
    models: list[str] = []
    for row in rows:
        sid, position, source, start, end, block_pos, kind, block_text, marks, attrs, draft_id, draft, error, risk = row[:14]
        prov = row[14:]
        drafted = draft_id is not None
        if drafted and prov[1] not in models:
            models.append(prov[1])
        seg = Segment(
            id=sid, block=block_pos, index=position, kind=BlockKind(kind), source=source, start=start, end=end,
            draft=draft, error=error, provenance=_provenance(*prov) if drafted else None, risk=risk,
            draft_findings=at_draft.get(sid, []),
        )  # fmt: skip
        revision = revised.get(sid)
        if revision is not None:
            seg.text, seg.version, seg.error = revision.text, revision.version, None
            seg.findings = list(by_revision.get(revision.id, []))
        else:
            seg.text, seg.findings = draft or "", list(seg.draft_findings)
        seg.confirmed_by, seg.confirmed_how = confirmed.get((sid, seg.version), (None, None))
        if not blocks or blocks[-1].index != block_pos:
            blocks.append(Block(block_pos, BlockKind(kind), block_text, dict(marks), dict(attrs), [],
                                list(block_level.get(block_pos, []))))  # fmt: skip
        blocks[-1].segments.append(seg)

    locale = get_locale(target)
    return Translation(
        job_id=job_id, article_id=article_id, source_language=source_lang, target_language=target, title=title,
        author=author, date=date, url=url, status=status, review_status=review_status, assignee=assignee,
        headline_signoff=bool(headline_signoff), engine=engine, disclosure=locale.disclosure_from(source_lang),
        notice=locale.unreviewed, blocks=blocks, models=models, current=current, story_id=story_id, version=version,
    )  # fmt: skip


def _findings(session: Session, job_id: int, segment_id: int | None, current: bool):
    """The job's stored findings: on each segment's draft, on each revision, on whole blocks."""
    at_draft: dict[int, list[StoredFinding]] = {}
    by_revision: dict[int, list[StoredFinding]] = {}
    block_level: dict[int, list[StoredFinding]] = {}
    rows = session.execute(_findings_query(segment_id is not None, current),
                           _params(job_id, segment_id))  # fmt: skip
    for stage, sid, rid, block_pos, check, severity, start, end, text, message, suggestion, replaces in rows:
        finding = StoredFinding(check, severity, start, end, text, message, suggestion, bool(replaces))
        if stage == "revision":
            by_revision.setdefault(rid, []).append(finding)
        elif sid is None:
            block_level.setdefault(block_pos, []).append(finding)
        else:
            at_draft.setdefault(sid, []).append(finding)
    return at_draft, by_revision, block_level
