"""The editor page of a story update: version 1 of a story translated by a real engine
(the tiny random-weight GGUF), confirmed, approved, signed off and published; version 2
changes a sentence, removes a paragraph and adds one.  The library's account of the
update (``pages.story_update``) and the job JSON.

The tiny model's words are random: the tests assert what Relais guarantees whatever it
answers (what is marked, carried, folded, filtered; the texts a person typed)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

import pytest

from relais.desk import Desk
from relais.jobs.executor import EnginePool
from relais.publish.publisher import publish
from relais.review import accounts, pages, service
from relais.store import translation
from relais.store.actors import Actor
from relais.web import views
from tests.helpers import relais_config
from tests.review.conftest import sign_in
from tests.review.seed import seed_users

URL = "https://www.sennetcourier.example/news/2026/03/quay-vote"
HEADLINE = "Harbour town votes to rebuild its quay"
A = "The council approved the plan by seven votes to two on Tuesday."
B = "The storm damaged 4,200 metres of sea wall in January."
B2 = B.replace("4,200", "4,600")  # the corrected figure: changed
C = "Fishing boats stayed in port for three weeks."
D = "Repairs will start in the spring, the mayor said."
E = "Engineers from the regional authority inspected the quay on Monday."
F = "The harbour master declined to comment."  # removed in version 2
G = "The school on the waterfront reopened last week."
H = "Ferries to the islands will run to a winter timetable."
I = "Insurers have received more than 300 claims since the storm."  # added in version 2
V1 = [A, B, C, D, E, F, G, H]
V2 = [A, B2, C, D, E, G, H, I]
# Version 2 in reading order: headline, A, B2 (changed), C, D, E, (F removed), G, H, I (added).
# Open for context: A and C (around B2), E and G (around F), H (before I).  Folded: the
# headline and D, unchanged and far from any change.
FOLDED = {HEADLINE, D}
OPEN = {A, C, E, G, H}


def _story(paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html><head><link rel="canonical" href="{URL}"></head><body><article><h1>{HEADLINE}</h1>{body}'
            "</article></body></html>").encode()  # fmt: skip


@pytest.fixture
def desk(relais_home, tiny_gguf):
    desk = Desk(relais_config(relais_home, RELAIS_RISK_METHOD="rules", RELAIS_LLAMA_MODEL=str(tiny_gguf)))
    seed_users(desk.store)
    engines = EnginePool(desk.config)
    desk.run_here = lambda ids: desk.run(ids, desk.executor(engines))
    yield desk
    engines.close()
    desk.close()


@pytest.fixture
def store(desk):
    """The desk's store, for the review fixtures (``live_server``, ``client``)."""
    return desk.store


def _actor(desk: Desk, name: str) -> Actor:
    with desk.store.read() as s:
        return Actor.of(accounts.get_user(s, name))


def _translate(desk: Desk, paragraphs: list[str]) -> int:
    (job_id,) = desk.queue(desk.ingest(_story(paragraphs), name="quay.html").article_id, ["fr"])
    desk.run_here([job_id])
    return job_id


def _publish_all(desk: Desk, job_id: int) -> None:
    """Tina gives every empty segment a text and confirms them all, approves; Eddie signs off and publishes."""
    tina, eddie = _actor(desk, "tina"), _actor(desk, "eddie")
    with desk.store.write() as s:
        for segment in service.job_view(s, job_id).segments:
            version = segment.version
            if not segment.text.strip():
                version = service.save_segment(s, tina, job_id, segment.id, "Texte revu.", version).version
            service.confirm_segment(s, tina, job_id, segment.id, version, seconds=2.0)
        service.approve_article(s, tina, job_id)
        service.sign_off(s, eddie, job_id)
        publish(s, eddie, job_id)


@dataclass
class Update:
    first: int  # the published job of version 1
    second: int  # the job of version 2, which updates it
    ids: dict[str, int]  # English of version 2 → segment id
    published: dict[str, str]  # English of version 1 → its published French


@pytest.fixture
def update(desk) -> Update:
    first = _translate(desk, V1)
    _publish_all(desk, first)
    second = _translate(desk, V2)
    with desk.store.read() as s:
        published = {segment.source: segment.text for segment in translation.load(s, first).segments}
        ids = {segment.source: segment.id for segment in translation.load(s, second).segments}
    assert list(ids) == [HEADLINE, *V2]  # one segment per block
    return Update(first, second, ids, published)


