"""Webhooks: events written in the transaction of their change (an outbox), delivered
signed per Standard Webhooks to a real receiver on loopback, retried with backoff and
recorded, leased so that two deliverers send a delivery once; the CLI's errors."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from relais.config import Webhooks
from relais.errors import InputError
from relais.jobs.runner import claim, finish_run
from relais.jobs.webhooks import Deliverer
from relais.publish.publisher import publish, withdraw_story
from relais.store import events, repo
from relais.store.db import open_store
from relais.store.models import DeliveryStatus, JobStatus, WebhookDeliveryRow
from tests.helpers import relais_env, run_relais
from tests.publish.test_publisher import _actor, review_and_sign_off
from tests.review.seed import STORY, seed_job
from tests.webhooks.receiver import running_receiver

QUICK = Webhooks(timeout=10, attempts=5, backoff=0.0, max_backoff=0.0, poll=0.01)


@pytest.fixture
def store(store_url):
    store = open_store(store_url)
    yield store
    store.close()


def _subscribe(store, url, names=events.EVENTS, secret=None) -> str:
    with store.write() as s:
        return events.add_webhook(s, url, list(names), secret).secret


def _deliver_all(store, settings=QUICK, rounds: int = 20) -> None:
    """Look at the outbox until nothing is pending (a bounded number of looks)."""
    with Deliverer(store, settings) as deliverer:
        for _ in range(rounds):
            deliverer.deliver_once()
            with store.read() as s:
                if not s.scalar(select(func.count()).select_from(WebhookDeliveryRow)
                                .where(WebhookDeliveryRow.status == DeliveryStatus.PENDING)):  # fmt: skip
                    return
    raise AssertionError("deliveries still pending")


def _rows(store) -> list[WebhookDeliveryRow]:
    with store.read() as s:
        rows = list(s.scalars(select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id)))
        s.expunge_all()
        return rows


def test_a_delivery_answered_500_twice_succeeds_on_the_third_try_all_recorded(store):
    secret = events.new_secret()
    with running_receiver(secret, [500, 500]) as receiver:
        _subscribe(store, receiver.url, [events.JOB_DONE], secret)
        with store.write() as s:
            assert events.emit(s, events.JOB_DONE, {"job": 7, "urls": {"job": events.job_url(7)}}) == 1
        _deliver_all(store)
        got = receiver.received
    assert [r.answered for r in got] == [500, 500, 200]
    assert all(r.verified for r in got)  # checked by the standardwebhooks package
    assert len({r.msg_id for r in got}) == 1 and got[0].msg_id.startswith("msg_")  # one message, retried
    assert got[0].body["type"] == "job.done" and got[0].body["data"]["urls"]["job"] == "/api/v1/jobs/7"
    (row,) = _rows(store)
    assert (row.status, row.attempts, row.last_status, row.last_body) == ("delivered", 3, 200, "ok")
    assert [a["status"] for a in row.log] == [500, 500, 200]
    assert row.delivered_at is not None and row.lease_owner is None


def test_the_last_failed_attempt_marks_the_delivery_failed(store):
    secret = events.new_secret()
    with running_receiver(secret, [503] * 10) as receiver:
        _subscribe(store, receiver.url, [events.JOB_DONE], secret)
        with store.write() as s:
            events.emit(s, events.JOB_DONE, {"job": 1})
        _deliver_all(store, Webhooks(attempts=2, backoff=0.0, poll=0.01))
        assert len(receiver.received) == 2
    (row,) = _rows(store)
    assert (row.status, row.attempts, row.last_status, row.last_error) == ("failed", 2, 503, "HTTP 503")


def test_an_unreachable_receiver_is_an_error_recorded_and_retried_later(store):
    _subscribe(store, "http://127.0.0.1:9/nothing-listens", [events.JOB_DONE])
    with store.write() as s:
        events.emit(s, events.JOB_DONE, {"job": 1})
    with Deliverer(store, Webhooks(timeout=5, attempts=3, backoff=3600)) as deliverer:
        assert deliverer.deliver_once().retried == 1
        assert deliverer.deliver_once().leased == 0  # not due again for an hour
    (row,) = _rows(store)
    assert row.status == "pending" and row.attempts == 1 and row.last_status is None and "Connect" in row.last_error


def test_an_event_of_a_rolled_back_transaction_sends_nothing(store):
    secret = events.new_secret()
    with running_receiver(secret) as receiver:
        _subscribe(store, receiver.url, secret=secret)
        with pytest.raises(RuntimeError):
            with store.write() as s:
                events.emit(s, events.STORY_WITHDRAWN, {"story": 1})
                raise RuntimeError("the change failed")
        with Deliverer(store, QUICK) as deliverer:
            assert deliverer.deliver_once().leased == 0
        assert receiver.received == []
    assert _rows(store) == []


def test_two_deliverers_racing_deliver_each_event_once(store):
    secret = events.new_secret()
    with running_receiver(secret) as receiver:
        _subscribe(store, receiver.url, [events.JOB_DONE], secret)
        with store.write() as s:
            for job in range(12):
                events.emit(s, events.JOB_DONE, {"job": job})
        start = threading.Barrier(2)

        def race(name: str) -> None:
            with Deliverer(store, QUICK, owner=name, batch=3) as deliverer:
                start.wait()
                for _ in range(10):
                    deliverer.deliver_once()

        threads = [threading.Thread(target=race, args=(f"deliverer-{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        got = receiver.received
    assert sorted(r.body["data"]["job"] for r in got) == list(range(12))  # each once
    assert all(row.status == "delivered" and row.attempts == 1 for row in _rows(store))


def test_a_review_flow_emits_each_event_in_its_transaction(seeded_url, seeded_job):
    store = open_store(seeded_url)
    secret = events.new_secret()
    try:
        with running_receiver(secret) as receiver:
            _subscribe(store, receiver.url, secret=secret)
            job = seeded_job.job_id
            assert claim(store, job, owner="test-run")  # a run of the job ends: job.done
            finish_run(store, job, JobStatus.DONE)
            review_and_sign_off(store, seeded_job)  # article.approved
            with store.write() as s:
                publish(s, _actor(store, "eddie"), job)  # article.published
            with store.read() as s:
                story = repo.get_job(s, job).article.story_id
            changed = [(k, src.replace("three weeks", "four weeks"), d) for k, src, d in STORY]
            seed_job(store, changed, story_id=story)  # version 2: the French publication is out of date
            with store.write() as s:
                withdraw_story(s, _actor(store, "ada"), story, "the council reversed its vote")
            _deliver_all(store)
            got = receiver.received
    finally:
        store.close()
    assert all(r.verified for r in got)
    kinds = [r.body["type"] for r in got]
    assert kinds == ["job.done", "article.approved", "article.published", "story.outdated", "story.withdrawn"]
    by = {r.body["type"]: r.body["data"] for r in got}
    assert by["job.done"]["job"] == job and by["job.done"]["language"] == "fr"
    assert by["job.done"]["urls"]["job"] == f"/api/v1/jobs/{job}"
    assert by["article.approved"]["by"] == "tina"
    assert by["article.published"]["publication"] == 1 and by["article.published"]["by"] == "eddie"
    assert by["story.outdated"]["version"] == 2 and by["story.outdated"]["story"] == story
    assert by["story.outdated"]["outdated"][0] == {"language": "fr", "job": job, "published_version": 1,
                                                         "publication": 1, "url": f"/api/v1/jobs/{job}"}  # fmt: skip
    assert by["story.withdrawn"]["story"] == story and by["story.withdrawn"]["reason"] == "the council reversed its vote"


def test_a_webhook_gets_only_the_events_it_subscribed_to(store):
    _subscribe(store, "http://127.0.0.1:9/a", [events.ARTICLE_PUBLISHED])
    with store.write() as s:
        assert events.emit(s, events.JOB_DONE, {"job": 1}) == 0
        assert events.emit(s, events.ARTICLE_PUBLISHED, {"job": 1}) == 1


@pytest.mark.parametrize(("url", "names", "message"), [
    ("ftp://cms.example/hooks", "job.done", "is not an http:// or https:// URL"),
    ("cms.example/hooks", "job.done", "is not an http:// or https:// URL"),
    ("http://cms.example:99999/", "job.done", "is not a valid URL"),
    ("https://cms.example/hooks", "job.done,article.deleted", "unknown event 'article.deleted'"),
    ("https://cms.example/hooks", " , ", "no event given"),
])  # fmt: skip
def test_bad_subscriptions_are_refused_in_one_line(store, url, names, message):
    with pytest.raises(InputError, match=message):
        with store.write() as s:
            events.add_webhook(s, url, names)


def test_the_webhooks_commands(relais_home):
    bad = run_relais(relais_home, "webhooks", "add", "ftp://cms.example/x", "--events", "job.done")
    assert bad.returncode != 0 and "not an http:// or https:// URL" in bad.stderr
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    bad = run_relais(relais_home, "webhooks", "add", "https://cms.example/x", "--events", "job.done,story.eaten")
    assert bad.returncode != 0 and "unknown event 'story.eaten'" in bad.stderr and "Traceback" not in bad.stderr
    bad = run_relais(relais_home, "webhooks", "add", "https://cms.example/x", "--events", "job.done", "--secret", "hunter2")
    assert bad.returncode != 0 and "whsec_" in bad.stderr and "Traceback" not in bad.stderr

    added = run_relais(relais_home, "webhooks", "add", "https://cms.example/hooks", "--events", "job.done,story.outdated")
    assert added.returncode == 0, added.stderr
    secret = added.stdout.strip()
    assert secret.startswith("whsec_") and len(events.secret_key(secret)) == 32
    wide = relais_env(relais_home, COLUMNS="200")
    listed = run_relais(relais_home, "webhooks", "list", env=wide)
    assert "https://cms.example/hooks" in listed.stdout and "story.outdated" in listed.stdout
    assert secret not in listed.stdout  # shown once
    assert run_relais(relais_home, "webhooks", "deliveries").returncode == 0
    assert run_relais(relais_home, "webhooks", "deliver", "--once").returncode == 0
    missing = run_relais(relais_home, "webhooks", "remove", "99")
    assert missing.returncode != 0 and "no webhook 99" in missing.stderr and "Traceback" not in missing.stderr
    assert run_relais(relais_home, "webhooks", "remove", "1").returncode == 0
    assert "cms.example" not in run_relais(relais_home, "webhooks", "list", env=wide).stdout


def test_the_web_app_delivers_in_a_background_thread_while_it_runs(store):
    from fastapi.testclient import TestClient

    from relais.web.app import create_app

    secret = events.new_secret()
    with running_receiver(secret) as receiver:
        _subscribe(store, receiver.url, [events.JOB_DONE], secret)
        with TestClient(create_app(store, webhooks=QUICK)):  # lifespan: the deliverer starts, then stops
            with store.write() as s:
                events.emit(s, events.JOB_DONE, {"job": 3})
            got = receiver.wait_for(1)
    assert [r.body["data"]["job"] for r in got] == [3] and got[0].verified
    (row,) = _rows(store)
    assert row.status == "delivered"


def test_relais_webhooks_deliver_once_sends_what_is_due(relais_home):
    store = open_store(relais_home.db_url)
    secret = events.new_secret()
    try:
        with running_receiver(secret, [500]) as receiver:
            _subscribe(store, receiver.url, [events.STORY_WITHDRAWN], secret)
            with store.write() as s:
                events.emit(s, events.STORY_WITHDRAWN, {"story": 4})
            (relais_home.path / "config.toml").write_text("[webhooks]\nbackoff = 3600\n")
            first = run_relais(relais_home, "webhooks", "deliver", "--once")
            assert first.returncode == 0, first.stderr
            assert [r.answered for r in receiver.received] == [500]  # the retry is an hour away: --once stops
            shown = run_relais(relais_home, "webhooks", "deliveries", env=relais_env(relais_home, COLUMNS="200"))
            assert "story.withdrawn" in shown.stdout and "pending" in shown.stdout and "500" in shown.stdout
    finally:
        store.close()


def test_a_real_job_run_emits_job_done_when_it_finishes(relais_home, tiny_gguf):
    from tests.helpers import running_desk
    from tests.jobs.test_capabilities import ARTICLE

    secret = events.new_secret()
    with running_receiver(secret) as receiver:
        with running_desk(relais_home, seeded=False, RELAIS_LLAMA_MODEL=str(tiny_gguf)) as desk:
            desk.add_webhook(receiver.url, "job.done", secret)
            (job_id,) = desk.queue(desk.ingest(ARTICLE, name="harbour.txt").article_id, ["fr"])
            with desk.store.read() as s:
                assert s.scalar(select(func.count()).select_from(WebhookDeliveryRow)) == 0  # queued is no event
            desk.run_here([job_id])
            assert desk.deliver_webhooks().delivered == 1
        (got,) = receiver.received
    assert got.verified and got.body["type"] == "job.done"
    assert (got.body["data"]["job"], got.body["data"]["language"], got.body["data"]["status"]) == (job_id, "fr", "done")
