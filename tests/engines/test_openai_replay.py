"""The openai engine against a hosted API's behaviour, replayed on loopback.

Rate limits, outages, chatty answers and dropped markup: what a real llama.cpp server
will not produce on demand.  The answers are recorded OpenAI responses
(``recordings/openai.json``), served by a stdlib HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import random

import pytest

from relais.engines.types import EngineUnavailable, SegmentRequest
from relais.engines.openai import ChatClient, OpenAIEngine, OpenAISettings
from relais.engines.prompt import PROMPT_VERSION
from tests.engines.replay_server import ReplayServer, source_of

MINISTER = "The minister resigned on Tuesday."
REPORT = "Read <a1>the full report</a1> on the agency's website."


@pytest.fixture
def server():
    replay = ReplayServer().start()
    yield replay
    replay.stop()


class Sleeps(list):
    """Records the waits the client asks for instead of waiting (the waits are what is tested)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_engine(server: ReplayServer, sleeps: Sleeps | None = None, **overrides) -> OpenAIEngine:
    settings = OpenAISettings(
        base_url=server.base_url, model="gpt-4o-mini", api_key="sk-test-123", max_retries=3, backoff=0.4, **overrides
    )
    client = ChatClient(settings, sleep=sleeps if sleeps is not None else Sleeps(), rng=random.Random(7))
    return OpenAIEngine(settings, client)


def fr(text: str, key: str = "k") -> SegmentRequest:
    return SegmentRequest(key, text, "en", "fr")


def test_a_good_answer_becomes_a_result_with_provenance(server: ReplayServer) -> None:
    server.script.extend(["minister_fr"])
    engine = make_engine(server)
    [result] = engine.translate([fr(MINISTER)])
    assert result.ok and result.text == "Le ministre a démissionné mardi."
    prov = result.provenance
    assert (prov.engine, prov.model, prov.model_version) == ("openai", "gpt-4o-mini", "fp_0ba0d124f1")
    assert (prov.input_tokens, prov.output_tokens, prov.attempts) == (412, 9, 1)
    assert prov.prompt_version == f"chat-{PROMPT_VERSION}"
    [request] = server.chat_requests
    assert request["headers"]["Authorization"] == "Bearer sk-test-123"
    assert request["body"]["model"] == "gpt-4o-mini" and request["body"]["temperature"] == 0.0
    assert source_of(request["body"]) == MINISTER


def test_429_waits_what_retry_after_says_then_succeeds(server: ReplayServer) -> None:
    server.script.extend(["rate_limited", "minister_fr"])
    sleeps = Sleeps()
    [result] = make_engine(server, sleeps).translate([fr(MINISTER)])
    assert result.ok
    assert sleeps == [2.0]
    assert len(server.chat_requests) == 2


def test_500_backs_off_with_jitter_then_succeeds(server: ReplayServer) -> None:
    server.script.extend(["server_error", "server_error", "minister_fr"])
    sleeps = Sleeps()
    [result] = make_engine(server, sleeps).translate([fr(MINISTER)])
    assert result.ok
    assert len(sleeps) == 2
    assert 0.2 <= sleeps[0] <= 0.4 and 0.4 <= sleeps[1] <= 0.8  # doubling, at least half of it


def test_a_server_that_keeps_failing_makes_the_engine_unavailable(server: ReplayServer) -> None:
    server.choose = lambda body: "server_error"
    sleeps = Sleeps()
    with pytest.raises(EngineUnavailable) as caught:
        make_engine(server, sleeps).translate([fr(MINISTER)])
    message = str(caught.value)
    assert message.startswith(f"engine 'openai' unreachable at {server.base_url}: HTTP 500")
    assert "The server had an error" in message and "after 4 attempts" in message
    assert len(server.chat_requests) == 4 and len(sleeps) == 3


