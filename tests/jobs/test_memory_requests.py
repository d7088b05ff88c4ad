"""What a job asks the engine once Relais has learnt: exact memory matches are reused
without the engine, fuzzy matches go as examples, approved terms as glossary hints, and
forbidden variants are replaced in machine output (never in a person's text)."""

from __future__ import annotations

from relais.document.model import Article, Block, BlockKind
from relais.jobs.runner import MemorySettings, _requests
from relais.memory.termbase import TermHint, add_rendering, apply_to_machine_output, get_or_add_term
from relais.memory.tm import add_entry
from relais.store import repo
from relais.store.db import open_store
from relais.store.models import TermStatus


def _store_with_article(url: str, *paragraphs: str):
    store = open_store(url)
    blocks = [Block(BlockKind.HEADLINE, "Envoy leaves Kelmsby")] + [Block(BlockKind.PARAGRAPH, p) for p in paragraphs]
    with store.write() as s:
        row, _ = repo.save_article(s, Article(blocks=blocks, title="Envoy leaves Kelmsby", source_format="markdown"), b"x", "a.md")
        job = repo.create_job(s, row.id, "fr", "llama")
        return store, job.id


def test_exact_matches_are_reused_and_the_rest_carry_terms_and_examples(store_url):
    store, job_id = _store_with_article(
        store_url,
        "Kelmsby Harbour Trust did not respond to a request for comment.",
        "Yevgeny Sorokin left Kelmsby on Friday.",
    )
    with store.write() as s:
        add_entry(s, "en", "fr", "Kelmsby  Harbour Trust did not respond to a request for comment.",
                  "Le Kelmsby Harbour Trust n’a pas répondu à une demande de commentaire.", approved_by="tina")  # fmt: skip
        add_entry(s, "en", "fr", "Yevgeny Sorokin left Kelmsby on Monday.", "Ievgueni Sorokine a quitté Kelmsby lundi.",
                  approved_by="tina")  # fmt: skip
        add_entry(s, "en", "de", "Yevgeny Sorokin left Kelmsby on Friday.", "Jewgeni Sorokin verließ Kelmsby am Freitag.")
        term = get_or_add_term(s, "Yevgeny Sorokin", "person")
        add_rendering(s, term, "fr", "Ievgueni Sorokine", status=TermStatus.APPROVED, forbidden=["Yevgeny Sorokin"])
        add_rendering(s, get_or_add_term(s, "Kelmsby", "place"), "fr", "Kelmsby-sur-Mer")  # proposed: not used
    pending = _requests(store, job_id, MemorySettings(threshold=0.75, limit=3))

    assert [r.text for _, r in pending.reused] == ["Le Kelmsby Harbour Trust n’a pas répondu à une demande de commentaire."]
    assert pending.reused[0][1].provenance.engine == "memory"
    by_text = {req.text: req for _, req in pending.requests}
    assert set(by_text) == {"Envoy leaves Kelmsby", "Yevgeny Sorokin left Kelmsby on Friday."}
    sorokin = by_text["Yevgeny Sorokin left Kelmsby on Friday."]
    assert [(g.source, g.target) for g in sorokin.glossary] == [("Yevgeny Sorokin", "Ievgueni Sorokine")]
    # the fuzzy match of the same language pair only, as an example
    assert sorokin.examples == (("Yevgeny Sorokin left Kelmsby on Monday.", "Ievgueni Sorokine a quitté Kelmsby lundi."),)
    assert by_text["Envoy leaves Kelmsby"].glossary == ()  # a proposed rendering is not a hint yet
    assert pending.total == 3 and pending.skipped == 0


def test_an_exact_match_whose_tags_do_not_fit_is_only_an_example(store_url):
    store, job_id = _store_with_article(store_url, "Read <a1>the report</a1> today.")
    with store.write() as s:
        add_entry(s, "en", "fr", "Read the report today.", "Lisez le rapport aujourd’hui.")
    pending = _requests(store, job_id)
    assert pending.reused == []
    (req,) = [r for _, r in pending.requests if "<a1>" in r.text]
    assert req.examples == (("Read the report today.", "Lisez le rapport aujourd’hui."),)


def test_forbidden_variants_are_replaced_in_machine_output():
    hints = [TermHint("Yevgeny Sorokin", "Ievgueni Sorokine", "person", ("Yevgeny Sorokin", "Evgueni Sorokine"))]
    assert (apply_to_machine_output("Yevgeny Sorokin a quitté Kelmsby ; Evgueni Sorokine aussi.", hints)
            == "Ievgueni Sorokine a quitté Kelmsby ; Ievgueni Sorokine aussi.")  # fmt: skip
    assert apply_to_machine_output("Yevgeny Sorokinov est là.", hints) == "Yevgeny Sorokinov est là."  # whole words
    assert apply_to_machine_output("Rien à changer.", []) == "Rien à changer."


def test_text_reused_from_memory_is_not_sent_back_to_the_engine_for_its_risk(store_url):
    # Every segment has an approved exact match: the job never needs the engine, not even
    # to back-translate for the meaning risk (the engine here is unreachable, which would
    # leave a "not scored" note on the job if it were asked).
    from relais.engines.openai import OpenAIEngine, OpenAISettings
    from relais.jobs.runner import run_job
    from tests.llama_server import free_port

    store, job_id = _store_with_article(store_url, "Yevgeny Sorokin left Kelmsby on Friday.")
    with store.write() as s:
        add_entry(s, "en", "fr", "Envoy leaves Kelmsby", "L’envoyé quitte Kelmsby", approved_by="tina")
        add_entry(s, "en", "fr", "Yevgeny Sorokin left Kelmsby on Friday.", "Ievgueni Sorokine a quitté Kelmsby vendredi.",
                  approved_by="tina")  # fmt: skip
    engine = OpenAIEngine(OpenAISettings(base_url=f"http://127.0.0.1:{free_port()}/v1", model="m", max_retries=0))
    try:
        outcome = run_job(store, job_id, engine, risk_method="back-translation")
    finally:
        engine.close()
        store.close()
    assert (outcome.status, outcome.translated, outcome.from_memory) == ("done", 2, 2)
    assert (outcome.risk_scored, outcome.risk_unscored, outcome.error) == (0, 0, None)
