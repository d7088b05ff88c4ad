"""The review app over HTTP (FastAPI TestClient) on a real seeded store."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from relais.document.model import BlockKind
from relais.review import accounts, service
from relais.review.accounts import LoginThrottle
from relais.store.actors import Actor
from relais.web.app import CSP, LOGIN_CSRF_COOKIE, SESSION_COOKIE, create_app
from relais.store.db import Store
from relais.store.models import JobRow, ReviewStatus
from tests.review.conftest import sign_in
from tests.review.seed import PASSWORD, SeededJob, seed_job

JSON = {"Accept": "application/json"}
FIXED = "La tempête a endommagé 4 200 mètres de digue en janvier."


def actor(store: Store, name: str) -> Actor:
    with store.read() as s:
        return Actor.of(accounts.get_user(s, name))


def status_of(store: Store, job_id: int) -> str:
    with store.read() as s:
        return service.job_view(s, job_id).review_status


def confirm_all(store: Store, job: SeededJob, who: str = "tina", *, release: bool = False) -> None:
    """``who`` confirms every segment (which claims the job); with ``release``, gives the job back."""
    person = actor(store, who)
    with store.write() as s:
        for seg in service.job_view(s, job.job_id).segments:
            if not seg.confirmed:
                service.confirm_segment(s, person, job.job_id, seg.id, seg.version)
        if release:
            service.release(s, person, job.job_id)


def approved_by_tina(store: Store, job: SeededJob) -> None:
    confirm_all(store, job)
    with store.write() as s:
        service.approve_article(s, actor(store, "tina"), job.job_id)


def claimed_by_tina(store: Store, job: SeededJob) -> None:
    with store.write() as s:
        service.claim(s, actor(store, "tina"), job.job_id)


def signed_off(store: Store, job: SeededJob) -> None:
    approved_by_tina(store, job)
    with store.write() as s:
        service.sign_off(s, actor(store, "eddie"), job.job_id)


def published(store: Store, job: SeededJob) -> None:
    from relais.publish.publisher import publish

    signed_off(store, job)
    with store.write() as s:
        publish(s, actor(store, "eddie"), job.job_id)


# --------------------------------------------------------------------------- write endpoints


@dataclass
class Write:
    name: str
    method: str
    path: Callable[[SeededJob], str]
    body: Callable[[SeededJob], dict | None]  # JSON body (None: a form post)
    prepare: Callable[[Store, SeededJob], None]
    allowed: frozenset[str]
    effect: Callable[[Store, SeededJob], bool]  # did the action happen?
    form: dict | None = None


def _revisions(store: Store, job: SeededJob) -> int:
    with store.read() as s:
        return len(service.revisions(s, job.job_id))


def _confirmed(store: Store, job: SeededJob) -> bool:
    with store.read() as s:
        return service.job_view(s, job.job_id).segments[1].confirmed


def _released(store: Store, job: SeededJob) -> bool:
    with store.read() as s:
        return service.job_view(s, job.job_id).assignee is None


def _user_added(store: Store, job: SeededJob) -> bool:
    with store.read() as s:
        return any(u.name == "newbie" for u in accounts.list_users(s))


def _nothing(store: Store, job: SeededJob) -> None:
    return None


# The termbase writes act on a rendering that ``prepare`` creates; its id goes here for ``path``.
PREPARED: dict[str, int] = {}
LAVROV = ("Sergei Lavrov", "Sergueï Lavrov")


def proposed_rendering(store: Store, job: SeededJob | None = None, source: str = LAVROV[0], text: str = LAVROV[1],
                       lang: str = "fr") -> int:  # fmt: skip
    """A rendering proposed by tina from the seeded job, waiting for an editor; its id."""
    from relais.memory import termbase

    with store.write() as s:
        term = termbase.get_or_add_term(s, source, "person")
        row = termbase.add_rendering(s, term, lang, text, forbidden=[source], proposed_by="tina",
                                     job_id=job.job_id if job else None)  # fmt: skip
        PREPARED["rendering"] = row.id
        return row.id


def rendering_status(store: Store, text: str = LAVROV[1]) -> str | None:
    from sqlalchemy import select

    from relais.store.models import TermRenderingRow

    with store.read() as s:
        return s.scalar(select(TermRenderingRow.status).where(TermRenderingRow.text == text))


def published_story(store: Store, job: SeededJob) -> None:
    """The seeded job published; its story's id goes in ``PREPARED`` for ``path``."""
    published(store, job)
    with store.read() as s:
        PREPARED["story"] = s.get(JobRow, job.job_id).article.story_id


