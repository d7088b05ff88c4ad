"""Every machine draft gets a meaning risk after its job, scored with the configured method
through the job's own engine (real engines: a tiny random-weight GGUF in-process and
behind a real llama.cpp server; a replayed hosted API where the answer must be known).

A random-weight model's words differ between CPUs: with it the tests assert what holds
whatever it answers (every translated draft is scored or counted, with the reason, in
the job's note; nothing is scored twice).  The exact risk stored for a known answer is
asserted with the replayed API's recorded answers.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pytest
from sacrebleu.metrics import CHRF

from relais.checks.audit import draft_pairs
from relais.checks.base import CheckContext
from relais.checks.meaning import (
    JudgeScorer,
    chrf_risk,
    judge_risk,
    meaning_findings,
    parse_judge_answer,
    risk_threshold,
    segment_risk,
)
from relais.desk import Desk
from relais.engines.openai import OpenAIEngine, OpenAISettings
from relais.jobs.executor import EnginePool
from relais.jobs.runner import run_job
from relais.store import repo, translation
from tests.engines.replay_server import RECORDINGS, ReplayServer
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
        draft = translation.load(s, job_id, current=False)
        ids = {seg.id: seg for b in draft.blocks for seg in b.segments}
    rows = query(desk.config.db_url, "SELECT segment_id, id, text, risk FROM drafts WHERE job_id = :job", job=job_id)
    assert set(ids) == {r[0] for r in rows}
    return {r[0]: r[1:] for r in rows}


def _thresholds(desk: Desk, job_id: int) -> dict[int, float]:
    """segment id → the risk from which it is a finding (lower for headings)."""
    with desk.store.read() as s:
        draft = translation.load(s, job_id, current=False)
    return {seg.id: risk_threshold(b.kind) for b in draft.blocks for seg in b.segments}


def _job(desk: Desk, job_id: int) -> tuple[str, str | None]:
    with desk.store.read() as s:
        job = repo.get_job(s, job_id)
        return job.status, job.error


def _risk_findings(desk: Desk, job_id: int) -> dict[int, float]:
    with desk.store.read() as s:
        return {f.segment_id: f.message for f in repo.job_findings(s, job_id) if f.check == "meaning.risk"}


def _rule_risks(desk: Desk, job_id: int) -> dict[int, float]:
    """segment id → the risk the rule checks alone give each translated draft."""
    with desk.store.read() as s:
        dp = draft_pairs(translation.load(s, job_id, current=False))
    ctx = CheckContext("en", "fr", machine_output=True)
    return {dp.segment_ids[(p.block, p.segment)]: segment_risk(meaning_findings(p, ctx)) for p in dp.pairs}


def test_back_translation_risk_is_stored_for_every_draft_and_not_scored_twice(relais_home, tiny_gguf):
    desk = _desk(relais_home, tiny_gguf, "back-translation")
    engines = EnginePool(desk.config)
    try:
        ingested = desk.ingest((EXAMPLES / "story.txt").read_bytes(), name="story.txt")
        (job_id,) = desk.queue(ingested.article_id, ["fr"])
        (outcome,) = desk.run([job_id], desk.executor(engines))
        rows = _rows(desk, job_id)
        translated = {sid: r for sid, r in rows.items() if r[1] is not None}
        # Whatever the model said: every translated draft was scored or is counted, with
        # the reason, in the job's note; a failed draft has no risk.
        assert outcome.translated + outcome.failed == len(rows)
        assert outcome.risk_scored + outcome.risk_unscored == len(translated)
        assert outcome.risk_scored == sum(r[2] is not None for r in translated.values())
        assert all(r[2] is None for r in rows.values() if r[1] is None)
        status, note = _job(desk, job_id)
        assert status == "done" and note == outcome.error
        if outcome.risk_unscored:
            assert f"not scored for {outcome.risk_unscored} of {len(translated)}" in note
            assert "without a usable answer" in note
        else:
            assert note is None
        # A stored risk is never below the rules' own and is a risk; the high ones are findings.
        rules = _rule_risks(desk, job_id)
        for sid, (_, _, risk) in translated.items():
            assert risk is None or rules[sid] <= risk <= 1.0
        limit = _thresholds(desk, job_id)
        high = {sid for sid, r in translated.items() if r[2] is not None and r[2] >= limit[sid]}
        assert set(_risk_findings(desk, job_id)) == high

        # Running the job again translates nothing and asks only about what has no risk yet.
        (again,) = desk.run([job_id], desk.executor(engines))
        assert (again.translated, again.failed) == (0, 0)
        assert again.risk_scored + again.risk_unscored == outcome.risk_unscored
        after = _rows(desk, job_id)
        assert {sid: r[:2] for sid, r in after.items()} == {sid: r[:2] for sid, r in rows.items()}
        assert all(after[sid][2] == r[2] for sid, r in translated.items() if r[2] is not None)  # not scored twice
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
        translated = {sid: r for sid, r in rows.items() if r[1] is not None}
        # A random-weight model's answer is rarely a score: whatever it says, each translated
        # draft has a risk or is counted in the job's note.
        assert outcome.risk_scored + outcome.risk_unscored == len(translated)
        assert outcome.risk_scored == sum(r[2] is not None for r in translated.values())
        assert _job(desk, job_id) == ("done", outcome.error)
        if outcome.risk_unscored:
            assert "meaning risk (judge) not scored" in outcome.error
        rules = _rule_risks(desk, job_id)
        assert all(rules[sid] <= r[2] <= 1.0 for sid, r in translated.items() if r[2] is not None)
        # The judge asks the engine for a raw completion: one answer per prompt.
        raws = engines.get("llama").complete(["English: Hello.\nFrench: Bonjour.\nScore (0-100):"], max_tokens=8)
        assert len(raws) == 1 and raws[0].error is None
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
    from relais.engines.types import Provenance, SegmentResult

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
        # Whatever the random model behind the server answers, every draft is asked about
        # again: scored, or counted as without a usable answer (no longer unreachable).
        assert (second.translated, second.risk_scored + second.risk_unscored) == (0, 6)
        if second.risk_unscored:
            assert f"{second.risk_unscored} without a usable answer from the engine" in second.error
        assert second.error is None or "unreachable" not in second.error
        after = _rows(desk, job_id)
        assert {sid: r[:2] for sid, r in after.items()} == {sid: r[:2] for sid, r in before.items()}  # drafts kept
        assert sum(r[2] is not None for r in after.values()) == second.risk_scored
    finally:
        desk.close()


@pytest.mark.parametrize("method, answer", [("back-translation", "harbour_back_translation_en"), ("judge", "judge_score_85")])
def test_the_engines_answer_becomes_the_stored_risk(relais_home, method, answer):
    """With a known answer (a replayed hosted API) the stored risk is exact: the method's
    verdict on that answer (chrF of the back-translation against the source, or the
    judge's score) combined with the rule checks, and the high ones are findings."""
    server = ReplayServer().start()
    server.choose = lambda body: answer
    desk = Desk(relais_config(relais_home, RELAIS_ENGINE="openai"))
    try:
        ingested = desk.ingest(ARTICLE, name="harbour.txt")
        (job_id,) = desk.queue(ingested.article_id, ["fr"], engine="openai")
        _seed_drafts(desk, job_id, ingested.article_id, "openai")
        engine = OpenAIEngine(OpenAISettings(base_url=server.base_url, model="gpt-4o-mini", max_retries=0))
        outcome = run_job(desk.store, job_id, engine, risk_method=method)
        assert (outcome.translated, outcome.risk_scored, outcome.risk_unscored, outcome.error) == (0, 6, 0, None)

        said = RECORDINGS[answer]["body"]["choices"][0]["message"]["content"]
        with desk.store.read() as s:
            dp = draft_pairs(translation.load(s, job_id, current=False))
        ctx = CheckContext("en", "fr", machine_output=True)
        rows = _rows(desk, job_id)
        for pair in dp.pairs:
            if method == "back-translation":
                method_risk = chrf_risk(CHRF().sentence_score(said, [pair.source]).score)
            else:
                method_risk = judge_risk(parse_judge_answer(said))
            stored = rows[dp.segment_ids[(pair.block, pair.segment)]][2]
            assert stored == pytest.approx(segment_risk(meaning_findings(pair, ctx), method_risk=method_risk))
        limit = _thresholds(desk, job_id)
        high = {sid for sid, r in rows.items() if r[2] >= limit[sid]}
        assert high and set(_risk_findings(desk, job_id)) == high
        assert len(server.chat_requests) == 6  # one question per draft, none asked twice
    finally:
        desk.close()
        server.stop()


def test_judge_through_a_real_server_gives_no_score_for_gibberish(llama_server):
    from relais.checks.base import SegmentPair

    engine = OpenAIEngine(OpenAISettings(base_url=llama_server, max_retries=0))
    pairs = [
        SegmentPair(0, i, "paragraph", src, fr, "en", "fr", {}, {}) for i, (src, fr) in enumerate(FRENCH.items())
    ]
    raws = engine.complete([JudgeScorer.prompt(p) for p in pairs], max_tokens=8)
    assert len(raws) == len(pairs) and all(raw.error is None for raw in raws)
    # Whatever the random model answers: a score where the answer holds one, else none.
    scores = JudgeScorer(engine).assess(pairs)
    assert len(scores) == len(pairs)
    for score in scores:
        assert score is None or (0.0 <= score.risk <= 1.0 and re.fullmatch(r"judge score \d+/100", score.detail))
    engine.close()


def _db(db: str, sql: str) -> list[tuple] | None:
    return query(db, sql)


def _settled(count, quiet: float = 0.5) -> int:
    """``count()`` once it has not changed for ``quiet`` seconds."""
    last = count()
    while True:
        time.sleep(quiet)
        if (now := count()) == last:
            return now
        last = now


def test_kill_9_during_scoring_then_resume_finishes_the_scoring(relais_home):
    """Killed while it scores, ``relais resume`` scores what is left and nothing again.

    The engine is a replayed hosted API: its answers pass validation (a French sentence
    for every translation, an English one for every back-translation), so scoring
    stores a risk for each draft, slowly enough (``delay``) to be killed half-way."""
    server = ReplayServer().start()
    server.choose = lambda body: (
        "harbour_back_translation_en" if "Translate into English" in body["messages"][-1]["content"] else "minister_fr"
    )
    server.delay = 0.3
    env = relais_env(
        relais_home, RELAIS_ENGINE="openai", RELAIS_OPENAI_BASE_URL=server.base_url, RELAIS_OPENAI_MODEL="gpt-4o-mini",
        RELAIS_OPENAI_RETRIES="0", RELAIS_RISK_METHOD="back-translation",
    )  # fmt: skip
    db = relais_home.db_url
    try:
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
        asked = _settled(lambda: len(server.chat_requests))  # the killed run's last requests

        resumed = run_relais(relais_home, "resume", env=env)
        assert resumed.returncode == 0, resumed.stderr
        assert re.search(rf"0 translated, {total} already done", resumed.stderr), resumed.stderr
        # The resumed run asked only about the drafts left without a risk.
        assert len(server.chat_requests) - asked == len(unscored_before)
    finally:
        server.stop()

    after = {r[0]: r[1:] for r in _db(db, "SELECT segment_id, id, created_at, text, risk FROM drafts")}
    for sid, row in before.items():
        assert after[sid][:3] == row[:3]  # same draft: not translated again
    for sid, risk in scored_before.items():
        assert after[sid][3] == risk  # scored once, not again
    assert all(after[sid][3] is not None for sid in unscored_before)  # the resumed run scored the rest
    assert _db(db, "SELECT status, error FROM jobs") == [("done", None)]
