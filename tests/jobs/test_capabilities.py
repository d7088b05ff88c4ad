"""Settings that need a capability the engine lacks are refused when a job is queued; a
job queued before (or by a desk with other settings) fails at once, with the reason, and
is never run again by itself: the judge (``[checks] risk = "judge"``) with an engine
that declares no raw completion.  Real parts: the llama.cpp engine on the tiny
random-weight GGUF, declared without completion (as a classic MT engine would be), the
real store, and on PostgreSQL a real worker on the real task queue."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text

from relais.desk import Desk
from relais.engines import registry
from relais.engines.llama import LlamaEngine
from relais.engines.types import EngineCapabilityError
from relais.jobs.executor import EnginePool
from relais.jobs.queue import run_worker
from relais.jobs.runner import _requests, run_job
from relais.store import repo
from tests.helpers import relais_config
from tests.stores import on_postgres

ARTICLE = b"""Harbour strike ends

The mayor did not resign on Tuesday.

Dockers returned to work despite the rain.
"""
NO_JUDGE = "engine 'llama' cannot complete a raw prompt (needed by the meaning-risk judge, [checks] risk = \"judge\")"


class LlamaWithoutCompletion(LlamaEngine):
    capabilities = replace(LlamaEngine.capabilities, completion=False)


def _desk(relais_home, tiny_gguf, risk: str) -> Desk:
    return Desk(relais_config(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf), RELAIS_RISK_METHOD=risk,
                              RELAIS_QUEUE_HEARTBEAT="1", RELAIS_QUEUE_RETRY_WAIT="0"))  # fmt: skip


@pytest.fixture
def judge_desk(relais_home, tiny_gguf, monkeypatch):
    monkeypatch.setitem(registry.ENGINES, "llama", LlamaWithoutCompletion)
    desk = _desk(relais_home, tiny_gguf, "judge")
    yield desk
    desk.close()


@pytest.fixture
def queued(relais_home, tiny_gguf, judge_desk) -> int:
    """A job queued before the installation switched to the judge (or by a desk whose
    settings differ from the worker's): queued with the rules, run with the judge."""
    desk = _desk(relais_home, tiny_gguf, "rules")
    try:
        (job_id,) = desk.queue(desk.ingest(ARTICLE, name="harbour.txt").article_id, ["fr"])
    finally:
        desk.close()
    return job_id


def test_queueing_for_the_judge_with_an_engine_without_completion_is_refused(judge_desk):
    desk = judge_desk
    article_id = desk.ingest(ARTICLE, name="harbour.txt").article_id
    with pytest.raises(EngineCapabilityError) as caught:
        desk.queue(article_id, ["fr"])
    assert str(caught.value) == NO_JUDGE
    with desk.store.read() as s:
        assert repo.list_jobs(s) == []  # refused before any job exists


def _job(desk: Desk, job_id: int) -> tuple:
    with desk.store.read() as s:
        job = repo.get_job(s, job_id)
        return job.status, job.error, job.attempts, job.owner, len(repo.drafted_segment_ids(s, job_id))


def test_the_judge_with_an_engine_without_completion_fails_the_job_before_translating(judge_desk, queued):
    desk, job_id = judge_desk, queued
    engines = EnginePool(desk.config)
    try:
        for attempt in (1, 2):  # run again (`relais resume`): the same clear error, nothing translated
            with pytest.raises(EngineCapabilityError) as caught:
                desk.run([job_id], desk.executor(engines))
            assert str(caught.value) == NO_JUDGE
            assert _job(desk, job_id) == ("failed", NO_JUDGE, attempt, None, 0)
        # The same engine with a method it supports runs the job to the end.
        outcome = run_job(desk.store, job_id, engines.get("llama"), risk_method="rules")
        assert outcome.status == "done" and _job(desk, job_id)[0] == "done"
    finally:
        engines.close()


def test_a_request_carries_only_the_parts_its_engine_uses(judge_desk, queued):
    desk, job_id = judge_desk, queued
    every = [req for _, req in _requests(desk.store, job_id).requests]
    llama = [req for _, req in _requests(desk.store, job_id, uses=LlamaEngine.capabilities).requests]
    assert [r.context.headline for r in every] == ["Harbour strike ends"] * 3
    assert every[1].context.previous == "Harbour strike ends"
    # The completion prompt leaves the context out, so the llama engine is not sent it.
    assert [(r.context.headline, r.context.previous, r.context.next) for r in llama] == [(None, None, None)] * 3
    assert [(r.key, r.text, r.context.block_kind) for r in llama] == [(r.key, r.text, r.context.block_kind) for r in every]


@pytest.mark.skipif(not on_postgres(), reason="the task queue needs PostgreSQL (postgres pass of ./dev.sh test)")
def test_a_worker_parks_such_a_job_at_once_instead_of_retrying_it(judge_desk, queued):
    desk, job_id = judge_desk, queued
    run_worker(desk.config, desk.store, exit_when_empty=True, name="capability-test")
    status, error, attempts, owner, drafted = _job(desk, job_id)
    assert (status, attempts, owner, drafted) == ("parked", 1, None, 0)
    assert error == f"parked after 1 attempt(s), retrying cannot help: {NO_JUDGE}"
    with desk.store.read() as s:
        entries = s.execute(text("SELECT status, attempts FROM procrastinate_jobs ORDER BY id")).all()
    assert [tuple(e) for e in entries] == [("succeeded", 1)]  # one run, ended: not scheduled again
