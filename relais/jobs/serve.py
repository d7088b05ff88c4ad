"""The jobs of a desk served on SQLite: one background thread of ``relais serve``.

On SQLite there is no task queue (``relais.jobs.queue`` is PostgreSQL's), so the stories
the API queues are run here, one job at a time, by the same in-process executor as
``relais translate`` (``Desk.executor``); ``runner.claim`` leases each job in one write
session, so a ``relais translate`` or ``relais resume`` running at the same time never
runs the same job.  At start it takes up what an earlier run left (``Desk.resumable_jobs``:
queued, or running in a process that died), and then whatever is queued, woken at once
by ``wake`` (the API calls it after queueing) or every ``poll`` seconds.  ``stop`` takes
no new job and waits (up to its timeout) for the one in hand; the thread is a daemon, so
a job cut short by the process ending is resumed from its stored drafts at the next start.  On PostgreSQL, serve
starts none: the ``relais worker`` processes run the jobs.
"""

from __future__ import annotations

import logging
import threading

from relais.jobs.executor import EnginePool
from relais.store import repo
from relais.store.models import JobStatus

log = logging.getLogger("relais.serve.worker")


class ServeWorker:
    """The background worker of ``relais serve`` on ``desk`` (a ``relais.desk.Desk``: its
    store, configuration, ``executor`` and ``owner_alive``)."""

    def __init__(self, desk, poll: float = 2.0):
        self.desk = desk
        self.poll = poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.engines = EnginePool(desk.config)
        self.ran: list[int] = []  # jobs run, in order (for the record and the tests)

    def start(self) -> ServeWorker:
        self._thread = threading.Thread(target=self._run, name="relais-serve-worker", daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.engines.close()

    def __enter__(self) -> ServeWorker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def waiting(self) -> list[int]:
        """Jobs to run: queued ones, and those whose owner died (oldest first)."""
        with self.desk.store.read() as s:
            unfinished = repo.unfinished_jobs(s)
        ids = [j.id for j in unfinished if j.status == JobStatus.QUEUED]
        ids += [j.id for j in unfinished if j.status == JobStatus.RUNNING and not self.desk.owner_alive(j.owner)]
        return sorted(set(ids))

    def _run(self) -> None:
        executor = self.desk.executor(self.engines)
        while not self._stop.is_set():
            self._wake.clear()
            try:
                waiting = self.waiting()
            except Exception as exc:  # a busy or closed store: look again later
                log.warning("serve worker: %s", exc)
                waiting = []
            for job_id in waiting:
                if self._stop.is_set():
                    return
                try:
                    outcome = executor.submit(job_id)
                    log.info("job %s: %s", job_id, getattr(outcome, "status", outcome))
                except Exception as exc:  # one job (busy elsewhere, engine down) must not end the worker
                    log.warning("serve worker: job %s: %s", job_id, exc)
                self.ran.append(job_id)
            self._wake.wait(self.poll)
