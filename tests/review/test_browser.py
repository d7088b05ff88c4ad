"""The editor in a real headless Chromium (Playwright), against the app under uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from relais.document.model import BlockKind
from relais.review import accounts, service
from tests.review.seed import PASSWORD

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (CI installs it)")

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@pytest.fixture
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()


def signed_in_page(browser, base: str, name: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{base}/")
    page.errors = errors  # checked by the tests: CSP violations and script errors show up here
    return context, page


def seg(page, segment_id: int):
    return page.locator(f"#seg-{segment_id}")


def test_review_to_publication_with_the_keyboard(browser, live_server, store, job):
    base = live_server
    _, page = signed_in_page(browser, base, "tina")
    page.click("a.open-job")
    page.wait_for_url(f"{base}/jobs/{job.job_id}")
    figure = seg(page, job.segment_ids[3])
    expect(figure.locator(".findings li")).to_have_count(1)
    expect(figure.locator(".findings li")).to_contain_text("numbers.mismatch")
    expect(figure.locator(".backdrop mark.sev-critical")).to_have_text("4 300")
    expect(page.locator("#approve-article")).to_be_disabled()
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "editor.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"editor screenshot: {shot}")

    # keyboard only: the first segment has the focus; down to the figure, select the finding, retype it, save
    expect(seg(page, job.segment_ids[0]).locator("textarea")).to_be_focused()
    for _ in range(3):
        page.keyboard.press("Alt+ArrowDown")
    expect(figure.locator("textarea")).to_be_focused()
    page.keyboard.press("Alt+n")
    assert page.evaluate("() => { const t = document.activeElement; return t.value.slice(t.selectionStart, t.selectionEnd); }") == "4 300"
    page.keyboard.type("4 200")
    page.keyboard.press("Control+s")
    expect(figure.locator(".findings li")).to_have_count(0)
    expect(figure.locator(".version")).to_have_text("v1")
    expect(page.locator("#save-state")).to_have_text("all saved")

    # back to the top, then one key per segment: Ctrl+Enter confirms it and moves on to
    # the next segment nobody has confirmed; all but the last
    page.keyboard.press("Alt+ArrowUp")
    page.keyboard.press("Alt+ArrowUp")
    page.keyboard.press("Alt+ArrowUp")
    expect(seg(page, job.segment_ids[0]).locator("textarea")).to_be_focused()
    for i, sid in enumerate(job.segment_ids[:-1]):
        page.wait_for_timeout(300)  # a moment on screen, as a reader takes
        page.keyboard.press("Control+Enter")
        expect(seg(page, sid).locator(".confirmation")).to_have_text("✓ confirmed by tina")
        expect(seg(page, job.segment_ids[i + 1]).locator("textarea")).to_be_focused()
    # one left: the approval is refused and the page names it
    expect(page.locator("#approve-article")).to_be_disabled()
    expect(page.locator("#blockers")).to_have_text("block 6, segment 1 is not confirmed")
    refused = page.request.post(f"{base}/jobs/{job.job_id}/approve", headers={"Accept": "application/json",
                                "X-CSRF-Token": page.locator('meta[name="csrf-token"]').get_attribute("content")})  # fmt: skip
    assert refused.status == 409 and refused.json()["detail"].endswith("block 6, segment 1 is not confirmed")
    page.keyboard.press("Control+Enter")
    expect(seg(page, job.segment_ids[-1]).locator(".confirmation")).to_have_text("✓ confirmed by tina")
    expect(page.locator("#blockers")).to_be_hidden()
    expect(page.locator("#approve-article")).to_be_enabled()
    page.focus("#approve-article")
    page.keyboard.press("Enter")
    expect(page.locator(".flash-ok")).to_contain_text("Article approved")
    expect(page.locator("#review-status")).to_have_text("approved")
    assert page.errors == []

    # an editor who edited a segment in this round may not sign off
    _, eddie = signed_in_page(browser, base, "eddie")
    eddie.goto(f"{base}/jobs/{job.job_id}")
    eddie.fill("form.reopen input[name=reason]", "the key point needs a look")
    eddie.click("#reopen")
    expect(eddie.locator(".flash-ok")).to_contain_text("Reopened")
    key_point = seg(eddie, job.segment_ids[1])
    key_point.locator("textarea").click()
    eddie.keyboard.press("End")
    eddie.keyboard.type(" Adopté.")
    eddie.keyboard.press("Control+s")
    expect(key_point.locator(".version")).to_have_text("v1")
    eddie.keyboard.press("Control+Enter")
    expect(key_point.locator(".confirmation")).to_have_text("✓ confirmed by eddie")
    eddie.click("#approve-article")
    expect(eddie.locator(".flash-ok")).to_contain_text("Article approved")
    expect(eddie.locator("#signoff")).to_have_count(0)  # four eyes: not offered
    refused = eddie.request.post(f"{base}/jobs/{job.job_id}/signoff", headers={"Accept": "application/json",
                                 "X-CSRF-Token": eddie.locator('meta[name="csrf-token"]').get_attribute("content")})  # fmt: skip
    assert refused.status == 403 and "four eyes" in refused.json()["detail"]

    # another editor signs off and publishes
    _, ada = signed_in_page(browser, base, "ada")
    ada.goto(f"{base}/jobs/{job.job_id}")
    ada.click("#signoff")
    expect(ada.locator(".flash-ok")).to_contain_text("Signed off")
    ada.click("#publish")
    expect(ada.locator(".flash-ok")).to_contain_text("Published")
    expect(ada.locator("#publication")).to_contain_text("Publication 1 by ada")
    disclosure = "Cet article a été traduit de l’anglais à l’aide d’outils d’intelligence artificielle, puis relu et corrigé par un traducteur local."
    md = ada.request.get(f"{base}/jobs/{job.job_id}/publication.md").text()
    assert "La tempête a endommagé 4 200 mètres de digue en janvier." in md
    assert md.rstrip().splitlines()[-1] == disclosure and "UNREVIEWED" not in md and "non relue" not in md
    html = ada.request.get(f"{base}/jobs/{job.job_id}/publication.html").text()
    assert html.split("</article>")[0].rstrip().endswith(f'<footer class="disclosure"><p>{disclosure}</p></footer>')
    audit = ada.request.get(f"{base}/jobs/{job.job_id}/audit.json").json()
    assert audit["translators"] == ["eddie", "tina"]
    assert audit["signed_off"]["by"] == "ada" and audit["published_by"] == "ada"
    confirmations = [seg["confirmed"] for seg in audit["segments"]]
    assert [c["by"] for c in confirmations] == ["tina", "eddie", "tina", "tina", "tina", "tina"]
    assert all(c["how"] == "editor" and c["at"] and c["seconds_on_screen"] is not None for c in confirmations)
    assert confirmations[3]["seconds_on_screen"] > 0
    assert audit["segments"][3]["final"].endswith("4 200 mètres de digue en janvier.")
    assert eddie.errors == [e for e in eddie.errors if "status of 403" in e] and ada.errors == []


def test_conflict_between_two_browsers(browser, live_server, store, job):
    base = live_server
    target = job.segment_ids[4]
    _, tina = signed_in_page(browser, base, "tina")
    _, ada = signed_in_page(browser, base, "ada")
    for page in (tina, ada):
        page.goto(f"{base}/jobs/{job.job_id}")
        expect(seg(page, target).locator(".version")).to_have_text("v0")

    box = seg(tina, target).locator("textarea")
    box.click()
    tina.keyboard.press("End")
    tina.keyboard.type(" Vraiment.", delay=60)  # typing time is measured and sent
    tina.keyboard.press("Control+s")
    expect(seg(tina, target).locator(".version")).to_have_text("v1")
    tina.reload()  # her save claimed the article: the page now offers to release it
    tina.click("#release")  # she gives the article back; ada's page still shows version 0
    expect(tina.locator(".flash-ok")).to_contain_text("back in the queue")
    tina.goto(f"{base}/jobs/{job.job_id}")

    box = seg(ada, target).locator("textarea")
    box.click()
    ada.keyboard.press("End")
    ada.keyboard.type(" Hélas.")
    ada.keyboard.press("Control+s")
    conflict = seg(ada, target).locator(".conflict")
    expect(conflict).to_be_visible()
    tina_text = "Les bateaux de pêche sont restés au port pendant trois semaines. Vraiment."
    ada_text = "Les bateaux de pêche sont restés au port pendant trois semaines. Hélas."
    expect(conflict.locator(".theirs")).to_have_text(tina_text)
    expect(conflict.locator(".yours")).to_have_text(ada_text)
    expect(ada.locator("#save-state")).to_contain_text("conflict")
    conflict.locator(".keep-mine").click()
    expect(conflict).to_be_hidden()
    expect(seg(ada, target).locator(".version")).to_have_text("v2")
    expect(ada.locator("#save-state")).to_have_text("all saved")

    with store.write() as s:
        revs = [(r.version, r.text, r.user.name) for r in service.revisions(s, job.job_id) if r.segment_id == target]
    assert revs == [(1, tina_text, "tina"), (2, ada_text, "ada")]
    with store.write() as s:
        first = [r for r in service.revisions(s, job.job_id) if r.segment_id == target][0]
        assert 0 < first.active_seconds < 30

    # undo (Alt+Z) restores the previous version by saving it again: nothing is lost
    # (ada holds the article now: her save claimed it)
    key_point = seg(ada, job.segment_ids[1])
    draft = key_point.locator("textarea").input_value()
    key_point.locator("textarea").click()
    ada.keyboard.press("End")
    ada.keyboard.type(" Enfin.")
    ada.keyboard.press("Control+s")
    expect(key_point.locator(".version")).to_have_text("v1")
    ada.keyboard.press("Alt+z")
    expect(key_point.locator(".version")).to_have_text("v2")
    expect(key_point.locator("textarea")).to_have_value(draft)
    with store.write() as s:
        texts = [r.text for r in service.revisions(s, job.job_id) if r.segment_id == job.segment_ids[1]]
    assert texts == [draft + " Enfin.", draft]
    assert tina.errors == []
    # Chromium logs the 409 answer itself as a failed resource load; nothing else may fail
    assert [e for e in ada.errors if "status of 409" not in e] == []


class RestartableServer:
    """The app under uvicorn on one fixed loopback port, stopped and started again at will
    (a server being restarted, as a deployment does)."""

    def __init__(self, store):
        from tests.llama_server import free_port

        self.store, self.port, self.server, self.thread = store, free_port(), None, None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        import threading
        import time

        import uvicorn

        from relais.web.app import create_app

        config = uvicorn.Config(create_app(self.store), host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off")  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the review app did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def test_a_save_that_fails_is_retried_until_the_server_has_it(browser, store, job):
    server = RestartableServer(store)
    server.start()
    try:
        _, page = signed_in_page(browser, server.url, "tina")
        page.goto(f"{server.url}/jobs/{job.job_id}")
        target = seg(page, job.segment_ids[4])
        expect(page.locator("#save-state")).to_have_text("all saved")
        server.stop()  # the server goes away while the translator types
        typed = "Les bateaux de pêche sont restés à quai pendant trois semaines."
        target.locator("textarea").fill(typed)
        target.locator("textarea").press("Control+s")
        expect(target.locator(".seg-state")).to_contain_text("not saved yet, trying again")
        expect(page.locator("#save-state")).to_contain_text("not saved")
        page.wait_for_timeout(1500)  # a retry or two fail meanwhile: still not saved, never "saved"
        expect(page.locator("#save-state")).not_to_have_text("all saved")
        with store.read() as s:
            assert service.segment_view(s, job.job_id, job.segment_ids[4]).version == 0
        server.start()  # back: the next retry goes through without anyone pressing a key
        expect(page.locator("#save-state")).to_have_text("all saved", timeout=20000)
        expect(target.locator(".version")).to_have_text("v1")
        with store.read() as s:
            view = service.segment_view(s, job.job_id, job.segment_ids[4])
        assert (view.version, view.text) == (1, typed)
    finally:
        server.stop()


ACCEPT_STORY = [
    (BlockKind.HEADLINE, "Talks on the harbour deal resume", "Reprise des discussions sur l’accord du port"),
    (BlockKind.PARAGRAPH, "The deal was signed on Monday.", "L'accord a été signé lundi."),  # typography: ’
    (BlockKind.PARAGRAPH, "The government decided on Friday.", "Le gouvernemnt a décidé vendredi."),  # spelling
    (BlockKind.PARAGRAPH, "The deal was worth £48.2m, officials said.", "L’accord valait £48.2m, selon des responsables."),
    (BlockKind.PARAGRAPH, "Sergei Lavrov spoke first.", "Sergei Lavrov a parlé en premier."),  # a forbidden variant
    (BlockKind.PARAGRAPH, "The fire destroyed 27 homes.", "L’incendie a détruit des maisons."),  # advice only
]
ACCEPTED = {
    1: "L’accord a été signé lundi.",
    2: "Le gouvernement a décidé vendredi.",
    3: "L’accord valait 48,2 millions de livres, selon des responsables.",
    4: "Sergueï Lavrov a parlé en premier.",
}
CHECK_OF = {1: "typography.", 2: "spelling.", 3: "numbers.mismatch", 4: "terms.forbidden"}


def test_each_kind_of_suggestion_is_accepted_with_one_key_and_advice_is_not(browser, live_server, store):
    from relais.memory import termbase
    from relais.store.actors import Actor
    from tests.review.seed import seed_job

    with store.write() as s:
        term = termbase.get_or_add_term(s, "Sergei Lavrov", "person")
        row = termbase.add_rendering(s, term, "fr", "Sergueï Lavrov", forbidden=["Sergei Lavrov"], proposed_by="eddie")
        termbase.approve_rendering(s, Actor.of(accounts.get_user(s, "eddie")), row.id)
    job = seed_job(store, story=ACCEPT_STORY, links={}, title="Harbour deal")
    base = live_server
    _, page = signed_in_page(browser, base, "tina")
    page.goto(f"{base}/jobs/{job.job_id}")
    for index, fixed in ACCEPTED.items():
        box = seg(page, job.segment_ids[index])
        finding = box.locator(".findings li", has_text=CHECK_OF[index]).first
        expect(finding.locator("button.accept")).to_have_count(1)
        box.locator("textarea").click()
        page.keyboard.press("Alt+n")  # select its finding …
        while CHECK_OF[index] not in (page.evaluate("() => document.querySelector('.segment.current .finding.current .check')?.textContent") or ""):
            page.keyboard.press("Alt+n")
        page.keyboard.press("Alt+Enter")  # … and accept its suggestion with one key
        expect(box.locator("textarea")).to_have_value(fixed)
        expect(box.locator(".version")).to_have_text("v1")
        expect(box.locator(".findings li", has_text=CHECK_OF[index])).to_have_count(0)  # the re-check cleared it
    advice = seg(page, job.segment_ids[5])
    expect(advice.locator(".findings li", has_text="numbers.missing")).to_have_count(1)
    expect(advice.locator("button.accept")).to_have_count(0)
    expect(advice.locator(".suggestion.advice")).to_contain_text("27")
    advice.locator("textarea").click()
    page.keyboard.press("Alt+Enter")
    expect(advice.locator(".seg-state")).to_have_text("no suggestion to accept here")
    expect(advice.locator("textarea")).to_have_value("L’incendie a détruit des maisons.")  # untouched
    expect(advice.locator(".version")).to_have_text("v0")
    assert page.errors == []
