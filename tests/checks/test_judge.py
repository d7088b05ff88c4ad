"""The MQM judge (relais/checks/judge.py): its answer parser on hand-written answers, the
findings it makes, which segments it reads, its settings; and its plumbing against a
real llama.cpp server on loopback serving a tiny random-weight model.

Every assertion is about what Relais guarantees with whatever answer it gets; nothing
here says what a model answers, nor that a judge is right.
"""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from relais.checks.base import Finding, SegmentPair, Severity
from relais.checks.judge import (
    CHECK_IDS,
    MAX_ERRORS,
    MQM_MAX_TOKENS,
    MQM_PROMPT_VERSION,
    MqmJudge,
    judge_finding,
    locate_span,
    mqm_prompt,
    needs_judge,
    normalise_category,
    pairs_to_judge,
    parse_mqm_answer,
)
from relais.config import load_config
from relais.desk import Desk
from relais.document.inline import strip_placeholders
from relais.document.model import BlockKind
from relais.engines.llama import LlamaEngine, LlamaSettings
from relais.engines.openai import OpenAIEngine, OpenAISettings
from relais.engines.types import EngineCapabilityError
from relais.errors import RelaisError
from tests.engines.replay_server import ReplayServer
from tests.helpers import assert_one_line_error, relais_env, run_relais
from tests.jobs.test_mqm_judge import _answer, _translation_line
from tests.llama_server import free_port

TARGET = "Les prix ont augmenté malgré la grève."


class LlamaWithoutCompletion(LlamaEngine):
    """The real llama engine, declared without raw completion (as a classic MT engine would be)."""

    capabilities = replace(LlamaEngine.capabilities, completion=False)

# (answer, [(severity, dimension, subcategory, the located text or None for the whole target)])
ANSWERS = [
    # the prompt's own format
    ('major | accuracy/mistranslation | "malgré la grève" | "amid" is not "despite"',
     [("major", "accuracy", "mistranslation", "malgré la grève")]),
    ('critical | Accuracy - Omission | "augmenté" | the figure is gone\nminor | style | "Les prix" | heavy',
     [("critical", "accuracy", "omission", "augmenté"), ("minor", "style", None, "Les prix")]),
    ("- major | fluency/grammar | ont augmenté |", [("major", "fluency", "grammar", "ont augmenté")]),  # bullet, unquoted, no explanation
    ("accuracy/addition | minor | « la grève » | order swapped", [("minor", "accuracy", "addition", "la grève")]),
    ("| Severity | Category | Span | Explanation |\n|---|---|---|---|\n| **Major** | terminology | “prix” | a term |",
     [("major", "terminology", None, "prix")]),
    ("Here are the errors I found:\nminor | locale_convention/number format | \"grève\" | x",
     [("minor", "locale convention", "number format", "grève")]),  # a preamble line is skipped
    # the span placed in the target: exact, ignoring case, ignoring spacing and apostrophes
    ('major | mistranslation | "LES PRIX ONT" | x', [("major", "accuracy", "mistranslation", "Les prix ont")]),
    ('minor | fluency | "malgré   la\tgrève" | x', [("minor", "fluency", None, "malgré la grève")]),
    # a span that is not in the target: kept, over the whole target
    ('major | accuracy/addition | "le port" | invented', [("major", "accuracy", "addition", None)]),
    ("major | accuracy | | no span", [("major", "accuracy", None, None)]),
    # no error
    ("no-error", []),
    ("No errors found.", []),
    ("None", []),
    ("[]", []),
    ('{"errors": []}', []),
    ("Critical:\nno-error\nMajor:\nno-error\nMinor:\nno-error", []),
    ('neutral | style | "Les prix" | a preference', []),  # neutral is not an error
    # GEMBA-MQM
    ('Critical:\nno-error\nMajor:\naccuracy/mistranslation - "malgré"\nMinor:\nfluency/punctuation - "grève !"',
     [("major", "accuracy", "mistranslation", "malgré"), ("minor", "fluency", "punctuation", None)]),
    ("Major: terminology/inappropriate for context - \"prix\"", [("major", "terminology", "inappropriate for context", "prix")]),
    ("**Minor:**\nstyle/awkward - \"ont augmenté\" - stiff", [("minor", "style", "awkward", "ont augmenté")]),
    # JSON, bare or fenced, one object or a list, or keyed by severity
    ('[{"severity": "Major", "category": "accuracy/mistranslation", "span": "malgré la grève", "explanation": "x"}]',
     [("major", "accuracy", "mistranslation", "malgré la grève")]),
    ('```json\n{"severity": "minor", "category": "Fluency", "subcategory": "Spelling", "span": "augmenté"}\n```',
     [("minor", "fluency", "spelling", "augmenté")]),
    ('Sure!\n```\n{"errors": [{"severity": "critical", "category": "accuracy", "span": "nowhere"}]}\n```',
     [("critical", "accuracy", None, None)]),
    ('{"critical": [], "major": [{"category": "style", "span": "la grève"}], "minor": []}', [("major", "style", None, "la grève")]),
]  # fmt: skip


