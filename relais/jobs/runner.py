"""Running one translation job: the segments of one article into one language.

A job is idempotent and resumable at segment level: it translates only the segments
that have no draft yet, and each batch of drafts is committed as soon as the engine
returns it, so a crash (even ``kill -9``) loses at most the batch in flight.

Then each translated draft's meaning risk is scored with the configured method
(``[checks] risk``: back-translation or judge, through the job's engine), batch by
batch, each batch's risks committed with the drafts; only drafts without a stored risk
are scored, so a resumed job finishes the scoring without translating or scoring
anything twice.  The automatic checks come last, and with them, when a judge engine is
configured (``[checks] judge_engine``), the MQM judge on the segments it selects: its
findings are stored with the other findings of the draft.  The engine failing during
scoring or judging does not fail the job: the drafts are kept, the segments it could not
score keep no risk (NULL), those it could not judge have no judge finding, and the job
finishes ``done`` with a note in its ``error`` field.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil
from sqlalchemy import update

from relais.checks.audit import JudgeRequest, check_draft_segments, draft_pairs
from relais.checks.base import CheckContext
from relais.checks.fixer import fix_typography
from relais.checks.judge import JudgeReport, MqmJudge
from relais.checks.meaning import make_scorer, meaning_findings, segment_risk
from relais.config import DEFAULT_JUDGE_SCOPE, DEFAULT_RISK_METHOD
from relais.document.inline import placeholder_problem, placeholders
from relais.document.model import BlockKind
from relais.engines.base import Engine
from relais.engines.types import (
    Capabilities,
    EngineCapabilityError,
    EngineUnavailable,
    GlossaryHint,
    Provenance,
    SegmentContext,
    SegmentRequest,
    SegmentResult,
)
from relais.errors import RelaisError
from relais.memory.termbase import apply_to_machine_output, hints_for, termbase_for
from relais.memory.tm import lookup
from relais.document.diff import CHANGED
from relais.store import events as outbox, repo, translation, updates
from relais.store.updates import CARRIED_ENGINE, CONFIRMED, Carry, UpdatePlan
from relais.store.db import Store
from relais.store.models import DraftRow, JobStatus, SegmentRow, utcnow

ProgressCallback = Callable[[int, int], None]  # (segments done, segments total)


WORKER_OWNER = "/worker-"  # "host:pid/worker-ID": a job run by a task-queue worker


def owner_id(worker_id: int | None = None) -> str:
    """Who runs a job: "host:pid", and for a task-queue worker "host:pid/worker-ID"."""
    base = f"{socket.gethostname()}:{os.getpid()}"
    return base if worker_id is None else f"{base}{WORKER_OWNER}{worker_id}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process that claimed a job still runs (only knowable on this host)."""
    if not owner:
        return False
    host, _, pid = owner.split(WORKER_OWNER, 1)[0].rpartition(":")
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
    error: str | None = None  # for a done job: a note (segments whose meaning risk is unscored)
    risk_seconds: float = 0.0  # wall time spent scoring meaning risk with the engine
    risk_scored: int = 0  # drafts whose meaning risk this run scored
    risk_unscored: int = 0  # drafts left without a risk (no usable answer, engine unreachable)
    from_memory: int = 0  # segments reused from an exact translation-memory match (in ``translated``)
    judge: JudgeReport | None = None  # the MQM judge's run, with a judge engine configured


class JobBusy(RelaisError):
    """Another live process is running this job."""


class BaseStillRunning(RelaisError):
    """The job of the story's earlier version that this job updates is still being run
    (by a live process) after ``BASE_WAIT`` seconds: try again later."""


BASE_WAIT = 300.0  # seconds a job waits for a run of the job it updates to stop
BASE_POLL = 0.2  # seconds between two looks


