"""The store's text rule at the review desk's entry points, over HTTP through the real app
on a seeded store (SQLite or PostgreSQL): edits, terms, user names and memory searches
refuse or clean control characters, and afterwards every export works
(``relais xliff export``, ``relais tm export``, ``relais terms export``)."""

from __future__ import annotations

import json

import pytest

from relais.review import service
from relais.store.models import RevisionRow, TermRenderingRow, TmEntryRow
from tests.exports import all_text, export_everything
from tests.helpers import RelaisHome
from tests.review.conftest import sign_in

JSON = {"Accept": "application/json"}
FISHING = "Fishing boats stayed in port for three weeks."  # the source of segment 5

# (text typed in the editor, 422 naming this) — refused, nothing saved
REFUSED_EDITS = [
    ("Les bateaux\x00 de pêche sont restés au port.", "U+0000 (NUL) at character 12 is not allowed in text"),
    ("Les bateaux de pêche\x1b sont restés au port.", "U+001B (ESC) at character 21"),
    ("Les bateaux \x9b de pêche.", "U+009B (CSI) at character 13"),
    ("Les bateaux \ud800 de pêche.", "unable to parse raw data as a unicode string"),  # by the request's validation
]
# (text typed, text saved)
CLEANED_EDITS = [
    ("Les bateaux de pêche sont restés au port\x0bpendant trois semaines.",
     "Les bateaux de pêche sont restés au port\npendant trois semaines."),
    ("Les bateaux de pêche\r\nsont restés \u202eau port\u202c pendant\u2028trois semaines.\t",
     "Les bateaux de pêche\nsont restés au port pendant\ntrois semaines."),
]  # fmt: skip


def _edit(client, job, csrf: str, text: str, base_version: int):
    url = f"/api/v1/jobs/{job.job_id}/segments/{job.segment_ids[4]}"
    # ASCII JSON, as a browser may send it: "\ud800" is valid JSON for a lone surrogate
    body = json.dumps({"text": text, "base_version": base_version}).encode()
    return client.put(url, content=body, headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})


def _revisions(store) -> list[str]:
    with store.read() as s:
        return [r.text for r in s.query(RevisionRow).order_by(RevisionRow.id)]


@pytest.mark.parametrize("typed, message", REFUSED_EDITS)
def test_an_edit_with_a_control_character_is_refused_and_named(client, store, job, typed: str, message: str) -> None:
    csrf = sign_in(client, store, "tina")
    r = _edit(client, job, csrf, typed, 0)
    assert r.status_code == 422 and message in r.text, r.text
    assert _revisions(store) == []


@pytest.mark.parametrize("typed, saved", CLEANED_EDITS)
def test_an_edit_gets_the_store_s_line_breaks_and_loses_bidi_controls(client, store, job, typed: str, saved: str) -> None:
    csrf = sign_in(client, store, "tina")
    r = _edit(client, job, csrf, typed, 0)
    assert r.status_code == 200 and r.json()["text"] == saved, r.text
    assert _revisions(store) == [saved]
    # saving what was typed again is the same text: no conflict, no new version
    assert _edit(client, job, csrf, typed, 0).status_code == 200 and _revisions(store) == [saved]


def _add_term(client, csrf: str, **fields):
    data = {"source_term": "Port-Sévrac", "type": "place", "lang": "fr", "rendering": "Port-Sévrac",
            "forbidden": "", "note": "", "csrf_token": csrf, **fields}  # fmt: skip
    return client.post("/terms", data=data, headers=JSON)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("source_term", "Port\x00Sévrac", "U+0000 (NUL) at character 5 is not allowed in the source term"),
        ("rendering", "Port-Sévrac\x07", "U+0007 (BEL) at character 12 is not allowed in the rendering"),
        ("forbidden", "Port Sevrac, Port\x1bSevrac", "U+001B (ESC) at character 5 is not allowed in a forbidden variant"),
        ("note", "the \x85mayor's\x9f spelling", "U+009F (APC) at character 13 is not allowed in the note"),
    ],
)
def test_a_term_with_a_control_character_is_refused_and_named(client, store, field: str, value: str, message: str) -> None:
    csrf = sign_in(client, store, "eddie")
    r = _add_term(client, csrf, **{field: value})
    assert r.status_code == 422 and r.json()["detail"] == message, r.text
    assert client.get("/api/v1/terms").json() == []


def test_a_term_is_stored_under_the_rule(client, store) -> None:
    csrf = sign_in(client, store, "eddie")
    r = _add_term(client, csrf, source_term="Port\u2028Sévrac", rendering="\u2066Port-Sévrac\u2069",
                  forbidden="Port\x0bSevrac, \u202ePort-Sevrac", note="the mayor's\x0bspelling\r\nsee\tminutes")  # fmt: skip
    assert r.status_code == 200, r.text
    with store.read() as s:
        row = s.query(TermRenderingRow).one()
        assert (row.term.source_term, row.text) == ("Port Sévrac", "Port-Sévrac")
        assert row.forbidden == ["Port Sevrac", "Port-Sevrac"]
        assert row.note == "the mayor's\nspelling\nsee minutes"