def story_withdrawn(store: Store, job: SeededJob) -> bool:
    with store.read() as s:
        return s.get(JobRow, job.job_id).article.story.withdrawn_at is not None


REVIEWERS_FR = frozenset({"tina", "eddie", "ada"})
EDITORS = frozenset({"eddie", "ada"})
EVERYONE = frozenset({"tina", "dora", "eddie", "ada"})

WRITES = [
    Write("claim", "POST", lambda j: f"/jobs/{j.job_id}/claim", lambda j: None, _nothing, REVIEWERS_FR,
          lambda st, j: status_of(st, j.job_id) == ReviewStatus.IN_REVIEW),
    Write("save segment", "PUT", lambda j: f"/api/v1/jobs/{j.job_id}/segments/{j.segment_ids[3]}",
          lambda j: {"text": FIXED, "base_version": 0, "active_seconds": 4.5}, _nothing, REVIEWERS_FR,
          lambda st, j: _revisions(st, j) == 1),
    Write("confirm segment", "POST", lambda j: f"/api/v1/jobs/{j.job_id}/segments/{j.segment_ids[1]}/confirm",
          lambda j: {"version": 0, "seconds": 3.5}, _nothing, REVIEWERS_FR, _confirmed),
    Write("release", "POST", lambda j: f"/jobs/{j.job_id}/release", lambda j: None, claimed_by_tina, REVIEWERS_FR,
          _released),
    Write("approve article", "POST", lambda j: f"/jobs/{j.job_id}/approve", lambda j: None,
          lambda st, j: confirm_all(st, j, release=True), REVIEWERS_FR,
          lambda st, j: status_of(st, j.job_id) == ReviewStatus.APPROVED),
    Write("sign off", "POST", lambda j: f"/jobs/{j.job_id}/signoff", lambda j: None, approved_by_tina, EDITORS,
          lambda st, j: status_of(st, j.job_id) == ReviewStatus.SIGNED_OFF),
    Write("reopen", "POST", lambda j: f"/jobs/{j.job_id}/reopen", lambda j: None, approved_by_tina, EDITORS,
          lambda st, j: status_of(st, j.job_id) == ReviewStatus.IN_REVIEW, {"reason": "the headline is wrong"}),
    Write("publish", "POST", lambda j: f"/jobs/{j.job_id}/publish", lambda j: None, signed_off, EDITORS,
          lambda st, j: status_of(st, j.job_id) == ReviewStatus.PUBLISHED),
    Write("add user", "POST", lambda j: "/users", lambda j: None, _nothing, frozenset({"ada"}), _user_added,
          {"name": "newbie", "password": "a long enough password", "role": "translator", "languages": "fr"}),
    Write("add term", "POST", lambda j: "/terms", lambda j: None, _nothing, REVIEWERS_FR,
          lambda st, j: rendering_status(st) is not None,
          {"source_term": LAVROV[0], "type": "person", "lang": "fr", "rendering": LAVROV[1], "forbidden": LAVROV[0]}),
    Write("approve term rendering", "POST", lambda j: f"/terms/renderings/{PREPARED['rendering']}/approve",
          lambda j: None, proposed_rendering, EDITORS, lambda st, j: rendering_status(st) == "approved"),
    Write("reject term rendering", "POST", lambda j: f"/terms/renderings/{PREPARED['rendering']}/reject",
          lambda j: None, proposed_rendering, EDITORS, lambda st, j: rendering_status(st) is None),
    Write("withdraw story", "POST", lambda j: f"/stories/{PREPARED['story']}/withdraw", lambda j: None,
          published_story, EDITORS, story_withdrawn, {"reason": "a legal complaint"}),
    Write("logout", "POST", lambda j: "/logout", lambda j: None, _nothing, EVERYONE, lambda st, j: True),
]
ROLES = ["ada", "eddie", "tina", "dora", None]  # admin, editor, translator fr, translator de, anonymous