def claim(
    store: Store,
    job_id: int,
    owner: str | None = None,
    alive: Callable[[str | None], bool] = owner_alive,
    *,
    again: bool = True,
) -> bool:
    """Lease the job to ``owner`` (default "host:pid"): mark it running in one write
    session, so two processes never both hold it.  On PostgreSQL the job row is read
    ``FOR UPDATE``; on SQLite the write session holds the database's write lock from
    ``BEGIN IMMEDIATE`` on, so the check and the set are one step in either store.

    Raises ``JobBusy`` when the job is running and ``alive(owner)`` says its owner still
    lives.  Returns False, leasing nothing, when the job is done and not ``again`` (it
    was finished by another process since the caller looked)."""
    with store.write() as s:
        job = repo.get_job(s, job_id, for_update=True)
        if job.status == JobStatus.RUNNING and alive(job.owner):
            raise JobBusy(f"job {job_id} is being run by process {job.owner}")
        if job.status == JobStatus.DONE and not again:
            return False
        job.status = JobStatus.RUNNING
        job.owner = owner or owner_id()
        job.attempts += 1
        job.error = None
        job.started_at = job.started_at or utcnow()
        return True


def finish_run(store: Store, job_id: int, status: str, error: str | None = None) -> None:
    """End this run of the job: its status and error (or note), no owner, the time."""
    with store.write() as s:
        job = repo.get_job(s, job_id)
        job.status = status
        job.error = error
        job.owner = None
        job.finished_at = utcnow()
        if status == JobStatus.DONE:
            outbox.emit(s, outbox.JOB_DONE, outbox.job_data(s, job, note=error))


MEMORY_ENGINE = "memory"  # provenance of a draft reused from the translation memory


@dataclass
class MemorySettings:
    threshold: float = 0.75  # fuzzy matches at or above this similarity go to the engine as examples
    limit: int = 3  # at most this many


@dataclass
class Pending:
    """What is left to do for a job: engine requests, and exact memory matches to reuse."""

    requests: list[tuple[SegmentRow, SegmentRequest]]
    reused: list[tuple[SegmentRow, SegmentResult]]
    total: int
    skipped: int
    terms: dict[str, list] = field(default_factory=dict)  # request key → approved term hints in it
    carried: list[tuple[int, str]] = field(default_factory=list)  # (segment id, who confirmed it) carried confirmed
    update: UpdatePlan | None = None  # what the job of the story's earlier version gave


def _reusable(segment_text: str, match) -> bool:
    # An exact match is reused as it is only if its tags fit this segment's tags.
    return placeholders(match.source_text) == placeholders(segment_text) and placeholder_problem(
        segment_text, match.target_text
    ) is None


# A request with every part; an engine gets the parts its ``Capabilities`` say it uses.
EVERY_PART = Capabilities(glossary=True, examples=True, context=True)


def _requests(
    store: Store, job_id: int, memory: MemorySettings | None = None, uses: Capabilities = EVERY_PART
) -> Pending:
    """Requests for the segments of the job that have no draft yet, each with the
    approved terms it contains and its best fuzzy memory matches; segments with an exact
    memory match are reused instead of translated.  A request carries the glossary, the
    examples and the context only if ``uses`` (the engine's capabilities) says so; the
    terms are kept for the machine output's term fixes either way."""
    memory = memory or MemorySettings()
    with store.read() as s:
        job = repo.get_job(s, job_id)
        article = job.article
        ordered = repo.article_segments(s, article.id)
        done = repo.drafted_segment_ids(s, job_id)
        headline = next((b.text for _, b in ordered if b.kind == BlockKind.HEADLINE), article.title)
        todo: list[tuple[SegmentRow, SegmentRequest]] = []
        reused: list[tuple[SegmentRow, SegmentResult]] = []
        terms: dict[str, list] = {}
        update = updates.plan(s, job)
        carry = update.carry if update else {}
        carried: list[tuple[int, str]] = []
        for i, (seg, block) in enumerate(ordered):
            if seg.id in done:
                continue
            src, tgt = article.source_language, job.target_language
            given = carry.get(seg.id)
            if given is not None and given.kind != CHANGED:  # unchanged since the earlier version
                prov = Provenance(CARRIED_ENGINE, f"story version {update.base_version}", f"job-{update.base_job_id}", "-")
                reused.append((seg, SegmentResult(str(seg.id), given.old_text, prov)))
                if given.kind == CONFIRMED and given.confirmed_by:
                    carried.append((seg.id, given.confirmed_by))
                continue
            matches = lookup(s, src, tgt, seg.text, threshold=memory.threshold, limit=memory.limit)
            exact = next((m for m in matches if m.exact and _reusable(seg.text, m)), None)
            if exact is not None:
                prov = Provenance(MEMORY_ENGINE, "translation-memory", f"tm-{exact.id}", "-")
                reused.append((seg, SegmentResult(str(seg.id), exact.target_text, prov)))
                continue
            hints = hints_for(s, seg.text, src, tgt)
            terms[str(seg.id)] = hints
            context = SegmentContext(
                headline=headline if uses.context else None,
                block_kind=block.kind,
                previous=ordered[i - 1][0].text if i > 0 and uses.context else None,
                next=ordered[i + 1][0].text if i + 1 < len(ordered) and uses.context else None,
            )
            request = SegmentRequest(
                key=str(seg.id),
                text=seg.text,
                source_lang=src,
                target_lang=tgt,
                context=context,
                glossary=tuple(GlossaryHint(h.source, h.target, h.type) for h in hints) if uses.glossary else (),
                examples=_examples(given, matches) if uses.examples else (),
            )
            todo.append((seg, request))
        skipped = len(ordered) - len(todo) - len(reused)
        return Pending(todo, reused, len(ordered), skipped, terms, carried, update)


