"""Fault tests of the task queue on PostgreSQL, with a real llama.cpp server on a tiny
model (its words do not matter here).

- Three `relais worker` processes start at the same instant on a fresh, unmigrated
  database (one migrates, two wait); 20 articles × 3 languages are queued; two workers
  are killed with SIGKILL in the middle of a job.  Every job must end done exactly once:
  one draft per segment, the draft-stage findings stored once, nothing parked, and no
  segment drafted before a kill translated again.
- `relais translate DIR --wait` follows a worker that is then killed: with no worker
  left, the command takes the jobs back and finishes them itself.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from alembic.script import ScriptDirectory

from relais.store.db import alembic_config
from tests.articles import write_articles
from tests.barrier import Barrier
from tests.helpers import ROOT, RelaisHome, query, run_relais
from tests.jobs.test_queue import engine_env, jobs_json, worker
from tests.stores import on_postgres

ARTICLES, LANGUAGES, SEGMENTS = 20, ("fr", "de", "es"), 5  # tests.articles: 5 segments each
postgres_only = pytest.mark.skipif(not on_postgres(), reason="the task queue needs PostgreSQL (postgres pass of ./dev.sh test)")


def _mid_job(db: str, pid: int) -> tuple[int, dict] | None:
    """The job the worker ``pid`` is in the middle of (some segments drafted, not all),
    with its drafts so far (segment → (draft id, created_at)); None if it is in none."""
    rows = query(
        db,
        """SELECT r.id, (SELECT count(*) FROM drafts d WHERE d.job_id = r.id),
                  (SELECT count(*) FROM segments s WHERE s.article_id = r.article_id)
             FROM jobs r WHERE r.status = 'running' AND r.owner LIKE :owner""",
        owner=f"%:{pid}/worker-%",
    )
    for job_id, drafted, segments in rows or []:
        if 0 < drafted < segments:
            return job_id, _drafts(db, job_id)
    return None


def _drafts(db: str, job_id: int) -> dict:
    return {s: (i, t) for s, i, t in query(db, "SELECT segment_id, id, created_at FROM drafts WHERE job_id = :j", j=job_id)}


def _scalar(db: str, sql: str, **params):
    rows = query(db, sql, **params)
    return rows[0][0] if rows else None


def _live_workers(db: str) -> int:
    return _scalar(db, "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > now() - interval '5 seconds'") or 0


def _assert_every_job_done_once(db: str, home: RelaisHome, env: dict, jobs: int, killed: dict[int, dict]) -> list[dict]:
    """Every job done, each segment drafted once, the draft-stage findings stored once;
    the drafts a killed worker left (``killed``: job → drafts) kept as they were."""
    records = jobs_json(home, env)
    assert len(records) == jobs
    assert {r["status"] for r in records} == {"done"}  # nothing parked, nothing left running
    assert all(r["drafted"] == r["segments"] == SEGMENTS for r in records)
    assert query(db, "SELECT count(*), count(DISTINCT (job_id, segment_id)) FROM drafts") == [(jobs * SEGMENTS,) * 2]
    findings = query(
        db,
        """SELECT count(*), count(DISTINCT (job_id, segment_id, "check", block_position, segment_position,
                                           start_offset, end_offset, message))
             FROM findings WHERE stage = 'draft'""",
    )
    assert findings[0][0] == findings[0][1]  # the checks' findings stored once per job, not once per run
    for job_id, before in killed.items():
        after = _drafts(db, job_id)
        assert all(after[s] == row for s, row in before.items())  # not translated again
    return records


@pytest.mark.timeout(1200)  # about 2 minutes alone on 2 cores; more beside other work
@postgres_only
def test_three_workers_started_at_once_on_a_fresh_database_two_killed_every_job_done_once(new_store_url, llama_server, tmp_path):
    db = new_store_url(migrated=False)
    home = RelaisHome(tmp_path, db)
    env = engine_env(home, llama_server)
    barrier = Barrier(tmp_path / "barrier", env, ROOT)
    logs = {name: tmp_path / f"{name}.log" for name in ("victim1", "victim2", "survivor")}
    workers: dict[str, subprocess.Popen] = {}
    for name, log in logs.items():
        with log.open("wb") as out:
            workers[name] = barrier.start(name, "relais", "worker", "--name", name, stdout=out, stderr=subprocess.STDOUT)

    def log(name: str) -> str:
        return logs[name].read_text(encoding="utf-8", errors="replace")[-3000:]

    killed: dict[int, dict] = {}  # job → its drafts when its worker was killed
    kills: list[int] = []
    try:
        barrier.release(list(workers.values()))
        deadline = time.monotonic() + 1100
        while _live_workers(db) < 3:  # all three migrated (or found it done) and registered
            assert time.monotonic() < deadline, "the workers never all started"
            for name, w in workers.items():
                assert w.poll() is None, log(name)
            time.sleep(0.1)
        head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
        assert query(db, "SELECT version_num FROM alembic_version") == [(head,)]

        write_articles(tmp_path / "in", ARTICLES)
        queued = run_relais(home, "translate", str(tmp_path / "in"), "--to", ",".join(LANGUAGES), env=env)
        assert queued.returncode == 0, queued.stderr

        # Kill each victim in the middle of a job, once some jobs are done.
        for name in ("victim1", "victim2"):
            while True:
                assert time.monotonic() < deadline, f"{name} never got mid-job"
                assert all(w.poll() is None for n, w in workers.items() if n not in ("victim1", "victim2")[: len(kills)])
                done = _scalar(db, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'")
                found = _mid_job(db, workers[name].pid) if done >= 4 * (len(kills) + 1) else None
                if found:
                    break
                time.sleep(0.01)
            workers[name].send_signal(signal.SIGKILL)
            workers[name].wait(timeout=30)
            job_id, before = found
            kills.append(job_id)
            killed[job_id] = {**killed.get(job_id, {}), **before}

        # The survivor finishes everything, the victims' jobs too once their heartbeats are stale.
        while _scalar(db, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'") < ARTICLES * len(LANGUAGES):
            assert time.monotonic() < deadline, "the jobs did not all end"
            assert workers["survivor"].poll() is None, log("survivor")
            time.sleep(0.5)
    finally:
        for w in workers.values():
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for name, w in workers.items():
            code = w.wait(timeout=120)
            assert name.startswith("victim") or code == 0, log(name)
    for name in logs:
        assert "Traceback" not in log(name) and "UniqueViolation" not in log(name), log(name)

    records = _assert_every_job_done_once(db, home, env, ARTICLES * len(LANGUAGES), killed)
    # One queue entry per job, succeeded exactly once; a job ran once more for each kill in it.
    entries = query(
        db,
        """SELECT (args->>'job_id')::int, status,
                  (SELECT count(*) FROM procrastinate_events e WHERE e.job_id = j.id AND e.type = 'succeeded')
             FROM procrastinate_jobs j""",
    )
    assert sorted(e[0] for e in entries) == sorted(r["id"] for r in records)
    assert {(e[1], e[2]) for e in entries} == {("succeeded", 1)}
    assert {r["id"]: r["attempts"] for r in records if r["attempts"] != 1} == {j: 1 + kills.count(j) for j in kills}


@pytest.mark.timeout(900)
@postgres_only
def test_translate_wait_finishes_the_jobs_itself_when_its_worker_dies(relais_home, llama_server, tmp_path):
    env = engine_env(relais_home, llama_server)  # heartbeat 1 s, stalled after 5 s
    db = relais_home.db_url
    assert run_relais(relais_home, "jobs", env=env).returncode == 0  # migrate before the worker starts
    w = worker(env, "--name", "doomed")
    deadline = time.monotonic() + 600
    while _live_workers(db) < 1:
        assert time.monotonic() < deadline and w.poll() is None, w.log()
        time.sleep(0.1)

    write_articles(tmp_path / "in", 4)
    translate = subprocess.Popen(
        [sys.executable, "-m", "relais", "translate", str(tmp_path / "in"), "--to", "fr", "--wait", "-o", str(tmp_path / "out")],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        found = None
        while found is None:
            assert time.monotonic() < deadline, "the worker never got mid-job"
            assert w.poll() is None, w.log()
            assert translate.poll() is None, translate.stderr.read().decode()
            found = _mid_job(db, w.pid)
            time.sleep(0.01)
        w.send_signal(signal.SIGKILL)
        w.wait(timeout=30)
        # No worker is left: within stalled_after (5 s) the command takes the jobs back.
        stdout, stderr = translate.communicate(timeout=300)
    finally:
        if translate.poll() is None:
            translate.kill()
            translate.wait()
    stderr = stderr.decode()
    assert translate.returncode == 0, stderr
    assert "no worker is alive: running" in stderr and "Traceback" not in stderr, stderr
    job_id, before = found
    records = _assert_every_job_done_once(db, relais_home, env, 4, {job_id: before})
    assert {r["id"]: r["attempts"] for r in records}[job_id] == 2
    assert len(list((tmp_path / "out").iterdir())) == 4  # every draft written
    # The dead worker's entry is marked aborted; entries it had not started are withdrawn.
    statuses = dict(query(db, "SELECT (args->>'job_id')::int, status::text FROM procrastinate_jobs"))
    assert statuses[job_id] == "aborted"
    assert set(statuses.values()) <= {"aborted", "cancelled", "succeeded"}

