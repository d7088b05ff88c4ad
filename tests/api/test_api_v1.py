"""The HTTP API under /api/v1 on the real app and store: the order of the answers (401,
then 403, then 422), tokens limited to languages, idempotent retries, the size limit, the
rate limit, the access log and the record of every write.  Who may call which operation
(every one, from the app's own OpenAPI description) is walked in test_route_walk.py."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from relais.review.tokens import SCOPES
from relais.store import repo
from relais.store.models import ApiWriteRow, ArticleRow
from relais.web.app import create_app
from tests.api.conftest import LiveServer, article, bearer, make_desk

PROBLEM = "application/problem+json"


def assert_problem(answer, status: int) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def test_a_token_is_no_one_outside_the_api(client, desk) -> None:
    token = desk.add_token("cms", list(SCOPES))
    assert client.post("/jobs/1/claim", headers=bearer(token)).status_code == 401
    assert client.get("/", headers={**bearer(token), "accept": "application/json"}).status_code == 401


def test_the_desks_json_is_under_api_v1_only(client, desk) -> None:
    """The editor's JSON moved under /api/v1: the old paths are gone, not aliased."""
    from relais.review import accounts

    with desk.store.write() as s:
        accounts.add_user(s, "ed", "a long enough password 1", "editor", [])
        session, _ = accounts.open_session(s, accounts.get_user(s, "ed"))
    client.cookies.set("relais_session", session)
    assert client.get("/api/v1/me").json()["name"] == "ed"
    for path in ("/api/me", "/api/users", "/api/queue", "/api/stats", "/api/terms", "/api/memory", "/api/jobs/1",
                 "/api/jobs/1/journal", "/api/jobs/1/revisions"):  # fmt: skip
        assert client.get(path).status_code == 404, path


def test_malformed_bodies_are_422_only_after_authentication(client, desk) -> None:
    token = desk.add_token("cms", ["ingest"])
    for bad in (b"{", b"[]", b'{"targets": []}', b'{"content": "x", "targets": ["fr"], "format": "pdf"}',
                b'{"content": "x", "targets": ["fr"], "surprise": 1}'):  # fmt: skip
        assert_problem(client.post("/api/v1/articles", content=bad), 401)
        assert_problem(client.post("/api/v1/articles", content=bad, headers=bearer(token)), 422)
    assert "xx" in assert_problem(client.post("/api/v1/articles", json=article(targets=["xx"]), headers=bearer(token)), 422)["detail"]
    # a page on a private address is not fetched ([fetch] allow_hosts does not name it)
    url_only = client.post("/api/v1/articles", json={"url": "http://127.0.0.1:9/a", "targets": ["fr"]}, headers=bearer(token))
    assert assert_problem(url_only, 422)["detail"].startswith("could not fetch the article: ")
    with desk.store.read() as s:
        assert s.scalar(select(func.count()).select_from(ArticleRow)) == 0  # nothing half-ingested


def test_a_token_for_some_languages_is_refused_the_others(client, desk) -> None:
    token = desk.add_token("cms-fr", ["ingest", "read"], ["fr"])
    assert "de" in assert_problem(client.post("/api/v1/articles", json=article(targets=["fr", "de"]),
                                              headers=bearer(token)), 403)["detail"]  # fmt: skip
    made = client.post("/api/v1/articles", json=article(targets=["fr"]), headers=bearer(token))
    assert made.status_code == 201, made.text
    other = desk.add_token("cms-all", ["ingest", "read"])
    de = client.post("/api/v1/articles", json=article(targets=["de"]), headers=bearer(other)).json()["jobs"][0]["id"]
    assert_problem(client.get(f"/api/v1/jobs/{de}", headers=bearer(token)), 403)
    story = client.get(f"/api/v1/stories/{made.json()['story']}", headers=bearer(token)).json()
    assert [j["target"] for v in story["versions"] for j in v["jobs"]] == ["fr"]