def _examples(given: Carry | None, matches) -> tuple[tuple[str, str], ...]:
    """The examples of a request: for a segment changed since the earlier version of the
    story, that version's source and approved translation first; then memory matches."""
    earlier = ((given.old_source, given.old_text),) if given is not None else ()
    return earlier + tuple((m.source_text, m.target_text) for m in matches)


def run_job(
    store: Store,
    job_id: int,
    engine: Engine,
    *,
    batch_size: int = 4,
    on_progress: ProgressCallback | None = None,
    risk_method: str = DEFAULT_RISK_METHOD,
    memory: MemorySettings | None = None,
    owner: str | None = None,
    alive: Callable[[str | None], bool] = owner_alive,
    again: bool = True,
    judge_engine: Engine | None = None,
    judge_scope: str = DEFAULT_JUDGE_SCOPE,
) -> JobOutcome:
    """Translate what is left of a job, score the meaning risk of what is not scored yet
    (``risk_method``, see ``relais.config.RISK_METHODS``), then run the checks, and with
    ``judge_engine`` the MQM judge (``judge_scope``: which segments, ``[checks] judge``).

    ``owner`` names this run in the job row (default "host:pid"); ``alive`` tells whether
    the owner of a job found running still lives (``JobBusy`` if so; the task queue
    passes its own, which knows the workers of every machine).  A job found done is run
    again (translating nothing, checking again) only if ``again``; otherwise the outcome
    says it was finished elsewhere (see ``claim``).

    Raises ``EngineUnavailable`` after marking the job failed when the engine cannot
    translate; during risk scoring it only leaves the risks it could not score empty.
    Raises ``EngineCapabilityError`` after marking the job failed, before translating
    anything, when the engine lacks what ``risk_method`` needs (the judge: completion),
    or ``judge_engine`` cannot complete a prompt: running the job again cannot help, so
    the task queue parks it at once.  The judge engine failing while it judges only
    leaves those segments without judge findings, with a note.

    A job that updates the job of the story's earlier version waits while another live
    process runs that one (it stops at its next batch, superseded): what it translates
    is carried, not translated a second time (``BaseStillRunning`` after ``BASE_WAIT``)."""
    _wait_for_base(store, job_id, alive)
    if not claim(store, job_id, owner, alive, again=again):
        return _finished_elsewhere(store, job_id)
    try:
        judge = JudgeRequest(MqmJudge(judge_engine, batch_size), judge_scope) if judge_engine is not None else None
        outcome = _run(store, job_id, engine, batch_size, on_progress, risk_method, memory, judge)
    except (EngineUnavailable, EngineCapabilityError) as exc:
        finish_run(store, job_id, JobStatus.FAILED, str(exc))
        raise
    except BaseException as exc:
        # Interrupted (Ctrl-C) or a bug: leave the job resumable, with the reason.
        finish_run(store, job_id, JobStatus.QUEUED, f"interrupted: {exc.__class__.__name__}: {exc}")
        raise
    finish_run(store, job_id, JobStatus.DONE, outcome.error)
    return outcome