def send(client: TestClient, w: Write, job: SeededJob, csrf: str | None, *, header: bool = True):
    headers = dict(JSON)
    form = dict(w.form or {})
    body = w.body(job)
    if csrf is not None:
        if header or body is not None:  # JSON calls send the header; form posts may use the field
            headers["X-CSRF-Token"] = csrf
        else:
            form["csrf_token"] = csrf
    if body is not None:
        return client.request(w.method, w.path(job), json=body, headers=headers)
    return client.request(w.method, w.path(job), data=form or None, headers=headers)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_role_matrix(client, store, job, write: Write, role: str | None):
    write.prepare(store, job)
    csrf = sign_in(client, store, role) if role else "no-session"
    r = send(client, write, job, csrf, header=role != "tina")  # tina's token goes in the form field
    if role is None:
        assert r.status_code == 401, r.text
        if write.path(job).startswith("/api/v1/"):  # the API answers RFC 9457 problem details
            assert r.headers["content-type"] == "application/problem+json" and r.json()["status"] == 401
        else:
            assert r.json() == {"detail": "sign in first"}
        if write.name != "logout":
            assert not write.effect(store, job)
    elif role in write.allowed:
        assert r.status_code == 200, r.text
        assert write.effect(store, job)
    else:
        assert r.status_code == 403, r.text
        if write.name != "logout":
            assert not write.effect(store, job)


@pytest.mark.parametrize("wrong", [None, "forged-token"], ids=["missing", "wrong"])
@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_csrf_rejected(client, store, job, write: Write, wrong: str | None):
    write.prepare(store, job)
    sign_in(client, store, "ada")  # allowed everything: only the token is missing
    r = send(client, write, job, wrong)
    assert r.status_code == 403, r.text
    assert "CSRF" in r.json()["detail"]
    if write.name != "logout":
        assert not write.effect(store, job)
    else:
        assert client.get("/api/v1/me").status_code == 200  # still signed in


def test_csrf_rejected_on_html_form_shows_page(client, store, job):
    sign_in(client, store, "tina")
    r = client.post(f"/jobs/{job.job_id}/claim", data={"csrf_token": "nope"}, follow_redirects=False)
    assert r.status_code == 403
    assert "text/html" in r.headers["content-type"]
    assert status_of(store, job.job_id) == ReviewStatus.DRAFT


# --------------------------------------------------------------------------- accounts


def login_token(client: TestClient) -> str:
    r = client.get("/login")
    assert r.status_code == 200
    token = client.cookies.get(LOGIN_CSRF_COOKIE)
    assert token and f'value="{token}"' in r.text
    return token


