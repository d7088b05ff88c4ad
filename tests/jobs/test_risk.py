"""Every machine draft gets a meaning risk after its job, scored with the configured method
through the job's own engine (real engines: a tiny random-weight GGUF in-process and
behind a real llama.cpp server; the shipped demo model where a sensible answer is needed).

A random-weight model's back-translations are gibberish and often rejected, and its
judge answers never hold a score: those segments keep no risk and the job says so.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pytest

from relais.checks.audit import draft_pairs
from relais.checks.base import CheckContext
from relais.checks.meaning import BackTranslationScorer, meaning_findings, segment_risk
from relais.desk import Desk
from relais.engines.openai import OpenAIEngine, OpenAISettings
from relais.jobs.executor import EnginePool
from relais.jobs.runner import run_job
from relais.store import repo
from tests.helpers import EXAMPLES, ROOT, RelaisHome, query, relais_config, relais_env, run_relais
from tests.llama_server import free_port, running_llama_server

ARTICLE = b"""Harbour strike ends

The mayor did not resign on Tuesday.

Prices rose amid the strike. Officials said the bridge will reopen in March.

Dockers returned to work despite the rain. The port reopened because the talks succeeded.
"""


def _desk(home: RelaisHome, tiny_gguf, method: str) -> Desk:
    config = relais_config(home, RELAIS_LLAMA_MODEL=str(tiny_gguf), RELAIS_RISK_METHOD=method)
    assert config.risk_method == method
    return Desk(config)


def _rows(desk: Desk, job_id: int) -> dict[int, tuple]:
    """segment id → (draft id, text, risk) of the job's drafts."""
    with desk.store.read() as s:
        draft = repo.translated_article(s, job_id)
        ids = {seg.segment_id: seg for b in draft.blocks for seg in b.segments}
    rows = query(desk.config.db_url, "SELECT segment_id, id, text, risk FROM drafts WHERE job_id = :job", job=job_id)
    assert set(ids) == {r[0] for r in rows}
    return {r[0]: r[1:] for r in rows}


def _job(desk: Desk, job_id: int) -> tuple[str, str | None]:
    with desk.store.read() as s:
        job = repo.get_job(s, job_id)
        return job.status, job.error


def _risk_findings(desk: Desk, job_id: int) -> dict[int, float]:
    with desk.store.read() as s:
        return {f.segment_id: f.message for f in repo.job_findings(s, job_id) if f.check == "meaning.risk"}


def test_back_translation_risk_is_stored_for_every_draft_and_not_scored_twice(relais_home, tiny_gguf):
    desk = _desk(relais_home, tiny_gguf, "back-translation")
    engines = EnginePool(desk.config)
    try:
        ingested = desk.ingest((EXAMPLES / "story.txt").read_bytes(), name="story.txt")
        (job_id,) = desk.queue(ingested.article_id, ["fr"])
        (outcome,) = desk.run([job_id], desk.executor(engines))
        rows = _rows(desk, job_id)
        translated = {sid: r for sid, r in rows.items() if r[1] is not None}
        assert translated, "the tiny model translated nothing: nothing to score"
        # Every translated draft was scored or is counted, with the reason, in the job's note.
        assert outcome.risk_scored + outcome.risk_unscored == len(translated)
        assert outcome.risk_scored == sum(r[2] is not None for r in translated.values()) > 0
        assert all(r[2] is None for r in rows.values() if r[1] is None)  # a failed draft has no risk
        status, note = _job(desk, job_id)
        assert status == "done" and note == outcome.error
        if outcome.risk_unscored:
            assert f"not scored for {outcome.risk_unscored} of {len(translated)}" in note
            assert "without a usable answer" in note
        else:
            assert note is None

        # The stored risk is the back-translation's (greedy: the same round trip again)
        # combined with the rule checks.
        engine = engines.get("llama")
        with desk.store.write() as s:
            draft = repo.translated_article(s, job_id)
        dp = draft_pairs(draft)
        ctx = CheckContext("en", "fr", machine_output=True)
        pairs = [p for p in dp.pairs if translated[dp.segment_ids[(p.block, p.segment)]][2] is not None]
        for pair, chrf in zip(pairs, BackTranslationScorer(engine).scores(pairs)):
            stored = translated[dp.segment_ids[(pair.block, pair.segment)]][2]
            assert stored == pytest.approx(segment_risk(meaning_findings(pair, ctx), chrf))
        high = {sid for sid, r in translated.items() if r[2] is not None and r[2] >= 0.6}
        assert set(_risk_findings(desk, job_id)) == high

        # Running the job again translates nothing and scores only what has no risk yet.
        (again,) = desk.run([job_id], desk.executor(engines))
        assert (again.translated, again.failed) == (0, 0)
        assert again.risk_scored == 0 and again.risk_unscored == outcome.risk_unscored
        assert _rows(desk, job_id) == rows
    finally:
        engines.close()
        desk.close()