@pytest.mark.parametrize("answer, expected", ANSWERS, ids=[a[:40] for a, _ in ANSWERS])
def test_the_parser_reads_each_format(answer: str, expected: list) -> None:
    errors = parse_mqm_answer(answer, TARGET)
    assert errors is not None
    got = [(e.severity, e.category, e.subcategory, TARGET[e.start : e.end] if e.located else None) for e in errors]
    assert got == expected
    for e in errors:
        assert e.located or (e.start, e.end) == (0, len(TARGET))


UNREADABLE = [
    "",
    "   \n ",
    "The translation is quite good overall, though one could argue about the word choice.",
    "Score: 85",
    "SEVERITY | CATEGORY/SUBCATEGORY | \"WORDS copied exactly from the translation\" | short explanation",  # the prompt echoed
    "Major:\nThe translation changes what the source says about prices.",  # a sentence, not a category
    "severe | accuracy | \"prix\" | not a severity",
    "major | 12345 | \"prix\" | not a category",
    "major | accuracy\x00 | \"prix\" | x",  # control characters: a random model's bytes
    "\x1b[31mmajor\x1b[0m | accuracy | \"prix\"",
    '[{"severity": "huge", "category": "accuracy"}]',  # JSON, but no readable error in it
    '{"verdict": "fine"}',
    "[1, 2, 3",  # broken JSON, no line either
    '{"major": "accuracy"}',  # keyed by severity, but no list of errors
    "[" * 100_000 + "]" * 100_000,  # nested past Python's recursion limit
    "ẗ̸͓ͅ0!l4 ;; __ ?? zz|zz",
]


@pytest.mark.parametrize("answer", UNREADABLE, ids=[a[:30] for a in UNREADABLE])
def test_an_unreadable_answer_is_none_never_an_error(answer: str) -> None:
    assert parse_mqm_answer(answer, TARGET) is None


def test_errors_are_capped_most_severe_first_and_duplicates_once() -> None:
    lines = [f'minor | style | "w{i}" | x' for i in range(8)] + ['critical | accuracy | "prix" | x'] * 2
    errors = parse_mqm_answer("\n".join(lines), TARGET)
    assert len(errors) == MAX_ERRORS
    assert errors[0].severity == "critical" and [e.severity for e in errors[1:]] == ["minor"] * (MAX_ERRORS - 1)
    assert [e.span for e in errors[1:]] == [f"w{i}" for i in range(MAX_ERRORS - 1)]  # the judge's order kept


@pytest.mark.parametrize(
    "category, expected",
    [
        ("accuracy/mistranslation", ("accuracy", "mistranslation")),
        ("Accuracy - Mistranslation", ("accuracy", "mistranslation")),
        ("accuracy: omission", ("accuracy", "omission")),
        ("Accuracy (addition)", ("accuracy", "addition")),
        ("mistranslation", ("accuracy", "mistranslation")),
        ("non-translation", ("accuracy", "non-translation")),
        ("Fluency/Grammar", ("fluency", "grammar")),
        ("linguistic conventions/spelling", ("fluency", "spelling")),
        ("grammar", ("fluency", "grammar")),
        ("Terminology", ("terminology", None)),
        ("style/awkward", ("style", "awkward")),
        ("locale_convention", ("locale convention", None)),
        ("Locale convention/Currency format", ("locale convention", "currency format")),
        ("date format", ("locale convention", "date format")),
        ("source issue", ("other", "source issue")),
        ("Other", ("other", None)),
        ("accuracy errors", ("accuracy", None)),
        ("meaning shift", ("other", "meaning shift")),  # a short name MQM does not know
        ("", None),
        ("42", None),
        ("a very long explanation that is certainly not any kind of category name", None),
    ],
)
def test_categories_become_mqm_dimensions(category: str, expected) -> None:
    assert normalise_category(category) == expected


