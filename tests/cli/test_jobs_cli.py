"""`relais jobs`: every job with id, article, target, status, attempts and error, as text or JSON."""

from __future__ import annotations

import json

from tests.helpers import assert_one_line_error, run_relais
from tests.review.seed import seeded_store


def test_jobs_as_json_and_text(tmp_path):
    store, job = seeded_store(tmp_path)
    store.close()
    proc = run_relais(tmp_path, "jobs", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (record,) = json.loads(proc.stdout)
    assert {k: record[k] for k in ("id", "article", "target", "status", "attempts", "error")} == {
        "id": job.job_id, "article": job.article_id, "target": "fr", "status": "done", "attempts": 0, "error": None,
    }  # fmt: skip
    assert record["segments"] == record["drafted"] == 6 and record["failed"] == 0
    assert json.loads(run_relais(tmp_path, "jobs", "--status", "failed", "--format", "json").stdout) == []
    text = run_relais(tmp_path, "jobs")
    assert text.returncode == 0 and "done" in text.stdout and "6/6" in text.stdout
    assert_one_line_error(run_relais(tmp_path, "jobs", "--format", "xml"), "unknown format")
