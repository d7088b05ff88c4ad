"""The task queue of a PostgreSQL store: Procrastinate, in the store's own database.

Why Procrastinate rather than Celery or Dramatiq: docs/architecture.md, "Scaling out".
On SQLite there is no queue; ``relais translate`` runs jobs in its own process.

- ``TaskQueue.defer`` queues jobs in the caller's session, so the job rows and their
  queue entries are committed (or lost) together: a crash between the two cannot leave
  a job nobody will run.
- Each queue entry runs its job in a ``relais worker`` process (``run_worker``), through
  the same ``InProcessExecutor`` as ``relais translate`` (``relais.jobs.executor``).
  ``run_job`` is idempotent and resumable at segment level, so running an entry again
  (after a retry, or after its worker died) translates only what has no draft yet.
- A run that fails is retried with a doubling wait (``[queue] retry_wait``) until
  ``[queue] attempts`` runs have failed; the job is then ``parked`` with its error.  A
  run refused because the engine lacks a capability the settings need
  (``EngineCapabilityError``: the judge with an engine without completion) is parked at
  once: running it again cannot help.
- Workers send heartbeats; every worker looks for entries whose worker has been silent
  for ``[queue] stalled_after`` seconds and puts them back in the queue.  With no live
  worker at all, the command that queued a job takes it back (``TaskQueue.take_back``)
  and runs it in its own process, so nothing waits for a worker that will not come.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from procrastinate import App, PsycopgConnector, sql
from procrastinate.exceptions import AlreadyEnqueued, ProcrastinateException
from procrastinate.job_context import JobContext
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from relais.config import Config, Queue
from relais.engines.types import EngineCapabilityError
from relais.errors import NotFound
from relais.jobs.executor import EnginePool, InProcessExecutor
from relais.jobs.webhooks import BackgroundDeliverer
from relais.jobs.runner import WORKER_OWNER, JobBusy, MemorySettings, finish_run, owner_alive, owner_id
from relais.store.db import Store
from relais.store.models import JobRow, JobStatus

log = logging.getLogger("relais.worker")

TASK = "relais.translate_job"


def queue_name(target: str) -> str:
    """One queue per target language, so a machine can serve only some languages."""
    return f"translate-{target}"


def _lock(job_id: int) -> str:
    # lock: two entries of one job never run at once; queueing lock: at most one waits.
    return f"relais-job-{job_id}"


def uses_queue(store: Store) -> bool:
    return store.engine.dialect.name == "postgresql"


def conninfo(db_url: str) -> str:
    """The libpq URL of the store's SQLAlchemy URL (``postgresql+psycopg://`` → ``postgresql://``)."""
    return make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)


class Backoff(BaseRetryStrategy):
    """Retry a failed run after ``retry_wait`` × 2ⁿ seconds (capped), ``attempts`` runs in all."""

    def __init__(self, settings: Queue):
        self.settings = settings

    def wait(self, previous_attempts: int) -> float:
        return min(self.settings.retry_wait * 2**previous_attempts, self.settings.max_retry_wait)

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if job.attempts + 1 >= self.settings.attempts:
            return None
        return RetryDecision(retry_in={"seconds": self.wait(job.attempts)})


def owner_alive_on(store: Store, stalled_after: float) -> Callable[[str | None], bool]:
    """Whether the owner of a job lives: a worker while its heartbeat is younger than
    ``stalled_after`` seconds (on any machine), any other process as ``runner.owner_alive``."""

    def alive(owner: str | None) -> bool:
        if owner and WORKER_OWNER in owner:
            try:
                worker_id = int(owner.rsplit(WORKER_OWNER, 1)[1])
            except ValueError:
                return False
            with store.read() as s:
                return bool(
                    s.execute(
                        text(
                            "SELECT last_heartbeat > now() - make_interval(secs => :secs) "
                            "FROM procrastinate_workers WHERE id = :id"
                        ),
                        {"secs": stalled_after, "id": worker_id},
                    ).scalar()
                )
        return owner_alive(owner)

    return alive


