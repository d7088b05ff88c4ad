"""The MQM judge in a job: with a judge engine configured, its findings are stored with the
draft's other findings; the segments it reads are the headline and the risky ones; an
engine that fails it never fails the job.  Real engines: a replayed hosted API with
hand-written answers (where the exact findings must be known), a real llama.cpp server
on loopback with a tiny random-weight model (plumbing only: whatever it answers), and
a port where nothing listens.
"""

from __future__ import annotations

import pytest

from relais.checks.audit import draft_pairs
from relais.checks.judge import CHECK_IDS, JUDGE_RISK
from relais.desk import Desk
from relais.engines.openai import OpenAIEngine, OpenAISettings
from relais.errors import RelaisError
from relais.jobs.executor import EnginePool
from relais.jobs.runner import run_job
from relais.store import repo, translation
from tests.engines.replay_server import ReplayServer
from tests.helpers import relais_config
from tests.jobs.test_risk import ARTICLE, FRENCH, _seed_drafts
from tests.llama_server import free_port

AMID = FRENCH["Prices rose amid the strike."]  # "… malgré la grève.": the answer with errors is about this one


def _translation_line(body: dict) -> str:
    prompt = body["messages"][-1]["content"]
    return next(line for line in prompt.splitlines() if line.startswith("French translation: ")).removeprefix("French translation: ")


def _answer(body: dict) -> str:
    """The hand-written answers: two errors on the "amid" sentence, none elsewhere."""
    return "mqm_errors_fr" if _translation_line(body) == AMID else "mqm_no_error"


def _stored(desk: Desk, job_id: int):
    with desk.store.read() as s:
        job = repo.get_job(s, job_id)
        findings = repo.job_findings(s, job_id)
        draft = translation.load(s, job_id, current=False)
        return (job.status, job.error), findings, draft


def _seeded_job(desk: Desk, engine: str = "openai") -> int:
    ingested = desk.ingest(ARTICLE, name="harbour.txt")
    (job_id,) = desk.queue(ingested.article_id, ["fr"], engine=engine)
    _seed_drafts(desk, job_id, ingested.article_id, engine)  # only the checks are left to do
    return job_id


def test_the_judges_errors_are_stored_with_the_drafts_findings(relais_home):
    server = ReplayServer().start()
    server.choose = _answer
    config = relais_config(relais_home, RELAIS_ENGINE="openai", RELAIS_OPENAI_BASE_URL=server.base_url,
                           RELAIS_OPENAI_MODEL="gpt-4o-mini", RELAIS_OPENAI_RETRIES="0", RELAIS_RISK_METHOD="rules",
                           RELAIS_JUDGE_ENGINE="openai")  # fmt: skip
    desk = Desk(config)
    engines = EnginePool(config)
    try:
        job_id = _seeded_job(desk)
        (outcome,) = desk.run([job_id], desk.executor(engines))
        (status, note), findings, draft = _stored(desk, job_id)
        assert (status, note, outcome.translated, outcome.error) == ("done", None, 0, None)
        asked = [_translation_line(r["body"]) for r in server.chat_requests]
        assert outcome.judge.asked == outcome.judge.judged == len(asked)

        # Which segments it read: the headline always, the others when risky.
        segments = {seg.id: (block.kind, seg) for block in draft.blocks for seg in block.segments}
        others = [f for f in findings if f.check not in CHECK_IDS]
        loud = {f.segment_id for f in others if f.severity in ("critical", "major")}
        risky = {sid for sid, (_, seg) in segments.items() if seg.risk is not None and seg.risk >= JUDGE_RISK}
        expected = {seg.draft for sid, (kind, seg) in segments.items() if kind == "headline" or sid in loud | risky}
        assert sorted(asked) == sorted(expected)
        assert FRENCH["Harbour strike ends"] in asked and AMID in asked  # the headline; "malgré" (meaning.connective)

        # Its two errors on the "amid" sentence, stored with the draft's other findings.
        judged = sorted(((f.check, f.severity, f.start_offset, f.end_offset, f.text) for f in findings if f.check in CHECK_IDS),
                        key=lambda row: row[0])  # fmt: skip
        at = AMID.index("malgré la grève")
        assert judged == [
            ("judge.accuracy", "major", at, at + len("malgré la grève"), "malgré la grève"),
            ("judge.fluency", "minor", 0, len(AMID), AMID),  # its span is not in the translation: the whole segment
        ]
        assert {f.segment_id for f in findings if f.check in CHECK_IDS} == {
            sid for sid, (_, seg) in segments.items() if seg.draft == AMID
        }
        assert {f.stage for f in findings} == {"draft"}
        assert "meaning.connective" in {f.check for f in others}  # the offline checks ran as ever

        # `relais check ID` without a judge reports what the job's judge stored (no request).
        before = len(server.chat_requests)
        report = desk.check_translation(job_id)
        assert len(server.chat_requests) == before
        placed = [f for f in report.findings if f.check == "judge.accuracy"]
        assert [(f.text, report.target_text[f.start : f.end]) for f in placed] == [("malgré la grève", "malgré la grève")]

        # Run again: judged again, its findings replace the earlier run's.
        desk.run([job_id], desk.executor(engines))
        _, again, _ = _stored(desk, job_id)
        assert sorted((f.check, f.start_offset) for f in again) == sorted((f.check, f.start_offset) for f in findings)
    finally:
        engines.close()
        desk.close()
        server.stop()


