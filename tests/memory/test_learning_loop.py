"""The learning loop end to end: a name a reviewer corrected in one article is proposed,
approved by an editor, and given to the engine for the next article; an approved
sentence is reused from the memory instead of translated again.

The next article is translated for real by a tiny random-weight GGUF: what is asserted
is what Relais guarantees whatever the model answers (the approved rendering is in the
request and the prompt, the forbidden variant never reaches the draft, the reused
sentence never reaches the engine).  How often the shipped model then writes the
approved name is a model's behaviour, not a test."""

from __future__ import annotations

from sqlalchemy import select

from relais.desk import Desk
from relais.document.model import BlockKind
from relais.engines.types import GlossaryHint
from relais.engines.prompt import completion_prompt
from relais.jobs.executor import EnginePool
from relais.memory.termbase import approve_rendering, list_terms
from relais.publish.publisher import publish
from relais.review import accounts, service
from relais.store.actors import Actor
from relais.store.models import DraftRow, TermStatus, TmEntryRow
from tests.engines.attempts import RawAttempts
from tests.helpers import relais_config
from tests.review.seed import seed_job

FIRST = [
    (BlockKind.HEADLINE, "Envoy arrives in Kelmsby", "Un émissaire arrive à Kelmsby"),
    (BlockKind.PARAGRAPH, "Yevgeny Sorokin arrived in Kelmsby on Monday.", "Yevgeny Sorokin est arrivé à Kelmsby lundi."),
    (BlockKind.PARAGRAPH, "The harbour trust did not comment.", "Le port n’a pas commenté."),
]  # (kind, source, the machine draft as an engine returned it)
CORRECTED = {1: "Ievgueni Sorokine est arrivé à Kelmsby lundi.", 2: "Le Harbour Trust n’a pas fait de commentaire."}
NEXT = b"# Envoy leaves Kelmsby\n\nYevgeny Sorokin left Kelmsby on Friday.\n\nThe harbour trust did not comment.\n"


