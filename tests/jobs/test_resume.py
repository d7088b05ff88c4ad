"""Jobs survive a crash: after ``kill -9`` mid-run, ``relais resume`` finishes the job
without translating finished segments again."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

from relais.desk import Desk
from relais.jobs.executor import EnginePool
from tests.helpers import EXAMPLES, ROOT, query, relais_config, relais_env, run_relais


def _drafts(db: str) -> dict[int, tuple]:
    return {row[0]: row[1:] for row in query(db, "SELECT segment_id, id, created_at, text, error FROM drafts")}


def _scalar(db: str, sql: str):
    rows = query(db, sql)
    return rows[0] if rows else None


def test_kill_9_mid_run_then_resume(relais_home, tiny_gguf):
    env = relais_env(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf))
    db = relais_home.db_url
    proc = subprocess.Popen(
        [sys.executable, "-m", "relais", "translate", str(EXAMPLES / "story.html"), "--to", "fr", "-q"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the run finished before it could be killed: " + proc.stderr.read().decode()
        drafted = _scalar(db, "SELECT count(*) FROM drafts")  # None until the migrations made the table
        if drafted and drafted[0] >= 4:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    before = _drafts(db)
    total = _scalar(db, "SELECT count(*) FROM segments")[0]
    assert 0 < len(before) < total
    assert _scalar(db, "SELECT status, attempts FROM jobs") == ("running", 1)

    resumed = run_relais(relais_home, "resume", env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(before)} already done" in resumed.stderr
    done = re.search(r"(\d+) translated, \d+ already done(?:, (\d+) failed)?", resumed.stderr)
    assert int(done.group(1)) + int(done.group(2) or 0) == total - len(before)

    after = _drafts(db)
    assert len(after) == total == _scalar(db, "SELECT count(DISTINCT segment_id) FROM drafts")[0]
    for segment_id, row in before.items():
        assert after[segment_id] == row  # same draft row: not translated again
    assert _scalar(db, "SELECT status, attempts FROM jobs") == ("done", 2)

    # Nothing left to do; showing the draft works.
    assert "nothing to resume" in run_relais(relais_home, "resume", env=env).stderr
    shown = run_relais(relais_home, "show", "1", env=env)
    assert shown.returncode == 0 and shown.stdout.rstrip().endswith("Ne pas publier.")  # the unreviewed notice


def test_rerunning_a_finished_job_translates_nothing(relais_home, tiny_gguf):
    config = relais_config(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf))
    desk = Desk(config)
    engines = EnginePool(config)
    try:
        ingested = desk.ingest((EXAMPLES / "story.txt").read_bytes(), name="story.txt")
        jobs = desk.queue(ingested.article_id, ["fr"])
        first = desk.run(jobs, desk.executor(engines))[0]
        assert first.translated + first.failed == ingested.segments and first.skipped == 0
        assert desk.queue(ingested.article_id, ["fr"]) == jobs  # same job reused
        second = desk.run(jobs, desk.executor(engines))[0]
        assert (second.translated, second.failed, second.skipped) == (0, 0, ingested.segments)
        fresh = desk.queue(ingested.article_id, ["fr"], fresh=True)
        assert fresh != jobs
    finally:
        engines.close()
        desk.close()
