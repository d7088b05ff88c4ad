"""The translation-memory and termbase pages of the review desk (issue 5)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from relais.memory import termbase, tm
from relais.store.db import Store
from tests.review.conftest import sign_in
from tests.review.seed import SeededJob
from tests.review.test_api import JSON, LAVROV, proposed_rendering, rendering_status

QUAY = ("The council approved the plan to rebuild the quay.", "Le conseil a approuvé le plan de reconstruction du quai.")


def add_tm(store: Store, source: str, target: str, lang: str = "fr", job: SeededJob | None = None, **kw):
    with store.write() as s:
        row = tm.add_entry(s, "en", lang, source, target, approved_by=kw.pop("approved_by", "tina"),
                           approved_at=kw.pop("approved_at", datetime(2025, 3, 14, 9, 30, tzinfo=UTC)),
                           job_id=job.job_id if job else None, article_id=job.article_id if job else None, **kw)  # fmt: skip
        return row.id


def no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*src=)", html)
    assert " style=" not in html and "<style" not in html


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize("path", ["/memory", "/terms"])
def test_pages_redirect_anonymous(client, path):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next={path}"
    r = client.get("/api/v1" + path)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("name", ["tina", "dora", "eddie", "ada"])
def test_pages_render_for_everyone_signed_in(client, store, name):
    sign_in(client, store, name)
    for path in ("/memory", "/terms"):
        r = client.get(path)
        assert r.status_code == 200, (name, path)
        assert 'href="/memory"' in r.text and 'href="/terms"' in r.text  # the nav
        assert r.headers["cache-control"] == "no-store"
        no_inline_code(r.text)


# --------------------------------------------------------------------------- memory


def test_search_finds_an_entry_with_its_provenance(client, store, job):
    entry = add_tm(store, *QUAY, job=job)
    add_tm(store, "The quay is closed.", "Der Kai ist gesperrt.", lang="de", approved_by="dora")
    sign_in(client, store, "dora")  # any signed-in person may search, in any language
    data = client.get("/api/v1/memory", params={"q": "quay", "target": "fr"}).json()
    assert data["mode"] == "search"
    [hit] = data["results"]
    assert hit["id"] == entry and hit["target_text"] == QUAY[1]
    assert (hit["source_lang"], hit["target_lang"], hit["approved_by"], hit["origin"]) == ("en", "fr", "tina", "review")
    assert hit["approved_at"].startswith("2025-03-14") and hit["job_url"] == f"/jobs/{job.job_id}"
    assert len(client.get("/api/v1/memory", params={"q": "QUAY"}).json()["results"]) == 2  # all languages, any case
    assert client.get("/api/v1/memory", params={"q": "quai", "target": "de"}).json()["results"] == []
    stats = {(p["source_lang"], p["target_lang"]): p for p in data["stats"]}
    assert stats[("en", "fr")]["entries"] == 1 and stats[("en", "de")]["origins"] == {"review": 1}
    assert client.get("/api/v1/memory", params={"q": "quay", "target": "xx"}).status_code == 422
    assert client.get("/api/v1/memory", params={"q": "quay", "mode": "nonsense"}).status_code == 422

    page = client.get("/memory", params={"q": "quay", "target": "fr"}).text
    assert QUAY[1] in page and f'href="/jobs/{job.job_id}"' in page and "2025-03-14" in page
    assert "Der Kai" not in page.split("tm-results")[1]
    assert "en → fr" in page and "en → de" in page  # the per-pair stats at the top
    assert "Nothing found." in client.get("/memory", params={"q": "zeppelin"}).text


def test_lookup_ranks_matches(client, store):
    base = "The storm damaged 4,200 metres of sea wall in January."
    exact = add_tm(store, base, "La tempête a endommagé 4 200 mètres de digue en janvier.")
    close = add_tm(store, "The storm damaged 4,300 metres of sea wall in January.", "… 4 300 mètres …")
    far = add_tm(store, "Last winter a storm damaged 4,200 metres of the harbour wall.", "L’hiver dernier …")
    add_tm(store, "Fishing boats stayed in port for three weeks.", "Les bateaux …")
    add_tm(store, base, "Der Sturm …", lang="de")
    sign_in(client, store, "tina")
    data = client.get("/api/v1/memory", params={"q": base, "target": "fr", "mode": "lookup", "threshold": 0.4}).json()
    results = data["results"]
    assert [r["id"] for r in results] == [exact, close, far]
    assert results[0]["exact"] is True and results[0]["score"] == 1.0
    assert 1.0 > results[1]["score"] > results[2]["score"] >= 0.4 and not results[1]["exact"]
    strict = client.get("/api/v1/memory", params={"q": base, "target": "fr", "mode": "lookup", "threshold": 0.9}).json()
    assert [r["id"] for r in strict["results"]] == [exact, close]
    r = client.get("/api/v1/memory", params={"q": base, "mode": "lookup"})
    assert r.status_code == 422 and "target language" in r.json()["detail"]

    page = client.get("/memory", params={"q": base, "target": "fr", "mode": "lookup", "threshold": 0.5}).text
    assert "Matches, best first" in page and ">exact<" in page
    assert page.index("4 200 mètres") < page.index("4 300 mètres")
    assert f"{results[1]['score'] * 100:.0f} %" in page
    assert "Der Sturm" not in page
    page = client.get("/memory", params={"q": base, "mode": "lookup"})
    assert page.status_code == 200 and "choose a target language" in page.text


# --------------------------------------------------------------------------- termbase


def add_term(client, csrf: str | None, lang: str = "fr", json: bool = True, **fields):
    data = {"source_term": LAVROV[0], "type": "person", "lang": lang, "rendering": LAVROV[1],
            "forbidden": "Sergei Lavrov, Sergej Lawrow, ", "note": "the French press spelling", **fields}  # fmt: skip
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.post("/terms", data=data, headers=JSON if json else {}, follow_redirects=False)


def test_translator_proposes(client, store):
    csrf = sign_in(client, store, "tina")
    r = add_term(client, csrf)
    assert r.status_code == 200, r.text
    rendering = r.json()["rendering"]
    assert rendering["status"] == "proposed" and rendering["proposed_by"] == "tina" and rendering["approved_by"] is None
    assert rendering["forbidden"] == ["Sergei Lavrov", "Sergej Lawrow"] and rendering["note"] == "the French press spelling"
    [term] = client.get("/api/v1/terms", params={"lang": "fr", "status": "proposed"}).json()
    assert term["source_term"] == LAVROV[0] and term["type"] == "person"
    assert [x["text"] for x in term["renderings"]] == [LAVROV[1]]
    assert client.get("/api/v1/terms", params={"status": "approved"}).json() == []
    # the page: proposed, with its forbidden variants and who proposed it; no buttons for a translator
    page = client.get("/terms").text
    assert "Sergueï Lavrov" in page and "<s lang=\"fr\">Sergej Lawrow</s>" in page and "proposed by tina" in page
    assert "/approve" not in page and "/reject" not in page
    # as a form post: back to the page with a flash
    r = add_term(client, csrf, json=False, source_term="Kaja Kallas", rendering="Kaja Kallas", forbidden="")
    assert r.status_code == 303 and r.headers["location"] == "/terms?q=Kaja+Kallas"
    assert "an editor will review it" in client.get(r.headers["location"]).text


def test_editor_adds_approved(client, store):
    proposed_rendering(store, source=LAVROV[0], text="Sergeï Lavrov")  # tina's older proposal
    csrf = sign_in(client, store, "eddie")
    r = add_term(client, csrf, lang="de", rendering="Sergej Lawrow", forbidden="Sergei Lavrov")
    assert r.status_code == 200, r.text
    rendering = r.json()["rendering"]
    assert rendering["status"] == "approved" and rendering["approved_by"] == "eddie" and rendering["lang"] == "de"
    with store.write() as s:
        assert termbase.termbase_for(s, "de").renderings(LAVROV[0], "de") == ("Sergej Lawrow", ["Sergei Lavrov"])
    # the French proposal still waits
    [term] = client.get("/api/v1/terms", params={"lang": "fr"}).json()
    assert [(x["text"], x["status"]) for x in term["renderings"]] == [("Sergeï Lavrov", "proposed")]


def test_translator_cannot_add_for_another_language(client, store):
    csrf = sign_in(client, store, "tina")
    r = add_term(client, csrf, lang="de", rendering="Sergej Lawrow")
    assert r.status_code == 403
    assert rendering_status(store, "Sergej Lawrow") is None
    assert client.get("/api/v1/terms").json() == []
    r = add_term(client, csrf, lang="xx")
    assert r.status_code == 422
    r = add_term(client, csrf, type="planet")
    assert r.status_code == 422 and rendering_status(store) is None
    # the form offers only her languages
    form = client.get("/terms").text.split('class="card add-term"')[1]
    assert '<option value="fr"' in form and '<option value="de"' not in form


def test_approve_and_reject(client, store, job):
    first = proposed_rendering(store, job)
    second = proposed_rendering(store, job, source="Kaja Kallas", text="Kaïa Kallas")
    # a translator sees no buttons and may not use them
    tina = sign_in(client, store, "tina")
    for action in ("approve", "reject"):
        r = client.post(f"/terms/renderings/{first}/{action}", data={"csrf_token": tina}, headers=JSON)
        assert r.status_code == 403 and "editors only" in r.json()["detail"]
    assert rendering_status(store) == "proposed"
    # an editor sees the count, the job it came from and the buttons
    eddie = sign_in(client, store, "eddie")
    page = client.get("/terms").text
    assert re.search(r'class="badge nav-count"[^>]*>2<', page)
    assert f'action="/terms/renderings/{first}/approve"' in page and f'action="/terms/renderings/{second}/reject"' in page
    assert f'href="/jobs/{job.job_id}"' in page
    # without the token: refused
    r = client.post(f"/terms/renderings/{first}/approve", headers=JSON)
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    # the forms answer 303 back to the page with a flash
    r = client.post(f"/terms/renderings/{first}/approve", data={"csrf_token": eddie}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/terms"
    page = client.get("/terms").text
    assert "Approved Sergei Lavrov → Sergueï Lavrov (fr)." in page and "approved by eddie" in page
    assert rendering_status(store) == "approved"
    r = client.post(f"/terms/renderings/{second}/reject", data={"csrf_token": eddie}, headers=JSON)
    assert r.status_code == 200 and r.json()["ok"] is True
    assert rendering_status(store, "Kaïa Kallas") is None
    assert [t["source_term"] for t in client.get("/api/v1/terms").json()] == [LAVROV[0]]  # the empty term went too
    assert "nav-count" not in client.get("/terms").text  # nothing waits any more
    assert client.post("/terms/renderings/9999/approve", headers={"X-CSRF-Token": eddie, **JSON}).status_code == 404
    # anonymous
    client.cookies.clear()
    assert client.post(f"/terms/renderings/{first}/reject", headers=JSON).status_code == 401
    assert rendering_status(store) == "approved"


def test_term_filters(client, store):
    proposed_rendering(store)
    with store.write() as s:
        term = termbase.get_or_add_term(s, "Bank of England", "organisation")
        termbase.add_rendering(s, term, "de", "Bank of England", status="approved", approved_by="eddie")
    sign_in(client, store, "ada")
    names = lambda **p: [t["source_term"] for t in client.get("/api/v1/terms", params=p).json()]  # noqa: E731
    assert names() == ["Bank of England", LAVROV[0]]
    assert names(lang="fr") == [LAVROV[0]] and names(lang="de") == ["Bank of England"]
    assert names(status="approved") == ["Bank of England"] and names(status="proposed") == [LAVROV[0]]
    assert names(q="sergueï") == [LAVROV[0]] and names(q="england") == ["Bank of England"]
    assert client.get("/api/v1/terms", params={"status": "maybe"}).status_code == 422
    assert client.get("/api/v1/terms", params={"lang": "xx"}).status_code == 422
    page = client.get("/terms", params={"lang": "de"}).text
    assert "Bank of England" in page and "Sergueï" not in page


# --------------------------------------------------------------------------- hostile text


def test_hostile_text_is_inert(client, store):
    add_tm(store, 'Storm <script>alert(1)</script> quay', 'Tempête <img src=x onerror="alert(2)"> quai',
           approved_by="<b>mallory</b>")  # fmt: skip
    with store.write() as s:
        term = termbase.get_or_add_term(s, "<script>alert(3)</script>", "term", note="<i>x</i>")
        termbase.add_rendering(s, term, "fr", '<img src=x onerror="alert(4)">', forbidden=["<script>alert(5)</script>"],
                               note='"><script>alert(6)</script>', proposed_by="tina")  # fmt: skip
    sign_in(client, store, "eddie")
    for path, params in (("/memory", {"q": "storm"}), ("/memory", {"q": "Storm <script>alert(1)</script> quay",
                         "mode": "lookup", "target": "fr"}), ("/terms", {}), ("/terms", {"q": "<script>"})):  # fmt: skip
        html = client.get(path, params=params).text
        assert "<script>alert" not in html, path
        assert "<img" not in html and "<b>mallory" not in html and "<i>x" not in html, path
        assert re.search(r"<[^>]*\sonerror=", html) is None, path
        no_inline_code(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/memory", params={"q": "storm"}).text
    terms = client.get("/terms").text
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in terms and "&lt;script&gt;alert(5)&lt;/script&gt;" in terms
    # the JSON is the text as stored
    assert client.get("/api/v1/terms").json()[0]["source_term"] == "<script>alert(3)</script>"