@pytest.mark.parametrize(
    "span, target, found",
    [
        ("la grève", TARGET, "la grève"),
        ("LA GRÈVE", TARGET, "la grève"),  # case
        ("la  grève", TARGET, "la grève"),  # spacing
        ("grève !", "C’est la grève\u202f!", "grève\u202f!"),  # the narrow no-break space of French typography
        ("l'école", "Il a fermé l’école.", "l’école"),  # ' for ’
        ("la grève…", TARGET, "la grève"),  # an ellipsis around the span
        ("la grèves", TARGET, None),
        ("", TARGET, None),
    ],
)
def test_locate_span(span: str, target: str, found: str | None) -> None:
    where = locate_span(span, target)
    assert (target[where[0] : where[1]] if where else None) == found


def _pair(target: str, kind: BlockKind = BlockKind.PARAGRAPH, *, block: int = 2, segment: int = 1, **kw) -> SegmentPair:
    return SegmentPair(block, segment, kind, "Prices rose amid the strike.", target, "en", "fr", {}, {}, **kw)


def test_a_finding_points_at_the_span_in_the_target_with_its_markup() -> None:
    pair = _pair("Les <b1>prix</b1> ont augmenté malgré <a1>la grève</a1>.")
    [located, missing] = parse_mqm_answer(
        'major | accuracy/mistranslation | "malgré la grève" | amid\nminor | fluency | "hausse" | gone', pair.target_plain
    )
    finding = judge_finding(pair, located)
    assert (finding.check, finding.severity, finding.block, finding.segment) == ("judge.accuracy", Severity.MAJOR, 2, 1)
    assert strip_placeholders(pair.target[finding.start : finding.end]) == "malgré la grève"
    assert pair.target[finding.start : finding.end].startswith("malgré")
    assert finding.message == "MQM judge: major accuracy/mistranslation error: amid"
    whole = judge_finding(pair, missing)
    assert (whole.check, whole.severity, whole.start, whole.end) == ("judge.fluency", Severity.MINOR, 0, len(pair.target))
    assert "“hausse” is not in the translation" in whole.message


def test_every_dimension_has_its_check_id() -> None:
    answer = "\n".join(f'minor | {c} | "prix" | x' for c in ("accuracy", "fluency", "terminology", "style", "locale", "other"))
    ids = [judge_finding(_pair(TARGET), e).check for e in parse_mqm_answer(answer, TARGET)]
    assert ids == ["judge.accuracy", "judge.fluency", "judge.terminology", "judge.style", "judge.locale"]  # capped at 5
    assert set(ids) < set(CHECK_IDS) and len(CHECK_IDS) == 6


def _finding(pair: SegmentPair, check: str, severity: Severity) -> Finding:
    return Finding(check, severity, pair.block, pair.segment, 0, 1, "x")


@pytest.mark.parametrize("kind", [BlockKind.HEADLINE, BlockKind.STANDFIRST, BlockKind.SUBHEADING])
def test_the_headline_standfirst_and_subheadings_are_always_judged(kind: BlockKind) -> None:
    assert needs_judge(_pair(TARGET, kind), [], None)