def _wait_for_base(store: Store, job_id: int, alive: Callable[[str | None], bool], timeout: float | None = None) -> None:
    deadline = time.monotonic() + (BASE_WAIT if timeout is None else timeout)
    while True:
        with store.read() as s:
            base = updates.running_base(s, job_id)
            base_id, owner = (base.id, base.owner) if base is not None else (None, None)
        if base_id is None or not alive(owner):
            return
        if time.monotonic() > deadline:
            raise BaseStillRunning(f"job {job_id} updates job {base_id}, which process {owner} is still running")
        time.sleep(BASE_POLL)


def _run(
    store: Store,
    job_id: int,
    engine: Engine,
    batch_size: int,
    on_progress: ProgressCallback | None,
    risk_method: str,
    memory: MemorySettings | None,
    judge: JudgeRequest | None = None,
) -> JobOutcome:
    """The work of ``run_job`` on a claimed job: translate, score, check (and judge)."""
    scorer = make_scorer(risk_method, engine)  # the engine can score the way the settings ask
    pending = _requests(store, job_id, memory, engine.capabilities)
    todo, total, skipped = pending.requests, pending.total, pending.skipped
    translated = failed = 0
    engine_seconds = 0.0
    if pending.reused:  # human-approved text: no typography fixer, no engine
        with store.write() as s:
            repo.save_drafts(s, job_id, [(seg.id, res) for seg, res in pending.reused])
            updates.confirm_carried(s, job_id, pending.carried)
        translated += len(pending.reused)
    if on_progress:
        on_progress(skipped + translated, total)
    for start in range(0, len(todo), batch_size):
        if start and _superseded(store, job_id):
            break  # a newer version's job carries what is translated; the rest is its work
        chunk = todo[start : start + batch_size]
        t0 = time.perf_counter()
        results = engine.translate([req for _, req in chunk])
        engine_seconds += time.perf_counter() - t0
        for (_, req), result in zip(chunk, results):
            if result.ok:
                # Machine output gets the target's typography and the termbase's
                # approved renderings before anyone reviews it.
                result.text = fix_typography(result.text, req.target_lang)
                result.text = apply_to_machine_output(result.text, pending.terms.get(req.key, []))
        with store.write() as s:
            repo.save_drafts(s, job_id, [(seg.id, res) for (seg, _), res in zip(chunk, results)])
        translated += sum(r.ok for r in results)
        failed += sum(not r.ok for r in results)
        if on_progress:
            on_progress(skipped + translated + failed, total)
    scoring = score_risks(store, job_id, scorer, batch_size=batch_size)
    checked = check_job(store, job_id, risk_method, pending.update, judge)
    judge_note = checked.judge.note() if checked.judge is not None else None
    note = " ".join(n for n in (scoring.note, judge_note) if n) or None
    outcome = JobOutcome(job_id, JobStatus.DONE, translated, failed, skipped, engine_seconds, checked.counts, note)
    outcome.risk_seconds, outcome.risk_scored, outcome.risk_unscored = scoring.seconds, scoring.scored, scoring.unscored
    outcome.from_memory = len(pending.reused)
    outcome.judge = checked.judge
    return outcome


def _superseded(store: Store, job_id: int) -> bool:
    with store.read() as s:
        return updates.superseded(s, job_id)


def _finished_elsewhere(store: Store, job_id: int) -> JobOutcome:
    with store.read() as s:
        drafted = len(repo.drafted_segment_ids(s, job_id))
    return JobOutcome(job_id, JobStatus.DONE, 0, 0, drafted, error="finished by another process meanwhile; not run again")


@dataclass
class RiskScoring:
    scored: int = 0  # drafts scored by this run
    unscored: int = 0  # drafts left without a risk
    seconds: float = 0.0  # wall time inside the engine
    note: str | None = None  # why some drafts are unscored


