"""Publishing: only after a four-eyes sign-off, frozen renderings ending with the plain
disclosure line, a full audit record, and the memory learning from published text only."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from relais.document.translation import UNREVIEWED
from relais.errors import NotFound
from relais.publish.publisher import latest_publication, publish
from relais.review import accounts, service
from relais.store.actors import Actor, PermissionDenied
from relais.review.service import InvalidState
from relais.store.db import open_store
from relais.memory.tm import lookup
from relais.store.models import PublicationRow, ReviewStatus, TermRenderingRow, TmEntryRow, TmSupportRow

FIXED = "La tempête a endommagé 4 200 mètres de digue en janvier."
DISCLOSURE = "Cet article a été traduit de l’anglais à l’aide d’outils d’intelligence artificielle"


@pytest.fixture
def seeded(seeded_url, seeded_job):
    store = open_store(seeded_url)
    yield store, seeded_job
    store.close()


def _actor(store, name):
    with store.read() as s:
        return Actor.of(accounts.get_user(s, name))


def review_and_sign_off(store, job):
    tina, eddie = _actor(store, "tina"), _actor(store, "eddie")
    with store.write() as s:
        service.claim(s, tina, job.job_id)
        service.save_segment(s, tina, job.job_id, job.segment_ids[3], FIXED, 0, active_seconds=20)
        service.save_segment(
            s, tina, job.job_id, job.segment_ids[5], "Les travaux commenceront au <a1>printemps</a1>, a déclaré le maire.", 0,
            active_seconds=10,
        )  # fmt: skip
        for seg in service.job_view(s, job.job_id).segments:
            service.confirm_segment(s, tina, job.job_id, seg.id, seg.version, seconds=4.0)
        service.approve_article(s, tina, job.job_id)
        service.sign_off(s, eddie, job.job_id)
    return tina, eddie


def test_publish_needs_sign_off_and_an_editor(seeded):
    store, job = seeded
    with pytest.raises(InvalidState, match="signed it off"):
        with store.write() as s:
            publish(s, _actor(store, "eddie"), job.job_id)
    review_and_sign_off(store, job)
    with pytest.raises(PermissionDenied):
        with store.write() as s:
            publish(s, _actor(store, "tina"), job.job_id)
    with pytest.raises(NotFound):
        with store.write() as s:
            latest_publication(s, job.job_id)


def test_published_renderings_and_audit_record(seeded):
    store, job = seeded
    _, eddie = review_and_sign_off(store, job)
    with store.write() as s:
        pub = publish(s, eddie, job.job_id)
        assert service.job_view(s, job.job_id).review_status == ReviewStatus.PUBLISHED
    for text in (pub.markdown, pub.html, pub.json):
        assert UNREVIEWED not in text and "Traduction automatique non relue" not in text
        assert DISCLOSURE in text and "« Cet article" not in text  # a plain line, no quotation marks
        assert "4 200 mètres" in text and "4 300" not in text
    assert pub.markdown.rstrip().endswith("puis relu et corrigé par un traducteur local.")
    assert "[printemps](https://example.org/plan)" in pub.markdown
    assert json.loads(pub.json)["reviewed"] is True

    audit = pub.audit
    assert audit["publication"] == 1 and audit["published_by"] == "eddie"
    assert audit["source"]["content_hash"] and len(audit["source"]["original_sha256"]) == 64
    assert audit["engine"] == {"name": "llama", "models": ["recorded-draft"], "model_versions": ["000000000000"],
                               "prompt_versions": ["3"]}  # fmt: skip
    assert audit["approved"]["by"] == "tina" and audit["signed_off"]["by"] == "eddie"
    assert audit["translators"] == ["tina"]
    assert {f["check"] for f in audit["findings"]["draft"]} >= {"numbers.mismatch", "untranslated.fragment"}
    assert not any(f["check"] == "numbers.mismatch" for f in audit["findings"]["approval"])
    effort = audit["effort"]
    assert effort["segments"] == 6 and effort["segments_edited"] == 2
    assert 0 < effort["hter"] < 0.5 and effort["active_seconds"] == 30
    fixed = audit["segments"][3]
    assert fixed["draft"].endswith("4 300 mètres de digue en janvier.") and fixed["final"] == FIXED
    assert fixed["diff"] == [{"op": "replace", "before": "300", "after": "200"}]
    assert fixed["editors"] == ["tina"] and fixed["hter"] > 0
    assert fixed["confirmed"]["by"] == "tina" and fixed["confirmed"]["how"] == "editor"
    assert fixed["confirmed"]["seconds_on_screen"] == 4.0 and fixed["confirmed"]["at"]
    assert all(seg["confirmed"]["by"] == "tina" for seg in audit["segments"])
    assert [e["action"] for e in audit["journal"]][:2] == ["claim", "edit"]
    assert audit["journal"][-1]["action"] == "publish"
    json.dumps(audit)  # exportable as JSON as stored


def test_a_correction_is_a_second_publication_and_the_first_is_kept(seeded):
    store, job = seeded
    tina, eddie = review_and_sign_off(store, job)
    with store.write() as s:
        publish(s, eddie, job.job_id)
        service.reopen(s, eddie, job.job_id, "figure was wrong in the source")
        seg = service.segment_view(s, job.job_id, job.segment_ids[4])
        seg = service.save_segment(s, tina, job.job_id, seg.id, "Les bateaux de pêche sont restés à quai trois semaines.",
                                   seg.version)  # fmt: skip
        service.confirm_segment(s, tina, job.job_id, seg.id, seg.version)
        service.approve_article(s, tina, job.job_id)
        service.sign_off(s, eddie, job.job_id)
        second = publish(s, eddie, job.job_id)
    assert second.number == 2
    with store.read() as s:
        pubs = s.scalars(select(PublicationRow).order_by(PublicationRow.number)).all()
        assert [p.number for p in pubs] == [1, 2]
        assert "restés à quai" not in pubs[0].markdown and "restés à quai" in pubs[1].markdown
        assert latest_publication(s, job.job_id).number == 2


def _memory(store) -> dict[str, list[int]]:
    """target text → the publications supporting it, for every memory entry."""
    with store.read() as s:
        rows = s.execute(
            select(TmEntryRow.target_text, TmSupportRow.publication_id)
            .outerjoin(TmSupportRow, TmSupportRow.entry_id == TmEntryRow.id)
        ).all()
    out: dict[str, list[int]] = {}
    for text, publication in rows:
        out.setdefault(text, [])
        if publication is not None:
            out[text].append(publication)
    return out


def test_the_memory_and_termbase_learn_only_from_publications(seeded):
    store, job = seeded
    _, eddie = review_and_sign_off(store, job)
    assert _memory(store) == {}  # confirmed, approved, signed off: still nothing learnt
    with store.read() as s:
        assert s.scalars(select(TermRenderingRow)).all() == []
    with store.write() as s:
        pub = publish(s, eddie, job.job_id)
    memory = _memory(store)
    assert len(memory) == 6 and all(pubs == [pub.id] for pubs in memory.values())
    assert FIXED in memory
    with store.read() as s:
        support = s.scalar(select(TmSupportRow).join(TmEntryRow, TmSupportRow.entry_id == TmEntryRow.id)
                           .where(TmEntryRow.target_text == FIXED))  # fmt: skip
        assert (support.confirmed_by, support.signed_off_by) == ("tina", "eddie")
        assert support.draft_text.endswith("4 300 mètres de digue en janvier.")
        hits = lookup(s, "en", "fr", "The storm damaged 4,200 metres of sea wall in January.")
        assert hits and hits[0].exact and hits[0].target_text == FIXED


def test_after_reopening_the_next_job_does_not_use_what_only_this_article_taught(seeded):
    store, job = seeded
    tina, eddie = review_and_sign_off(store, job)
    with store.write() as s:
        publish(s, eddie, job.job_id)
    with store.write() as s:
        service.reopen(s, eddie, job.job_id, "the figure is disputed")
    assert _memory(store) == {}  # withdrawn: nothing but this publication supported them
    with store.read() as s:
        assert lookup(s, "en", "fr", "The storm damaged 4,200 metres of sea wall in January.") == []
    # published again after review: learnt again, from the new publication
    with store.write() as s:
        seg = service.segment_view(s, job.job_id, job.segment_ids[4])
        service.confirm_segment(s, tina, job.job_id, seg.id, seg.version)
        for seg in service.job_view(s, job.job_id).segments:
            if not seg.confirmed:
                service.confirm_segment(s, tina, job.job_id, seg.id, seg.version)
        service.approve_article(s, tina, job.job_id)
        service.sign_off(s, eddie, job.job_id)
        second = publish(s, eddie, job.job_id)
    assert set(_memory(store)[FIXED]) == {second.id}


def test_the_installation_may_set_its_own_disclosure_line(seeded):
    store, job = seeded
    _, eddie = review_and_sign_off(store, job)
    own = "Traduit de l’anglais avec l’aide de l’IA, relu et corrigé par la rédaction."
    with store.write() as s:
        pub = publish(s, eddie, job.job_id, disclosures={"fr": own, "de": "Nicht für diesen Artikel."})
    assert pub.markdown.rstrip().splitlines()[-1] == own and DISCLOSURE not in pub.markdown
    assert pub.audit["disclosure"] == own and json.loads(pub.json)["disclosure"] == own
