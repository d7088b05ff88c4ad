"""GET /metrics on the real app: jobs in several statuses and languages and drafts with
engine times and errors are written to the store, scraped, parsed with prometheus_client's
own parser and checked value by value."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import OperationalError

from relais import __version__
from relais import metrics as relais_metrics
from relais.store.models import DraftRow, JobRow, JobStatus, utcnow

Q, R, D, F, P = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE, JobStatus.FAILED, JobStatus.PARKED

# (language, status, created this many seconds ago, finished this many seconds ago or None,
#  drafts: (engine, seconds, error or None) for the seeded article's segments in order)
JOBS = [
    ("de", Q, 30, None, []),
    ("de", Q, 300, None, []),
    ("de", R, 400, None, []),
    ("de", D, 500, 5, [("openai", 0.05, None), ("openai", 0.3, None), ("openai", 2.0, None), ("openai", 45.0, None),
                       ("openai", 7.0, "placeholder <a1> missing")]),
    ("de", D, 7200, 3600, []),
    ("de", P, 900, 20, []),
    ("de", F, 600, 500, [("openai", 0.5, None), ("openai", 120.0, "timed out"), ("memory", 0.0, None)]),
    ("es", Q, 120, None, []),
    ("es", D, 300, 10, [("openai", 1.0, None), ("openai", 3.0, None)]),
    ("it", P, 9000, 8000, []),
]


def add_jobs(store, article_id: int, segment_ids: list[int]) -> None:
    now = utcnow()
    with store.write() as s:
        for language, status, created, finished, drafts in JOBS:
            job = JobRow(article_id=article_id, target_language=language, engine="openai", status=status, attempts=1,
                         created_at=now - timedelta(seconds=created),
                         finished_at=None if finished is None else now - timedelta(seconds=finished),
                         error="gave up after 5 attempts" if status == P else None)  # fmt: skip
            s.add(job)
            s.flush()
            for segment_id, (engine, seconds, error) in zip(segment_ids, drafts):
                s.add(DraftRow(job_id=job.id, segment_id=segment_id, text=None if error else "texte", error=error,
                               engine=engine, model="m", model_version="v", prompt_version="3", seconds=seconds,
                               input_tokens=0 if engine == "memory" else 10,
                               output_tokens=0 if engine == "memory" else 12))  # fmt: skip


def scrape(client, **headers):
    r = client.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}
    return r, families, samples


def values(samples: dict, name: str) -> dict[tuple, float]:
    """The samples of one name, keyed by their label values in label-name order."""
    return {tuple(v for _, v in labels): value for (n, labels), value in samples.items() if n == name}


@pytest.fixture
def scraped(client, store, job):
    add_jobs(store, job.article_id, job.segment_ids)
    return scrape(client)  # no sign-in: the endpoint is public


def test_metrics_are_public_plain_text(scraped):
    r, families, samples = scraped
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert r.headers["cache-control"] == "no-store"
    info = [dict(labels) for (name, labels), value in samples.items() if name == "relais_info" and value == 1]
    assert len(info) == 1 and info[0]["version"] == __version__ and info[0]["store"] in ("sqlite", "postgresql")
    assert samples[("relais_store_up", ())] == 1
    assert samples[("relais_scrape_duration_seconds", ())] >= 0
    kinds = {name: f.type for name, f in families.items()}
    assert kinds["relais_jobs"] == "gauge"
    assert kinds["relais_jobs_finished"] == "counter"
    assert kinds["relais_engine_segment_seconds"] == "histogram"
    assert kinds["relais_segments_translated"] == kinds["relais_segment_errors"] == "counter"


def test_queue_depth_by_language_and_status(scraped):
    _, _, samples = scraped
    # labels in name order: language, status.  The seeded French job is done.
    assert values(samples, "relais_jobs") == {
        ("de", "queued"): 2, ("de", "running"): 1, ("de", "done"): 2, ("de", "failed"): 1, ("de", "parked"): 1,
        ("es", "queued"): 1, ("es", "running"): 0, ("es", "done"): 1, ("es", "failed"): 0, ("es", "parked"): 0,
        ("fr", "queued"): 0, ("fr", "running"): 0, ("fr", "done"): 1, ("fr", "failed"): 0, ("fr", "parked"): 0,
        ("it", "queued"): 0, ("it", "running"): 0, ("it", "done"): 0, ("it", "failed"): 0, ("it", "parked"): 1,
    }  # fmt: skip


def test_jobs_finished_total_and_per_second(scraped):
    _, _, samples = scraped
    assert values(samples, "relais_jobs_finished_total") == {
        ("de", "done"): 2, ("de", "parked"): 1, ("es", "done"): 1, ("es", "parked"): 0,
        ("fr", "done"): 1, ("fr", "parked"): 0, ("it", "done"): 0, ("it", "parked"): 1,
    }  # fmt: skip
    # ended in the last 60 s: de done 5 s ago, de parked 20 s ago, es done 10 s ago
    per_second = values(samples, "relais_jobs_finished_per_second")
    assert per_second == {
        ("de", "done"): pytest.approx(1 / 60), ("de", "parked"): pytest.approx(1 / 60),
        ("es", "done"): pytest.approx(1 / 60), ("es", "parked"): 0,
        ("fr", "done"): 0, ("fr", "parked"): 0, ("it", "done"): 0, ("it", "parked"): 0,
    }  # fmt: skip


def test_oldest_queued_job_age(scraped):
    _, _, samples = scraped
    ages = values(samples, "relais_oldest_queued_job_age_seconds")
    assert set(ages) == {("de",), ("es",)}
    assert 300 <= ages[("de",)] < 360
    assert 120 <= ages[("es",)] < 180


def test_engine_latency_histogram(scraped):
    _, _, samples = scraped
    buckets = values(samples, "relais_engine_segment_seconds_bucket")  # engine, language, le
    les = ["0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "60.0", "+Inf"]
    # de/openai: 0.05 0.3 2.0 45.0 7.0 (done job) and 0.5 120.0 (failed job); le is inclusive
    assert [buckets[("openai", "de", le)] for le in les] == [1, 1, 3, 3, 4, 4, 5, 5, 6, 7]
    assert [buckets[("memory", "de", le)] for le in les] == [1] * 10
    assert [buckets[("openai", "es", le)] for le in les] == [0, 0, 0, 1, 1, 2, 2, 2, 2, 2]
    assert [buckets[("llama", "fr", le)] for le in les] == [6] * 10  # the seeded draft, replayed in no time
    assert values(samples, "relais_engine_segment_seconds_count") == {
        ("openai", "de"): 7, ("memory", "de"): 1, ("openai", "es"): 2, ("llama", "fr"): 6,
    }
    sums = values(samples, "relais_engine_segment_seconds_sum")
    assert sums == {("openai", "de"): pytest.approx(174.85), ("memory", "de"): 0, ("openai", "es"): pytest.approx(4.0),
                    ("llama", "fr"): 0}  # fmt: skip


def test_segments_errors_and_tokens(scraped):
    _, _, samples = scraped
    assert values(samples, "relais_segments_translated_total") == {
        ("openai", "de"): 5, ("memory", "de"): 1, ("openai", "es"): 2, ("llama", "fr"): 6,
    }
    assert values(samples, "relais_segment_errors_total") == {
        ("openai", "de"): 2, ("memory", "de"): 0, ("openai", "es"): 0, ("llama", "fr"): 0,
    }
    tokens = values(samples, "relais_engine_tokens_total")  # direction, engine, language
    assert tokens[("input", "openai", "de")] == 70 and tokens[("output", "openai", "de")] == 84
    assert tokens[("input", "openai", "es")] == 20 and tokens[("output", "memory", "de")] == 0


def test_openmetrics_when_asked(client):
    r = client.get("/metrics", headers={"accept": "application/openmetrics-text; version=1.0.0"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/openmetrics-text")
    assert r.text.endswith("# EOF\n")
    assert "relais_jobs_finished_total{" in r.text


def test_store_down_is_reported_not_a_500(client, monkeypatch):
    def down(store, now=None):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(relais_metrics, "read_snapshot", down)
    _, families, samples = scrape(client)
    assert samples[("relais_store_up", ())] == 0
    assert "relais_info" in families and "relais_jobs" not in families
