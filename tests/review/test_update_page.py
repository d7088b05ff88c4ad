"""The editor page of a story update: version 1 of a story translated by a real engine
(the tiny random-weight GGUF), confirmed, approved, signed off and published; version 2
changes a sentence, removes a paragraph and adds one.  The library's account of the
update (``pages.story_update``), the job JSON, and the page in a real headless Chromium.

The tiny model's words are random: the tests assert what Relais guarantees whatever it
answers (what is marked, carried, folded, filtered; the texts a person typed)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from html import unescape

import pytest

from relais.desk import Desk
from relais.publish.publisher import publish
from relais.review import accounts, pages, service
from relais.store import translation
from relais.store.actors import Actor
from relais.web import views
from tests.helpers import running_desk
from tests.review.conftest import sign_in
from tests.review.test_browser import ARTIFACTS, CHROMIUM, browser, playwright_api, seg, signed_in_page  # noqa: F401

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
    with running_desk(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf)) as desk:
        yield desk


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
    job = client.get(f"/api/v1/jobs/{update.second}/review").json()
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

    plain = client.get(f"/api/v1/jobs/{update.first}/review").json()  # a job that updates none: as before, update null
    assert plain["update"] is None
    assert all("change" not in s and "previous" not in s for b in plain["blocks"] for s in b["segments"])
    html = client.get(f"/jobs/{update.first}").text
    assert 'id="update"' not in html and 'class="fold"' not in html and "Removed in version" not in html
    assert "to-review" not in html and "change-note" not in html and "previous-text" not in html
    assert '"update"' not in html  # nor in the page's data


def test_the_update_page_is_safe_and_says_it_on_the_server(desk, update, client):
    sign_in(client, desk.store, "tina")
    html = client.get(f"/jobs/{update.second}").text
    assert "Update: version 2 of the story" in html
    assert f'href="/jobs/{update.first}"' in html
    assert html.count('<details class="fold"') == len(FOLDED)
    assert "<del>200</del><ins>600</ins>" in re.sub(r"\s+", "", html)
    assert " style=" not in html and not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html)


def test_the_word_diff_of_the_english_is_escaped():
    old, new = 'The <b>plan</b> "passed".', 'The <script>alert(1)</script> <img src=x onerror="alert(2)"> passed.'
    marked = str(views.source_diff_html(old, new))
    assert set(re.findall(r"</?([a-zA-Z]+)", marked)) == {"del", "ins"}  # the article's tags are text
    assert unescape(re.sub(r"<del>.*?</del>|</?ins>", "", marked)) == new  # kept and put in: the new English
    assert unescape(re.sub(r"<ins>.*?</ins>|</?del>", "", marked)) == old  # kept and taken out: the old
    assert str(views.source_diff_html("4,200 metres", "4,600 metres")) == "4,<del>200</del><ins>600</ins> metres"


# --------------------------------------------------------------------------- in the browser


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (CI installs it)")
def test_the_editor_shows_the_update_and_the_translator_confirms_what_changed(browser, live_server, desk, update):
    expect = playwright_api.expect
    base = live_server
    _, page = signed_in_page(browser, base, "tina")
    page.goto(f"{base}/jobs/{update.second}")
    at = {source: seg(page, sid) for source, sid in update.ids.items()}

    # the banner: which version and publication it updates, the counts, the changed segments first
    expect(page.locator("#update h2")).to_have_text("Update: version 2 of the story")
    base_line = f"It updates version 1: publication 1 in fr, job {update.first}"
    expect(page.locator("#update-base")).to_contain_text(base_line)
    expect(page.locator("#base-job")).to_have_attribute("href", f"/jobs/{update.first}")
    counts = r"1 changed\s+·\s+1 added\s+·\s+1 removed\s+·\s+7 carried"
    expect(page.locator("#update-counts")).to_have_text(re.compile(counts))
    expect(page.locator("#to-review a")).to_have_text(["block 3, segment 1", "block 9, segment 1"])

    # the changed sentence: the English word diff, the previous translation beside the new draft
    changed = at[B2]
    expect(changed.locator(".word-diff del")).to_have_text("200")
    expect(changed.locator(".word-diff ins")).to_have_text("600")
    expect(changed.locator(".previous-text")).to_have_text(update.published[B].strip())
    expect(changed.locator(".previous textarea")).to_have_count(0)  # read-only
    expect(at[I].locator(".change-note")).to_have_text("New in version 2")
    expect(at[I].locator(".previous")).to_have_count(0)
    expect(page.locator(".removed-seg del")).to_have_text(F)
    expect(changed.locator("textarea")).to_be_focused()  # the first changed segment has the focus

    # unchanged far ones are folded (reachable with a click); the neighbours of a change are open
    for source in FOLDED:
        expect(page.locator(f"#fold-{update.ids[source]}")).not_to_have_attribute("open", "")
        expect(at[source].locator("textarea")).to_be_hidden()
    for source in OPEN:
        expect(at[source].locator("textarea")).to_be_visible()
    expect(page.locator("details.fold")).to_have_count(len(FOLDED))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "editor-update.png"), full_page=True)

    # the filter: only what changed in this version, and back to all
    page.check("#only-changed")
    for source in (B2, I):
        expect(at[source].locator("textarea")).to_be_visible()
    for source in OPEN:
        expect(at[source]).to_be_hidden()
    expect(page.locator("details.fold").first).to_be_hidden()
    expect(page.locator(".removed-seg")).to_be_hidden()
    page.uncheck("#only-changed")
    for source in OPEN:
        expect(at[source].locator("textarea")).to_be_visible()
    expect(page.locator("details.fold").first).to_be_visible()

    # Alt+↓ passes over a folded segment: from C (block 4) to E (block 6), D (block 5) stays folded
    at[C].locator("textarea").click()
    page.keyboard.press("Alt+ArrowDown")
    expect(at[E].locator("textarea")).to_be_focused()
    expect(at[D].locator("textarea")).to_be_hidden()

    # confirming only the changed and added segments is enough to approve
    expect(page.locator("#approve-article")).to_be_disabled()
    for source, text in ((B2, "La tempête a endommagé 4 600 mètres de digue en janvier."),
                         (I, "Les assureurs ont reçu plus de 300 déclarations depuis la tempête.")):  # fmt: skip
        at[source].locator("textarea").fill(text)
        at[source].locator("textarea").press("Control+Enter")
        expect(at[source].locator(".confirmation")).to_have_text("✓ confirmed by tina")
        expect(page.locator(f'#to-review a[data-goto="{update.ids[source]}"]')).to_have_class("done")
    expect(at[I].locator("textarea")).to_be_focused()  # nothing left to confirm: the focus stays
    expect(page.locator("#blockers")).to_be_hidden()
    expect(page.locator("#approve-article")).to_be_enabled()

    # the changed ones come first: with D (unfolded and edited) and I to confirm again, Ctrl+Enter on C goes
    # to I, past D, and only then to D
    page.locator(f"#fold-{update.ids[D]} > summary").click()
    expect(at[D].locator("textarea")).to_be_visible()
    at[D].locator("textarea").fill("Les travaux commenceront au printemps, a déclaré le maire.")
    at[D].locator("textarea").press("Control+s")
    expect(at[D].locator(".version")).to_have_text("v1")
    at[I].locator("textarea").fill("Les assureurs ont reçu plus de 300 déclarations.")
    at[I].locator("textarea").press("Control+s")
    expect(at[I].locator(".confirmation")).to_have_text("")
    expect(page.locator("#approve-article")).to_be_disabled()
    at[C].locator("textarea").click()
    page.keyboard.press("Control+Enter")
    expect(at[I].locator("textarea")).to_be_focused()
    page.keyboard.press("Control+Enter")
    expect(at[D].locator("textarea")).to_be_focused()
    page.keyboard.press("Control+Enter")
    expect(at[D].locator(".confirmation")).to_have_text("✓ confirmed by tina")
    expect(page.locator("#approve-article")).to_be_enabled()
    page.click("#approve-article")
    expect(page.locator(".flash-ok")).to_contain_text("Article approved")
    assert page.errors == []
    with desk.store.read() as s:
        view = translation.load(s, update.second)
    by_hand = {segment.source for segment in view.segments if segment.confirmed_how == "editor"}
    assert by_hand == {B2, I, D}  # C kept its carried confirmation: nothing new to record
    assert {segment.confirmed_how for segment in view.segments if segment.source not in by_hand} == {"carried"}
