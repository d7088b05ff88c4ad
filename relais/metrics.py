"""Desk metrics in Prometheus text format, computed from the shared store at scrape time.

Workers run on many machines, so no process holds the desk's counters in memory: every
scrape reads the store with a few aggregate queries (portable SQLAlchemy core, the same
on SQLite and PostgreSQL) and one endpoint (``GET /metrics`` of the review app) shows
the whole desk.  The "counters" are therefore totals of rows: they only go down when
rows go away or change state backwards (a parked job put back in the queue, an article
deleted), which ``rate()`` reads as a counter reset.

Metrics (see docs/operations.md for PromQL):

- ``relais_info{version, store}``: always 1.
- ``relais_store_up``: 1 when the queries below succeeded, else 0 (and nothing else).
- ``relais_scrape_duration_seconds``: how long the queries took.
- ``relais_jobs{language, status}``: jobs now in each status (queue depth), every known
  status present (0) for every language that has a job.
- ``relais_jobs_finished_total{language, outcome}``: jobs that ended (``done``, ``parked``).
- ``relais_jobs_finished_per_second{language, outcome}``: jobs that ended in the last
  ``RECENT_SECONDS`` seconds, divided by it (for a glance without Prometheus).
- ``relais_oldest_queued_job_age_seconds{language}``: age of the oldest queued job
  (only languages with one).
- ``relais_engine_segment_seconds{language, engine}``: histogram of per-segment engine
  time of every draft (buckets counted in SQL).
- ``relais_segments_translated_total{language, engine}``: drafts with text.
- ``relais_segment_errors_total{language, engine}``: drafts whose engine output was rejected.
- ``relais_engine_tokens_total{language, engine, direction}``: input and output tokens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError

from relais import __version__
from relais.store import stories
from relais.store.db import Store
from relais.store.models import DraftRow, JobRow, JobStatus

log = logging.getLogger(__name__)

STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE, JobStatus.FAILED, JobStatus.PARKED)
OUTCOMES = JobStatus.ENDED  # done, parked
RECENT_SECONDS = 60
# Upper bounds (seconds) of the engine-latency buckets: a memory reuse is ~0, a small
# local model a fraction of a second to seconds, a loaded server up to its timeout.
BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass
class Snapshot:
    """What one scrape read from the store."""

    jobs: dict[tuple[str, str], int] = field(default_factory=dict)  # (language, status) → jobs
    recent: dict[tuple[str, str], int] = field(default_factory=dict)  # (language, outcome) → ended lately
    oldest_queued: dict[str, datetime] = field(default_factory=dict)  # language → created_at
    # (language, engine) → [count, sum seconds, ok, errors, input tokens, output tokens, bucket counts…]
    drafts: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    out_of_date: dict[str, int] = field(default_factory=dict)  # language → stories published from an old version


def _aware(value: datetime) -> datetime:
    # SQLite gives back naive datetimes; the store writes UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def read_snapshot(store: Store, now: datetime | None = None) -> Snapshot:
    """The aggregates behind the metrics: GROUP BY queries in one session."""
    now = now or datetime.now(UTC)
    snap = Snapshot()
    lang = JobRow.target_language
    with store.read() as s:
        for language, status, n in s.execute(select(lang, JobRow.status, func.count()).group_by(lang, JobRow.status)):
            snap.jobs[(language, status)] = n
        since = now - timedelta(seconds=RECENT_SECONDS)
        recent = (
            select(lang, JobRow.status, func.count())
            .where(JobRow.status.in_(OUTCOMES), JobRow.finished_at >= since)
            .group_by(lang, JobRow.status)
        )
        for language, status, n in s.execute(recent):
            snap.recent[(language, status)] = n
        oldest = select(lang, func.min(JobRow.created_at)).where(JobRow.status == JobStatus.QUEUED).group_by(lang)
        for language, created in s.execute(oldest):
            if created is not None:
                snap.oldest_queued[language] = _aware(created)
        columns = [
            func.count(),
            func.coalesce(func.sum(DraftRow.seconds), 0.0),
            func.sum(case((DraftRow.error.is_(None), 1), else_=0)),
            func.sum(case((DraftRow.error.is_not(None), 1), else_=0)),
            func.coalesce(func.sum(DraftRow.input_tokens), 0),
            func.coalesce(func.sum(DraftRow.output_tokens), 0),
            *(func.sum(case((DraftRow.seconds <= bound, 1), else_=0)) for bound in BUCKETS),
        ]
        drafts = (
            select(lang, DraftRow.engine, *columns)
            .select_from(DraftRow)
            .join(JobRow, JobRow.id == DraftRow.job_id)
            .group_by(lang, DraftRow.engine)
        )
        for language, engine, *values in s.execute(drafts):
            snap.drafts[(language, engine)] = [float(v or 0) for v in values]
        for (_, language), standing in stories.standings(s).items():
            snap.out_of_date[language] = snap.out_of_date.get(language, 0) + standing.behind
    return snap


class StoreCollector:
    """A prometheus_client collector that reads the store on every scrape."""

    def __init__(self, store: Store):
        self.store = store

    def collect(self) -> Iterator[Metric]:
        info = InfoMetricFamily("relais", "Relais version and store type")
        info.add_metric([], {"version": __version__, "store": self.store.engine.dialect.name})
        yield info
        started, now = time.perf_counter(), datetime.now(UTC)
        try:
            snap = read_snapshot(self.store, now)
        except SQLAlchemyError as exc:
            log.warning("metrics: cannot read the store: %s", exc)
            yield GaugeMetricFamily("relais_store_up", "1 when the store answered the metrics queries", value=0)
            return
        yield GaugeMetricFamily("relais_store_up", "1 when the store answered the metrics queries", value=1)
        yield GaugeMetricFamily("relais_scrape_duration_seconds", "Time the metrics queries took",
                                value=time.perf_counter() - started)  # fmt: skip
        yield from metric_families(snap, now)


def metric_families(snap: Snapshot, now: datetime | None = None) -> Iterator[Metric]:
    now = now or datetime.now(UTC)
    languages = sorted({language for language, _ in snap.jobs})

    jobs = GaugeMetricFamily("relais_jobs", "Jobs by target language and status (queue depth: status=queued)",
                             labels=["language", "status"])  # fmt: skip
    extra = sorted({status for _, status in snap.jobs} - set(STATUSES))
    for language in languages:
        for status in (*STATUSES, *extra):
            jobs.add_metric([language, status], snap.jobs.get((language, status), 0))
    yield jobs

    finished = CounterMetricFamily("relais_jobs_finished", "Jobs that ended, by target language and outcome",
                                   labels=["language", "outcome"])  # fmt: skip
    per_second = GaugeMetricFamily(
        "relais_jobs_finished_per_second",
        f"Jobs that ended in the last {RECENT_SECONDS} s, divided by {RECENT_SECONDS}",
        labels=["language", "outcome"],
    )
    for language in languages:
        for outcome in OUTCOMES:
            finished.add_metric([language, outcome], snap.jobs.get((language, outcome), 0))
            per_second.add_metric([language, outcome], snap.recent.get((language, outcome), 0) / RECENT_SECONDS)
    yield finished
    yield per_second

    oldest = GaugeMetricFamily("relais_oldest_queued_job_age_seconds", "Age of the oldest queued job",
                               labels=["language"])  # fmt: skip
    for language, created in sorted(snap.oldest_queued.items()):
        oldest.add_metric([language], max(0.0, (now - created).total_seconds()))
    yield oldest

    latency = HistogramMetricFamily("relais_engine_segment_seconds", "Engine time per drafted segment",
                                    labels=["language", "engine"])  # fmt: skip
    translated = CounterMetricFamily("relais_segments_translated", "Segments drafted with text",
                                     labels=["language", "engine"])  # fmt: skip
    errors = CounterMetricFamily("relais_segment_errors", "Segments whose engine output was rejected",
                                 labels=["language", "engine"])  # fmt: skip
    tokens = CounterMetricFamily("relais_engine_tokens", "Tokens sent to and received from the engines",
                                 labels=["language", "engine", "direction"])  # fmt: skip
    for (language, engine), values in sorted(snap.drafts.items()):
        count, total, ok, bad, tokens_in, tokens_out, *cumulative = values
        buckets = [(_le(bound), n) for bound, n in zip(BUCKETS, cumulative)] + [("+Inf", count)]
        latency.add_metric([language, engine], buckets, total)
        translated.add_metric([language, engine], ok)
        errors.add_metric([language, engine], bad)
        tokens.add_metric([language, engine, "input"], tokens_in)
        tokens.add_metric([language, engine, "output"], tokens_out)
    yield from (latency, translated, errors, tokens)

    behind = GaugeMetricFamily("relais_publications_out_of_date",
                               "Stories whose latest publication in a language translates an older source version",
                               labels=["language"])  # fmt: skip
    for language, n in sorted(snap.out_of_date.items()):
        behind.add_metric([language], n)
    yield behind


def _le(bound: float) -> str:
    return repr(float(bound))


def registry_for(store: Store) -> CollectorRegistry:
    """A registry holding only the store's metrics (no process metrics of this one process)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store))
    return registry


def exposition(registry: CollectorRegistry, accept: str | None) -> tuple[bytes, str]:
    """The body and content type for a scrape (Prometheus text, or OpenMetrics when asked)."""
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type