def test_other_segments_only_when_risky_unless_all() -> None:
    quiet = _pair(TARGET)
    assert not needs_judge(quiet, [], None)
    assert not needs_judge(quiet, [_finding(quiet, "typography.space", Severity.MINOR)], 0.29)
    assert needs_judge(quiet, [_finding(quiet, "names.missing", Severity.MAJOR)], None)  # a loud finding
    assert needs_judge(quiet, [_finding(quiet, "numbers.mismatch", Severity.CRITICAL)], None)
    assert needs_judge(quiet, [], 0.3)  # a stored meaning risk at JUDGE_RISK
    assert needs_judge(quiet, [_finding(quiet, "meaning.negation", Severity.MINOR)], None)  # the rules' own risk, 0.5
    assert needs_judge(quiet, [], None, "all")
    # Never: no text, known text, a pair the aligner is unsure of.
    for never in (_pair("  ", BlockKind.HEADLINE), _pair(TARGET, BlockKind.HEADLINE, known=True), _pair(TARGET, sure=False)):
        assert not needs_judge(never, [], 1.0, "all")


def test_pairs_to_judge_reads_each_pairs_own_findings_and_risk() -> None:
    headline = _pair("Fin de la grève", BlockKind.HEADLINE, block=0, segment=0)
    flagged, risky, quiet = (_pair(TARGET, block=3, segment=i) for i in range(3))
    findings = [_finding(flagged, "markup.missing", Severity.MAJOR), _finding(quiet, "spelling.unknown", Severity.MINOR)]
    chosen = pairs_to_judge([headline, flagged, risky, quiet], findings, {(3, 1): 0.4})
    assert chosen == [headline, flagged, risky]
    assert pairs_to_judge([headline, flagged, risky, quiet], findings, None, "all") == [headline, flagged, risky, quiet]


def test_the_prompt_has_both_texts_on_one_line_without_markup() -> None:
    pair = _pair("Les prix ont <b1>augmenté</b1>\nmalgré  la grève.")
    prompt = mqm_prompt(pair)
    assert "French translation: Les prix ont augmenté malgré la grève.\n" in prompt
    assert "English text: Prices rose amid the strike.\n" in prompt
    assert prompt.endswith("Errors:") and "no-error" in prompt and MQM_PROMPT_VERSION


# -- configuration ------------------------------------------------------------------------


def test_no_judge_unless_configured(tmp_path) -> None:
    config = load_config(tmp_path, environ={})
    assert (config.judge.engine, config.judge.scope) == (None, "risky")
    assert Desk(config).judge_engine() is None
    (tmp_path / "config.toml").write_text('[checks]\njudge_engine = ""\n')
    assert load_config(tmp_path, environ={}).judge.engine is None


def test_judge_settings_from_the_file_and_the_environment(tmp_path) -> None:
    (tmp_path / "config.toml").write_text('[checks]\njudge_engine = "openai"\njudge = "all"\n')
    config = load_config(tmp_path, environ={})
    assert (config.judge.engine, config.judge.scope) == ("openai", "all")
    assert Desk(config).judge_engine() == "openai"
    config = load_config(tmp_path, environ={"RELAIS_JUDGE_ENGINE": "llama", "RELAIS_JUDGE": "risky"})
    assert (config.judge.engine, config.judge.scope) == ("llama", "risky")


def test_bad_judge_settings_are_one_line_errors(tmp_path) -> None:
    (tmp_path / "config.toml").write_text('[checks]\njudge = "some"\n')
    with pytest.raises(RelaisError, match=r"checks.judge = 'some' is not a judge scope \(use one of: risky, all\)") as caught:
        load_config(tmp_path, environ={})
    assert "\n" not in str(caught.value)
    desk = Desk(load_config(tmp_path, environ={"RELAIS_JUDGE": "all", "RELAIS_JUDGE_ENGINE": "gpt"}))
    with pytest.raises(RelaisError) as caught:
        desk.judge_engine()
    assert str(caught.value) == "checks.judge_engine = 'gpt' is not an engine (known engines: llama, openai)"
    with pytest.raises(RelaisError, match=r"^--judge-engine = 'nope' is not an engine"):
        desk.judge_engine("nope", "--judge-engine")
    assert desk.judge_engine("none", "--judge-engine") is None  # turns a configured judge off


