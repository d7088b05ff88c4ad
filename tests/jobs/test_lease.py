"""A job is leased atomically: two processes racing for the same jobs never both run one
(SQLite: the write lock from BEGIN IMMEDIATE; PostgreSQL: the row read FOR UPDATE)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from sqlalchemy import text

from relais.desk import Desk
from relais.jobs.runner import JobBusy, claim
from relais.store.db import Store
from tests.articles import article
from tests.barrier import Barrier
from tests.helpers import ROOT, query, relais_config, relais_env

JOBS = 40


def claim_all(url: str, ids: str, finish: str):
    """In each racing process: open the store, then, once released, try to lease every
    job in order, print the ones won, and stay alive until ``finish`` exists (a lease
    belongs to a live process)."""
    import time

    store = Store(url)
    with store.read() as s:  # connected before the barrier
        s.execute(text("SELECT 1"))

    def run() -> None:
        won, busy = [], 0
        for job_id in map(int, ids.split(",")):
            try:
                if claim(store, job_id):
                    won.append(job_id)
            except JobBusy:
                busy += 1
            time.sleep(0.002)  # let the other process take the lock: both race for every job
        print(json.dumps({"won": won, "busy": busy}), flush=True)
        while not Path(finish).exists():
            time.sleep(0.01)
        store.close()

    return run


def _queued_jobs(relais_home, n_articles: int, targets: list[str]) -> list[int]:
    desk = Desk(relais_config(relais_home))
    try:
        ids = []
        for i in range(n_articles):
            ingested = desk.ingest(article(i, paragraphs=1).encode(), name=f"a{i}.md")
            ids += desk.queue(ingested.article_id, targets)
        return ids
    finally:
        desk.close()


def test_two_processes_racing_for_the_same_jobs_lease_each_once(relais_home, tmp_path):
    ids = _queued_jobs(relais_home, JOBS // 2, ["fr", "de"])
    barrier = Barrier(tmp_path / "barrier", relais_env(relais_home), ROOT)
    finish = tmp_path / "finish"
    racers = [
        barrier.start(name, "tests.jobs.test_lease:claim_all", relais_home.db_url, ",".join(map(str, ids)), str(finish),
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name in ("a", "b")
    ]  # fmt: skip
    barrier.release(racers)
    try:
        results = [json.loads(r.stdout.readline() or "null") for r in racers]
    finally:
        finish.touch()
    for r in racers:
        assert r.wait(timeout=60) == 0, r.stderr.read().decode()
    assert None not in results, [r.stderr.read().decode() for r in racers]
    won = [set(r["won"]) for r in results]
    assert won[0].isdisjoint(won[1]) and won[0] | won[1] == set(ids)
    assert results[0]["busy"] == len(won[1]) and results[1]["busy"] == len(won[0])  # the loser said busy
    # Each job was leased once: one attempt, owned by the process that won it.
    rows = query(relais_home.db_url, "SELECT id, status, attempts, owner FROM jobs ORDER BY id")
    owners = {job_id: owner for job_id, _, _, owner in rows}
    assert {(status, attempts) for _, status, attempts, _ in rows} == {("running", 1)}
    for racer, jobs in zip(racers, won):
        assert {owners[j].rsplit(":", 1)[1] for j in jobs} <= {str(racer.pid)}


def test_two_resumes_at_once_run_the_job_once(relais_home, tiny_gguf, tmp_path):
    (job_id,) = _queued_jobs(relais_home, 1, ["fr"])
    env = relais_env(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf), RELAIS_RISK_METHOD="rules")
    barrier = Barrier(tmp_path / "barrier", env, ROOT)
    procs = [barrier.start(n, "relais", "resume", stdout=subprocess.PIPE, stderr=subprocess.PIPE) for n in ("a", "b")]
    barrier.release(procs)
    outputs = [(p.wait(timeout=300), p.stderr.read().decode()) for p in procs]
    elsewhere = "finished by another process meanwhile"
    ran = [
        err
        for code, err in outputs
        if code == 0 and re.search(rf"job {job_id} done, \d+ translated", err) and elsewhere not in err
    ]
    assert len(ran) == 1, outputs
    ((code, err),) = [(code, err) for code, err in outputs if err not in ran]
    assert "Traceback" not in err, err
    said = [
        code != 0 and f"error: job {job_id} is being run by process" in err,  # it found the job leased
        code == 0 and "nothing to resume" in err,  # it looked after the job was done
        code == 0 and elsewhere in err,  # it was done when it claimed it
        code == 0 and f"job {job_id} done by a worker" in err,  # PostgreSQL: it followed the other's run
    ]
    assert any(said), err
    segments = query(relais_home.db_url, "SELECT count(*) FROM segments")[0][0]
    assert query(relais_home.db_url, "SELECT status, attempts FROM jobs") == [("done", 1)]
    assert query(relais_home.db_url, "SELECT count(*), count(DISTINCT segment_id) FROM drafts") == [(segments, segments)]