def test_a_retry_after_beyond_reason_gives_up_at_once(server: ReplayServer) -> None:
    server.script.extend(["rate_limited_for_an_hour"])
    sleeps = Sleeps()
    with pytest.raises(EngineUnavailable, match="asks to wait 3600s"):
        make_engine(server, sleeps).translate([fr(MINISTER)])
    assert sleeps == [] and len(server.chat_requests) == 1


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        ("minister_preamble_fr", "minister_preamble_fr", "preamble"),
        ("minister_two_lines_fr", "minister_two_lines_fr", "2 lines of output"),
    ],
)
def test_chatty_answers_are_retried_then_failed_with_the_reason(server: ReplayServer, first: str, second: str, reason: str) -> None:
    server.script.extend([first, second])
    [result] = make_engine(server).translate([fr(MINISTER)])
    assert not result.ok and reason in result.error
    assert result.provenance.attempts == 2
    assert result.provenance.output_tokens > 20  # both attempts counted
    retry = server.chat_requests[1]["body"]
    assert "rejected by an automatic check" in retry["messages"][0]["content"]
    assert retry["temperature"] == 0.3


def test_a_rejected_answer_that_comes_right_on_retry_is_kept(server: ReplayServer) -> None:
    server.script.extend(["minister_preamble_fr", "minister_fr"])
    [result] = make_engine(server).translate([fr(MINISTER)])
    assert result.ok and result.text == "Le ministre a démissionné mardi." and result.provenance.attempts == 2


def test_dropped_placeholders_are_caught(server: ReplayServer) -> None:
    server.script.extend(["report_link_dropped_fr", "report_link_dropped_fr"])
    [result] = make_engine(server).translate([fr(REPORT)])
    assert not result.ok
    assert "placeholders changed: missing </a1> <a1>" in result.error


def test_a_refused_segment_fails_alone_and_the_batch_goes_on(server: ReplayServer) -> None:
    server.choose = lambda body: "context_length_exceeded" if "enormous" in source_of(body) else "minister_fr"
    engine = make_engine(server, concurrency=1)
    results = engine.translate([fr(MINISTER, "a"), fr("An enormous paragraph.", "b"), fr(MINISTER, "c")])
    assert [r.ok for r in results] == [True, False, True]
    assert "maximum context length is 128000 tokens" in results[1].error


def test_rejected_credentials_stop_the_job_with_a_hint(server: ReplayServer) -> None:
    server.script.extend(["invalid_api_key"])
    with pytest.raises(EngineUnavailable, match="refused the credentials.*api_key"):
        make_engine(server).translate([fr(MINISTER)])


def test_concurrent_requests_come_back_in_request_order(server: ReplayServer) -> None:
    answers = {MINISTER: "minister_fr", REPORT: "report_link_fr"}
    server.choose = lambda body: answers[source_of(body)]
    server.delay = 0.15
    engine = make_engine(server, concurrency=3)
    texts = [MINISTER, REPORT, REPORT, MINISTER, REPORT, MINISTER]
    engine.translate([fr(REPORT)])  # warm up: connections, the language identifier
    server.max_in_flight = 0
    results = engine.translate([fr(t, f"k{i}") for i, t in enumerate(texts)])
    assert [r.key for r in results] == [f"k{i}" for i in range(6)]
    assert [r.text.startswith("Lisez") for r in results] == [t == REPORT for t in texts]
    assert server.max_in_flight == 3  # overlapped (waves of three), never more at once


def test_the_model_is_discovered_when_not_configured(server: ReplayServer) -> None:
    server.script.extend(["minister_fr"])
    settings = OpenAISettings(base_url=server.base_url)
    engine = OpenAIEngine(settings)
    [result] = engine.translate([fr(MINISTER)])
    assert result.ok
    assert server.chat_requests[0]["body"]["model"] == "gpt-4o-mini-2024-07-18"  # first one listed
    assert "Authorization" not in server.chat_requests[0]["headers"]


def test_status_lists_the_served_models(server: ReplayServer) -> None:
    status = make_engine(server).status()
    assert status.configured and status.reachable and "gpt-4o-mini" in status.detail
    missing = OpenAIEngine(OpenAISettings(base_url=server.base_url, model="llama-3-70b")).status()
    assert not missing.reachable and "does not serve model 'llama-3-70b'" in missing.detail
