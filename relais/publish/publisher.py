"""Publishing a signed-off translation: the final renderings and the audit record.

A publication is frozen: its Markdown, HTML and JSON and its audit record are stored as
they were published and never rewritten.  Correcting a published translation means
reopening it, reviewing again and publishing publication number 2.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from relais import __version__
from relais.document.render import render
from relais.document.translation import Translation
from relais.errors import NotFound, RelaisError
from relais.publish.effort import article_hter, segment_hter, word_diff
from relais.memory.termbase import propose_from_review
from relais.memory.tm import PublishedUnit, remember_publication, withdraw_job
from relais.store.actors import Actor
from relais.review.service import journal, may, may_withdraw, record, revisions
from relais.review.workflow import DEFAULT_RULES, Action, Rules
from relais.store import events as outbox, repo, stories, translation
from relais.store.models import ArticleRow, JobRow, PublicationRow, ReviewStatus, TermRenderingRow, TermStatus
from relais.store.stories import withdrawn_note
from relais.store.updates import CARRIED_ENGINE

AUDIT_FORMAT = 1


def _findings(session: Session, job_id: int, stage: str) -> list[dict]:
    rows = repo.job_findings(session, job_id, stage)
    return [
        {"check": f.check, "severity": f.severity, "block": f.block_position, "segment": f.segment_position,
         "start": f.start_offset, "end": f.end_offset, "text": f.text, "message": f.message,
         "suggestion": f.suggestion}
        for f in rows
    ]  # fmt: skip


def _summary(findings: list[dict]) -> dict[str, int]:
    c = Counter(f["severity"] for f in findings)
    return {s: c.get(s, 0) for s in ("critical", "major", "minor")}


def _iso(ts: datetime) -> str:
    return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).isoformat(timespec="seconds")


def _confirmation(event) -> dict | None:
    """Who confirmed a segment's published text, when, how, and (in the editor) how long it was on screen."""
    if event is None:
        return None
    return {"by": event.actor, "at": _iso(event.created_at), "how": event.how, "seconds_on_screen": event.seconds}


def audit_record(session: Session, final: Translation, number: int, actor: Actor, published_at: datetime) -> dict:
    """The audit record of publishing ``final`` (the job as published, its disclosure set)."""
    job_id = final.job_id
    job = repo.get_job(session, job_id)
    article = job.article
    disclosure = final.disclosure
    drafts = [s.provenance for s in final.segments if s.provenance is not None]
    revs = revisions(session, job_id)
    events = journal(session, job_id)
    editors_of: dict[int, list[str]] = {}
    seconds_of: Counter[int] = Counter()
    for r in revs:
        editors_of.setdefault(r.segment_id, [])
        if r.user.name not in editors_of[r.segment_id]:
            editors_of[r.segment_id].append(r.user.name)
        seconds_of[r.segment_id] += r.active_seconds
    confirmations = {(e.segment_id, e.version): e for e in events if e.action == "confirm" and e.how != "bulk"}

    segments = []
    for s in final.segments:
        d = s.provenance
        segments.append(
            {
                "block": s.block, "segment": s.index, "kind": s.kind, "source": s.source,
                "draft": s.draft, "final": s.text, "edited": s.draft != s.text, "versions": s.version,
                "hter": round(segment_hter(s.draft, s.text), 4),
                "diff": [op.to_dict() for op in word_diff(s.draft or "", s.text) if op.op != "equal"],
                "editors": editors_of.get(s.id, []), "confirmed": _confirmation(confirmations.get((s.id, s.version))),
                "active_seconds": round(seconds_of[s.id], 1), "risk": s.risk,
                "engine": ({key: d[key] for key in ("engine", "model", "model_version", "prompt_version")}
                           if d is not None else None),
            }
        )  # fmt: skip

    def last(action: str):
        found = [e for e in events if e.action == action]
        return ({"by": found[-1].actor, "at": _iso(found[-1].created_at)}) if found else None

    at_draft, at_approval = _findings(session, job_id, "draft"), _findings(session, job_id, "approval")
    edited = sum(seg["edited"] for seg in segments)
    translators = sorted({e.actor for e in events if e.action in ("edit", "confirm", "approve_article") and e.how != "bulk"})
    return {
        "format": AUDIT_FORMAT,
        "relais_version": __version__,
        "publication": number,
        "published_at": _iso(published_at),
        "published_by": actor.name,
        "job": job.id,
        "source": {
            "article": article.id, "title": article.title, "url": article.url, "name": article.source_name,
            "language": article.source_language, "content_hash": article.content_hash,
            "original_sha256": hashlib.sha256(article.original).hexdigest(), "words": article.word_count,
        },  # fmt: skip
        "target_language": job.target_language,
        "disclosure": disclosure,
        "engine": {
            "name": job.engine,
            "models": sorted({d["model"] for d in drafts}),
            "model_versions": sorted({d["model_version"] for d in drafts}),
            "prompt_versions": sorted({d["prompt_version"] for d in drafts}),
        },
        "findings": {
            "draft": at_draft, "draft_summary": _summary(at_draft),
            "approval": at_approval, "approval_summary": _summary(at_approval),
        },  # fmt: skip
        "headline_signoff_required": job.headline_signoff,
        "translators": translators,
        "approved": last("approve_article"),
        "signed_off": last("sign_off"),
        "effort": {
            "hter": round(article_hter([(s["draft"], s["final"]) for s in segments]), 4),
            "segments": len(segments),
            "segments_edited": edited,
            "share_edited": round(edited / len(segments), 4) if segments else 0.0,
            "active_seconds": round(sum(seconds_of.values()), 1),
        },
        "segments": segments,
        "journal": [
            {"at": _iso(e.created_at), "actor": e.actor, "action": e.action, "segment": e.segment_id,
             "version": e.version, "before": e.before, "after": e.after, "how": e.how, "seconds": e.seconds}
            for e in events
        ],  # fmt: skip
    }


