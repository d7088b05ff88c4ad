"""The desk's story standing and its editor action: the queue shows, per story and
language, the source version of the latest publication and whether it is out of date
(the same ``Standing`` as `relais list`); an editor withdraws a story from the queue page
(the same path as `relais withdraw`); a withdrawn publication is gone (410), kept."""

from __future__ import annotations

import html
import os
import re

import pytest
from sqlalchemy import select

from relais.review import service
from relais.store.db import Store
from relais.store.models import JobRow, PublicationRow, ReviewEventRow, ReviewStatus, StoryRow
from relais.store.stories import Standing
from tests.review.conftest import sign_in
from tests.review.seed import STORY, SeededJob, seed_job
from tests.review.test_api import JSON, actor, published

# Version 2 of the seeded story: the figure corrected.
STORY_V2 = [(kind, src.replace("4,200", "4,600"), draft.replace("4 300", "4 600")) for kind, src, draft in STORY]
REASON = "a legal complaint from the harbour board"


def story_of(store: Store, job: SeededJob) -> int:
    with store.read() as s:
        return s.get(JobRow, job.job_id).article.story_id


def updated(store: Store, job: SeededJob) -> tuple[int, SeededJob]:
    """The seeded job published as version 1, and the French job of version 2."""
    published(store, job)
    story = story_of(store, job)
    return story, seed_job(store, STORY_V2, story_id=story)


def row_of(page: str, job_id: int) -> str:
    """The queue's table row of a job."""
    found = re.search(rf'<tr class="job" data-job-id="{job_id}".*?</tr>', page, re.S)
    assert found, f"job {job_id} is not in the queue"
    return html.unescape(found.group(0))


def flash(page: str) -> str:
    found = re.search(r'<p class="flash flash-(\w+)" role="status">(.*?)</p>', page, re.S)
    assert found, "no flash message"
    return f"{found.group(1)}: {html.unescape(found.group(2))}"


def test_the_queue_shows_the_standing_after_version_2(client, store, job):
    story, v2 = updated(store, job)
    with store.read() as s:
        (item,) = [i for i in service.queue(s, actor(store, "eddie")) if i.job_id == v2.job_id]
    assert (item.story_id, item.version, item.standing) == (story, 2, Standing(latest=2, published=1))
    assert item.standing.label == "published v1, out of date (v2)"  # what `relais list` shows

    sign_in(client, store, "tina")  # a translator sees the standing too, without the editor's action
    row = row_of(client.get("/").text, v2.job_id)
    assert f"{story} v2" in row and "published v1, out of date (v2)" in row and "standing-behind" in row
    assert "/withdraw" not in row
    data = next(i for i in client.get("/api/v1/queue").json() if i["job_id"] == v2.job_id)
    assert (data["story_id"], data["version"]) == (story, 2)
    assert data["standing"] == {"published_version": 1, "latest_version": 2, "out_of_date": True, "withdrawn": False,
                                "label": "published v1, out of date (v2)"}  # fmt: skip
    # version 1's job is published, so shown with the published filter, and behind too
    old = row_of(client.get("/?status=published").text, job.job_id)
    assert f"{story} v1" in old and "published v1, out of date (v2)" in old


def test_an_unpublished_story_has_no_standing_yet(client, store, job):
    sign_in(client, store, "eddie")
    assert "–" in re.search(r'<td class="standing[^"]*">(.*?)</td>', row_of(client.get("/").text, job.job_id)).group(1)
    assert client.get("/api/v1/queue").json()[0]["standing"] == {"published_version": None, "latest_version": 1,
                                                              "out_of_date": False, "withdrawn": False, "label": ""}  # fmt: skip