def test_an_engine_without_completion_cannot_judge(tiny_gguf, tmp_path) -> None:
    engine = LlamaWithoutCompletion(LlamaSettings(model_path=str(tiny_gguf), threads=1), tmp_path)
    with pytest.raises(EngineCapabilityError, match="engine 'llama' cannot complete a raw prompt") as caught:
        MqmJudge(engine)
    assert "\n" not in str(caught.value) and engine._llama is None  # refused before anything was loaded
    engine.close()


# -- plumbing: real engines ---------------------------------------------------------------

PAIRS = [
    SegmentPair(0, 0, BlockKind.HEADLINE, "Harbour strike ends", "Fin de la grève au port", "en", "fr", {}, {}),
    SegmentPair(1, 0, BlockKind.PARAGRAPH, "Prices rose amid the strike.", "Les prix ont augmenté malgré <b1>la grève</b1>.",
                "en", "fr", {}, {}),
    SegmentPair(1, 1, BlockKind.PARAGRAPH, "The mayor did not resign.", "Le maire n’a pas démissionné.", "en", "fr", {}, {}),
]  # fmt: skip


def _assert_a_whole_report(report, pairs) -> None:
    """What a judging run guarantees whatever the engine answered."""
    assert report.asked == len(pairs) == report.judged + report.unusable + report.unjudged
    by_key = {(p.block, p.segment): p for p in pairs}
    for f in report.findings:
        pair = by_key[(f.block, f.segment)]
        assert f.check in CHECK_IDS and f.severity in Severity and 0 <= f.start <= f.end <= len(pair.target)
    assert (report.note() is None) == (report.unusable + report.unjudged == 0)


def test_the_prompt_reaches_a_real_server_and_any_answer_is_read(llama_server: str, tiny_gguf) -> None:
    engine = OpenAIEngine(OpenAISettings(base_url=llama_server, max_retries=0))
    try:
        prompt = mqm_prompt(PAIRS[1])
        [raw] = engine.complete([prompt], max_tokens=MQM_MAX_TOKENS, multiline=True)
        # The server counted the prompt Relais sent: the same count as the same prompt sent by hand.
        by_hand = httpx.post(
            f"{llama_server}/chat/completions",
            json={"model": str(tiny_gguf), "messages": [{"role": "user", "content": prompt}], "max_tokens": 1},
            timeout=60,
        ).json()
        assert raw.error is None and raw.input_tokens == by_hand["usage"]["prompt_tokens"] > 100
        read = parse_mqm_answer(raw.text, PAIRS[1].target_plain)  # whatever the random model said: read, never raised
        assert read is None or all(e.severity in ("critical", "major", "minor") for e in read)

        report = MqmJudge(engine).judge(PAIRS)
        _assert_a_whole_report(report, PAIRS)
        assert report.unjudged == 0 and report.unreachable is None
        if report.unusable:
            assert report.note().startswith(f"MQM judge gave no usable answer for {report.unusable} of 3 segment(s)")
    finally:
        engine.close()


def test_the_llama_engine_judges_in_process(tiny_gguf, tmp_path) -> None:
    engine = LlamaEngine(LlamaSettings(model_path=str(tiny_gguf), threads=1), tmp_path)
    try:
        report = MqmJudge(engine).judge(PAIRS)
        _assert_a_whole_report(report, PAIRS)
        assert report.unjudged == 0
    finally:
        engine.close()


def test_an_unreachable_judge_counts_every_segment_and_raises_nothing() -> None:
    engine = OpenAIEngine(OpenAISettings(base_url=f"http://127.0.0.1:{free_port()}/v1", model="m", max_retries=0))
    report = MqmJudge(engine, batch_size=2).judge(PAIRS)
    assert (report.asked, report.judged, report.unusable, report.unjudged, report.findings) == (3, 0, 0, 3, [])
    assert report.note().startswith("MQM judge gave no usable answer for 3 of 3 segment(s): 3 because engine 'openai' unreachable")


# -- relais check -------------------------------------------------------------------------

SOURCE_MD = "# Harbour strike ends\n\nPrices rose amid the strike.\n\nThe mayor did not resign on Tuesday.\n"
TARGET_MD = "# Fin de la grève au port\n\nLes prix ont augmenté malgré la grève.\n\nLe maire n’a pas démissionné mardi.\n"