def publish(session: Session, actor: Actor, job_id: int, rules: Rules = DEFAULT_RULES,
            disclosures: dict[str, str] | None = None) -> PublicationRow:  # fmt: skip
    """Publish a signed-off job (an editor who did not work on this round: the review
    rules decide): freeze the renderings, which end with the disclosure line (the
    installation's for the target language in ``disclosures``, else the locale's), and
    the audit record; then let the memory and the termbase learn the published text,
    each entry linked to this publication."""
    job = repo.get_job(session, job_id)
    may(session, actor, job, Action.PUBLISH, rules)
    previous = _previous_publication(session, job)
    number = (previous.number if previous is not None else 0) + 1
    now = datetime.now(UTC)
    record(session, job, actor, "publish", after=f"publication {number}")
    session.flush()
    final = translation.load(session, job_id)
    final.reviewed = True
    final.disclosure = (disclosures or {}).get(job.target_language, final.disclosure)
    audit = audit_record(session, final, number, actor, now)
    audit["story"] = _story_record(session, final, previous)
    row = PublicationRow(
        job_id=job_id, number=number, actor=actor.name, created_at=now,
        markdown=render(final, "md"), html=render(final, "html"), json=render(final, "json"), audit=audit,
    )  # fmt: skip
    session.add(row)
    job.review_status = ReviewStatus.PUBLISHED
    session.flush()
    outbox.emit(session, outbox.ARTICLE_PUBLISHED, outbox.job_data(session, job, publication=number, by=actor.name))
    _learn(session, actor, final, row, audit)
    return row


def _previous_publication(session: Session, job: JobRow) -> PublicationRow | None:
    """The latest publication of the job's story in its language (of any version):
    publications are numbered per story and language, not per job."""
    return session.scalar(
        select(PublicationRow)
        .join(JobRow, JobRow.id == PublicationRow.job_id)
        .join(ArticleRow, ArticleRow.id == JobRow.article_id)
        .where(ArticleRow.story_id == job.article.story_id, JobRow.target_language == job.target_language)
        .order_by(PublicationRow.number.desc(), PublicationRow.id.desc())
        .limit(1)
    )


def _story_record(session: Session, final: Translation, previous: PublicationRow | None) -> dict:
    """The audit's story part: the story, the source version published, the publication
    this one supersedes (with its source version), and per segment whether its text was
    carried from an earlier version or translated for this one."""
    supersedes = None
    if previous is not None:
        earlier = repo.get_job(session, previous.job_id)
        supersedes = {"publication": previous.number, "job": earlier.id, "source_version": earlier.article.version}
    base = repo.get_job(session, final.job_id).base_job_id
    carried_from = repo.get_job(session, base).article.version if base is not None else None
    return {
        "id": final.story_id,
        "source_version": final.version,
        "carried_from_version": carried_from,
        "supersedes": supersedes,
        "segments": [
            {"block": seg.block, "segment": seg.index,
             "origin": "carried" if _carried(seg) else "translated"}
            for seg in final.segments
        ],  # fmt: skip
    }


def _carried(seg) -> bool:
    """Whether the published text is the one carried from an earlier version, unedited."""
    return bool(seg.provenance) and seg.provenance["engine"] == CARRIED_ENGINE and not seg.edited


