"""Engine pools: several OpenAI-compatible endpoints behind the openai engine.

The pool's order of trial and cooldowns are checked on ``EndpointPool`` itself with a
hand-wound clock; everything else runs against real servers on loopback: llama.cpp
servers (``python -m llama_cpp.server``), replay servers (recorded OpenAI answers, which
also count the requests in flight) and closed ports.
"""

from __future__ import annotations

import threading
import time

import pytest

from relais.config import load_config
from relais.engines.types import EngineConfigError, EngineUnavailable, SegmentRequest
from relais.engines.endpoints import EndpointPool
from relais.engines.openai import OpenAIEngine, OpenAISettings
from tests.engines.replay_server import ReplayServer, source_of
from tests.llama_server import free_port, running_llama_server

MINISTER = "The minister resigned on Tuesday."
REPORT = "Read <a1>the full report</a1> on the agency's website."
ANSWERS = {MINISTER: "minister_fr", REPORT: "report_link_fr"}
SOURCES = [
    "The minister resigned on Tuesday.",
    "Read <a1>the full report</a1> online.",
    "Talks will resume next week in Geneva.",
    "Heavy rain caused flooding in the north.",
]


def closed_url() -> str:
    return f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there


def fr(text: str, key: str = "k") -> SegmentRequest:
    return SegmentRequest(key, text, "en", "fr")


def batch(texts: list[str]) -> list[SegmentRequest]:
    return [fr(text, f"k{i}") for i, text in enumerate(texts)]


def stats(engine: OpenAIEngine) -> dict[str, tuple[int, int]]:
    """Per endpoint: (requests it answered, requests that failed on it)."""
    return {e.url: (e.served, e.failures) for e in engine.client.pool.endpoints}


@pytest.fixture
def replays():
    """Start replay servers on demand; each answers the known sources with their recording."""
    started: list[ReplayServer] = []

    def start(choose=lambda body: ANSWERS[source_of(body)], delay: float = 0.0) -> ReplayServer:
        server = ReplayServer()
        server.choose, server.delay = choose, delay
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def second_llama_server(tiny_gguf, tmp_path_factory: pytest.TempPathFactory):
    """A second real llama.cpp server on the same model as ``llama_server``."""
    log = tmp_path_factory.mktemp("llama-server-2") / "server.log"
    with running_llama_server(tiny_gguf, log) as base_url:
        yield base_url


# -- the pool itself -----------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_pool_goes_round_robin_and_prefers_the_least_busy() -> None:
    pool = EndpointPool(["http://a/v1", "http://b/v1", "http://c/v1"], per_endpoint=2, cooldown=10.0)
    first = [pool.acquire() for _ in range(3)]
    assert [e.url for e in first] == ["http://a/v1", "http://b/v1", "http://c/v1"]  # listed order
    pool.release(first[1])
    assert pool.acquire().url == "http://b/v1"  # the only idle one
    # All equally busy now: the one chosen longest ago comes next.
    assert [pool.acquire().url for _ in range(3)] == ["http://a/v1", "http://c/v1", "http://b/v1"]


def test_a_failed_endpoint_is_skipped_for_its_cooldown_then_takes_one_request_at_a_time() -> None:
    clock = Clock()
    pool = EndpointPool(["http://a/v1", "http://b/v1"], per_endpoint=3, cooldown=10.0, clock=clock)
    a = pool.acquire()
    assert a.url == "http://a/v1"
    pool.release(a, failure="cannot connect")
    assert pool.all_down(exclude={"http://b/v1"}) and not pool.all_down()
    assert pool.is_down("http://a/v1") and pool.last_error("http://a/v1") == "cannot connect"
    # Skipped while b is up: b takes its three slots, and nothing is left to try but a.
    held = [pool.acquire() for _ in range(3)]
    assert [e.url for e in held] == ["http://b/v1"] * 3
    assert pool.acquire(exclude={"http://b/v1"}) is None
    assert pool.acquire(exclude={"http://b/v1"}, include_down=True).url == "http://a/v1"  # all down: tried anyway
    pool.release(a, failure="cannot connect")

    clock.now += 10.5  # cooldown over: a is up again, but takes one request until one succeeds
    assert not pool.is_down("http://a/v1")
    trial = pool.acquire()
    assert trial.url == "http://a/v1"
    pool.release(held.pop())
    assert pool.acquire().url == "http://b/v1"  # a, with one of its three slots taken, is full
    pool.release(trial)  # it answered: back to its full bound
    assert [pool.acquire().url for _ in range(3)] == ["http://a/v1"] * 3
    assert (trial.served, trial.failures) == (1, 2)


