"""A story update through the library, with a real engine (a tiny random-weight GGUF):
version 1 translated, confirmed, signed off and published; version 2 carries every
unchanged segment with its confirmed text and sends only the changed and added ones to
the engine; an update that arrives while the earlier version is in review supersedes it.

The tiny model's words are random: the tests assert what Relais guarantees whatever it
answers (which segments reach the engine, what is carried and confirmed, the states)."""

from __future__ import annotations

import threading

import pytest
from lxml import etree
from sqlalchemy import update

from relais.desk import Desk
from relais.engines.types import Provenance, SegmentResult
from relais.jobs.runner import check_job, finish_run
from relais.metrics import read_snapshot
from relais.publish.publisher import latest_publication, publish
from relais.review import accounts, service
from relais.review.workflow import InvalidState
from relais.store import repo, translation
from relais.store.actors import Actor
from relais.store.models import DraftRow, JobRow, JobStatus, ReviewStatus
from relais.store.stories import Standing
from relais.store.updates import CARRIED_ENGINE
from tests.helpers import running_desk

URL = "https://www.sennetcourier.example/news/2026/03/quay-vote"


def _story(headline: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html><head><link rel="canonical" href="{URL}"></head><body><article><h1>{headline}</h1>{body}'
            "</article></body></html>").encode()  # fmt: skip


P1 = "The council approved the plan by seven votes to two on Tuesday."
P2 = "The storm damaged 4,200 metres of sea wall in January."
P3 = "Fishing boats stayed in port for three weeks."
P4 = "Repairs will start in the spring, the mayor said."
P5 = "Insurers have received more than 300 claims since the storm."
V1 = _story("Harbour town votes to rebuild its quay", [P1, P2, P3, P4])
NOTE = "An earlier version of this article gave the wrong length of damaged sea wall."
# Version 2: a changed headline, a corrected figure, a new paragraph, a removed one, a correction note.
V2 = _story("Harbour town votes to rebuild its flooded quay", [P1, P2.replace("4,200", "4,600"), P5, P4, f"Correction: {NOTE}"])


@pytest.fixture(params=["tiny", pytest.param("shipped", marks=pytest.mark.shipped)])
def desk(request, relais_home, tiny_gguf):
    """A desk with a real engine: the tiny random-weight model, and (marked ``shipped``)
    the demo model a fresh install ships."""
    model = {"RELAIS_LLAMA_MODEL": str(tiny_gguf)} if request.param == "tiny" else {}
    with running_desk(relais_home, **model) as desk:
        yield desk


def _actor(desk: Desk, name: str) -> Actor:
    with desk.store.read() as s:
        return Actor.of(accounts.get_user(s, name))


def _translate(desk: Desk, data: bytes) -> int:
    ingested = desk.ingest(data, name="quay.html")
    (job_id,) = desk.queue(ingested.article_id, ["fr"])
    desk.run_here([job_id])
    return job_id


def _confirm(desk: Desk, job_id: int, *, only_unconfirmed: bool = True) -> int:
    """The translator gives every empty segment a text and confirms what is unconfirmed; how many."""
    tina = _actor(desk, "tina")
    n = 0
    with desk.store.write() as s:
        service.claim(s, tina, job_id)
        for seg in service.job_view(s, job_id).segments:
            if only_unconfirmed and seg.confirmed:
                continue
            version = seg.version
            if not seg.text.strip():
                version = service.save_segment(s, tina, job_id, seg.id, "Texte revu.", seg.version).version
            service.confirm_segment(s, tina, job_id, seg.id, version, seconds=3.0)
            n += 1
    return n


def _publish(desk: Desk, job_id: int) -> None:
    tina, eddie = _actor(desk, "tina"), _actor(desk, "eddie")
    with desk.store.write() as s:
        service.approve_article(s, tina, job_id)
        service.sign_off(s, eddie, job_id)
        publish(s, eddie, job_id)


def _engine_segments(view) -> set[str]:
    """The sources of the segments the engine was asked to translate in this job."""
    return {seg.source for seg in view.segments if seg.provenance and seg.provenance["engine"] != CARRIED_ENGINE}


