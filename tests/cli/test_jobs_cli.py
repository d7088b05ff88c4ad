"""`relais jobs`: every job with id, article, target, status, attempts and error, as text or JSON."""

from __future__ import annotations

import json

from tests.helpers import assert_one_line_error, run_relais


def test_jobs_as_json_and_text(seeded_home, seeded_job):
    job = seeded_job
    proc = run_relais(seeded_home, "jobs", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (record,) = json.loads(proc.stdout)
    assert {k: record[k] for k in ("id", "article", "target", "status", "attempts", "error")} == {
        "id": job.job_id, "article": job.article_id, "target": "fr", "status": "done", "attempts": 0, "error": None,
    }  # fmt: skip
    assert record["segments"] == record["drafted"] == 6 and record["failed"] == 0
    assert json.loads(run_relais(seeded_home, "jobs", "--status", "failed", "--format", "json").stdout) == []
    text = run_relais(seeded_home, "jobs")
    assert text.returncode == 0 and "done" in text.stdout and "6/6" in text.stdout
    assert_one_line_error(run_relais(seeded_home, "jobs", "--format", "xml"), "unknown format")