def test_a_job_judged_through_a_real_llama_server_finishes_with_its_drafts(relais_home, llama_server):
    desk = Desk(relais_config(relais_home, RELAIS_ENGINE="openai", RELAIS_RISK_METHOD="rules"))
    engine = OpenAIEngine(OpenAISettings(base_url=llama_server, max_retries=0))
    try:
        job_id = _seeded_job(desk)
        _, _, before = _stored(desk, job_id)
        outcome = run_job(desk.store, job_id, engine, risk_method="rules", judge_engine=engine, judge_scope="all")
        (status, note), findings, after = _stored(desk, job_id)
        # Whatever the random model answered: every segment judged or counted, the job done with its drafts.
        report = outcome.judge
        assert status == "done" and note == outcome.error
        assert report.asked == len(FRENCH) == report.judged + report.unusable and report.unjudged == 0
        assert [s.draft for b in after.blocks for s in b.segments] == [s.draft for b in before.blocks for s in b.segments]
        stored = [f for f in findings if f.check in CHECK_IDS]
        assert len(stored) == len(report.findings)
        texts = {seg.id: seg.draft for b in after.blocks for seg in b.segments}
        assert all(0 <= f.start_offset <= f.end_offset <= len(texts[f.segment_id]) for f in stored)
        if report.unusable:
            assert f"MQM judge gave no usable answer for {report.unusable} of {len(FRENCH)} segment(s)" in note
        else:
            assert note is None
    finally:
        engine.close()
        desk.close()


def test_an_unreachable_judge_never_fails_the_job(relais_home):
    desk = Desk(relais_config(relais_home, RELAIS_ENGINE="openai", RELAIS_RISK_METHOD="rules"))
    gone = OpenAIEngine(OpenAISettings(base_url=f"http://127.0.0.1:{free_port()}/v1", model="m", max_retries=0))
    try:
        job_id = _seeded_job(desk)
        outcome = run_job(desk.store, job_id, gone, risk_method="rules", judge_engine=gone)
        (status, note), findings, draft = _stored(desk, job_id)
        asked = outcome.judge.asked
        assert status == "done" and asked >= 1 and (outcome.judge.unjudged, outcome.judge.findings) == (asked, [])
        assert note.startswith(f"MQM judge gave no usable answer for {asked} of {asked} segment(s): {asked} because engine 'openai' unreachable")
        assert all(seg.draft == FRENCH[seg.source] for b in draft.blocks for seg in b.segments)  # drafts kept
        assert "meaning.connective" in {f.check for f in findings}  # the offline checks stored
        assert not {f.check for f in findings} & set(CHECK_IDS)
        assert len(draft_pairs(draft).pairs) == len(FRENCH)
    finally:
        desk.close()


def test_a_bad_judge_engine_is_refused_before_any_job_exists(relais_home):
    desk = Desk(relais_config(relais_home, RELAIS_JUDGE_ENGINE="deepl"))
    try:
        ingested = desk.ingest(ARTICLE, name="harbour.txt")
        with pytest.raises(RelaisError, match=r"^checks.judge_engine = 'deepl' is not an engine \(known engines: llama, openai\)$"):
            desk.queue(ingested.article_id, ["fr"])
        assert desk.jobs() == []
    finally:
        desk.close()
