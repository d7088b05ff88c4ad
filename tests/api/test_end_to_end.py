"""A CMS and a newsroom through the desk, end to end, with real parts only: a story
POSTed to a live server on loopback is translated where the API is (the server's own
worker on SQLite, two ``relais worker`` processes on PostgreSQL) with the tiny random-weight
GGUF engine; a webhook receiver on loopback, verifying every signature with the
``standardwebhooks`` package, hears ``job.done``; the CMS reads the unreviewed draft; a
translator corrects and confirms every segment and approves, an editor signs off and
publishes through the desk; the receiver hears ``article.published`` and the CMS reads
the publication, disclosure line included."""

from __future__ import annotations

import httpx

from relais.config import Webhooks
from relais.jobs.serve import ServeWorker
from relais.jobs.webhooks import BackgroundDeliverer
from relais.locales import get_locale
from relais.review import service
from relais.store import events
from relais.web.app import create_app
from tests.api.conftest import LiveServer, article, bearer
from tests.api.test_serve_worker import wait_done
from tests.helpers import relais_env
from tests.jobs.test_queue import worker as relais_worker
from tests.stores import on_postgres
from tests.webhooks.receiver import running_receiver

PASSWORD = "a long enough password"


def _review_and_publish(desk, job_id: int):
    desk.add_user("tina", PASSWORD, "translator", ["fr"])
    desk.add_user("eddie", PASSWORD, "editor", ["fr"])
    tina, eddie = desk.person("tina", PASSWORD), desk.person("eddie", PASSWORD)
    with desk.store.write() as s:
        service.claim(s, tina, job_id)
        for n, seg in enumerate(service.job_view(s, job_id).segments):
            # the random model's drafts are noise: the translator writes each sentence
            saved = service.save_segment(s, tina, job_id, seg.id, f"Phrase relue numéro {n + 1}.", seg.version, active_seconds=5)
            service.confirm_segment(s, tina, job_id, seg.id, saved.version, seconds=3.0)
        service.approve_article(s, tina, job_id)
    return desk.publish(job_id, eddie, sign_off=True)


def test_a_story_from_the_cms_to_its_publication(desk, relais_home, tiny_gguf) -> None:
    token = desk.add_token("cms", ["ingest", "read", "drafts"])
    secret = events.new_secret()
    with running_receiver(secret) as receiver:
        with desk.store.write() as s:
            events.add_webhook(s, receiver.url, [events.JOB_DONE, events.ARTICLE_PUBLISHED], secret)
        deliverer = BackgroundDeliverer(desk.store, Webhooks(poll=0.1, timeout=10)).start()
        app = create_app(desk.store, desk=desk)
        worker = None if on_postgres() else ServeWorker(desk, poll=0.2).start()
        try:
            with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as http:
                if worker is not None:
                    app.state.on_queued = worker.wake
                made = http.post("/api/v1/articles", json=article(external_id="harbour-7", targets=["fr", "de"]),
                                 headers=bearer(token))  # fmt: skip
                assert made.status_code == 201, made.text
                job_id, de_job = (j["id"] for j in made.json()["jobs"])
                if worker is None:  # PostgreSQL: two worker processes share the queue
                    env = relais_env(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf), RELAIS_RISK_METHOD="rules")
                    workers = [relais_worker(env, "--exit-when-empty", "--name", f"w{n}") for n in (1, 2)]
                    for proc in workers:
                        assert proc.wait(timeout=300) == 0, proc.log()
                assert wait_done(http, job_id, token)["status"] == "done"
                assert wait_done(http, de_job, token)["status"] == "done"
                done = receiver.wait_for(2, timeout=60)
                assert all(r.verified for r in done)
                assert sorted((r.body["type"], r.body["data"]["job"]) for r in done) == [("job.done", job_id), ("job.done", de_job)]

                draft = http.get(f"/api/v1/jobs/{job_id}/translation", params={"state": "draft"}, headers=bearer(token))
                assert draft.status_code == 200 and draft.headers["relais-review"] == "unreviewed"
                assert http.get(f"/api/v1/jobs/{job_id}/translation", headers=bearer(token)).status_code == 404

                publication = _review_and_publish(desk, job_id)
                got = receiver.wait_for(3, timeout=60)
                assert len(got) == 3  # each event once, however many deliverers ran
                published = got[2]
                assert published.verified and published.body["type"] == "article.published"
                assert published.body["data"]["job"] == job_id

                final = http.get(f"/api/v1/jobs/{job_id}/translation", params={"format": "md"}, headers=bearer(token))
                assert final.status_code == 200, final.text
                assert final.headers["relais-review"] == "published"
                assert "Phrase relue numéro 1." in final.text
                assert get_locale("fr").disclosure["en"] in final.text  # the disclosure, now that a person answers for it
                assert publication.number == 1
                job = http.get(f"/api/v1/jobs/{job_id}", headers=bearer(token)).json()
                assert job["status"] == "done"
        finally:
            if worker is not None:
                worker.stop(timeout=60)
            deliverer.stop()