def test_a_retry_after_longer_than_the_cooldown_keeps_the_endpoint_down_that_long() -> None:
    clock = Clock()
    pool = EndpointPool(["http://a/v1", "http://b/v1"], per_endpoint=1, cooldown=5.0, clock=clock)
    pool.release(pool.acquire(), failure="HTTP 429", down_for=30.0)
    clock.now += 6
    assert pool.is_down("http://a/v1")
    clock.now += 25
    assert not pool.is_down("http://a/v1")


def test_acquire_waits_for_a_free_slot() -> None:
    pool = EndpointPool(["http://a/v1"], per_endpoint=1, cooldown=1.0)
    held = pool.acquire()
    got: list[str] = []
    waiter = threading.Thread(target=lambda: got.append(pool.acquire().url))
    waiter.start()
    time.sleep(0.1)
    assert got == []  # full: waiting
    pool.release(held)
    waiter.join(timeout=2)
    assert got == ["http://a/v1"]


# -- the engine on real servers -------------------------------------------------------------


def test_two_llama_servers_share_a_batch_and_answer_like_one(llama_server: str, second_llama_server: str) -> None:
    pooled = OpenAIEngine(OpenAISettings(base_urls=[llama_server, second_llama_server], concurrency_per_endpoint=1, max_tokens=8))
    single = OpenAIEngine(OpenAISettings(base_url=llama_server, concurrency=1, max_tokens=8))
    together = pooled._generate(batch(SOURCES))
    # Whichever server answered, each answer is to its own request: the servers' own
    # count of its prompt's tokens, as one server alone gives it (the model's words may
    # differ between machines; the prompts' lengths do not).
    counts = [raw.input_tokens for raw in together]
    assert counts == [raw.input_tokens for raw in single._generate(batch(SOURCES))]
    assert all(counts) and len(set(counts)) == len(SOURCES)
    served = {url: ok for url, (ok, _) in stats(pooled).items()}
    assert served[llama_server] >= 1 and served[second_llama_server] >= 1 and sum(served.values()) == len(SOURCES)
    assert pooled.notice() is None  # both list the same model

    status = pooled.status()
    assert status.reachable and status.detail.startswith("2 of 2 endpoints usable: ")
    assert status.detail.count("tiny-random.gguf") == 2


def test_a_closed_port_is_passed_over_and_every_segment_translated(llama_server: str) -> None:
    down = closed_url()
    engine = OpenAIEngine(OpenAISettings(base_urls=[down, llama_server], max_tokens=8, max_retries=0))
    raws = engine._generate(batch(SOURCES))
    assert all(raw.input_tokens > 0 for raw in raws)  # each answered by the live server (its usage)
    assert stats(engine)[llama_server][0] == len(SOURCES) and stats(engine)[down][0] == 0
    assert engine.client.pool.is_down(down)  # the look at /models found it down before the first request

    status = engine.status()
    assert status.configured and status.reachable
    assert status.detail.startswith("1 of 2 endpoints usable: ")
    assert f"{down} unreachable: cannot connect" in status.detail and f"{llama_server} serves" in status.detail


def test_a_failing_endpoint_sends_its_requests_on_and_is_skipped_during_its_cooldown(replays) -> None:
    failing = replays(choose=lambda body: "server_error")  # lists its models, then answers every chat with 500
    good = replays()
    engine = OpenAIEngine(OpenAISettings(
        base_urls=[failing.base_url, good.base_url], model="gpt-4o-mini", concurrency_per_endpoint=2,
        max_retries=0, endpoint_cooldown=30.0,
    ))  # fmt: skip
    texts = [MINISTER, REPORT, REPORT, MINISTER]
    results = engine.translate(batch(texts))
    assert all(r.ok for r in results) and [r.text.startswith("Lisez") for r in results] == [t == REPORT for t in texts]
    tried = len(failing.chat_requests)
    assert 1 <= tried <= 2  # what it was given before its first 500 came back, within its bound
    assert stats(engine)[failing.base_url] == (0, tried)
    assert engine.client.pool.is_down(failing.base_url)

    # Within the cooldown the failing endpoint gets nothing: no request waits for its 500.
    assert all(r.ok for r in engine.translate(batch(texts)))
    assert len(failing.chat_requests) == tried
    assert len(good.chat_requests) == 2 * len(texts)


