"""Running one translation job: the segments of one article into one language.

A job is idempotent and resumable at segment level: it translates only the segments
that have no draft yet, and each batch of drafts is committed as soon as the engine
returns it, so a crash (even ``kill -9``) loses at most the batch in flight.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil

from relais.checks.fixer import fix_typography
from relais.document.model import BlockKind
from relais.engines.base import Engine, EngineUnavailable, SegmentContext, SegmentRequest
from relais.errors import RelaisError
from relais.store import repo
from relais.store.db import Store
from relais.store.models import JobStatus, SegmentRow, utcnow

ProgressCallback = Callable[[int, int], None]  # (segments done, segments total)


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process that claimed a job still runs (only knowable on this host)."""
    if not owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine's worker: assume alive, its queue handles it
    try:
        return psutil.pid_exists(int(pid)) and int(pid) != os.getpid()
    except ValueError:
        return False


@dataclass
class JobOutcome:
    job_id: int
    status: str
    translated: int  # segments translated by this run
    failed: int  # segments recorded as failed by this run
    skipped: int  # segments that already had a draft
    engine_seconds: float = 0.0  # wall time spent inside engine.translate
    findings: dict[str, int] | None = None  # severity → count, from the automatic checks
    error: str | None = None


class JobBusy(RelaisError):
    """Another live process is running this job."""


def _claim(store: Store, job_id: int) -> None:
    with store.session() as s:
        job = repo.get_job(s, job_id)
        if job.status == JobStatus.RUNNING and owner_alive(job.owner):
            raise JobBusy(f"job {job_id} is being run by process {job.owner}")
        job.status = JobStatus.RUNNING
        job.owner = owner_id()
        job.attempts += 1
        job.error = None
        job.started_at = job.started_at or utcnow()


def _finish(store: Store, job_id: int, status: str, error: str | None = None) -> None:
    with store.session() as s:
        job = repo.get_job(s, job_id)
        job.status = status
        job.error = error
        job.owner = None
        job.finished_at = utcnow()


def _requests(store: Store, job_id: int) -> tuple[list[tuple[SegmentRow, SegmentRequest]], int, int]:
    """Requests for the segments of the job that have no draft yet; also (total, skipped)."""
    with store.session() as s:
        job = repo.get_job(s, job_id)
        article = job.article
        ordered = repo.article_segments(s, article.id)
        done = repo.drafted_segment_ids(s, job_id)
        headline = next((b.text for _, b in ordered if b.kind == BlockKind.HEADLINE), article.title)
        todo: list[tuple[SegmentRow, SegmentRequest]] = []
        for i, (seg, block) in enumerate(ordered):
            if seg.id in done:
                continue
            context = SegmentContext(
                headline=headline,
                block_kind=block.kind,
                previous=ordered[i - 1][0].text if i > 0 else None,
                next=ordered[i + 1][0].text if i + 1 < len(ordered) else None,
            )
            request = SegmentRequest(
                key=str(seg.id),
                text=seg.text,
                source_lang=article.source_language,
                target_lang=job.target_language,
                context=context,
            )
            todo.append((seg, request))
        return todo, len(ordered), len(ordered) - len(todo)


def run_job(
    store: Store,
    job_id: int,
    engine: Engine,
    *,
    batch_size: int = 4,
    on_progress: ProgressCallback | None = None,
) -> JobOutcome:
    """Translate what is left of a job.  Raises ``EngineUnavailable`` after marking the job failed."""
    _claim(store, job_id)
    todo, total, skipped = _requests(store, job_id)
    translated = failed = 0
    engine_seconds = 0.0
    if on_progress:
        on_progress(skipped, total)
    try:
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            t0 = time.perf_counter()
            results = engine.translate([req for _, req in chunk])
            engine_seconds += time.perf_counter() - t0
            for (_, req), result in zip(chunk, results):
                if result.ok:
                    # Machine output gets the target's typography before anyone reviews it.
                    result.text = fix_typography(result.text, req.target_lang)
            with store.session() as s:
                repo.save_drafts(s, job_id, [(seg.id, res) for (seg, _), res in zip(chunk, results)])
            translated += sum(r.ok for r in results)
            failed += sum(not r.ok for r in results)
            if on_progress:
                on_progress(skipped + translated + failed, total)
    except EngineUnavailable as exc:
        _finish(store, job_id, JobStatus.FAILED, str(exc))
        raise
    except BaseException as exc:
        # Interrupted (Ctrl-C) or a bug: leave the job resumable, with the reason.
        _finish(store, job_id, JobStatus.QUEUED, f"interrupted: {exc.__class__.__name__}: {exc}")
        raise
    counts = check_job(store, job_id)
    _finish(store, job_id, JobStatus.DONE)
    return JobOutcome(job_id, JobStatus.DONE, translated, failed, skipped, engine_seconds, counts)


def check_job(store: Store, job_id: int) -> dict[str, int]:
    """Run the automatic checks on the job's draft and store the findings (stage "draft")."""
    from relais.checks.audit import check_draft_segments

    with store.session() as s:
        draft = repo.translated_article(s, job_id)
    result = check_draft_segments(draft)
    with store.session() as s:
        repo.save_findings(s, job_id, result.findings, result.risks, result.headline_signoff)
    counts = {"critical": 0, "major": 0, "minor": 0}
    for _, f in result.findings:
        counts[f.severity.value] += 1
    return counts