def test_login_form_sets_session_cookie(store, job):
    app = create_app(store, secure_cookies=True)
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
        token = login_token(client)
        r = client.post("/login", data={"name": "tina", "password": PASSWORD, "csrf_token": token, "next": "/jobs/1"},
                        follow_redirects=False)  # fmt: skip
        assert r.status_code == 303 and r.headers["location"] == "/jobs/1"
        set_cookie = [v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith(SESSION_COOKIE)][0]
        assert "HttpOnly" in set_cookie and "SameSite=strict" in set_cookie and "Secure" in set_cookie
        me = client.get("/api/v1/me").json()
        assert me["name"] == "tina" and me["role"] == "translator" and me["csrf_token"]
        r = client.post("/logout", data={"csrf_token": me["csrf_token"]}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        client.cookies.clear()
        assert client.get("/api/v1/me").status_code == 401


def test_login_needs_the_double_submit_token(client):
    token = login_token(client)
    for given in (None, "forged"):
        data = {"name": "tina", "password": PASSWORD}
        if given:
            data["csrf_token"] = given
        r = client.post("/login", data=data, follow_redirects=False)
        assert r.status_code == 403
        assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    client.cookies.delete(LOGIN_CSRF_COOKIE)
    r = client.post("/login", data={"name": "tina", "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403  # the cookie half is missing


def test_login_rate_limited(store):
    app = create_app(store, throttle=LoginThrottle(limit=3, window=300))
    with TestClient(app) as client:
        token = login_token(client)
        for _ in range(3):
            r = client.post("/login", data={"name": "tina", "password": "wrong password!", "csrf_token": token})
            assert r.status_code == 401
            assert "Wrong name or password" in r.text
        # now even the right password waits
        r = client.post("/login", data={"name": "tina", "password": PASSWORD, "csrf_token": token},
                        follow_redirects=False)  # fmt: skip
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 0
        assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
        r = client.post("/login", data={"name": "tina", "password": PASSWORD, "csrf_token": token}, headers=JSON)
        assert r.status_code == 429 and "Too many" in r.json()["detail"]


def test_anonymous(client, job):
    r = client.get(f"/jobs/{job.job_id}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=/jobs/{job.job_id}"
    for path in ("/api/v1/queue", f"/api/v1/jobs/{job.job_id}/review", "/api/v1/stats", "/api/v1/me", "/api/v1/users"):
        r = client.get(path)
        assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json", path
    assert client.get("/healthz").json()["status"] == "ok"


def test_users_page_and_add(client, store):
    sign_in(client, store, "tina")
    assert client.get("/users").status_code == 403
    csrf = sign_in(client, store, "ada")
    r = client.get("/users")
    assert r.status_code == 200 and "dora" in r.text
    r = client.post("/users", data={"name": "fritz", "password": "short", "role": "translator", "languages": "de",
                                    "csrf_token": csrf}, headers=JSON)  # fmt: skip
    assert r.status_code == 422 and "password" in r.json()["detail"]
    r = client.post("/users", data={"name": "fritz", "password": "a long enough password", "role": "translator",
                                    "languages": "de", "csrf_token": csrf}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/users"
    assert "Added fritz" in client.get("/users").text  # the flash message
    users = {u["name"]: u for u in client.get("/api/v1/users").json()}
    assert users["fritz"]["languages"] == ["de"] and users["fritz"]["role"] == "translator"


# --------------------------------------------------------------------------- queue and editor


def test_queue(client, store, job):
    csrf = sign_in(client, store, "tina")
    items = client.get("/api/v1/queue").json()
    assert [(i["job_id"], i["critical"], i["major"], i["review_status"]) for i in items] == [(job.job_id, 1, 1, "draft")]
    page = client.get("/")
    assert page.status_code == 200 and "Harbour town" in page.text and f'action="/jobs/{job.job_id}/claim"' in page.text
    assert client.get("/api/v1/queue?status=published").json() == []
    assert client.get("/api/v1/queue?sort=nonsense").status_code == 422
    r = client.post(f"/jobs/{job.job_id}/claim", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/jobs/{job.job_id}"
    assert client.get("/api/v1/queue").json()[0]["assignee"] == "tina"
    sign_in(client, store, "dora")
    assert client.get("/api/v1/queue").json() == []  # German only
    assert client.get(f"/jobs/{job.job_id}").status_code == 403
    assert client.get(f"/api/v1/jobs/{job.job_id}/review").status_code == 403


def test_editor_page(client, store, job):
    sign_in(client, store, "tina")
    r = client.get(f"/jobs/{job.job_id}")
    assert r.status_code == 200
    html = r.text
    assert html.count("<textarea") == 6
    assert "numbers.mismatch" in html and "untranslated.fragment" in html
    assert "Headline" in html and "Subheading" in html and "Key point" in html
    assert html.count('class="confirm-seg"') == 6 and "confirmed by" not in html
    assert 'id="approve-article" disabled' in html
    for key in ("Alt</kbd>+<kbd>↓", "Alt</kbd>+<kbd>N", "Ctrl</kbd>+<kbd>Enter", "Alt</kbd>+<kbd>Z", "Ctrl</kbd>+<kbd>S"):
        assert key in html
    assert '<script src="/static/editor.js"></script>' in html
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html)  # no inline script
    assert " style=" not in html  # no inline style
    # the source link is live and safe
    assert 'href="https://example.org/plan"' in html
    assert client.get(f"/api/v1/jobs/{job.job_id}/nope").status_code == 404
    assert client.get("/jobs/999").status_code == 404
    assert client.get("/api/v1/jobs/999/review").json()["detail"] == "no translation with id 999"


def test_static_files(client):
    r = client.get("/static/editor.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/app.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/..%2Fapp.py").status_code == 404
    assert client.get("/static/app.py").status_code == 404


def test_finding_disappears_after_fixing_save(client, store, job):
    csrf = sign_in(client, store, "tina")
    seg = job.segment_ids[3]
    before = client.get(f"/api/v1/jobs/{job.job_id}/review").json()
    found = [f["check"] for b in before["blocks"] for s in b["segments"] if s["id"] == seg for f in s["findings"]]
    assert found == ["numbers.mismatch"]
    r = client.put(f"/api/v1/jobs/{job.job_id}/segments/{seg}", json={"text": FIXED, "base_version": 0, "active_seconds": 7},
                   headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert r.status_code == 200
    assert r.json()["version"] == 1 and r.json()["findings"] == [] and r.json()["text"] == FIXED
    after = client.get(f"/api/v1/jobs/{job.job_id}/review").json()
    assert [s["findings"] for b in after["blocks"] for s in b["segments"] if s["id"] == seg] == [[]]
    # a wrong figure again: the finding is back, with the suggestion
    r = client.put(f"/api/v1/jobs/{job.job_id}/segments/{seg}",
                   json={"text": FIXED.replace("200", "900"), "base_version": 1}, headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert [f["check"] for f in r.json()["findings"]] == ["numbers.mismatch"]
    assert r.json()["findings"][0]["replaceable"] is True
    # the diff page shows the word diff and the effort
    diff = client.get(f"/jobs/{job.job_id}/diff").text
    assert "<del>300</del><ins>900</ins>" in diff and 'id="hter"' in diff


def test_invalid_edits(client, store, job):
    csrf = sign_in(client, store, "tina")
    url = f"/api/v1/jobs/{job.job_id}/segments/{job.segment_ids[5]}"
    h = {"X-CSRF-Token": csrf}
    r = client.put(url, json={"text": "Les travaux <a2>bientôt</a2>.", "base_version": 0}, headers=h)
    assert r.status_code == 422 and "<a2> is not a tag of the source segment" in r.json()["detail"]
    r = client.put(url, json={"text": "x", "base_version": -1}, headers=h)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"].startswith("base_version: ")
    r = client.put(url, json={"base_version": 0}, headers=h)
    assert r.status_code == 422
    r = client.put(f"/api/v1/jobs/{job.job_id}/segments/99999", json={"text": "x", "base_version": 0}, headers=h)
    assert r.status_code == 404


def test_conflict_keeps_both_versions(client, store, job):
    seg = job.segment_ids[4]
    url = f"/api/v1/jobs/{job.job_id}/segments/{seg}"
    tina_text = "Les bateaux de pêche sont restés à quai trois semaines."
    ada_text = "Les chalutiers sont restés au port pendant trois semaines."
    tina = sign_in(client, store, "tina")
    assert client.put(url, json={"text": tina_text, "base_version": 0}, headers={"X-CSRF-Token": tina}).status_code == 200
    assert client.post(f"/jobs/{job.job_id}/release", headers={"X-CSRF-Token": tina, **JSON}).status_code == 200
    ada = sign_in(client, store, "ada")
    r = client.put(url, json={"text": ada_text, "base_version": 0}, headers={"X-CSRF-Token": ada})
    assert r.status_code == 409
    assert r.json()["conflict"] == {"segment": seg, "version": 1, "text": tina_text, "yours": ada_text}
    # ada keeps hers, on top of tina's version
    r = client.put(url, json={"text": ada_text, "base_version": 1}, headers={"X-CSRF-Token": ada})
    assert r.status_code == 200 and r.json()["version"] == 2
    revs = [(r["version"], r["text"], r["by"]) for r in client.get(f"/api/v1/jobs/{job.job_id}/revisions").json()]
    assert revs == [(1, tina_text, "tina"), (2, ada_text, "ada")]


def test_approval_needs_every_segment_confirmed_and_four_eyes(client, store, job):
    tina = sign_in(client, store, "tina")
    h = {"X-CSRF-Token": tina, **JSON}
    r = client.post(f"/jobs/{job.job_id}/approve", headers=h)
    assert r.status_code == 409 and "are not confirmed" in r.json()["detail"]
    view = client.get(f"/api/v1/jobs/{job.job_id}/review").json()
    assert view["blockers"] == [f"block {i}, segment 1 is not confirmed" for i in range(1, 7)]
    # the HTML form goes back to the editor, which lists the blockers and says why
    r = client.post(f"/jobs/{job.job_id}/approve", data={"csrf_token": tina}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "cannot approve the article yet" in page and "block 3, segment 1 is not confirmed" in page
    # confirm a stale version: conflict
    r = client.post(f"/api/v1/jobs/{job.job_id}/segments/{job.segment_ids[0]}/confirm", json={"version": 3}, headers=h)
    assert r.status_code == 409
    segments = [s for b in view["blocks"] for s in b["segments"]]
    for s in segments[:-1]:
        r = client.post(f"/api/v1/jobs/{job.job_id}/segments/{s['id']}/confirm", json={"version": s["version"], "seconds": 2},
                        headers=h)  # fmt: skip
        assert r.status_code == 200 and r.json()["confirmed_by"] == "tina" and r.json()["confirmed_how"] == "editor"
    r = client.post(f"/jobs/{job.job_id}/approve", headers=h)
    assert r.status_code == 409 and r.json()["detail"].endswith("block 6, segment 1 is not confirmed")  # names it
    last = segments[-1]
    assert client.post(f"/api/v1/jobs/{job.job_id}/segments/{last['id']}/confirm", json={"version": 0}, headers=h).status_code == 200
    assert client.get(f"/api/v1/jobs/{job.job_id}/review").json()["blockers"] == []
    r = client.post(f"/jobs/{job.job_id}/approve", headers=h)
    assert r.status_code == 200 and r.json()["review_status"] == "approved"
    # four eyes: the translator cannot sign off (not an editor) …
    assert client.post(f"/jobs/{job.job_id}/signoff", headers=h).status_code == 403
    # … nor can an editor who edited a segment in this round
    eddie = sign_in(client, store, "eddie")
    he = {"X-CSRF-Token": eddie, **JSON}
    assert client.post(f"/jobs/{job.job_id}/reopen", data={"reason": "check"}, headers=he).status_code == 200
    r = client.put(f"/api/v1/jobs/{job.job_id}/segments/{job.segment_ids[3]}", json={"text": FIXED, "base_version": 0},
                   headers=he)  # fmt: skip
    assert r.status_code == 200
    assert client.post(f"/api/v1/jobs/{job.job_id}/segments/{job.segment_ids[3]}/confirm", json={"version": 1},
                       headers=he).status_code == 200  # fmt: skip
    assert client.post(f"/jobs/{job.job_id}/approve", headers=he).status_code == 200
    r = client.post(f"/jobs/{job.job_id}/signoff", headers=he)
    assert r.status_code == 403 and "four eyes" in r.json()["detail"]
    assert client.get(f"/api/v1/jobs/{job.job_id}/review").json()["actions"]["sign_off"] is False
    ada = sign_in(client, store, "ada")
    assert client.get(f"/api/v1/jobs/{job.job_id}/review").json()["actions"]["sign_off"] is True
    assert client.post(f"/jobs/{job.job_id}/signoff", headers={"X-CSRF-Token": ada, **JSON}).status_code == 200
    assert status_of(store, job.job_id) == ReviewStatus.SIGNED_OFF


# Every button the editor page can show, and the request it makes.
BUTTONS = {
    "claim": ("claim", lambda j: f"/jobs/{j.job_id}/claim"),
    "release": ("release", lambda j: f"/jobs/{j.job_id}/release"),
    "approve-article": ("approve", lambda j: f"/jobs/{j.job_id}/approve"),
    "signoff": ("sign_off", lambda j: f"/jobs/{j.job_id}/signoff"),
    "publish": ("publish", lambda j: f"/jobs/{j.job_id}/publish"),
    "reopen": ("reopen", lambda j: f"/jobs/{j.job_id}/reopen"),
}
SITUATIONS = {
    "draft": _nothing,
    "claimed by tina": claimed_by_tina,
    "all confirmed by tina": lambda st, j: confirm_all(st, j),
    "approved": approved_by_tina,
    "signed off": lambda st, j: (approved_by_tina(st, j), _sign_off(st, j, "eddie")),
    "published": lambda st, j: published(st, j),
}


def _sign_off(store: Store, job: SeededJob, who: str) -> None:
    with store.write() as s:
        service.sign_off(s, actor(store, who), job.job_id)


@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("who", ["ada", "eddie", "tina", "dora"])
def test_the_page_offers_exactly_what_the_service_allows(new_store_url, seeded_job, who, situation):
    """For each person and job situation: every button on the page works when pressed,
    and every action the page leaves out is refused by the service."""
    from relais.store.db import open_store
    from tests.review.seed import SEEDED

    for button, (action, path) in BUTTONS.items():
        store = open_store(new_store_url(template=SEEDED))  # pressing a button changes the job: a fresh copy each
        try:
            SITUATIONS[situation](store, seeded_job)
            with TestClient(create_app(store)) as client:
                csrf = sign_in(client, store, who)
                page = client.get(f"/jobs/{seeded_job.job_id}")
                if page.status_code == 403:
                    offered = False  # not their language: the page is not even shown
                else:
                    shown = re.search(rf'<button[^>]*id="{button}"[^>]*>', page.text)
                    offered = bool(shown) and "disabled" not in shown.group(0)  # a disabled button offers nothing
                    assert offered == client.get(f"/api/v1/jobs/{seeded_job.job_id}/review").json()["actions"][action], button
                r = client.post(path(seeded_job), data={"csrf_token": csrf, "reason": "a check"}, headers=JSON)
                assert (r.status_code == 200) is offered, (button, r.status_code, r.text[:200])
                if not offered:
                    assert r.status_code in (403, 409), r.text
        finally:
            store.close()


def test_edit_after_approval_is_refused(client, store, job):
    approved_by_tina(store, job)
    tina = sign_in(client, store, "tina")
    r = client.put(f"/api/v1/jobs/{job.job_id}/segments/{job.segment_ids[1]}", json={"text": "x", "base_version": 0},
                   headers={"X-CSRF-Token": tina})  # fmt: skip
    assert r.status_code == 409 and "reopen" in r.json()["detail"]
    assert "readonly" in client.get(f"/jobs/{job.job_id}").text


def test_publish_and_exports(client, store, job):
    csrf = sign_in(client, store, "tina")
    h = {"X-CSRF-Token": csrf}
    client.put(f"/api/v1/jobs/{job.job_id}/segments/{job.segment_ids[3]}", json={"text": FIXED, "base_version": 0,
               "active_seconds": 12}, headers=h)  # fmt: skip
    for path in ("publication.md", "publication.html", "publication.json", "audit.json"):
        assert client.get(f"/jobs/{job.job_id}/{path}").status_code == 404  # not published yet
    approved_by_tina(store, job)
    eddie = sign_in(client, store, "eddie")
    r = client.post(f"/jobs/{job.job_id}/signoff", data={"csrf_token": eddie}, follow_redirects=False)
    assert r.status_code == 303
    assert "Signed off" in client.get(f"/jobs/{job.job_id}").text
    page = client.get(f"/jobs/{job.job_id}").text
    assert 'id="publish"' in page and 'id="signoff"' not in page
    r = client.post(f"/jobs/{job.job_id}/publish", data={"csrf_token": eddie}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/jobs/{job.job_id}").text
    assert f'href="/jobs/{job.job_id}/publication.md"' in page and f'href="/jobs/{job.job_id}/audit.json"' in page
    disclosure = "Cet article a été traduit de l’anglais"
    md = client.get(f"/jobs/{job.job_id}/publication.md")
    assert md.headers["content-type"].startswith("text/markdown")
    assert "4 200 mètres" in md.text and disclosure in md.text and "UNREVIEWED" not in md.text
    html = client.get(f"/jobs/{job.job_id}/publication.html")
    assert html.headers["content-security-policy"] == CSP
    assert disclosure in html.text and "UNREVIEWED" not in html.text and "unreviewed" not in html.text
    assert "UNREVIEWED" not in client.get(f"/jobs/{job.job_id}/publication.json").text
    audit = client.get(f"/jobs/{job.job_id}/audit.json").json()
    assert audit["translators"] == ["tina"] and audit["signed_off"]["by"] == "eddie"
    assert audit["published_by"] == "eddie" and audit["effort"]["hter"] > 0
    assert audit["segments"][3]["final"] == FIXED and audit["segments"][3]["active_seconds"] == 12
    # the statistics count it
    stats = client.get("/api/v1/stats").json()
    assert stats["total"]["articles"] == 1
    assert stats["languages"][0]["key"] == "fr" and stats["languages"][0]["mean_hter"] == pytest.approx(audit["effort"]["hter"])
    assert stats["reviewers"][0]["key"] == "tina" and stats["reviewers"][0]["active_seconds"] == 12
    page = client.get("/stats").text
    assert "<svg" in page and "Mean HTER per language" in page and "<rect" in page
    sign_in(client, store, "tina")
    assert client.get("/api/v1/stats").status_code == 403
    assert client.get(f"/jobs/{job.job_id}/publication.md").status_code == 200  # her language


def test_every_route_is_in_openapi(app, client):
    schema = client.get("/openapi.json").json()
    documented = {(path, method.upper()) for path, ops in schema["paths"].items() for method in ops}
    served = set()
    for route in (c.original_route for c in iter_route_contexts(app.routes)):  # into the included routers
        if route.path == app.openapi_url:
            continue
        assert isinstance(route, APIRoute), f"{route.path} is not an API route, so it is not documented"
        assert route.include_in_schema, route.path
        served |= {(route.path, m) for m in route.methods}
    assert served == documented
    # the form posts describe their fields
    claim = schema["paths"]["/jobs/{job_id}/claim"]["post"]
    assert "application/x-www-form-urlencoded" in claim["requestBody"]["content"]
    assert ("/login", "POST") in documented and ("/api/v1/jobs/{job_id}/segments/{segment_id}", "PUT") in documented


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/app.css", "/", "/api/v1/queue", "/nowhere", "/openapi.json"])
def test_security_headers(client, path):
    r = client.get(path, follow_redirects=False)
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"


HOSTILE = [
    (BlockKind.HEADLINE, "Pwned <script>alert(1)</script> headline", "Titre <script>alert(1)</script> piégé"),
    (BlockKind.PARAGRAPH, "See <a1>this page</a1> now.", "Voir <a1>cette page</a1> maintenant."),
    (BlockKind.PARAGRAPH, 'An image <img src=x onerror="alert(2)"> here.', 'Une image <img src=x onerror="alert(2)"> ici.'),
]


def test_hostile_article_is_inert(client, store):
    hostile = seed_job(store, HOSTILE, {1: {"a1": {"href": "javascript:alert(3)"}}}, title='<img src=x onerror="alert(4)">')
    sign_in(client, store, "ada")
    for path in ("/", f"/jobs/{hostile.job_id}", f"/jobs/{hostile.job_id}/diff"):
        html = client.get(path).text
        assert "<script>alert" not in html, path
        assert "<img" not in html, path
        assert "javascript:" not in html, path
        assert re.search(r"<[^>]*\sonerror=", html) is None, path
    html = client.get(f"/jobs/{hostile.job_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text
    assert "onerror=&#34;alert(2)&#34;" in html or "onerror=&quot;alert(2)&quot;" in html


def test_editor_shows_every_segment_of_a_long_article(client, store):
    # Speed is measured by bench/review.py, not here.
    story = [(BlockKind.HEADLINE, "Sixty segments of news", "Soixante segments d’actualité")] + [
        (BlockKind.PARAGRAPH, f"Paragraph {i} says that {i} boats stayed in port.",
         f"Le paragraphe {i} dit que {i} bateaux sont restés au port.")
        for i in range(1, 60)
    ]  # fmt: skip
    big = seed_job(store, story, {})
    sign_in(client, store, "tina")
    html = client.get(f"/jobs/{big.job_id}").text
    assert html.count("<textarea") == 60
    assert "Le paragraphe 59 dit que 59 bateaux" in html