def _replayed_check(relais_home, tmp_path, *args: str, **env: str):
    """``relais check`` of the two documents above with the openai engine configured at a
    replay server giving the hand-written answers (tests/jobs/test_mqm_judge.py): its
    process, its JSON findings and the prompts the server saw."""
    src, tgt = tmp_path / "src.md", tmp_path / "tgt.md"
    src.write_text(SOURCE_MD, "utf-8")
    tgt.write_text(TARGET_MD, "utf-8")
    server = ReplayServer().start()
    server.choose = _answer
    try:
        environ = relais_env(relais_home, RELAIS_OPENAI_BASE_URL=server.base_url, RELAIS_OPENAI_MODEL="gpt-4o-mini",
                             RELAIS_OPENAI_RETRIES="0", **env)  # fmt: skip
        proc = run_relais(relais_home, "check", str(src), str(tgt), "--to", "fr", "--format", "json", "--fail-on", "none",
                          *args, env=environ)  # fmt: skip
    finally:
        server.stop()
    assert proc.returncode == 0, proc.stderr
    return proc, json.loads(proc.stdout)["findings"], server.requests, [_translation_line(r["body"]) for r in server.chat_requests]


def test_relais_check_without_a_judge_engine_runs_no_judge(relais_home, tmp_path) -> None:
    proc, findings, requests, _ = _replayed_check(relais_home, tmp_path)
    assert requests == []  # the engine was never asked anything
    assert findings and not {f["check"] for f in findings} & set(CHECK_IDS)
    assert "meaning.connective" in {f["check"] for f in findings}  # the offline checks ran
    assert "MQM judge" not in proc.stderr


def test_relais_check_with_a_judge_engine(relais_home, tmp_path) -> None:
    proc, findings, _, asked = _replayed_check(relais_home, tmp_path, "--judge-engine", "openai")
    assert "Fin de la grève au port" in asked and "Les prix ont augmenté malgré la grève." in asked
    judged = sorted((f["check"], f["severity"], f["text"]) for f in findings if f["check"] in CHECK_IDS)
    assert judged == [
        ("judge.accuracy", "major", "malgré la grève"),
        ("judge.fluency", "minor", "Les prix ont augmenté malgré la grève."),
    ]
    for f in findings:
        assert TARGET_MD[f["start"] : f["end"]] == f["text"]  # offsets into the target document, as for every check
    assert "MQM judge" not in proc.stderr  # every answer was usable: no note

    # Configured instead of given; --judge all reads every segment; --judge-engine none turns it off.
    _, _, _, everything = _replayed_check(relais_home, tmp_path, "--judge", "all", RELAIS_JUDGE_ENGINE="openai")
    assert sorted(everything) == sorted(["Fin de la grève au port", "Les prix ont augmenté malgré la grève.",
                                         "Le maire n’a pas démissionné mardi."])  # fmt: skip
    _, findings, requests, _ = _replayed_check(relais_home, tmp_path, "--judge-engine", "none", RELAIS_JUDGE_ENGINE="openai")
    assert requests == [] and not {f["check"] for f in findings} & set(CHECK_IDS)


@pytest.mark.parametrize(
    "args, env, needle",
    [
        (["--judge-engine", "deepl"], {}, "--judge-engine = 'deepl' is not an engine"),
        ([], {"RELAIS_JUDGE_ENGINE": "deepl"}, "checks.judge_engine = 'deepl' is not an engine"),
        (["--judge", "most"], {}, "unknown --judge 'most'"),
        ([], {"RELAIS_JUDGE": "most"}, "checks.judge = 'most' is not a judge scope"),
    ],
)
def test_relais_check_bad_judge_settings(relais_home, tmp_path, args, env, needle) -> None:
    (tmp_path / "a.md").write_text(SOURCE_MD, "utf-8")
    (tmp_path / "b.md").write_text(TARGET_MD, "utf-8")
    proc = run_relais(relais_home, "check", str(tmp_path / "a.md"), str(tmp_path / "b.md"), "--to", "fr", *args,
                      env=relais_env(relais_home, **env))  # fmt: skip
    assert_one_line_error(proc, needle)