def test_an_editor_withdraws_a_story_from_the_queue(client, store, job):
    story, v2 = updated(store, job)
    csrf = sign_in(client, store, "eddie")
    row = row_of(client.get("/").text, v2.job_id)
    assert f'action="/stories/{story}/withdraw"' in row and 'name="reason" required' in row  # offered to an editor
    assert f'action="/stories/{story}/withdraw"' in client.get(f"/jobs/{job.job_id}").text  # and on the editor page

    r = client.post(f"/stories/{story}/withdraw", data={"csrf_token": csrf, "reason": REASON}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/", r.text
    page = client.get("/").text
    assert flash(page).startswith(f"ok: Story {story} withdrawn: 1 publication(s) of 2 job(s) marked;")
    for job_id in (job.job_id, v2.job_id):  # both versions' jobs, the published one too, show as withdrawn
        row = row_of(page, job_id)
        assert "status-withdrawn" in row and ">withdrawn<" in row and "standing-withdrawn" in row
        assert "/withdraw" not in row  # nothing more to offer

    with store.read() as s:
        (pub,) = s.scalars(select(PublicationRow)).all()
        assert (pub.withdrawn_by, pub.withdrawn_reason) == ("eddie", REASON) and pub.withdrawn_at is not None
        assert pub.markdown  # kept as it was
        assert s.get(StoryRow, story).withdrawn_by == "eddie"
        assert {s.get(JobRow, j).review_status for j in (job.job_id, v2.job_id)} == {ReviewStatus.WITHDRAWN}
        events = s.scalars(select(ReviewEventRow).where(ReviewEventRow.action == "withdraw")).all()
        assert sorted((e.job_id, e.actor, e.after) for e in events) == [(job.job_id, "eddie", REASON),
                                                                         (v2.job_id, "eddie", REASON)]  # fmt: skip

    # The publication is gone from the desk, with when, who and why; its audit record stays.
    for fmt in ("md", "html", "json"):
        gone = client.get(f"/jobs/{job.job_id}/publication.{fmt}", headers=JSON)
        assert gone.status_code == 410, gone.text
        assert f"publication 1 of job {job.job_id} was withdrawn on" in gone.json()["detail"]
        assert f"by eddie ({REASON})" in gone.json()["detail"]
    assert REASON in client.get(f"/jobs/{job.job_id}/publication.md").text  # the error page says why
    assert client.get(f"/jobs/{job.job_id}/audit.json").status_code == 200
    editor = client.get(f"/jobs/{job.job_id}").text  # the editor no longer links to the files, and says why
    assert "was withdrawn by eddie" in editor and REASON in editor and "/publication.md" not in editor

    # A second withdrawal is refused, on one line: when, who, why.
    again = client.post(f"/stories/{story}/withdraw", data={"csrf_token": csrf, "reason": "again"}, headers=JSON)
    assert again.status_code == 409
    assert re.fullmatch(rf"story {story} was withdrawn on \d{{4}}-\d\d-\d\d \d\d:\d\d UTC by eddie \({REASON}\)",
                        again.json()["detail"]), again.json()  # fmt: skip
    by_form = client.post(f"/stories/{story}/withdraw", data={"csrf_token": csrf, "reason": "again"})
    assert flash(by_form.text).startswith(f"error: story {story} was withdrawn on")


@pytest.mark.parametrize(
    ("who", "reason", "status", "words"),
    [
        ("tina", REASON, 403, "only an editor can withdraw a story"),
        ("tina", "", 403, "only an editor"),  # who is asking comes before what they send
        ("dora", REASON, 403, "only an editor"),
        ("eddie", "", 422, "a reason is required"),
        ("ada", " \n ", 422, "say why story"),
    ],
)
def test_who_may_withdraw_from_the_desk(client, store, job, who, reason, status, words):
    published(store, job)
    story = story_of(store, job)
    csrf = sign_in(client, store, who)
    r = client.post(f"/stories/{story}/withdraw", data={"csrf_token": csrf, "reason": reason}, headers=JSON)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"] and "\n" not in r.json()["detail"]
    with store.read() as s:
        assert s.get(StoryRow, story).withdrawn_at is None
        assert s.scalars(select(PublicationRow.withdrawn_at)).all() == [None]
    assert client.get(f"/jobs/{job.job_id}/publication.md").status_code in (200, 403)  # still served (dora: not hers)


def test_a_translator_posting_the_form_is_sent_back_with_the_refusal(client, store, job):
    published(store, job)
    story = story_of(store, job)
    csrf = sign_in(client, store, "tina")
    assert "/withdraw" not in client.get(f"/jobs/{job.job_id}").text  # not offered to her
    r = client.post(f"/stories/{story}/withdraw", data={"csrf_token": csrf, "reason": REASON})
    assert flash(r.text) == "error: only an editor can withdraw a story"
    with store.read() as s:
        assert s.get(StoryRow, story).withdrawn_at is None


def test_withdrawing_needs_a_session_a_token_and_a_story(client, store, job):
    published(store, job)
    story = story_of(store, job)
    anonymous = client.post(f"/stories/{story}/withdraw", data={"reason": REASON}, headers=JSON)
    assert anonymous.status_code == 401 and anonymous.json() == {"detail": "sign in first"}
    csrf = sign_in(client, store, "eddie")
    forged = client.post(f"/stories/{story}/withdraw", data={"csrf_token": "forged", "reason": REASON}, headers=JSON)
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    missing = client.post("/stories/999/withdraw", data={"csrf_token": csrf, "reason": REASON}, headers=JSON)
    assert missing.status_code == 404 and missing.json()["detail"] == "no story with id 999"
    with store.read() as s:
        assert s.get(StoryRow, story).withdrawn_at is None


@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="no Chromium at /usr/bin/chromium (CI installs it)")
def test_an_editor_withdraws_a_story_in_a_browser(live_server, store, job):
    """The queue's form as a person uses it: open it, give the reason, withdraw; under the
    desk's CSP, without a script error."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.review.test_browser import ARTIFACTS, CHROMIUM, signed_in_page

    story, v2 = updated(store, job)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            _, page = signed_in_page(browser, live_server, "eddie")
            row = page.locator(f'tr[data-job-id="{v2.job_id}"]')
            sync_api.expect(row.locator("td.standing")).to_have_text("published v1, out of date (v2)")
            row.locator("summary").click()
            reason = row.locator('input[name="reason"]')
            row.locator('button:has-text("Withdraw story")').click()  # no reason yet: the browser asks for one
            assert reason.evaluate("e => e.validity.valueMissing") and page.url == f"{live_server}/"
            reason.fill(REASON)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "queue-withdraw.png"), full_page=True)
            row.locator('button:has-text("Withdraw story")').click()
            sync_api.expect(page.locator(".flash-ok")).to_contain_text(f"Story {story} withdrawn: 1 publication(s)")
            sync_api.expect(row.locator(".status")).to_have_text("withdrawn")
            sync_api.expect(row.locator("td.standing")).to_have_text("withdrawn")
            sync_api.expect(row.locator("details.withdraw")).to_have_count(0)
            assert page.errors == []
        finally:
            browser.close()
    with store.read() as s:
        assert s.get(StoryRow, story).withdrawn_by == "eddie"