def _learn(session: Session, actor: Actor, view: Translation, publication: PublicationRow, audit: dict) -> None:
    """The memory and the termbase learn from this publication's text, and only from it."""
    confirmed = {(seg["block"], seg["segment"]): seg["confirmed"] for seg in audit["segments"]}
    units = []
    for seg in view.segments:
        c = confirmed.get((seg.block, seg.index))
        if c is None or not seg.text.strip():
            continue
        units.append(PublishedUnit(seg.id, seg.source, seg.text, c["by"], datetime.fromisoformat(c["at"]), seg.draft))
    signed = audit["signed_off"]["by"] if audit.get("signed_off") else None
    remember_publication(
        session, publication_id=publication.id, job_id=view.job_id, article_id=view.article_id,
        source_lang=view.source_language, target_lang=view.target_language, units=units, signed_off_by=signed,
    )  # fmt: skip
    propose_from_review(session, actor, view, publication_id=publication.id)


class PublicationWithdrawn(RelaisError):
    """The publication asked for was withdrawn with its story: kept, but not to be used."""


def latest_publication(session: Session, job_id: int) -> PublicationRow:
    """The latest publication of a job, withdrawn or not (NotFound: never published)."""
    repo.get_job(session, job_id)
    row = session.scalar(
        select(PublicationRow).where(PublicationRow.job_id == job_id).order_by(PublicationRow.number.desc()).limit(1)
    )
    if row is None:
        raise NotFound(f"job {job_id} has not been published")
    return row


def live_publication(session: Session, job_id: int) -> PublicationRow:
    """The latest publication of a job, to be written out or served again; refused
    (``PublicationWithdrawn``, one line: when, by whom, why) when its story was withdrawn."""
    row = latest_publication(session, job_id)
    if row.withdrawn_at is not None:
        raise PublicationWithdrawn(withdrawn_note(f"publication {row.number} of job {job_id}", row.withdrawn_at,
                                                  row.withdrawn_by, row.withdrawn_reason))  # fmt: skip
    return row


@dataclass(frozen=True)
class Withdrawal:
    story_id: int
    jobs: int  # jobs of every version and language, now withdrawn
    publications: int  # publications marked withdrawn (kept)
    memory_entries: int  # memory entries that only these publications supported, gone
    proposals: int  # termbase proposals learnt only from them, gone

    def summary(self) -> str:
        """One line for the person who withdrew it (the command line, the desk's flash)."""
        return (f"story {self.story_id} withdrawn: {self.publications} publication(s) of {self.jobs} job(s) marked; "
                f"{self.memory_entries} memory entr(y/ies) and {self.proposals} termbase proposal(s) withdrawn")  # fmt: skip


MAX_REASON_CHARS = 2000


def withdraw_story(session: Session, actor: Actor, story_id: int, reason: str) -> Withdrawal:
    """An editor withdraws a story: every publication of every version and language is
    marked withdrawn (and kept), every job takes no action any more, the memory entries
    and termbase proposals that only these publications supported are withdrawn, the
    story takes no update, and the journal of each job says who and why.  Who may, and
    with what reason, is the review rules' (``workflow.decide_withdrawal``)."""
    may_withdraw(session, actor, story_id, reason)
    reason = reason.strip()[:MAX_REASON_CHARS]
    story = stories.get_story(session, story_id)
    jobs = list(session.scalars(
        select(JobRow).join(ArticleRow, ArticleRow.id == JobRow.article_id).where(ArticleRow.story_id == story_id)
        .order_by(JobRow.id)
    ))  # fmt: skip
    now = datetime.now(UTC)
    story.withdrawn_at, story.withdrawn_by, story.withdrawn_reason = now, actor.name, reason
    publications = list(session.scalars(select(PublicationRow).where(PublicationRow.job_id.in_([j.id for j in jobs]))))
    for pub in publications:
        pub.withdrawn_at, pub.withdrawn_by, pub.withdrawn_reason = now, actor.name, reason
    proposals = 0
    if publications:
        proposals = session.execute(
            delete(TermRenderingRow).where(
                TermRenderingRow.publication_id.in_([p.id for p in publications]),
                TermRenderingRow.status == TermStatus.PROPOSED,
            )
        ).rowcount or 0
    entries = 0
    for job in jobs:
        entries += withdraw_job(session, job.id)
        before = job.review_status
        job.review_status, job.assignee_id = ReviewStatus.WITHDRAWN, None
        record(session, job, actor, "withdraw", before=before, after=reason)
    outbox.emit(session, outbox.STORY_WITHDRAWN, {
        "story": story_id, "reason": reason, "by": actor.name, "jobs": [j.id for j in jobs],
        "languages": sorted({j.target_language for j in jobs}), "publications": len(publications),
        "urls": {"story": outbox.story_url(story_id), "jobs": [outbox.job_url(j.id) for j in jobs]},
    })  # fmt: skip
    return Withdrawal(story_id, len(jobs), len(publications), entries, proposals)
