"""Fault test of the task queue: 3 `relais worker` processes on PostgreSQL, 50 articles ×
3 languages, a real llama.cpp server with a tiny model; one worker is killed with SIGKILL
in the middle of a job.  Every job must end exactly once, no segment may be lost, and no
segment drafted before the kill may be translated again."""

from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy import text

from relais.desk import Desk
from tests.articles import write_articles
from tests.helpers import relais_config, run_relais
from tests.jobs.test_queue import engine_env, jobs_json, worker
from tests.stores import on_postgres

ARTICLES, LANGUAGES = 50, ("fr", "de", "es")


@pytest.mark.timeout(1200)  # about 4 minutes alone on 2 cores; more beside other work
@pytest.mark.skipif(not on_postgres(), reason="the task queue needs PostgreSQL (postgres pass of ./dev.sh test)")
def test_sigkill_of_one_of_three_workers_loses_nothing_and_repeats_nothing(relais_home, llama_server, tmp_path):
    env = engine_env(relais_home, llama_server)
    write_articles(tmp_path / "in", ARTICLES)
    queued = run_relais(relais_home, "translate", str(tmp_path / "in"), "--to", ",".join(LANGUAGES), env=env)
    assert queued.returncode == 0, queued.stderr
    desk = Desk(relais_config(relais_home))

    def q(sql: str, **params) -> list:
        with desk.store.engine.connect() as conn:
            return conn.execute(text(sql), params).all()

    workers = {name: worker(env, "--name", name) for name in ("victim", "w2", "w3")}
    try:
        # Wait until the victim is in the middle of a job: some of its segments drafted, not all.
        deadline = time.monotonic() + 1100
        victim_job = None
        while victim_job is None:
            assert time.monotonic() < deadline, "the victim never got mid-job"
            assert all(w.poll() is None for w in workers.values())
            rows = q(
                """SELECT r.id AS job_id,
                          (SELECT count(*) FROM drafts d WHERE d.job_id = r.id) AS drafted,
                          (SELECT count(*) FROM segments s WHERE s.article_id = r.article_id) AS segments
                     FROM jobs r WHERE r.status = 'running' AND r.owner LIKE :owner""",
                owner=f"%:{workers['victim'].pid}/worker-%",
            )
            done = q("SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'")[0][0]
            if rows and 0 < rows[0].drafted < rows[0].segments and done >= 10:
                victim_job = rows[0].job_id
            else:
                time.sleep(0.01)
        workers["victim"].send_signal(signal.SIGKILL)
        workers["victim"].wait(timeout=30)
        before = {r.segment_id: (r.id, r.created_at) for r in q("SELECT segment_id, id, created_at FROM drafts WHERE job_id = :j", j=victim_job)}
        assert before

        # The two others finish everything, the victim's job included once its heartbeat is stale.
        while True:
            assert time.monotonic() < deadline, "the jobs did not all end"
            statuses = q("SELECT status, count(*) FROM procrastinate_jobs GROUP BY status")
            if dict(statuses).get("succeeded") == ARTICLES * len(LANGUAGES):
                break
            assert all(w.poll() is None for n, w in workers.items() if n != "victim")
            time.sleep(0.5)
    finally:
        for name, w in workers.items():
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for name, w in workers.items():
            code = w.wait(timeout=120)
            assert name == "victim" or code == 0, w.log()

    # Every job ended exactly once, done; its one queue entry succeeded exactly once.
    records = jobs_json(relais_home, env)
    assert len(records) == ARTICLES * len(LANGUAGES)
    assert {r["status"] for r in records} == {"done"}
    entries = q(
        """SELECT (args->>'job_id')::int AS job_id, status,
                  (SELECT count(*) FROM procrastinate_events e WHERE e.job_id = j.id AND e.type = 'succeeded') AS succeeded
             FROM procrastinate_jobs j"""
    )
    assert sorted(e.job_id for e in entries) == sorted(r["id"] for r in records)  # one entry per job
    assert {(e.status, e.succeeded) for e in entries} == {("succeeded", 1)}
    # Only the victim's job ran twice; every other job ran once.
    assert {r["id"]: r["attempts"] for r in records if r["attempts"] != 1} == {victim_job: 2}

    # No segment lost, none drafted twice, and the victim's drafts from before the kill kept.
    assert all(r["drafted"] == r["segments"] == 5 for r in records)
    assert tuple(q("SELECT count(*), count(DISTINCT (job_id, segment_id)) FROM drafts")[0]) == (ARTICLES * len(LANGUAGES) * 5,) * 2
    after = {r.segment_id: (r.id, r.created_at) for r in q("SELECT segment_id, id, created_at FROM drafts WHERE job_id = :j", j=victim_job)}
    assert all(after[s] == row for s, row in before.items())
    desk.close()