def test_an_update_sends_only_what_changed_to_the_engine(desk):
    first = _translate(desk, V1)
    _confirm(desk, first)
    _publish(desk, first)
    with desk.store.read() as s:
        published = {seg.source: seg.text for seg in translation.load(s, first).segments}

    second = _translate(desk, V2)
    with desk.store.read() as s:
        view = translation.load(s, second)
        job = s.get(JobRow, second)
        assert job.base_job_id == first and view.version == 2 and view.story_id == translation.load(s, first).story_id
    changed = {"Harbour town votes to rebuild its flooded quay", P2.replace("4,200", "4,600"), P5, NOTE}
    assert _engine_segments(view) == changed
    carried = [seg for seg in view.segments if seg.source not in changed]
    assert [seg.source for seg in carried] == [P1, P4]
    for seg in carried:  # the published text, confirmed as carried, by who confirmed it
        assert seg.text == published[seg.source]
        assert seg.provenance["engine"] == CARRIED_ENGINE and seg.provenance["model_version"] == f"job-{first}"
        assert (seg.confirmed_by, seg.confirmed_how) == ("tina", "carried")
    assert {seg.source for seg in view.segments if not seg.confirmed} == changed

    # A draft that keeps the corrected figure's old value is named as such by the checks.
    corrected = next(seg for seg in view.segments if seg.source == P2.replace("4,200", "4,600"))
    with desk.store.write() as s:
        s.execute(update(DraftRow).where(DraftRow.job_id == second, DraftRow.segment_id == corrected.id)
                  .values(text="La tempête a endommagé 4 200 mètres de digue en janvier.", error=None))  # fmt: skip
    check_job(desk.store, second)
    with desk.store.read() as s:
        stale = [f for f in translation.load(s, second).segments if f.id == corrected.id][0].findings
    assert "numbers.stale" in {f.check for f in stale}

    # Until version 2 is published, the French of the story is out of date.
    (story,) = {key[0] for key in desk.standings()}
    assert desk.standings()[(story, "fr")] == Standing(latest=2, published=1)
    assert desk.standings()[(story, "fr")].behind
    assert read_snapshot(desk.store).out_of_date == {"fr": 1}  # /metrics: a count, no story label

    # The translator confirms only the changed ones; then it can be approved and published.
    assert _confirm(desk, second) == len(changed)
    _publish(desk, second)
    assert desk.standings()[(story, "fr")] == Standing(latest=2, published=2)
    assert not desk.standings()[(story, "fr")].behind
    assert read_snapshot(desk.store).out_of_date == {"fr": 0}
    with desk.store.read() as s:
        assert s.get(JobRow, first).review_status == ReviewStatus.PUBLISHED  # publication 1 stays as it was
        assert s.get(JobRow, second).review_status == ReviewStatus.PUBLISHED
        one, two = latest_publication(s, first), latest_publication(s, second)
        assert (one.number, two.number) == (1, 2)  # numbered per story and language
        story = two.audit["story"]
        assert story["supersedes"] == {"publication": 1, "job": first, "source_version": 1}
        assert (story["source_version"], story["carried_from_version"]) == (2, 1)
        origins = {seg["block"]: seg["origin"] for seg in story["segments"]}
        assert [origins[b] for b in sorted(origins)] == ["translated", "carried", "translated", "translated", "carried", "translated"]
        # the correction note is last, as in the source, with the French newsroom's label
        body = two.markdown.split("\n\n---\n\n")[0]
        assert body.rsplit("\n\n", 1)[1].startswith("**Rectificatif\u00a0:** ")
        assert one.audit.get("story", {}).get("supersedes") is None


def test_an_update_during_review_supersedes_the_earlier_job(desk):
    first = _translate(desk, V1)
    tina = _actor(desk, "tina")
    with desk.store.write() as s:
        service.claim(s, tina, first)
        seg = next(seg for seg in service.job_view(s, first).segments if seg.source == P3)
        saved = service.save_segment(s, tina, first, seg.id, "Les bateaux sont restés au port trois semaines.", seg.version)
        service.confirm_segment(s, tina, first, seg.id, saved.version, seconds=2.0)
        other = next(seg for seg in service.job_view(s, first).segments if seg.source == P1)
        unconfirmed_text = "Le conseil a approuvé le plan mardi par sept voix contre deux."
        other = service.save_segment(s, tina, first, other.id, unconfirmed_text, other.version)  # saved, not confirmed
        failed = {seg.source for seg in service.job_view(s, first).segments if not seg.text}  # the engine failed there

    # Version 2 keeps P1 and P3 unchanged; the job in review is superseded.
    v2 = _story("Harbour town votes to rebuild its quay", [P1, P2.replace("4,200", "4,600"), P3])
    second = _translate(desk, v2)
    with desk.store.read() as s:
        assert s.get(JobRow, first).review_status == ReviewStatus.SUPERSEDED
        view = translation.load(s, second)
    by_source = {seg.source: seg for seg in view.segments}
    assert by_source[P3].text == "Les bateaux sont restés au port trois semaines."
    assert by_source[P3].confirmed_how == "carried"
    # P1 was edited but not confirmed there: its text is carried as a draft (no engine call) to confirm
    assert by_source[P1].text == unconfirmed_text and not by_source[P1].confirmed
    assert by_source[P1].provenance["engine"] == CARRIED_ENGINE
    kept = {"Harbour town votes to rebuild its quay", P1, P3}
    assert _engine_segments(view) == {P2.replace("4,200", "4,600")} | (failed & kept)  # nothing to carry for a failed one
    # Nobody works on the superseded job any more.
    with pytest.raises(InvalidState, match="superseded"):
        with desk.store.write() as s:
            service.confirm_segment(s, tina, first, other.id, other.version)