@dataclass
class WorkerContext:
    """What the task needs in a worker process: the store, the settings, and one
    executor with its own engines per worker thread (an in-process model must not be
    shared by two threads)."""

    config: Config
    store: Store
    _local: threading.local = field(default_factory=threading.local)
    _pools: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def executor(self, owner: str) -> InProcessExecutor:
        """This thread's executor for runs named ``owner``: a job found done is not run
        again (another entry or process finished it), a job's owner lives while its
        worker's heartbeat is fresh."""
        executors = getattr(self._local, "executors", None)
        if executors is None:
            executors = self._local.executors = {}
        if owner not in executors:
            pool = getattr(self._local, "pool", None)
            if pool is None:
                pool = self._local.pool = EnginePool(self.config)
                with self._lock:
                    self._pools.append(pool)
            memory = MemorySettings(self.config.memory.fuzzy_threshold, self.config.memory.fuzzy_limit)
            executors[owner] = InProcessExecutor(
                self.store, pool, risk_method=self.config.risk_method, memory=memory, alive=self.owner_alive,
                again=lambda job_id: False, owner=owner, judge=self.config.judge,
            )  # fmt: skip
        return executors[owner]

    def owner_alive(self, owner: str | None) -> bool:
        return owner_alive_on(self.store, self.config.queue.stalled_after)(owner)

    def close(self) -> None:
        for pool in self._pools:
            pool.close()


_context: WorkerContext | None = None  # set by run_worker in a worker process


def _translate(context: JobContext, job_id: int, backoff: Backoff) -> str:
    ctx = _context
    if ctx is None:  # pragma: no cover - only a misconfigured embedding gets here
        raise RuntimeError("the translate task runs only in `relais worker`")
    store = ctx.store
    with store.read() as s:
        job = s.get(JobRow, job_id)
        if job is None:
            return "gone"  # its article was deleted after it was queued
        if job.status == JobStatus.DONE:
            return "already done"  # run in-process, or by an earlier entry
        target = job.target_language
    try:
        outcome = ctx.executor(owner_id(context.job.worker_id)).submit(job_id)
    except JobBusy as exc:
        log.info("job %s (%s): %s; leaving it to that process", job_id, target, exc)
        return "running elsewhere"
    except EngineCapabilityError as exc:
        attempt = context.job.attempts + 1
        try:
            finish_run(store, job_id, JobStatus.PARKED, f"parked after {attempt} attempt(s), retrying cannot help: {exc}")
        except NotFound:
            pass  # its article was deleted meanwhile
        log.warning("job %s (%s) parked: %s", job_id, target, exc)
        return JobStatus.PARKED
    except Exception as exc:
        retry = backoff.get_retry_decision(exception=exc, job=context.job)
        attempt = context.job.attempts + 1
        reason = f"{exc.__class__.__name__}: {exc}" if not str(exc).startswith(exc.__class__.__name__) else str(exc)
        try:
            if retry is None:
                finish_run(store, job_id, JobStatus.PARKED, f"parked after {attempt} attempt(s): {reason}")
            else:
                wait = backoff.wait(context.job.attempts)
                finish_run(store, job_id, JobStatus.QUEUED, f"attempt {attempt} failed, retrying in {wait:.0f} s: {reason}")
        except NotFound:
            pass  # its article was deleted meanwhile
        log.warning("job %s (%s) attempt %s failed: %s%s", job_id, target, attempt, reason, "; parked" if retry is None else "")
        raise
    log.info(
        "job %s (%s) %s: %s translated, %s already done, %s failed",
        job_id, target, outcome.status, outcome.translated, outcome.skipped, outcome.failed,
    )  # fmt: skip
    return outcome.status


def make_app(config: Config) -> App:
    app = App(connector=PsycopgConnector(conninfo=conninfo(config.db_url)))
    backoff = Backoff(config.queue)

    @app.task(name=TASK, pass_context=True, retry=backoff)
    def translate_job(context: JobContext, job_id: int) -> str:
        return _translate(context, job_id, backoff)

    return app