def test_after_its_cooldown_a_failed_endpoint_is_tried_again(replays) -> None:
    flaky = replays(choose=lambda body: "server_error")
    good = replays()
    engine = OpenAIEngine(OpenAISettings(
        base_urls=[flaky.base_url, good.base_url], model="gpt-4o-mini", max_retries=0, endpoint_cooldown=0.3,
    ))  # fmt: skip
    engine._generate([fr(MINISTER)])
    assert len(flaky.chat_requests) == 1 and engine.client.pool.is_down(flaky.base_url)
    flaky.choose = lambda body: ANSWERS[source_of(body)]  # it recovers
    time.sleep(0.4)
    engine._generate(batch([MINISTER, REPORT]))
    assert len(flaky.chat_requests) >= 2 and not engine.client.pool.is_down(flaky.base_url)


def test_every_endpoint_down_is_one_line_naming_each_and_why(replays) -> None:
    first, second = closed_url(), closed_url()
    engine = OpenAIEngine(OpenAISettings(base_urls=[first, second], model="m", max_retries=1, backoff=0.05, timeout=5))
    with pytest.raises(EngineUnavailable) as caught:
        engine.translate(batch(SOURCES))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("engine 'openai' unreachable at every endpoint: ")
    for url in (first, second):
        assert f"{url}: cannot connect" in message
    assert message.count("(after 2 attempts)") == 2

    status = engine.status()
    assert status.configured and not status.reachable and status.detail.startswith("0 of 2 endpoints usable: ")

    # Different reasons, each with its endpoint.
    broken = replays(choose=lambda body: "server_error")
    engine = OpenAIEngine(OpenAISettings(base_urls=[broken.base_url, first], model="m", max_retries=1, backoff=0.05))
    with pytest.raises(EngineUnavailable) as caught:
        engine.translate([fr(MINISTER)])
    message = str(caught.value)
    assert "\n" not in message
    assert f"{broken.base_url}: HTTP 500 The server had an error" in message and f"{first}: cannot connect" in message
    assert len(broken.chat_requests) == 2  # tried again after the backoff, although in its cooldown: all were down


def test_each_endpoint_keeps_its_own_bound_on_requests_in_flight(replays) -> None:
    a, b = replays(delay=0.15), replays(delay=0.15)
    engine = OpenAIEngine(OpenAISettings(base_urls=[a.base_url, b.base_url], model="gpt-4o-mini", concurrency_per_endpoint=2))
    assert engine.client.max_in_flight == 4  # the sum of the bounds
    raws = engine._generate(batch([MINISTER] * 8))
    assert all(raw.text for raw in raws)
    assert a.max_in_flight == 2 and b.max_in_flight == 2
    assert len(a.chat_requests) + len(b.chat_requests) == 8 and len(a.chat_requests) >= 2 and len(b.chat_requests) >= 2
    # overlapped, not one after another: each server saw two requests in flight at once

    # With one endpoint down, the other still takes no more than its bound: the rest wait.
    c = replays(delay=0.1)
    engine = OpenAIEngine(OpenAISettings(base_urls=[closed_url(), c.base_url], model="gpt-4o-mini", concurrency_per_endpoint=2))
    assert all(raw.text for raw in engine._generate(batch([MINISTER] * 6)))
    assert c.max_in_flight == 2 and len(c.chat_requests) == 6

    # `concurrency` caps the total below the sum.
    capped = OpenAISettings(base_urls=[a.base_url, b.base_url], concurrency=3, concurrency_per_endpoint=2)
    assert OpenAIEngine(capped).client.max_in_flight == 3