def test_an_update_waits_for_the_run_of_the_job_it_updates(relais_home, tiny_gguf):
    """Version 2 arrives while another process still runs the version 1 job: the new job
    waits until that run stops (superseded, at its next batch) and carries what it
    translated meanwhile, so nothing is translated twice."""
    with running_desk(relais_home, seeded=False, RELAIS_LLAMA_MODEL=str(tiny_gguf)) as desk:
        first_article = desk.ingest(V1, name="quay.html").article_id
        (first,) = desk.queue(first_article, ["fr"])
        with desk.store.write() as s:  # a process of another machine runs it
            s.execute(update(JobRow).where(JobRow.id == first).values(status=JobStatus.RUNNING, owner="elsewhere:1"))
        (second,) = desk.queue(desk.ingest(V2, name="quay.html").article_id, ["fr"])
        with desk.store.read() as s:
            assert s.get(JobRow, first).review_status == ReviewStatus.SUPERSEDED
            assert s.get(JobRow, first).status == JobStatus.RUNNING  # it stops at its next batch

        done = threading.Event()
        run = threading.Thread(target=lambda: (desk.run_here([second]), done.set()))
        run.start()
        assert not done.wait(1.0)  # waiting for the other run
        with desk.store.read() as s:
            assert s.get(JobRow, second).status == JobStatus.QUEUED
            assert not repo.drafted_segment_ids(s, second)
            base_segments = {seg.text: seg.id for seg, _ in repo.article_segments(s, first_article)}
        # The other process saves its batch (P1 and P4, which version 2 keeps), then stops.
        mine = {P1: "Le conseil a approuvé le plan.", P4: "Les réparations commenceront au printemps."}
        with desk.store.write() as s:
            prov = Provenance("llama", "other", "x", "4")
            repo.save_drafts(s, first, [(base_segments[src], SegmentResult("k", text, prov)) for src, text in mine.items()])
        finish_run(desk.store, first, JobStatus.DONE)
        run.join(timeout=300)
        assert done.is_set()
        with desk.store.read() as s:
            view = translation.load(s, second)
    by_source = {seg.source: seg for seg in view.segments}
    for src, text in mine.items():  # carried as drafts to confirm, not translated again
        assert by_source[src].text == text and by_source[src].provenance["engine"] == CARRIED_ENGINE
    assert not _engine_segments(view) & set(mine)


XLIFF12 = "urn:oasis:names:tc:xliff:document:1.2"


def test_an_update_goes_out_to_a_cat_tool_and_back(desk, tmp_path):
    """The XLIFF of an update says which units changed (with the earlier source and
    translation) and which are carried; a CAT tool's translator who works on the changed
    ones only brings the job back ready for approval."""
    first = _translate(desk, V1)
    _confirm(desk, first)
    _publish(desk, first)
    second = _translate(desk, V2)
    with desk.store.read() as s:
        view = translation.load(s, second)
    to_do = {str(seg.id) for seg in view.segments if not seg.confirmed}
    assert to_do and len(to_do) < len(view.segments)

    root = etree.fromstring(desk.xliff_export(second))
    units = {tu.get("id"): tu for tu in root.iter(f"{{{XLIFF12}}}trans-unit")}
    assert set(units) == {str(seg.id) for seg in view.segments}
    corrected = next(str(seg.id) for seg in view.segments if seg.source == P2.replace("4,200", "4,600"))
    for unit_id, tu in units.items():
        notes = " ".join(n.text for n in tu.findall(f"{{{XLIFF12}}}note"))
        if unit_id in to_do:
            assert tu.get("approved") != "yes"
            assert "changed since version 1" in notes or "new in version 2" in notes
        else:
            assert tu.get("approved") == "yes" and "carried, confirmed by tina" in notes
    corrected_notes = " ".join(n.text for n in units[corrected].findall(f"{{{XLIFF12}}}note"))
    assert f"the earlier source: {P2}" in corrected_notes  # the old English, for the translator

    for unit_id in to_do:  # the CAT tool: a new text, marked final, on the changed units only
        target = units[unit_id].find(f"{{{XLIFF12}}}target")
        for child in list(target):
            target.remove(child)
        target.text, target.attrib["state"] = f"Texte revu {unit_id}.", "final"
    returned = tmp_path / "returned.xlf"
    returned.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    tina = _actor(desk, "tina")
    with desk.store.write() as s:
        service.claim(s, tina, second)
    report = desk.xliff_import(str(returned), tina)
    assert (report.edited, report.confirmed, report.notes) == (len(to_do), len(to_do), [])  # our notes are not theirs
    _publish(desk, second)
    with desk.store.read() as s:
        assert s.get(JobRow, second).review_status == ReviewStatus.PUBLISHED
        assert latest_publication(s, second).number == 2
