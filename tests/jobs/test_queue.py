"""The task queue on PostgreSQL: jobs queued in the same transaction as their rows, run by
real `relais worker` processes against a real llama.cpp server, retried, parked, and
taken back by `relais translate` when no worker runs.  On SQLite: no queue, same commands."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from relais.desk import Desk
from relais.errors import RelaisError
from relais.store import repo
from tests.articles import article, write_articles
from tests.helpers import EXAMPLES, ROOT, assert_one_line_error, relais_config, relais_env, run_relais
from tests.stores import on_postgres

postgres_only = pytest.mark.skipif(not on_postgres(), reason="the task queue needs PostgreSQL (postgres pass of ./dev.sh test)")


def engine_env(home, base_url: str, **extra: str) -> dict[str, str]:
    """A ``relais`` environment on the tiny llama.cpp server: short outputs, rule-based risk, fast retries."""
    (home.path / "config.toml").write_text("[engines.openai]\nmax_tokens = 8\n", encoding="utf-8")
    settings = dict(
        RELAIS_ENGINE="openai", RELAIS_OPENAI_BASE_URL=base_url, RELAIS_RISK_METHOD="rules", RELAIS_OPENAI_RETRIES="0",
        RELAIS_QUEUE_HEARTBEAT="1", RELAIS_QUEUE_STALLED_AFTER="5", RELAIS_QUEUE_RETRY_WAIT="0",
    )  # fmt: skip
    settings.update(extra)
    return relais_env(home, **settings)


class Worker(subprocess.Popen):
    """A `relais worker` process; its log goes to a file (a pipe nobody reads would fill and block it)."""

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]


def worker(env: dict[str, str], *args: str) -> Worker:
    log_path = Path(env["RELAIS_HOME"]) / f"worker-{len(list(Path(env['RELAIS_HOME']).glob('worker-*.log')))}.log"
    with log_path.open("wb") as log:
        proc = Worker([sys.executable, "-m", "relais", "worker", *args], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    proc.log_path = log_path
    return proc


def jobs_json(home, env) -> list[dict]:
    proc = run_relais(home, "jobs", "--format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def queue_entries(desk: Desk) -> list[tuple]:
    with desk.store.read() as s:
        return [
            tuple(r)
            for r in s.execute(
                text("SELECT (args->>'job_id')::int, queue_name, status FROM procrastinate_jobs ORDER BY id")
            )
        ]


@postgres_only
def test_jobs_are_queued_in_the_same_transaction_as_their_rows(relais_home):
    desk = Desk(relais_config(relais_home, RELAIS_ENGINE="openai"))
    try:
        ingested = desk.ingest(article(1).encode(), name="a.md")
        fr, de = desk.queue(ingested.article_id, ["fr", "de"])
        assert queue_entries(desk) == [(fr, "translate-fr", "todo"), (de, "translate-de", "todo")]
        # Queued again while waiting: the same job, no second entry.
        assert desk.queue(ingested.article_id, ["fr"]) == [fr]
        assert len(queue_entries(desk)) == 2
        # A transaction that fails after queueing leaves neither the job nor its entry.
        with pytest.raises(RuntimeError):
            with desk.store.write() as s:
                job = repo.create_job(s, ingested.article_id, "es", "openai")
                desk.task_queue.defer(s, [job])
                raise RuntimeError("crash between the two")
        assert len(queue_entries(desk)) == 2
        assert [r["target"] for r in jobs_json(relais_home, relais_env(relais_home))] == ["de", "fr"]
    finally:
        desk.close()


@postgres_only
def test_workers_run_every_queued_job_once(relais_home, llama_server, tmp_path):
    env = engine_env(relais_home, llama_server)
    write_articles(tmp_path / "in", 3)
    queued = run_relais(relais_home, "translate", str(tmp_path / "in"), "--to", "fr,de", env=env)
    assert queued.returncode == 0, queued.stderr
    assert "queued 6 job(s)" in queued.stderr and "no worker is running" in queued.stderr
    assert {r["status"] for r in jobs_json(relais_home, env)} == {"queued"}

    workers = [worker(env, "--exit-when-empty", "--name", f"w{i}") for i in range(2)]
    for w in workers:
        assert w.wait(timeout=300) == 0, w.log()
    records = jobs_json(relais_home, env)
    assert [(r["status"], r["attempts"]) for r in records] == [("done", 1)] * 6
    assert all(r["drafted"] == r["segments"] > 0 for r in records)
    desk = Desk(relais_config(relais_home))
    try:
        assert sorted(e[2] for e in queue_entries(desk)) == ["succeeded"] * 6
    finally:
        desk.close()


@postgres_only
def test_a_failing_engine_is_retried_then_the_job_is_parked_and_resume_finishes_it(relais_home, llama_server, tmp_path):
    from tests.llama_server import free_port

    down = engine_env(relais_home, f"http://127.0.0.1:{free_port()}/v1", RELAIS_QUEUE_ATTEMPTS="3")
    write_articles(tmp_path / "in", 1)
    assert run_relais(relais_home, "translate", str(tmp_path / "in"), "--to", "fr", env=down).returncode == 0
    w = worker(down, "--exit-when-empty")
    assert w.wait(timeout=120) == 0, w.log()
    (record,) = jobs_json(relais_home, down)
    assert record["status"] == "parked" and record["attempts"] == 3
    assert record["error"].startswith("parked after 3 attempt(s):") and "127.0.0.1" in record["error"]
    listed = run_relais(relais_home, "jobs", "--status", "parked", env=down)
    assert "parked" in listed.stdout and str(record["id"]) in listed.stdout

    # With the engine back and no worker running, `relais resume` runs it here.
    resumed = run_relais(relais_home, "resume", env=engine_env(relais_home, llama_server))
    assert resumed.returncode == 0, resumed.stderr
    (record,) = jobs_json(relais_home, down)
    assert record["status"] == "done" and record["attempts"] == 4 and record["drafted"] == record["segments"]


@postgres_only
def test_translate_follows_a_running_worker_and_takes_jobs_back_without_one(relais_home, llama_server, tmp_path):
    env = engine_env(relais_home, llama_server)
    path = tmp_path / "story.md"
    path.write_text(article(7), encoding="utf-8")
    # No worker: the command takes its job back from the queue and runs it here.
    here = run_relais(relais_home, "translate", str(path), "--to", "fr", env=env)
    assert here.returncode == 0, here.stderr
    assert "done by a worker" not in here.stderr and "UNREVIEWED MACHINE DRAFT" in here.stdout

    w = worker(env)
    try:
        desk = Desk(relais_config(relais_home, **{k: v for k, v in env.items() if k.startswith("RELAIS_QUEUE")}))
        try:
            deadline = time.monotonic() + 60
            while not desk.live_workers():
                assert time.monotonic() < deadline and w.poll() is None, w.log()
                time.sleep(0.2)
        finally:
            desk.close()
        followed = run_relais(relais_home, "translate", str(path), "--to", "de", env=env)
        assert followed.returncode == 0, followed.stderr
        assert "done by a worker" in followed.stderr and "UNREVIEWED MACHINE DRAFT" in followed.stdout
    finally:
        w.send_signal(signal.SIGTERM)
        assert w.wait(timeout=60) == 0
    entries = {e[0]: e[2] for e in queue_entries(Desk(relais_config(relais_home)))}
    assert sorted(entries.values()) == ["cancelled", "succeeded"]


def test_a_directory_into_several_languages_runs_here_without_workers(relais_home, llama_server, tmp_path):
    # The same command as with workers; on SQLite (or PostgreSQL with no worker) it runs here.
    env = engine_env(relais_home, llama_server)
    write_articles(tmp_path / "in", 2)
    (tmp_path / "in" / "notes.pdf").write_bytes(b"%PDF-1.4")  # not an article: ignored
    (tmp_path / "in" / "empty.md").write_text("", encoding="utf-8")  # refused: reported, skipped
    proc = run_relais(relais_home, "translate", str(tmp_path / "in"), "--to", "fr,it", "--wait", "-o", str(tmp_path / "out"), env=env)
    assert proc.returncode == 1
    assert "skipped" in proc.stderr and "empty.md" in proc.stderr and "1 file(s) skipped" in proc.stderr.splitlines()[-1]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "article-000.fr.md", "article-000.it.md", "article-001.fr.md", "article-001.it.md",
    ]  # fmt: skip
    assert [r["status"] for r in jobs_json(relais_home, env)] == ["done"] * 4


def test_a_directory_without_articles_is_a_clear_error(relais_home, tmp_path):
    (tmp_path / "none").mkdir()
    assert_one_line_error(run_relais(relais_home, "translate", str(tmp_path / "none"), "--to", "fr"), "no article files")


@pytest.mark.skipif(on_postgres(), reason="about the SQLite store")
def test_worker_needs_postgresql(relais_home):
    assert_one_line_error(run_relais(relais_home, "worker"), "needs a PostgreSQL store")


def test_queue_settings_are_checked(relais_home):
    with pytest.raises(RelaisError, match="queue.heartbeat"):
        relais_config(relais_home, RELAIS_QUEUE_HEARTBEAT="60", RELAIS_QUEUE_STALLED_AFTER="30")
    assert_one_line_error(
        run_relais(relais_home, "jobs", env=relais_env(relais_home, RELAIS_QUEUE_ATTEMPTS="0")), "queue.attempts"
    )
    assert EXAMPLES.exists()


STORY_URL = "https://www.sennetcourier.example/news/2026/05/ferry-strike"
STORY_V1 = ["The ferry strike entered its third day on Monday.", "About 1,200 passengers were stranded at the pier.",
            "The union said talks would resume on Wednesday.", "Buses will replace the morning crossings."]  # fmt: skip
STORY_V2 = [STORY_V1[0], "About 1,450 passengers were stranded at the pier.", STORY_V1[2],
            "The harbour master said the pier would stay open overnight.", STORY_V1[3]]  # fmt: skip


def _story_page(folder: Path, sentences: list[str]) -> None:
    folder.mkdir(parents=True)
    body = "".join(f"<p>{s}</p>" for s in sentences)
    (folder / "ferry.html").write_text(
        f'<html><head><link rel="canonical" href="{STORY_URL}"></head><body><article><h1>Ferry strike strands '
        f"passengers</h1>{body}</article></body></html>", encoding="utf-8")  # fmt: skip


@postgres_only
def test_a_story_update_on_two_workers_translates_each_change_once(relais_home, llama_server, tmp_path):
    env = engine_env(relais_home, llama_server)
    languages = ["fr", "de", "es"]
    for version, sentences in ((1, STORY_V1), (2, STORY_V2)):
        _story_page(tmp_path / f"v{version}", sentences)
        queued = run_relais(relais_home, "translate", str(tmp_path / f"v{version}"), "--to", ",".join(languages), env=env)
        assert queued.returncode == 0, queued.stderr
        workers = [worker(env, "--exit-when-empty", "--name", f"v{version}-w{i}") for i in range(2)]
        for w in workers:
            assert w.wait(timeout=300) == 0, w.log()
    desk = Desk(relais_config(relais_home))
    try:
        with desk.store.read() as s:
            jobs = s.execute(text(
                "SELECT j.id, a.version, j.target_language, j.status, j.attempts, j.review_status, j.base_job_id"
                " FROM jobs j JOIN articles a ON a.id = j.article_id ORDER BY j.id")).all()  # fmt: skip
            drafts = s.execute(text(
                "SELECT d.job_id, seg.text, d.engine, d.text IS NULL FROM drafts d JOIN segments seg ON seg.id = d.segment_id"
            )).all()  # fmt: skip
    finally:
        desk.close()
    first = {lang: (jid, st, att, rev) for jid, v, lang, st, att, rev, _ in jobs if v == 1}
    second = {lang: (jid, st, att, rev, base) for jid, v, lang, st, att, rev, base in jobs if v == 2}
    assert sorted(first) == sorted(second) == sorted(languages)  # one job per version and language
    changed = {STORY_V2[1], STORY_V2[3]}
    for lang in languages:
        old_job, new_job = first[lang][0], second[lang][0]
        assert second[lang][1:] == ("done", 1, "draft", old_job)  # done once, updating the version 1 job
        assert first[lang][3] == "superseded"
        failed_before = {src for jid, src, _, failed in drafts if jid == old_job and failed}
        sent = sorted(src for jid, src, engine, _ in drafts if jid == new_job and engine != "carried")
        kept = ({"Ferry strike strands passengers"} | set(STORY_V2)) - changed
        # Only what changed (and what the engine had failed on) went to the engine, once each.
        assert sent == sorted(changed | (failed_before & kept))


LONG_V1 = [f"Ferry number {n} stayed at the pier on Monday, the operator said." for n in range(1, 25)]
LONG_V2 = LONG_V1[:10] + ["The union said talks would resume on Wednesday."] + LONG_V1[10:]


@postgres_only
def test_a_story_update_queued_while_workers_run_the_earlier_version_translates_nothing_twice(relais_home, llama_server, tmp_path):
    """Version 2 is queued as soon as the workers are translating version 1: each new job
    waits for, or takes over from, the run of its earlier job (superseded, it stops at its
    next batch), so no sentence is translated by both."""
    env = engine_env(relais_home, llama_server)
    languages = ["fr", "de", "es"]
    _story_page(tmp_path / "v1", LONG_V1)
    _story_page(tmp_path / "v2", LONG_V2)
    queued = run_relais(relais_home, "translate", str(tmp_path / "v1"), "--to", ",".join(languages), env=env)
    assert queued.returncode == 0, queued.stderr
    workers = [worker(env, "--exit-when-empty", "--name", f"w{i}") for i in range(2)]
    desk = Desk(relais_config(relais_home, RELAIS_ENGINE="openai", RELAIS_OPENAI_BASE_URL=llama_server))
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until a worker is in the middle of a version 1 job
            with desk.store.read() as s:
                busy = s.execute(text("SELECT count(*) FROM jobs j JOIN drafts d ON d.job_id = j.id WHERE j.status = 'running'")).scalar()
            if busy:
                break
            time.sleep(0.02)
        desk.queue(desk.ingest((tmp_path / "v2" / "ferry.html").read_bytes(), name="ferry.html").article_id, languages)
        late = [worker(env, "--exit-when-empty", "--name", f"late-w{i}") for i in range(2)]
        for w in workers + late:
            assert w.wait(timeout=300) == 0, w.log()
        with desk.store.read() as s:
            jobs = s.execute(text("SELECT j.id, a.version, j.target_language, j.status, j.review_status"
                                  " FROM jobs j JOIN articles a ON a.id = j.article_id")).all()  # fmt: skip
            drafts = s.execute(text(
                "SELECT d.job_id, seg.text FROM drafts d JOIN segments seg ON seg.id = d.segment_id"
                " WHERE d.engine <> 'carried' AND d.text IS NOT NULL")).all()  # fmt: skip
    finally:
        desk.close()
    assert all(status == "done" for _, _, _, status, _ in jobs)
    for lang in languages:
        (old,) = [jid for jid, v, lg, _, _ in jobs if v == 1 and lg == lang]
        (new,) = [jid for jid, v, lg, _, _ in jobs if v == 2 and lg == lang]
        translated_in = {jid: sorted(src for j, src in drafts if j == jid) for jid in (old, new)}
        both = set(translated_in[old]) & set(translated_in[new])
        assert not both, f"{lang}: translated in both versions' jobs: {sorted(both)}"
        assert len(translated_in[new]) == len(set(translated_in[new]))  # and once within the new one