class TaskQueue:
    """The queue as the desk sees it: queue jobs, count live workers, take jobs back."""

    def __init__(self, config: Config):
        self.config = config
        self.app = make_app(config)

    @staticmethod
    def _connection(session: Session):
        # The psycopg connection under the session: queue entries go into its transaction.
        return session.connection().connection.driver_connection

    def defer(self, session: Session, jobs: list[JobRow]) -> None:
        """Queue ``jobs`` in ``session``'s transaction.  A job whose entry is still open
        (waiting, or held by a worker, live or stalled) gets no second one: a stalled
        entry is put back by the workers' recovery or taken back by ``take_back``."""
        session.flush()
        open_ = set(self._open_entries(session, [j.id for j in jobs]))
        conn = self._connection(session)
        for job in jobs:
            if job.id in open_:
                continue
            task = self.app.configure_task(
                TASK, connection=conn, queue=queue_name(job.target_language), lock=_lock(job.id), queueing_lock=_lock(job.id)
            )
            try:
                with session.begin_nested():  # a refused entry must not spoil the transaction
                    task.defer(job_id=job.id)
            except AlreadyEnqueued:
                pass

    def _open_entries(self, session: Session, job_ids: list[int], *, lock: bool = False) -> dict[int, list]:
        """Job id → its waiting or running queue entries (id, status, whether their
        worker's heartbeat is fresh); ``lock`` locks them until the transaction ends."""
        locks = {_lock(j): j for j in job_ids}
        rows = session.execute(
            text(
                "SELECT j.id, j.lock, j.status, "
                "       coalesce(w.last_heartbeat > now() - make_interval(secs => :secs), false) AS live "
                "  FROM procrastinate_jobs j LEFT JOIN procrastinate_workers w ON w.id = j.worker_id "
                " WHERE j.task_name = :task AND j.lock = ANY(:locks) AND j.status IN ('todo', 'doing') "
                " ORDER BY j.id" + (" FOR UPDATE OF j" if lock else "")
            ),
            {"task": TASK, "locks": list(locks), "secs": self.config.queue.stalled_after},
        ).all()
        entries: dict[int, list] = {}
        for r in rows:
            entries.setdefault(locks[r.lock], []).append(r)
        return entries

    def live_workers(self, session: Session) -> int:
        return session.execute(
            text("SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > now() - make_interval(secs => :secs)"),
            {"secs": self.config.queue.stalled_after},
        ).scalar_one()

    def take_back(self, session: Session, job_ids: list[int], alive: Callable[[str | None], bool]) -> list[int]:
        """Withdraw the queue entries of these jobs so the caller runs them itself.

        Returns the jobs taken.  A waiting entry is cancelled.  An entry held by a worker
        whose heartbeat is older than ``stalled_after`` (killed, machine lost) is marked
        aborted: its job resumes from its stored drafts in the caller.  A job a live
        worker holds is left to it, and so is a job without an open entry that another
        live process runs (``alive`` of its owner).  The entries stay locked until the
        session's transaction ends, so a worker cannot fetch one meanwhile.
        """
        if not job_ids:
            return []
        entries = self._open_entries(session, job_ids, lock=True)
        conn = self._connection(session)
        taken = []
        for job_id in job_ids:
            rows = entries.get(job_id, [])
            if any(r.status == "doing" and r.live for r in rows):
                continue
            if not rows:
                job = session.get(JobRow, job_id)
                if job is not None and job.status == JobStatus.RUNNING and alive(job.owner):
                    continue  # run by a live process outside the queue (another `relais translate`)
            for r in rows:
                if r.status == "todo":
                    self.app.job_manager.cancel_job_by_id(r.id, connection=conn)
                else:
                    conn.execute(sql.queries["finish_job"], {"job_id": r.id, "status": "aborted", "delete_job": False})
            taken.append(job_id)
        return taken


async def _recover_stalled(app: App, settings: Queue) -> None:
    """Put back in the queue the entries of workers silent for ``stalled_after`` seconds."""
    while True:
        try:
            for job in await app.job_manager.get_stalled_jobs(task_name=TASK, seconds_since_heartbeat=settings.stalled_after):
                try:
                    await app.job_manager.retry_job(job)
                    log.warning("job %s: its worker stopped answering; queued again", job.task_kwargs.get("job_id"))
                except ProcrastinateException:
                    pass  # another worker put it back first
        except ProcrastinateException as exc:
            log.warning("looking for stalled jobs failed: %s", exc)
        await asyncio.sleep(settings.heartbeat)


def run_worker(
    config: Config,
    store: Store,
    *,
    concurrency: int = 1,
    targets: list[str] | None = None,
    exit_when_empty: bool = False,
    name: str | None = None,
) -> None:
    """Run queued jobs until SIGTERM/SIGINT (the job in hand is finished first; a second
    signal aborts it, leaving it resumable), or until the queue is empty."""
    global _context
    _context = WorkerContext(config, store)
    app = make_app(config)
    queues = [queue_name(t) for t in targets] if targets else None
    deliverer = BackgroundDeliverer(store, config.webhooks).start()  # webhook events, beside the jobs

    async def main() -> None:
        async with app.open_async():
            recovery = asyncio.create_task(_recover_stalled(app, config.queue))
            try:
                await app.run_worker_async(
                    queues=queues,
                    concurrency=concurrency,
                    name=name or owner_id(),
                    wait=not exit_when_empty,
                    update_heartbeat_interval=config.queue.heartbeat,
                    stalled_worker_timeout=config.queue.stalled_after,
                    fetch_job_polling_interval=min(5.0, config.queue.heartbeat),
                    install_signal_handlers=True,
                )
            finally:
                recovery.cancel()

    try:
        asyncio.run(main())
    finally:
        deliverer.stop()
        _context.close()
        _context = None