def test_a_corrected_name_is_proposed_approved_and_used_in_the_next_draft(relais_home, tiny_gguf):
    config = relais_config(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf))
    config.risk_method = "rules"
    desk = Desk(config)
    store = desk.store
    with store.write() as s:
        tina = Actor.of(accounts.add_user(s, "tina", "a long password", "translator", ["fr"]))
        eddie = Actor.of(accounts.add_user(s, "eddie", "another long one", "editor", []))
    first = seed_job(store, story=FIRST, links={})

    # The translator corrects the name and a sentence, confirms every segment and approves
    # the article; an editor signs it off and publishes it.  Only then do the memory and
    # the termbase learn from it.
    with store.write() as s:
        for index, text in CORRECTED.items():
            service.save_segment(s, tina, first.job_id, first.segment_ids[index], text, 0)
        for seg in service.job_view(s, first.job_id).segments:
            service.confirm_segment(s, tina, first.job_id, seg.id, seg.version)
        service.approve_article(s, tina, first.job_id)
        service.sign_off(s, eddie, first.job_id)
        assert s.scalars(select(TmEntryRow)).all() == [] and list_terms(s, "fr") == []  # not published yet
        publish(s, eddie, first.job_id)
    with store.write() as s:
        proposed = [(t.source_term, r.text, r.forbidden, r.status) for t in list_terms(s, "fr") for r in t.renderings]
        assert proposed == [("Yevgeny Sorokin", "Ievgueni Sorokine", ["Yevgeny Sorokin"], TermStatus.PROPOSED)]
        memory = {e.source_text: e.target_text for e in s.scalars(select(TmEntryRow))}
        assert memory["The harbour trust did not comment."] == CORRECTED[2]
        # the editor approves the proposal
        rendering = list_terms(s, "fr")[0].renderings[0]
        approve_rendering(s, eddie, rendering.id)

    # The next article, translated by the engine, now with the memory and the termbase.
    ingested = desk.ingest(NEXT, name="next.md")
    job_ids = desk.queue(ingested.article_id, ["fr"])
    engines = EnginePool(config)
    try:
        with RawAttempts(engines.get("llama")) as attempts:
            (outcome,) = desk.run(job_ids, desk.executor(engines))
    finally:
        engines.close()
    assert outcome.from_memory == 1
    # The engine was asked for the headline and the name's sentence only, with the
    # approved rendering as a glossary pair in the request and in the prompt.
    sent = {req.text: req for call in attempts.calls for req in call.requests}
    assert set(sent) == {"Envoy leaves Kelmsby", "Yevgeny Sorokin left Kelmsby on Friday."}
    request = sent["Yevgeny Sorokin left Kelmsby on Friday."]
    assert [(h.source, h.target) for h in request.glossary] == [("Yevgeny Sorokin", "Ievgueni Sorokine")]
    assert isinstance(request.glossary[0], GlossaryHint)
    assert "English: Yevgeny Sorokin\nFrench: Ievgueni Sorokine\n" in completion_prompt(request).text

    draft = desk.draft(job_ids[0])
    texts = [seg.draft for block in draft.blocks for seg in block.segments]
    assert texts[2] == CORRECTED[2]  # reused as approved
    # Whatever the model wrote, the forbidden variant never reaches the draft (a copied
    # name becomes the approved rendering); a failed segment stays untranslated.
    assert texts[1] is None or "Yevgeny Sorokin" not in texts[1]
    with store.write() as s:
        engines_used = {d.segment_id: d.engine for d in s.scalars(select(DraftRow).where(DraftRow.job_id == job_ids[0]))}
        assert sorted(engines_used.values()) == ["llama", "llama", "memory"]
        view = service.job_view(s, job_ids[0])
    # The checks flag no forbidden variant anywhere, and nothing on the name once the
    # draft has the approved rendering (a model that renders it otherwise is flagged).
    findings = [{f.check for f in seg.findings} for seg in view.segments]  # in draft order
    assert [seg.draft for seg in view.segments] == texts
    assert not any("terms.forbidden" in checks for checks in findings)
    if texts[1] is not None and "Ievgueni Sorokine" in texts[1]:
        assert "terms.violation" not in findings[1]
    desk.close()


def test_only_published_text_enters_the_memory(relais_home):
    config = relais_config(relais_home)
    desk = Desk(config)
    with desk.store.write() as s:
        tina = Actor.of(accounts.add_user(s, "tina", "a long password", "translator", ["fr"]))
        eddie = Actor.of(accounts.add_user(s, "eddie", "another long one", "editor", []))
    job = seed_job(desk.store, story=FIRST, links={})
    with desk.store.write() as s:
        assert s.scalars(select(TmEntryRow)).all() == []  # a finished machine draft: nothing
        seg = service.segment_view(s, job.job_id, job.segment_ids[2])
        service.confirm_segment(s, tina, job.job_id, seg.id, seg.version)
        assert s.scalars(select(TmEntryRow)).all() == []  # confirming one segment: still nothing
    with desk.store.write() as s:
        for seg in service.job_view(s, job.job_id).segments:
            if not seg.confirmed:
                service.confirm_segment(s, tina, job.job_id, seg.id, seg.version)
        service.approve_article(s, tina, job.job_id)
        service.sign_off(s, eddie, job.job_id)
        assert s.scalars(select(TmEntryRow)).all() == []  # approved and signed off: still nothing
        publish(s, eddie, job.job_id)
    with desk.store.write() as s:
        entries = s.scalars(select(TmEntryRow).order_by(TmEntryRow.id)).all()
        assert len(entries) == 3
        for e in entries:
            assert e.approved_by == "tina" and e.approved_at is not None and e.job_id == job.job_id
            assert e.origin == "review" and e.segment_id in job.segment_ids and e.article_id == job.article_id
            assert e.draft_text == e.target_text  # confirmed unchanged: the draft it "replaced" is itself
    desk.close()
