"""How a job is run: one small interface, ``Executor.submit(job_id)``.

``InProcessExecutor`` runs a job at once in the calling process, with engines from an
``EnginePool``.  It is the one way a job runs: ``relais translate`` on either store
submits to it (``Desk.executor``), and so does every ``relais worker`` thread for each
queue entry it takes (``relais.jobs.queue``), with the worker's owner name and its view
of which owners live.  Queueing itself is not running: ``TaskQueue.defer`` puts job ids
in the store's queue in the caller's transaction, and a worker later submits them here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from relais.config import Config, Judge
from relais.engines.base import Engine
from relais.engines.registry import create_engine
from relais.jobs.runner import DEFAULT_RISK_METHOD, JobOutcome, MemorySettings, ProgressCallback, owner_alive, run_job
from relais.store import repo
from relais.store.db import Store


class EnginePool:
    """Engines by name, created on first use and kept for the whole run (models load once)."""

    def __init__(self, config: Config, on_create: Callable[[Engine], None] | None = None):
        self.config = config
        self._engines: dict[str, Engine] = {}
        self._on_create = on_create

    def get(self, name: str) -> Engine:
        if name not in self._engines:
            engine = create_engine(name, self.config)
            self._engines[name] = engine
            if self._on_create:
                self._on_create(engine)
        return self._engines[name]

    def close(self) -> None:
        for engine in self._engines.values():
            engine.close()
        self._engines.clear()


class Executor(ABC):
    @abstractmethod
    def submit(self, job_id: int) -> JobOutcome | None:
        """Run a job (``run_job``) and return its outcome."""


class InProcessExecutor(Executor):
    def __init__(
        self,
        store: Store,
        engines: EnginePool,
        progress: Callable[[int], ProgressCallback] | None = None,
        batch_size: int = 4,
        risk_method: str = DEFAULT_RISK_METHOD,
        memory: MemorySettings | None = None,
        alive: Callable[[str | None], bool] = owner_alive,
        again: Callable[[int], bool] = lambda job_id: True,
        owner: str | None = None,
        judge: Judge | None = None,
    ):
        self.store = store
        self.engines = engines
        self.progress = progress  # job id → progress callback
        self.batch_size = batch_size
        self.risk_method = risk_method  # how each draft's meaning risk is scored (config checks.risk)
        self.memory = memory  # translation-memory lookup settings (config [memory])
        self.alive = alive  # whether the owner of a job found running still lives (runner.claim)
        self.again = again  # whether a job found done is run again (runner.claim)
        self.owner = owner  # the name this executor's runs take in the job row (default "host:pid")
        self.judge = judge or Judge()  # the MQM judge's engine (None: no judge) and scope (config [checks])

    def submit(self, job_id: int) -> JobOutcome:
        with self.store.read() as s:
            engine_name = repo.get_job(s, job_id).engine
        engine = self.engines.get(engine_name)
        judge_engine = self.engines.get(self.judge.engine) if self.judge.engine else None
        callback = self.progress(job_id) if self.progress else None
        return run_job(
            self.store, job_id, engine, batch_size=self.batch_size, on_progress=callback, risk_method=self.risk_method,
            memory=self.memory, owner=self.owner, alive=self.alive, again=self.again(job_id),
            judge_engine=judge_engine, judge_scope=self.judge.scope,
        )