def score_risks(store: Store, job_id: int, scorer, *, batch_size: int = 4) -> RiskScoring:
    """Score the meaning risk of the job's translated drafts that have none stored yet.

    ``scorer`` is ``make_scorer``'s for the job's risk method (None: "rules").  The
    stored risk is ``segment_risk`` of the rule checks and the method's own risk;
    each batch is committed as the engine returns it.  A draft the engine gives no
    usable answer for, or every draft left once the engine is unreachable, keeps no risk
    (NULL), and the outcome's note says how many and why.  "rules" scores nothing here:
    ``check_job`` stores the rules' risk.
    """
    outcome = RiskScoring()
    if scorer is None:
        return outcome
    with store.read() as s:
        draft = translation.load(s, job_id, current=False)
    dp = draft_pairs(draft)
    stored = {seg.id: seg.risk for block in draft.blocks for seg in block.segments}
    reused = _approved_text(draft)  # nothing to score
    todo = [
        (segment_id, p)
        for p in dp.pairs
        if (segment_id := dp.segment_ids.get((p.block, p.segment))) is not None
        and stored.get(segment_id) is None
        and segment_id not in reused
    ]
    ctx = CheckContext(draft.source_language, draft.target_language, machine_output=True)
    no_answer = 0
    unreachable: str | None = None
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        t0 = time.perf_counter()
        try:
            scores = scorer.assess([pair for _, pair in chunk])
        except EngineUnavailable as exc:
            outcome.seconds += time.perf_counter() - t0
            outcome.unscored += len(todo) - start
            unreachable = f"{len(todo) - start} because {exc}"
            break
        outcome.seconds += time.perf_counter() - t0
        risks = {}
        for (segment_id, pair), score in zip(chunk, scores):
            if score is None:
                no_answer += 1
                continue
            risks[segment_id] = segment_risk(meaning_findings(pair, ctx), method_risk=score.risk)
        if risks:
            with store.write() as s:
                for segment_id, risk in risks.items():
                    s.execute(
                        update(DraftRow).where(DraftRow.job_id == job_id, DraftRow.segment_id == segment_id).values(risk=risk)
                    )
        outcome.scored += len(risks)
    outcome.unscored += no_answer
    if outcome.unscored:
        reasons = ([f"{no_answer} without a usable answer from the engine"] if no_answer else []) + (
            [unreachable] if unreachable else []
        )
        outcome.note = (
            f"meaning risk ({scorer.method}) not scored for {outcome.unscored} of {len(todo)} segment(s): "
            + "; ".join(reasons)
            + f". Their risk is left empty; `relais check {job_id} --risk` scores the draft again."
        )
    return outcome


def _approved_text(draft) -> frozenset[int]:
    """Segment ids of drafts a person approved: reused from the translation memory, or
    carried from the story's earlier version (neither scored nor judged)."""
    return frozenset(
        seg.id
        for block in draft.blocks
        for seg in block.segments
        if seg.provenance and seg.provenance["engine"] in (MEMORY_ENGINE, CARRIED_ENGINE)
    )


@dataclass
class JobCheck:
    counts: dict[str, int]  # severity → findings stored
    judge: JudgeReport | None = None  # the MQM judge's run, if one was asked


def check_job(
    store: Store, job_id: int, risk_method: str = "rules", update: UpdatePlan | None = None,
    judge: JudgeRequest | None = None,
) -> JobCheck:  # fmt: skip
    """Run the automatic checks on the job's draft and store the findings (stage "draft")
    and each draft's meaning risk (see ``check_draft_segments``).  ``update``: the job's
    ``updates.plan`` when the caller has it (a run made it for its requests).

    ``judge``: the MQM judge reads the segments it selects, except approved text
    (``_approved_text``), outside any session (it takes engine time); its findings are
    stored with the others, in the same write.  A job run again judges again: its
    findings replace the earlier run's with the rest of stage "draft"."""
    with store.read() as s:
        draft = translation.load(s, job_id, current=False)
        termbase = termbase_for(s, draft.target_language, draft.source_language)
        if update is None:
            update = updates.plan(s, repo.get_job(s, job_id))
    earlier = {sid: c.old_source for sid, c in (update.carry if update else {}).items() if c.kind == CHANGED}
    result = check_draft_segments(draft, risk_method=risk_method, termbase=termbase, earlier=earlier, judge=judge,
                                  unjudged=_approved_text(draft) if judge is not None else frozenset())  # fmt: skip
    with store.write() as s:
        repo.save_findings(s, job_id, "draft", result.findings, risks=result.risks, headline_signoff=result.headline_signoff)
    counts = {"critical": 0, "major": 0, "minor": 0}
    for _, f in result.findings:
        counts[f.severity.value] += 1
    return JobCheck(counts, result.judge)