@pytest.mark.parametrize("name", ["fri\x00tz", "fri\x0btz", "fritz\u202e"])
def test_a_user_name_with_a_control_character_is_refused(client, store, name: str) -> None:
    csrf = sign_in(client, store, "ada")
    data = {"name": name, "password": "a long enough password", "role": "translator", "languages": "de",
            "csrf_token": csrf}  # fmt: skip
    r = client.post("/users", data=data, headers=JSON)
    assert r.status_code == 422 and r.json()["detail"].startswith("invalid user name"), r.text
    assert len(client.get("/api/v1/users").json()) == 4  # the seeded four


def _publish_all(client, store, job, csrf: str) -> None:
    """tina confirms every segment and approves; eddie signs off and publishes: only then
    does the memory learn the text."""
    h = {"X-CSRF-Token": csrf, **JSON}
    view = client.get(f"/api/v1/jobs/{job.job_id}/review").json()
    for seg in (s for b in view["blocks"] for s in b["segments"] if not s["confirmed"]):
        r = client.post(f"/api/v1/jobs/{job.job_id}/segments/{seg['id']}/confirm", json={"version": seg["version"]}, headers=h)
        assert r.status_code == 200, r.text
    r = client.post(f"/jobs/{job.job_id}/approve", headers=h)
    assert r.status_code == 200, r.text
    eddie = {"X-CSRF-Token": sign_in(client, store, "eddie"), **JSON}
    for action in ("signoff", "publish"):
        r = client.post(f"/jobs/{job.job_id}/{action}", headers=eddie)
        assert r.status_code == 200, r.text
    sign_in(client, store, "tina")


# (query, mode, params): a NUL or other control in a memory query is removed, never a 500
QUERIES = [
    ("bateaux\x00", "search", {}),
    ("\x00", "search", {}),
    ("bate\x1baux de pêche", "search", {"target": "fr"}),
    (FISHING.replace(" stayed", "\x00 stayed"), "lookup", {"target": "fr"}),
    ("bateaux", "search", {"source": "e\x00n"}),
    ("bateaux", "lookup", {"target": "fr", "source": "\x00"}),
]


def test_memory_searches_with_control_characters_answer(client, store, job) -> None:
    csrf = sign_in(client, store, "tina")
    saved = CLEANED_EDITS[0][1]
    assert _edit(client, job, csrf, CLEANED_EDITS[0][0], 0).status_code == 200
    _publish_all(client, store, job, csrf)
    with store.read() as s:
        assert saved in {e.target_text for e in s.query(TmEntryRow)}
    for q, mode, params in QUERIES:
        for path in ("/api/v1/memory", "/memory"):
            r = client.get(path, params={"q": q, "mode": mode, **params})
            assert r.status_code == 200, (path, q, r.text)
    found = client.get("/api/v1/memory", params={"q": "bateaux\x00 de", "mode": "search"}).json()["results"]
    assert [e["target_text"] for e in found] == [saved]
    query = {"q": FISHING.replace(" stayed", "\x00 stayed"), "mode": "lookup", "target": "fr"}
    [match] = client.get("/api/v1/memory", params=query).json()["results"]
    assert match["target_text"] == saved and match["exact"] is True


def test_exports_work_after_the_desk_s_entry_points(client, store, job, seeded_home: RelaisHome, tmp_path) -> None:
    tina = sign_in(client, store, "tina")
    version = 0
    for typed, _saved in CLEANED_EDITS:
        r = _edit(client, job, tina, typed, version)
        assert r.status_code == 200, r.text
        version = r.json()["version"]
    for typed, _message in REFUSED_EDITS:
        assert _edit(client, job, tina, typed, version).status_code == 422
    eddie = sign_in(client, store, "eddie")
    assert _add_term(client, eddie, note="soft\x0bbreak \u202eflipped").status_code == 200
    assert _add_term(client, eddie, rendering="Port\x00Sévrac").status_code == 422
    tina = sign_in(client, store, "tina")
    _publish_all(client, store, job, tina)

    roots = export_everything(seeded_home, [job.job_id], tmp_path / "exports")
    final = CLEANED_EDITS[-1][1]
    for name in ("xliff 1.2", "xliff 2.0"):
        assert final in all_text(roots[f"{name} {job.job_id}"])
    assert final in all_text(roots["tmx"])
    assert "soft\nbreak flipped" in all_text(roots["tbx"])
    with store.read() as s:
        assert service.job_view(s, job.job_id).segments[4].text == final
