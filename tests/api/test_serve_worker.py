"""Jobs run where the API is: a story POSTed to a live server is translated by the
server's own background worker on SQLite (by ``relais worker`` on PostgreSQL), and its
draft is then served, marked unreviewed, to a token with the ``drafts`` scope.  Real
parts: uvicorn on loopback, the tiny random-weight GGUF engine, the real store."""

from __future__ import annotations

import time

import httpx

from relais.web.app import create_app
from relais.jobs.serve import ServeWorker
from tests.api.conftest import LiveServer, article, bearer
from tests.stores import on_postgres


def wait_done(http: httpx.Client, job_id: int, token: str, limit: float = 300) -> dict:
    """Poll the job until it is no longer queued or running (a bound, not a timing)."""
    deadline = time.monotonic() + limit
    while True:
        job = http.get(f"/api/v1/jobs/{job_id}", headers=bearer(token)).json()
        if job["status"] not in ("queued", "running") or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def run_queue_once(desk) -> None:
    from relais.jobs.queue import run_worker

    run_worker(desk.config, desk.store, exit_when_empty=True, name="api-test")


def test_posted_story_is_translated_by_the_server_and_its_draft_served(desk) -> None:
    reader = desk.add_token("cms", ["ingest", "read", "drafts"])
    plain = desk.add_token("site", ["read"])
    app = create_app(desk.store, desk=desk)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as http:
        # Queued while no worker runs (as before a restart): the worker takes it up when it starts.
        first = http.post("/api/v1/articles", json=article(external_id="harbour-1"), headers=bearer(reader))
        assert first.status_code == 201, first.text
        job_id = first.json()["jobs"][0]["id"]
        assert http.get(f"/api/v1/jobs/{job_id}", headers=bearer(reader)).json()["status"] == "queued"
        if on_postgres():
            assert desk.task_queue is not None  # `relais serve` starts no worker here: `relais worker` runs the jobs
            run_queue_once(desk)
            job = wait_done(http, job_id, reader)
        else:
            with ServeWorker(desk, poll=0.5) as worker:
                app.state.on_queued = worker.wake
                job = wait_done(http, job_id, reader)
                # and a story sent while it runs is run too
                second = http.post("/api/v1/articles", json=article(targets=["de"]), headers=bearer(reader)).json()
                assert wait_done(http, second["jobs"][0]["id"], reader)["status"] == "done"
            assert worker.ran[:1] == [job_id]
        assert job["status"] == "done", job
        assert job["counts"]["drafted"] == job["counts"]["segments"] > 0
        assert job["review"] == "draft"

        draft = http.get(f"/api/v1/jobs/{job_id}/translation", params={"state": "draft", "format": "md"},
                         headers=bearer(reader))  # fmt: skip
        assert draft.status_code == 200, draft.text
        assert draft.headers["relais-review"] == "unreviewed"
        assert draft.headers["content-type"].startswith("text/markdown")
        html = http.get(f"/api/v1/jobs/{job_id}/translation", params={"state": "draft", "format": "html"},
                        headers=bearer(reader)).text  # fmt: skip
        assert "relais-unreviewed" in html
        # without the drafts scope: no draft; no publication yet: 404
        assert http.get(f"/api/v1/jobs/{job_id}/translation", params={"state": "draft"}, headers=bearer(plain)).status_code == 403
        assert http.get(f"/api/v1/jobs/{job_id}/translation", headers=bearer(plain)).status_code == 404


def test_the_worker_stops_cleanly_and_resumes_what_it_left(desk) -> None:
    token = desk.add_token("cms", ["ingest", "read"])
    worker = ServeWorker(desk, poll=0.2).start()
    worker.stop(timeout=30)
    assert not worker._thread.is_alive()
    with LiveServer(create_app(desk.store, desk=desk)) as live, httpx.Client(base_url=live.url, timeout=30) as http:
        job_id = http.post("/api/v1/articles", json=article(), headers=bearer(token)).json()["jobs"][0]["id"]
        if on_postgres():
            return  # the queue's own resumption: tests/jobs/test_queue.py
        with ServeWorker(desk, poll=0.2):  # "after a restart"
            assert wait_done(http, job_id, token)["status"] == "done"
