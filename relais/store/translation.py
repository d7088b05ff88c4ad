"""Reading a translation out of the store: the one builder of ``relais.document.translation``.

``load`` is the only function that assembles a job's segments with their draft,
revisions, confirmations and findings; ``latest_revisions`` is the one query for the
newest version of each segment, and ``current_text`` reads one segment's through it.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from relais.document.model import BlockKind
from relais.document.translation import Block, Segment, StoredFinding, Translation
from relais.locales import get_locale
from relais.store.models import (
    ArticleRow,
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
# count as confirmed (migration 0008).
CONFIRMED_HOW = ("editor", "xliff")


def latest_revisions(session: Session, job_id: int, segment_id: int | None = None) -> dict[int, RevisionRow]:
    """Segment id → the newest human revision of that segment in the job (of one segment
    if ``segment_id``)."""
    newest = select(RevisionRow.segment_id, func.max(RevisionRow.version).label("version")).where(
        RevisionRow.job_id == job_id
    )
    if segment_id is not None:
        newest = newest.where(RevisionRow.segment_id == segment_id)
    newest = newest.group_by(RevisionRow.segment_id).subquery()
    rows = session.scalars(
        select(RevisionRow)
        .join(newest, (RevisionRow.segment_id == newest.c.segment_id) & (RevisionRow.version == newest.c.version))
        .where(RevisionRow.job_id == job_id)
    )
    return {r.segment_id: r for r in rows}


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
    q = select(ReviewEventRow.segment_id, ReviewEventRow.version, ReviewEventRow.actor, ReviewEventRow.how).where(
        ReviewEventRow.job_id == job_id, ReviewEventRow.action == "confirm", ReviewEventRow.how.in_(CONFIRMED_HOW)
    )
    if segment_id is not None:
        q = q.where(ReviewEventRow.segment_id == segment_id)
    return {(sid, version): (actor, how) for sid, version, actor, how in session.execute(q.order_by(ReviewEventRow.id))}


def stored_finding(row: FindingRow) -> StoredFinding:
    return StoredFinding(row.check, row.severity, row.start_offset, row.end_offset, row.text, row.message,
                         row.suggestion, bool(row.replaces))  # fmt: skip


def _provenance(draft: DraftRow) -> dict:
    return {
        "engine": draft.engine,
        "model": draft.model,
        "model_version": draft.model_version,
        "prompt_version": draft.prompt_version,
        "seconds": round(draft.seconds, 4),
        "input_tokens": draft.input_tokens,
        "output_tokens": draft.output_tokens,
        "attempts": draft.attempts,
    }


def load(session: Session, job_id: int, *, current: bool = True, segment_id: int | None = None) -> Translation:
    """The job as one ``Translation``, in a fixed handful of queries whatever the
    article's length (rendering the editor must stay fast).

    ``current``: each segment carries its newest revision, who confirmed it, and the
    findings on it (the text under review); otherwise the machine draft alone.
    ``segment_id``: only that segment (and its block) is read."""
    job = get_job(session, job_id)
    article = session.get(ArticleRow, job.article_id)

    def only(q, column):
        return q if segment_id is None else q.where(column == segment_id)

    rows = session.execute(
        only(
            select(SegmentRow.id, SegmentRow.position, SegmentRow.text, SegmentRow.start_offset, SegmentRow.end_offset,
                   BlockRow.position, BlockRow.kind, BlockRow.text, BlockRow.marks, BlockRow.attrs)
            .join(BlockRow, SegmentRow.block_id == BlockRow.id)
            .where(SegmentRow.article_id == job.article_id)
            .order_by(BlockRow.position, SegmentRow.position),
            SegmentRow.id,
        )
    ).all()  # fmt: skip
    drafts = {d.segment_id: d for d in session.scalars(only(select(DraftRow).where(DraftRow.job_id == job_id), DraftRow.segment_id))}
    revised = latest_revisions(session, job_id, segment_id) if current else {}
    confirmed = confirmations(session, job_id, segment_id) if current else {}
    at_draft, by_revision, block_level = _findings(session, job_id, segment_id, current)

    blocks: list[Block] = []
    models: list[str] = []
    for sid, position, source, start, end, block_pos, kind, block_text, marks, attrs in rows:
        draft = drafts.get(sid)
        revision = revised.get(sid)
        if draft is not None and draft.model not in models:
            models.append(draft.model)
        seg = Segment(
            id=sid, block=block_pos, index=position, kind=BlockKind(kind), source=source, start=start, end=end,
            draft=draft.text if draft is not None else None, error=draft.error if draft is not None else None,
            provenance=_provenance(draft) if draft is not None else None, risk=draft.risk if draft is not None else None,
            draft_findings=list(at_draft.get(sid, [])),
        )  # fmt: skip
        if revision is not None:
            seg.text, seg.version, seg.error = revision.text, revision.version, None
            seg.findings = list(by_revision.get(revision.id, []))
        else:
            seg.text, seg.findings = seg.draft or "", list(seg.draft_findings)
        seg.confirmed_by, seg.confirmed_how = confirmed.get((sid, seg.version), (None, None))
        if not blocks or blocks[-1].index != block_pos:
            blocks.append(Block(block_pos, BlockKind(kind), block_text, dict(marks), dict(attrs), [],
                                list(block_level.get(block_pos, []))))  # fmt: skip
        blocks[-1].segments.append(seg)

    locale = get_locale(job.target_language)
    assignee = session.scalar(select(UserRow.name).where(UserRow.id == job.assignee_id)) if job.assignee_id else None
    return Translation(
        job_id=job.id, article_id=article.id, source_language=article.source_language,
        target_language=job.target_language, title=article.title, author=article.author, date=article.date,
        url=article.url, status=job.status, review_status=job.review_status, assignee=assignee,
        headline_signoff=bool(job.headline_signoff), engine=job.engine,
        disclosure=locale.disclosure_from(article.source_language), notice=locale.unreviewed, blocks=blocks,
        models=models, current=current,
    )  # fmt: skip


def _findings(session: Session, job_id: int, segment_id: int | None, current: bool):
    """The job's stored findings: on each segment's draft, on each revision, on whole blocks."""
    at_draft: dict[int, list[StoredFinding]] = {}
    by_revision: dict[int, list[StoredFinding]] = {}
    block_level: dict[int, list[StoredFinding]] = {}
    stages = ("draft", "revision") if current else ("draft",)
    q = select(FindingRow).where(FindingRow.job_id == job_id, FindingRow.stage.in_(stages))
    if segment_id is not None:
        q = q.where(FindingRow.segment_id == segment_id)
    for row in session.scalars(q.order_by(FindingRow.start_offset, FindingRow.id)):
        finding = stored_finding(row)
        if row.stage == "revision":
            by_revision.setdefault(row.revision_id, []).append(finding)
        elif row.segment_id is None:
            block_level.setdefault(row.block_position, []).append(finding)
        else:
            at_draft.setdefault(row.segment_id, []).append(finding)
    return at_draft, by_revision, block_level