def test_post_answers_the_article_story_version_and_jobs_and_records_the_write(client, app, desk) -> None:
    token = desk.add_token("cms", ["ingest", "read"])
    first = client.post("/api/v1/articles", json=article(targets=["fr", "de"], external_id="cms-42"), headers=bearer(token))
    assert first.status_code == 201, first.text
    body = first.json()
    assert set(body) == {"article", "story", "version", "jobs"} and body["version"] == 1
    assert [(j["target"], j["status"]) for j in body["jobs"]] == [("fr", "queued"), ("de", "queued")]
    # the same CMS id with changed text: a new version of the same story
    changed = article(content=article()["content"] + "\n\nThe vote was close: eleven to nine.", external_id="cms-42")
    second = client.post("/api/v1/articles", json=changed, headers=bearer(token)).json()
    assert (second["story"], second["version"]) == (body["story"], 2)
    story = client.get(f"/api/v1/stories/{body['story']}", headers=bearer(token)).json()
    assert [v["version"] for v in story["versions"]] == [1, 2]
    job = client.get(f"/api/v1/jobs/{second['jobs'][0]['id']}", headers=bearer(token)).json()
    assert (job["status"], job["review"], job["target"], job["counts"]["drafted"]) == ("queued", "draft", "fr", 0)
    assert (job["story"], job["version"]) == (body["story"], 2)
    superseded = client.get(f"/api/v1/jobs/{body['jobs'][0]['id']}", headers=bearer(token)).json()
    assert superseded["review"] == "superseded"  # the update flow: version 1's unpublished job gives way
    assert_problem(client.get(f"/api/v1/jobs/{body['jobs'][0]['id']}/translation", headers=bearer(token)), 404)
    assert_problem(client.get("/api/v1/jobs/999", headers=bearer(token)), 404)
    with desk.store.read() as s:
        writes = s.scalars(select(ApiWriteRow).order_by(ApiWriteRow.id)).all()
        assert [(w.who, w.action, w.article_id) for w in writes] == [("token:cms", "ingest", body["article"]),
                                                                     ("token:cms", "ingest", second["article"])]  # fmt: skip
    app.state.access_log.flush()
    with desk.store.read() as s:
        from relais.review.tokens import access_log

        calls = [(c.who, c.method, c.path, c.status) for c in reversed(access_log(s))]
    assert calls[0] == ("token:cms", "POST", "/api/v1/articles", 201)
    assert ("token:cms", "GET", "/api/v1/jobs/999", 404) in calls
    assert next(t for t in desk.tokens() if t.name == "cms").last_used is not None


def test_a_retry_with_the_same_idempotency_key_gets_the_first_answer(client, desk) -> None:
    token, other = desk.add_token("cms", ["ingest"]), desk.add_token("feeds", ["ingest"])
    key = {"idempotency-key": "post-7f3a"}
    first = client.post("/api/v1/articles", json=article(), headers={**bearer(token), **key})
    changed = article(content=article()["content"] + "\n\nA second thought.")
    retry = client.post("/api/v1/articles", json=changed, headers={**bearer(token), **key})
    assert (retry.status_code, retry.json()) == (201, first.json())
    with desk.store.read() as s:
        assert s.scalar(select(func.count()).select_from(ArticleRow)) == 1
    # keys are per token: another token's same key is its own request
    theirs = client.post("/api/v1/articles", json=changed, headers={**bearer(other), **key})
    assert theirs.status_code == 201 and theirs.json()["article"] != first.json()["article"]


def test_bodies_over_the_limit_are_413_declared_or_streamed(relais_home, tiny_gguf) -> None:
    desk = make_desk(relais_home, tiny_gguf, RELAIS_MAX_BYTES="3000")
    try:
        token = desk.add_token("cms", ["ingest"])
        big = article(content="word " * 20_000)
        with LiveServer(create_app(desk.store, desk=desk)) as live, httpx.Client(base_url=live.url) as http:
            # authentication first: a wrong token is 401 whatever the size
            assert_problem(http.post("/api/v1/articles", json=big, headers=bearer("relais_wrong")), 401)
            assert_problem(http.post("/api/v1/articles", json=big, headers=bearer(token)), 413)

            def chunks():
                for _ in range(100):
                    yield b"x" * 10_000

            assert_problem(http.post("/api/v1/articles", content=chunks(), headers=bearer(token)), 413)
            assert http.post("/api/v1/articles", json=article(), headers=bearer(token)).status_code == 201
    finally:
        desk.close()