def test_rules_method_scores_without_the_engine(relais_home, tiny_gguf):
    desk = _desk(relais_home, tiny_gguf, "rules")
    engines = EnginePool(desk.config)
    try:
        ingested = desk.ingest(ARTICLE, name="harbour.txt")
        (job_id,) = desk.queue(ingested.article_id, ["fr"])
        (outcome,) = desk.run([job_id], desk.executor(engines))
        assert outcome.risk_seconds == 0 and outcome.risk_scored == 0 and outcome.error is None
        rows = _rows(desk, job_id)
        assert all((r[2] is None) == (r[1] is None) for r in rows.values())  # every translated draft has a risk
        assert all(r[2] in (0.0, 0.5, 0.7) for r in rows.values() if r[2] is not None)
    finally:
        engines.close()
        desk.close()


def test_judge_through_the_llama_engine_never_crashes_on_gibberish(relais_home, tiny_gguf):
    desk = _desk(relais_home, tiny_gguf, "judge")
    engines = EnginePool(desk.config)
    try:
        ingested = desk.ingest(ARTICLE, name="harbour.txt")
        (job_id,) = desk.queue(ingested.article_id, ["fr"])
        (outcome,) = desk.run([job_id], desk.executor(engines))
        rows = _rows(desk, job_id)
        translated = [r for r in rows.values() if r[1] is not None]
        assert translated and outcome.risk_scored + outcome.risk_unscored == len(translated)
        # A random-weight model's answer is not a score: no risk, and the job says why.
        assert outcome.risk_unscored == len(translated) and all(r[2] is None for r in translated)
        assert _job(desk, job_id) == ("done", outcome.error)
        assert "meaning risk (judge) not scored" in outcome.error
        # The judge did ask the engine: the raw answers came back, one per segment.
        raws = engines.get("llama").complete(["English: Hello.\nFrench: Bonjour.\nScore (0-100):"], max_tokens=8)
        assert len(raws) == 1 and raws[0].error is None
    finally:
        engines.close()
        desk.close()


def test_judge_with_the_shipped_demo_model_stores_a_risk(relais_home):
    """The 270M demo model answers the judge with a number ("100" for nearly anything):
    parseable, so every translated segment gets a risk, but a weak one (docs/checks.md)."""
    config = relais_config(relais_home, RELAIS_RISK_METHOD="judge")
    desk = Desk(config)
    engines = EnginePool(config)
    try:
        ingested = desk.ingest(b"The mayor did not resign.\n\nPrices rose amid the strike.\n", name="short.txt")
        (job_id,) = desk.queue(ingested.article_id, ["fr"])
        (outcome,) = desk.run([job_id], desk.executor(engines))
        rows = _rows(desk, job_id)
        translated = [r for r in rows.values() if r[1] is not None]
        assert translated and outcome.risk_scored == len(translated) and outcome.error is None
        assert all(0.0 <= r[2] <= 1.0 for r in translated)
    finally:
        engines.close()
        desk.close()


FRENCH = {
    "Harbour strike ends": "Fin de la grève au port",
    "The mayor did not resign on Tuesday.": "Le maire n’a pas démissionné mardi.",
    "Prices rose amid the strike.": "Les prix ont augmenté malgré la grève.",
    "Officials said the bridge will reopen in March.": "Selon les responsables, le pont rouvrira en mars.",
    "Dockers returned to work despite the rain.": "Les dockers ont repris le travail malgré la pluie.",
    "The port reopened because the talks succeeded.": "Le port a rouvert parce que les négociations ont abouti.",
}


def _seed_drafts(desk: Desk, job_id: int, article_id: int, engine: str) -> None:
    """Drafts as if the job had translated everything (a human's French): only scoring is left."""
    from relais.engines.base import Provenance, SegmentResult

    with desk.store.write() as s:
        segments = repo.article_segments(s, article_id)
        assert sorted(seg.text for seg, _ in segments) == sorted(FRENCH)
        prov = Provenance(engine, "human", "-", "-")
        repo.save_drafts(s, job_id, [(seg.id, SegmentResult(str(seg.id), FRENCH[seg.text], prov)) for seg, _ in segments])