def test_the_model_comes_from_the_first_reachable_endpoint_and_a_disagreement_is_noted(replays, llama_server: str) -> None:
    replay = replays()
    down = closed_url()
    engine = OpenAIEngine(OpenAISettings(base_urls=[down, replay.base_url, llama_server]))
    assert engine.notice() is None  # nothing known before the first batch
    [result] = engine.translate([fr(MINISTER)])  # goes to the replay server: the first one up
    assert result.ok
    assert engine.model == "gpt-4o-mini-2024-07-18"  # the first model the first reachable endpoint lists
    assert replay.chat_requests[0]["body"]["model"] == "gpt-4o-mini-2024-07-18"
    assert result.provenance.model == "gpt-4o-mini-2024-07-18"
    note = engine.notice()
    assert note and "\n" not in note and "serve different models" in note
    assert f"{replay.base_url} lists gpt-4o-mini" in note and f"{llama_server} lists " in note and down not in note


# -- configuration ---------------------------------------------------------------------------


def openai_from(tmp_path, toml: str, env: dict[str, str] | None = None) -> OpenAIEngine:
    (tmp_path / "config.toml").write_text(f"[engines.openai]\n{toml}")
    return OpenAIEngine.from_config(load_config(tmp_path, environ=env or {}))


def test_base_urls_in_the_file(tmp_path) -> None:
    engine = openai_from(tmp_path, 'base_urls = ["http://gpu1:8000/v1", "http://gpu2:8000/v1/"]\nendpoint_cooldown = 2.5\n')
    assert engine.urls == engine.client.pool.urls == ["http://gpu1:8000/v1", "http://gpu2:8000/v1"]
    assert engine.client.pool.cooldown == 2.5 and engine.client.pool.per_endpoint == 4
    assert engine.client.max_in_flight == 8  # 4 per endpoint by default, the total is the sum


def test_base_url_is_a_one_endpoint_shorthand_and_keeps_concurrency_meaning(tmp_path) -> None:
    engine = openai_from(tmp_path, 'base_url = "http://127.0.0.1:8080/v1/"\nconcurrency = 6\n')
    assert engine.urls == ["http://127.0.0.1:8080/v1"]
    assert engine.client.pool.per_endpoint == 6 and engine.client.max_in_flight == 6  # as before pools
    engine = openai_from(tmp_path, 'base_url = "http://a:1/v1"\nconcurrency_per_endpoint = 2\n')
    assert engine.client.max_in_flight == 2


def test_the_environment_takes_a_comma_separated_list_and_replaces_the_files_endpoints(tmp_path) -> None:
    env = {"RELAIS_OPENAI_BASE_URL": "http://a:1/v1, http://b:2/v1/", "RELAIS_OPENAI_CONCURRENCY": "3"}
    engine = openai_from(tmp_path, 'base_urls = ["http://file:1/v1"]\nconcurrency_per_endpoint = 2\n', env)
    assert engine.urls == ["http://a:1/v1", "http://b:2/v1"]
    assert engine.client.max_in_flight == 3  # concurrency caps the sum (2 + 2)
    engine = openai_from(tmp_path, 'base_url = "http://file:1/v1"\n', {"RELAIS_OPENAI_BASE_URL": "http://c:3/v1"})
    assert engine.urls == ["http://c:3/v1"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('base_url = "http://a:1/v1"\nbase_urls = ["http://b:1/v1"]\n', "set base_url or base_urls, not both"),
        ('base_urls = ["http://a:1/v1", "ftp://b/v1"]\n', "engines.openai.base_urls must start with http:// or https://"),
        ('base_urls = ["http://a:1/v1", "http://a:1/v1/"]\n', "http://a:1/v1 is listed twice"),
        ("base_urls = [1, 2]\n", "engines.openai.base_urls must be a list of URLs"),
        ("base_urls = []\n", "not configured"),
        ('base_urls = ["http://a:1/v1"]\nconcurrency_per_endpoint = 0\n', "must be ≥ 1"),
        ('base_urls = ["http://a:1/v1"]\nendpoint_cooldown = -1\n', "endpoint_cooldown ≥ 0"),
        ('base_urls = ["http://a:1/v1"]\nendpoints = 2\n', "unknown setting endpoints"),
    ],
)
def test_bad_endpoint_settings_are_one_clear_line(tmp_path, toml: str, message: str) -> None:
    with pytest.raises(EngineConfigError) as caught:
        openai_from(tmp_path, toml)
    assert message in str(caught.value) and "\n" not in str(caught.value)