def test_a_token_over_its_rate_is_429_with_retry_after(relais_home, tiny_gguf) -> None:
    (relais_home.path / "config.toml").write_text("[api]\nrate_per_minute = 3\n")
    desk = make_desk(relais_home, tiny_gguf)
    try:
        busy, quiet = desk.add_token("busy", ["read"]), desk.add_token("quiet", ["read"])
        with TestClient(create_app(desk.store, desk=desk)) as client:
            answers = [client.get("/api/v1/stories/1", headers=bearer(busy)).status_code for _ in range(4)]
            assert answers == [404, 404, 404, 429]
            limited = client.get("/api/v1/stories/1", headers=bearer(busy))
            assert_problem(limited, 429)
            assert int(limited.headers["retry-after"]) >= 1
            assert client.get("/api/v1/stories/1", headers=bearer(quiet)).status_code == 404  # per token
    finally:
        desk.close()


def test_the_api_is_in_openapi_json(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "requestBody" in paths["/api/v1/articles"]["post"]


@pytest.mark.parametrize("with_csrf", [False, True])
def test_a_desk_session_writes_with_its_csrf_token(desk, client, with_csrf) -> None:
    from relais.review import accounts

    with desk.store.write() as s:
        accounts.add_user(s, "ed", "a long enough password 1", "editor", [])
        token, row = accounts.open_session(s, accounts.get_user(s, "ed"))
        csrf = row.csrf_token
    client.cookies.set("relais_session", token)
    headers = {"x-csrf-token": csrf} if with_csrf else {}
    answer = client.post("/api/v1/articles", json=article(), headers=headers)
    if with_csrf:
        assert answer.status_code == 201, answer.text
    else:
        assert_problem(answer, 403)
    assert client.get("/api/v1/stories/1").status_code in (200, 404)


def test_a_token_actor_can_never_review_or_publish(client, desk) -> None:
    """The review rules refuse a token's actor every review step, whatever a route did."""
    from relais.publish import publisher
    from relais.review import service
    from relais.review.tokens import Token
    from relais.review.workflow import InvalidState
    from relais.store.actors import PermissionDenied

    token = desk.add_token("cms", list(SCOPES))
    job_id = client.post("/api/v1/articles", json=article(), headers=bearer(token)).json()["jobs"][0]["id"]
    actor = Token(1, "cms", tuple(SCOPES), ()).actor
    for step in (service.claim, service.approve_article, service.sign_off, publisher.publish):
        with desk.store.write() as s, pytest.raises((PermissionDenied, InvalidState)):
            step(s, actor, job_id)
    with desk.store.read() as s:
        assert repo.get_job(s, job_id).review_status == "draft"


def test_an_article_sent_by_url_is_fetched_in_the_request(client, desk) -> None:
    from tests.api.conftest import ARTICLE
    from tests.web_server import Reply, WebServer

    page = f"<html><head><title>Ferry</title></head><body><article><h1>Ferry strike</h1><p>{ARTICLE}</p></article></body></html>"
    token = desk.add_token("cms", ["ingest", "read"])
    desk.config.fetch.allow_hosts = ("127.0.0.1",)
    with WebServer() as server:
        server.routes["/story"] = lambda request: Reply(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"})
        server.routes["/photo"] = lambda request: Reply(200, b"\x89PNG", {"Content-Type": "image/png"})
        url = f"http://127.0.0.1:{server.port}/story"
        made = client.post("/api/v1/articles", json={"url": url, "targets": ["fr"]}, headers=bearer(token))
        assert made.status_code == 201, made.text
        again = client.post("/api/v1/articles", json={"url": url, "targets": ["fr"]}, headers=bearer(token))
        assert again.json()["story"] == made.json()["story"]  # the same URL: the same story
        photo = client.post("/api/v1/articles", json={"url": f"http://127.0.0.1:{server.port}/photo", "targets": ["fr"]},
                            headers=bearer(token))  # fmt: skip
        assert "image/png is not a web page" in assert_problem(photo, 422)["detail"]
        missing = client.post("/api/v1/articles", json={"url": f"http://127.0.0.1:{server.port}/gone", "targets": ["fr"]},
                              headers=bearer(token))  # fmt: skip
        assert_problem(missing, 422)
    with desk.store.read() as s:
        assert s.scalar(select(func.count()).select_from(ArticleRow)) == 1
