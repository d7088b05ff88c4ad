"""The openai engine against a real llama.cpp server (``python -m llama_cpp.server``) on loopback."""

from __future__ import annotations

import time

import httpx
import pytest

from relais.config import load_config
from relais.engines.types import EngineConfigError, EngineUnavailable, SegmentRequest
from relais.engines.openai import OpenAIEngine, OpenAISettings
from relais.engines.prompt import chat_messages
from tests.engines.attempts import RawAttempts, assert_translate_guarantees
from tests.llama_server import free_port

SOURCES = [
    "The minister resigned on Tuesday.",
    "Read <a1>the full report</a1> online.",
    "Talks will resume next week in Geneva.",
    "Heavy rain caused flooding in the north.",
    "Firefighters are still battling the blaze.",
]


def batch() -> list[SegmentRequest]:
    return [SegmentRequest(f"k{i}", text, "en", "fr") for i, text in enumerate(SOURCES)]


def test_concurrent_requests_come_back_in_request_order(llama_server: str) -> None:
    engine = OpenAIEngine(OpenAISettings(base_url=llama_server, concurrency=3, max_tokens=12))
    together = engine._generate(batch())
    one_by_one = [engine._generate([req])[0] for req in batch()]
    # Answers fetched three at a time line up with answers fetched one by one: each is the
    # answer to its own prompt, by the server's count of that prompt's tokens (the model's
    # words may differ between machines; the prompts' lengths do not).
    counts = [raw.input_tokens for raw in together]
    assert counts == [raw.input_tokens for raw in one_by_one]
    assert all(counts) and len(set(counts)) == len(SOURCES)


def test_token_counts_are_the_servers_usage(llama_server: str, tiny_gguf) -> None:
    engine = OpenAIEngine(OpenAISettings(base_url=llama_server, max_tokens=12))
    request = batch()[0]
    # The same request made by hand: the engine reports the server's own usage.
    answer = httpx.post(
        f"{llama_server}/chat/completions",
        json={"model": str(tiny_gguf), "messages": chat_messages(request), "temperature": 0.0, "max_tokens": 12},
        timeout=60,
    ).json()
    [raw] = engine._generate([request])
    assert (raw.input_tokens, raw.output_tokens) == (answer["usage"]["prompt_tokens"], answer["usage"]["completion_tokens"])
    assert raw.input_tokens > 100

    # Whatever the random model says: validated, a rejected answer asked again once (with
    # the retry prompt), then failed with the reason; both attempts' tokens counted.
    with RawAttempts(engine) as attempts:
        [result] = engine.translate([request])
    assert_translate_guarantees([request], [result], attempts)
    assert engine.model == str(tiny_gguf)  # discovered from /models
    assert result.provenance.model_version.startswith(str(tiny_gguf) + "@")


def test_status_of_a_live_server(llama_server: str) -> None:
    status = OpenAIEngine(OpenAISettings(base_url=llama_server)).status()
    assert status.configured and status.reachable and "tiny-random.gguf" in status.detail


def test_nothing_listening_means_unavailable_after_bounded_retries() -> None:
    base_url = f"http://127.0.0.1:{free_port()}/v1"  # free port: nothing listens there
    engine = OpenAIEngine(OpenAISettings(base_url=base_url, model="any", max_retries=3, backoff=0.1, timeout=5))
    started = time.perf_counter()
    with pytest.raises(EngineUnavailable) as caught:
        engine.translate(batch())
    elapsed = time.perf_counter() - started
    message = str(caught.value)
    assert message.startswith(f"engine 'openai' unreachable at {base_url}: cannot connect")
    assert "after 4 attempts" in message
    assert elapsed > 0.1  # backed off between the attempts (0.05-0.1 + 0.1-0.2 + 0.2-0.4 s), then gave up

    status = engine.status()
    assert status.configured and not status.reachable and "unreachable" in status.detail


def test_not_configured_says_what_to_set(tmp_path) -> None:
    with pytest.raises(EngineConfigError) as caught:
        OpenAIEngine.from_config(load_config(tmp_path, environ={}))
    assert "RELAIS_OPENAI_BASE_URL" in str(caught.value) and "\n" not in str(caught.value)

    config = load_config(tmp_path, environ={"RELAIS_OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": "sk-x",
                                            "RELAIS_OPENAI_CONCURRENCY": "2", "RELAIS_OPENAI_RETRIES": "1"})
    engine = OpenAIEngine.from_config(config)
    assert (engine.settings.base_url, engine.settings.api_key, engine.settings.concurrency, engine.settings.max_retries) == (
        "http://127.0.0.1:9/v1", "sk-x", 2, 1,
    )