def test_openai_engine_unreachable_during_scoring_keeps_the_drafts(relais_home, tmp_path, tiny_gguf):
    """The server is gone when scoring starts: the job still finishes with its drafts, the
    risks left empty and a note; a later run (the server back) scores them again.

    (The random-weight model behind the real server never ends an answer, so its
    back-translations are all cut off: the second run has no usable answer either, and
    says that instead.)"""
    config = relais_config(relais_home, RELAIS_ENGINE="openai")
    desk = Desk(config)
    try:
        ingested = desk.ingest(ARTICLE, name="harbour.txt")
        (job_id,) = desk.queue(ingested.article_id, ["fr"], engine="openai")
        _seed_drafts(desk, job_id, ingested.article_id, "openai")
        before = _rows(desk, job_id)
        engine = OpenAIEngine(OpenAISettings(base_url=f"http://127.0.0.1:{free_port()}/v1", max_retries=0, model="m"))
        first = run_job(desk.store, job_id, engine, risk_method="back-translation")
        assert (first.translated, first.skipped, first.risk_scored, first.risk_unscored) == (0, 6, 0, 6)
        assert _rows(desk, job_id) == before  # drafts kept, risks empty
        status, note = _job(desk, job_id)
        assert status == "done" and note == first.error
        assert re.search(r"not scored for 6 of 6 segment\(s\): 6 because engine 'openai' unreachable", note), note
        # The rule checks still ran and were stored.
        with desk.store.write() as s:
            assert "meaning.connective" in {f.check for f in repo.job_findings(s, job_id)}

        with running_llama_server(tiny_gguf, tmp_path / "server.log") as base_url:
            engine = OpenAIEngine(OpenAISettings(base_url=base_url, max_tokens=16, max_retries=0))
            second = run_job(desk.store, job_id, engine, risk_method="back-translation")
        assert (second.translated, second.risk_scored, second.risk_unscored) == (0, 0, 6)
        assert "6 without a usable answer from the engine" in second.error and "unreachable" not in second.error
        assert _rows(desk, job_id) == before
    finally:
        desk.close()


def test_judge_through_a_real_server_gives_no_score_for_gibberish(llama_server):
    from relais.checks.base import SegmentPair
    from relais.checks.meaning import JudgeScorer

    engine = OpenAIEngine(OpenAISettings(base_url=llama_server, max_retries=0))
    pairs = [
        SegmentPair(0, i, "paragraph", src, fr, "en", "fr", {}, {}) for i, (src, fr) in enumerate(FRENCH.items())
    ]
    raws = engine.complete([JudgeScorer.prompt(p) for p in pairs], max_tokens=8)
    assert len(raws) == len(pairs) and all(raw.text and raw.error is None for raw in raws)
    assert JudgeScorer(engine).assess(pairs) == [None] * len(pairs)
    engine.close()


def _db(db: str, sql: str) -> list[tuple] | None:
    return query(db, sql)


def test_kill_9_during_scoring_then_resume_finishes_the_scoring(relais_home, tiny_gguf):
    env = relais_env(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf), RELAIS_RISK_METHOD="back-translation")
    db = relais_home.db_url
    proc = subprocess.Popen(
        [sys.executable, "-m", "relais", "translate", str(EXAMPLES / "story.html"), "--to", "fr", "-q"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the run finished before it could be killed: " + proc.stderr.read().decode()
        scored = _db(db, "SELECT count(*) FROM drafts WHERE risk IS NOT NULL")  # None: still migrating
        if scored and scored[0][0] >= 1:
            break  # all translated (scoring starts after), and scoring has begun
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    total = _db(db, "SELECT count(*) FROM segments")[0][0]
    before = {r[0]: r[1:] for r in _db(db, "SELECT segment_id, id, created_at, text, risk FROM drafts")}
    assert len(before) == total  # every segment translated before scoring began
    scored_before = {sid: r[3] for sid, r in before.items() if r[3] is not None}
    unscored_before = [sid for sid, r in before.items() if r[3] is None and r[2] is not None]
    assert scored_before and unscored_before, "killed outside the scoring phase"
    assert _db(db, "SELECT status FROM jobs") == [("running",)]

    resumed = run_relais(relais_home, "resume", env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert re.search(rf"0 translated, {total} already done", resumed.stderr), resumed.stderr

    after = {r[0]: r[1:] for r in _db(db, "SELECT segment_id, id, created_at, text, risk FROM drafts")}
    for sid, row in before.items():
        assert after[sid][:3] == row[:3]  # same draft: not translated again
    for sid, risk in scored_before.items():
        assert after[sid][3] == risk  # scored once, not again
    ((status, note),) = _db(db, "SELECT status, error FROM jobs")
    assert status == "done"
    still_empty = [sid for sid in unscored_before if after[sid][3] is None]
    # What is still unscored is what the engine gave no usable answer for, said in the note;
    # the resumed run scored the rest.
    assert len(still_empty) < len(unscored_before)
    if still_empty:
        assert f"not scored for {len(still_empty)} of {len(unscored_before)}" in note