# --------------------------------------------------------------------------- the library and the JSON


def test_story_update_says_what_changed_segment_by_segment(desk, update):
    with desk.store.read() as s:
        first, second = service.job_view(s, update.first), service.job_view(s, update.second)
        assert pages.story_update(s, first) is None  # version 1 updates nothing
        got = pages.story_update(s, second)
    assert (got.base_job_id, got.base_version, got.version, got.base_status) == (update.first, 1, 2, "published")
    kinds = {source: got.segments[sid].change for source, sid in update.ids.items()}
    assert kinds == {HEADLINE: "unchanged", **dict.fromkeys([A, C, D, E, G, H], "unchanged"), B2: "changed", I: "added"}
    changed = got.segments[update.ids[B2]]
    assert (changed.old_source, changed.previous, changed.carried) == (B, update.published[B], None)
    added = got.segments[update.ids[I]]
    assert (added.old_source, added.previous, added.carried) == (None, None, None)
    carried = got.segments[update.ids[D]]  # the published text, confirmed: carried as such
    assert (carried.old_source, carried.previous, carried.carried) == (D, update.published[D], "confirmed")
    assert got.counts == {"changed": 1, "added": 1, "removed": 1, "carried": 7}
    assert got.removed == {update.ids[E]: [F]}  # in place: after the sentence it followed
    assert got.to_review == [update.ids[B2], update.ids[I]]  # reading order
    assert pages.folded_segments(second, got) == {update.ids[s] for s in FOLDED}


def test_the_job_json_of_an_update_and_of_a_first_version(desk, update, client):
    sign_in(client, desk.store, "tina")
    job = client.get(f"/api/jobs/{update.second}").json()
    segments = {s["source"]: s for b in job["blocks"] for s in b["segments"]}
    assert job["update"] == {
        "base_job_id": update.first, "base_version": 1, "base_status": "published", "version": 2,
        "counts": {"changed": 1, "added": 1, "removed": 1, "carried": 7},
        "to_review": [update.ids[B2], update.ids[I]],
        "removed": [{"after": update.ids[E], "source": F}],
        "base_publication": job["update"]["base_publication"],
    }  # fmt: skip
    assert job["update"]["base_publication"]["number"] == 1
    assert segments[B2]["change"] == "changed"
    assert segments[B2]["previous"] == {"version": 1, "job_id": update.first, "source": B, "text": update.published[B],
                                        "carried": None}  # fmt: skip
    assert (segments[I]["change"], segments[I]["previous"]) == ("added", None)
    assert segments[A]["change"] == "unchanged" and segments[A]["previous"]["carried"] == "confirmed"
    assert segments[A]["confirmed_how"] == "carried" and segments[A]["text"] == update.published[A]

    plain = client.get(f"/api/jobs/{update.first}").json()  # a job that updates none: as before, update null
    assert plain["update"] is None
    assert all("change" not in s and "previous" not in s for b in plain["blocks"] for s in b["segments"])
    html = client.get(f"/jobs/{update.first}").text
    assert 'id="update"' not in html and 'class="fold"' not in html and "Removed in version" not in html
    assert "to-review" not in html and "change-note" not in html and "previous-text" not in html
    assert '"update"' not in html  # nor in the page's data


def test_the_word_diff_of_the_english_is_escaped():
    old, new = 'The <b>plan</b> "passed".', 'The <script>alert(1)</script> <img src=x onerror="alert(2)"> passed.'
    marked = str(views.source_diff_html(old, new))
    assert set(re.findall(r"</?([a-zA-Z]+)", marked)) == {"del", "ins"}  # the article's tags are text
    assert unescape(re.sub(r"<del>.*?</del>|</?ins>", "", marked)) == new  # kept and put in: the new English
    assert unescape(re.sub(r"<ins>.*?</ins>|</?del>", "", marked)) == old  # kept and taken out: the old
    assert str(views.source_diff_html("4,200 metres", "4,600 metres")) == "4,<del>200</del><ins>600</ins> metres"
