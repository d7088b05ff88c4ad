"""Engine for any OpenAI-compatible chat-completions server.

vLLM, Ollama, the llama.cpp server, LM Studio and hosted APIs all speak the same
``POST {base_url}/chat/completions``.  ``ChatClient`` is the transport (failover between
endpoints, retries with backoff, Retry-After, errors in words) over an ``EndpointPool``
(``relais.engines.endpoints``: one or several servers serving the same model, each with
its own bound on requests in flight); ``OpenAIEngine`` turns segments into chat prompts
(``relais.engines.prompt.chat_messages``) and sends as many at a time as the endpoints
take, returning results in request order.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from relais.config import Config
from relais.engines.base import Engine
from relais.engines.endpoints import EndpointPool
from relais.engines.prompt import PROMPT_VERSION, chat_messages
from relais.engines.settings import settings_from
from relais.engines.types import (
    Capabilities,
    EngineConfigError,
    EngineStatus,
    EngineUnavailable,
    RawOutput,
    SegmentRequest,
)

NOT_CONFIGURED = (
    "engine 'openai' is not configured: set engines.openai.base_url (or base_urls) in config.toml "
    "or RELAIS_OPENAI_BASE_URL (e.g. http://127.0.0.1:8080/v1)"
)
DEFAULT_CONCURRENCY_PER_ENDPOINT = 4

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
STATUS_TIMEOUT = 3.0  # seconds for the quick reachability check


@dataclass
class OpenAISettings:
    base_url: str | None = None  # e.g. http://127.0.0.1:8080/v1 (up to and including /v1); may be a comma-separated list
    base_urls: list[str] | None = None  # several endpoints serving the same model (instead of base_url)
    model: str | None = None  # default: the first model the first reachable endpoint lists
    api_key: str | None = None  # sent as "Authorization: Bearer"; local servers need none
    timeout: float = 120.0  # seconds for one request (a long segment on a slow server)
    max_retries: int = 4  # per request, on connection errors, timeouts, 429 and 5xx (rounds over the endpoints)
    backoff: float = 0.5  # seconds before the first retry; doubles each time, with jitter
    max_backoff: float = 30.0  # longest wait between two attempts
    max_retry_after: float = 120.0  # a longer Retry-After than this gives up at once
    concurrency: int | None = None  # most requests in flight over all endpoints (default: the sum of their bounds)
    concurrency_per_endpoint: int | None = None  # requests in flight per endpoint (default: concurrency if set, else 4)
    endpoint_cooldown: float = 10.0  # seconds a failed endpoint is skipped (while another one is up)
    temperature: float = 0.0
    retry_temperature: float = 0.3  # for the second attempt at a rejected output
    max_tokens: int = 1024

    def endpoint_urls(self) -> list[str]:
        """The endpoints in the order listed: ``base_urls``, else ``base_url`` (one URL or a
        comma-separated list), each without its trailing slash.  Raises ``EngineConfigError``."""
        key = "base_urls" if self.base_urls is not None else "base_url"
        if self.base_urls is not None and self.base_url:
            raise EngineConfigError("engines.openai: set base_url or base_urls, not both")
        raw: Any = self.base_urls if self.base_urls is not None else self.base_url or ""
        items = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, (list, tuple)) or not all(isinstance(item, str) for item in items):
            raise EngineConfigError(f"engines.openai.{key} must be a list of URLs (got {raw!r})")
        urls = [url for url in (item.strip().rstrip("/") for item in items) if url]
        if not urls:
            raise EngineConfigError(NOT_CONFIGURED)
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise EngineConfigError(f"engines.openai.{key} must start with http:// or https:// (got {url!r})")
            if urls.count(url) > 1:
                raise EngineConfigError(f"engines.openai.{key}: {url} is listed twice")
        return urls

    def per_endpoint(self) -> int:
        if self.concurrency_per_endpoint is not None:
            return self.concurrency_per_endpoint
        return self.concurrency if self.concurrency is not None else DEFAULT_CONCURRENCY_PER_ENDPOINT

    def in_flight(self, endpoints: int) -> int:
        """Requests in flight at once over ``endpoints`` endpoints."""
        total = self.per_endpoint() * endpoints
        return total if self.concurrency is None else min(self.concurrency, total)

    def check(self) -> list[str]:
        """The endpoint URLs, once every setting is known to be usable (else ``EngineConfigError``)."""
        urls = self.endpoint_urls()
        if (self.concurrency is not None and self.concurrency < 1) or self.per_endpoint() < 1:
            raise EngineConfigError("engines.openai: concurrency and concurrency_per_endpoint must be ≥ 1")
        if self.max_retries < 0 or self.timeout <= 0 or self.endpoint_cooldown < 0:
            raise EngineConfigError("engines.openai: max_retries must be ≥ 0, timeout > 0, endpoint_cooldown ≥ 0")
        return urls


class ServerRefused(Exception):
    """The server answered this request with a non-retryable error."""

    def __init__(self, status: int, message: str, url: str = ""):
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.url = url  # the endpoint that answered


class EndpointDown(Exception):
    """One endpoint did not answer a quick look: connection error, timeout, retryable status."""


class ChatClient:
    """HTTP transport to a pool of OpenAI-compatible servers, with failover and bounded retries.

    Each request takes a slot on an endpoint of the pool (``EndpointPool``).  A connection
    error, timeout, 429 or 5xx marks that endpoint down for ``endpoint_cooldown`` and sends
    the request on to the next endpoint at once.  When every endpoint has failed it, the
    request waits (exponential backoff with jitter, or what a ``Retry-After`` header asks)
    and goes round again, up to ``max_retries`` times, then gives up with
    ``EngineUnavailable`` naming each endpoint and why.  Other 4xx answers raise
    ``ServerRefused`` at once (retrying the same request cannot help).
    """

    def __init__(
        self,
        settings: OpenAISettings,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        self.settings = settings
        self.urls = settings.check()
        self.pool = EndpointPool(self.urls, settings.per_endpoint(), settings.endpoint_cooldown)
        self.max_in_flight = settings.in_flight(len(self.urls))
        headers = {"Accept": "application/json"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        connections = self.max_in_flight + len(self.urls)  # the requests, and a quick look at each endpoint
        self._http = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout)),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )
        self._sleep = sleep
        self._rng = rng or random.Random()
        # Set when one request of a batch gives up: the others stop retrying and report
        # the same reason instead of each waiting out their own retries.
        self._failure: EngineUnavailable | None = None

    def close(self) -> None:
        self._http.close()

    def models_at(self, url: str, timeout: float | None = None) -> list[dict[str, Any]]:
        """``GET {url}/models`` on one endpoint, one quick look: the served models' entries.

        Raises ``EndpointDown`` (with the reason) when it does not answer, ``ServerRefused``
        when it refuses."""
        try:
            response = self._http.get(f"{url}/models", timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout)
        except httpx.HTTPError as exc:
            raise EndpointDown(_describe(exc)) from None
        if response.status_code in RETRYABLE_STATUS:
            raise EndpointDown(f"HTTP {response.status_code} {_error_message(response)}".strip())
        if response.status_code != 200:
            raise ServerRefused(response.status_code, _error_message(response), url)
        return _model_entries(response, url)

    def models(self) -> tuple[str, list[dict[str, Any]]]:
        """``GET /models`` on the pool, with failover and retries: the endpoint that answered
        and the served models' entries."""
        response = self._send("GET", "/models")
        url = str(response.request.url).removesuffix("/models")
        return url, _model_entries(response, url)

    def chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``POST /chat/completions`` with failover and retries; the parsed JSON answer."""
        return _json(self._send("POST", "/chat/completions", payload=payload))

    def start_batch(self) -> None:
        """Forget that an earlier batch gave up: a new batch tries again."""
        self._failure = None

    def _send(self, method: str, path: str, payload: dict[str, Any] | None = None) -> httpx.Response:
        reasons: dict[str, str] = {}  # endpoint → why it failed this request, last time
        attempts: dict[str, int] = {}
        finished: set[str] = set()  # endpoints that ask to wait longer than max_retry_after
        for round_ in range(self.settings.max_retries + 1):
            tried = set(finished)
            waits: list[float | None] = []  # per failed endpoint: its Retry-After, if any
            # Endpoints in their cooldown are skipped, unless all of them are down.
            include_down = self.pool.all_down(exclude=finished)
            while True:
                endpoint = self.pool.acquire(exclude=tried, include_down=include_down)
                if endpoint is None:
                    if not include_down and len(tried) == len(finished):
                        include_down = True  # the last one up went down meanwhile
                        continue
                    break
                url = endpoint.url
                tried.add(url)
                wait: float | None = None
                try:
                    failure = self._failure
                    if failure is not None:
                        raise EngineUnavailable(str(failure))
                    response = self._http.request(method, f"{url}{path}", json=payload)
                except httpx.HTTPError as exc:  # connect errors, timeouts, broken connections
                    reason = _describe(exc)
                except BaseException:
                    self.pool.release(endpoint)
                    raise
                else:
                    if response.status_code == 200:
                        self.pool.release(endpoint)
                        return response
                    if response.status_code not in RETRYABLE_STATUS:
                        self.pool.release(endpoint)
                        raise ServerRefused(response.status_code, _error_message(response), url)
                    reason = f"HTTP {response.status_code} {_error_message(response)}".strip()
                    wait = _retry_after(response)
                    if wait is not None and wait > self.settings.max_retry_after:
                        finished.add(url)
                        reason = f"{reason}; the server asks to wait {wait:.0f}s"
                self.pool.release(endpoint, failure=reason, down_for=wait)
                reasons[url] = reason
                attempts[url] = attempts.get(url, 0) + 1
                if url not in finished:
                    waits.append(wait)
            if not waits or round_ == self.settings.max_retries:
                break
            delays = [w for w in waits if w is not None]
            if len(delays) < len(waits):
                delays.append(self._backoff(round_))
            self._sleep(min(delays))
        raise self._give_up(reasons, attempts, finished)

    def _give_up(self, reasons: dict[str, str], attempts: dict[str, int], finished: set[str]) -> EngineUnavailable:
        """One line naming each endpoint and why it failed; shared with the rest of the batch."""
        failure = self._failure
        if failure is not None:  # another request gave up first: same reason
            return EngineUnavailable(str(failure))
        parts = []
        for url in self.urls:
            if url in reasons:
                tries = attempts[url]
                reason = reasons[url] if url in finished else f"{reasons[url]} (after {tries} attempt{'s' if tries > 1 else ''})"
            else:
                reason = f"{self.pool.last_error(url) or 'no answer'} (down, skipped)"
            parts.append((url, " ".join(reason.split())))
        if len(parts) == 1:
            [(url, reason)] = parts
            failure = EngineUnavailable(f"engine 'openai' unreachable at {url}: {reason}")
        else:
            listed = "; ".join(f"{url}: {reason}" for url, reason in parts)
            failure = EngineUnavailable(f"engine 'openai' unreachable at every endpoint: {listed}")
        self._failure = failure
        return failure

    def _backoff(self, attempt: int) -> float:
        # "Equal jitter": at least half the exponential delay, so retries from several
        # threads spread out without ever retrying immediately.
        ceiling = min(self.settings.max_backoff, self.settings.backoff * (2**attempt))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)


class OpenAIEngine(Engine):
    name = "openai"
    prompt_version = f"chat-{PROMPT_VERSION}"
    # The chat prompt carries the markup rules, the glossary, the examples and the
    # context; a raw completion is one user message.
    capabilities = Capabilities(completion=True, placeholders=True, glossary=True, examples=True, context=True)

    def __init__(self, settings: OpenAISettings, client: ChatClient | None = None):
        self.urls = settings.check()
        self.settings = settings
        self.client = client or ChatClient(settings)
        self._served_model: str | None = settings.model
        self._model_entry: dict[str, Any] | None = None
        self._disagreement: str | None = None  # when the endpoints' /models lists differ
        self._reported: dict[str, str] = {}  # what responses said: model, system_fingerprint
        self._identity_lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Config) -> OpenAIEngine:
        raw = config.engine_settings(cls.name)
        return cls(settings_from(OpenAISettings, cls.name, raw))

    # -- identity ------------------------------------------------------------------------

    @property
    def model(self) -> str:
        return self._served_model or self._reported.get("model") or "(server default)"

    @property
    def model_version(self) -> str:
        """The deployment as the server describes it.

        ``system_fingerprint`` when the server sends one (it changes with the backend
        configuration); otherwise the model id the server answered with, plus a short
        hash of its ``/models`` entry (vLLM and llama.cpp put the weights' path, size or
        creation time there).
        """
        fingerprint = self._reported.get("system_fingerprint")
        if fingerprint:
            return fingerprint
        model = self._reported.get("model") or self.model
        if self._model_entry:
            digest = hashlib.sha256(json.dumps(self._model_entry, sort_keys=True).encode()).hexdigest()[:12]
            return f"{model}@{digest}"
        return model

    # -- status --------------------------------------------------------------------------

    def status(self) -> EngineStatus:
        """Each endpoint, reachable or not; usable when at least one serves the model."""
        looks = self._survey()
        parts: list[str] = []
        usable = 0
        for url, look in looks.items():
            if isinstance(look, EndpointDown):
                parts.append(f"{url} unreachable: {look}")
                continue
            if isinstance(look, ServerRefused):
                parts.append(f"{url} answered {look}")
                continue
            ids = [str(entry["id"]) for entry in look]
            listed = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
            if self.settings.model and ids and self.settings.model not in ids:
                parts.append(f"{url} does not serve model {self.settings.model!r} (it serves: {listed})")
                continue
            usable += 1
            parts.append(f"{url} serves {listed or 'no listed model'}")
        detail = "; ".join(parts)
        if len(looks) > 1:
            detail = f"{usable} of {len(looks)} endpoints usable: {detail}"
        return EngineStatus(self.name, configured=True, reachable=usable > 0, detail=detail)

    def notice(self) -> str | None:
        return self._disagreement

    # -- generation ----------------------------------------------------------------------

    def _generate(self, batch: list[SegmentRequest], retry: bool = False) -> list[RawOutput]:
        self.client.start_batch()
        self._discover_model()
        workers = min(self.client.max_in_flight, len(batch))
        if workers <= 1:
            return [self._one(req, retry) for req in batch]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="relais-openai") as pool:
            # map() yields in submission order, whatever order the answers come back in.
            return list(pool.map(lambda req: self._one(req, retry), batch))

    def _one(self, req: SegmentRequest, retry: bool) -> RawOutput:
        payload: dict[str, Any] = {
            "messages": chat_messages(req, retry=retry),
            "temperature": self.settings.retry_temperature if retry else self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
            "stream": False,
        }
        if self._served_model:
            payload["model"] = self._served_model
        started = time.perf_counter()
        try:
            answer = self.client.chat(payload)
        except ServerRefused as exc:
            if exc.status in (401, 403):
                raise EngineUnavailable(
                    f"engine 'openai' at {exc.url} refused the credentials ({exc}): check engines.openai.api_key"
                ) from None
            if exc.status == 404:
                raise EngineUnavailable(
                    f"engine 'openai': {exc.url}/chat/completions answered {exc} "
                    "(base_url should end with /v1; is the model name right?)"
                ) from None
            return RawOutput("", time.perf_counter() - started, error=f"the server refused this segment: {exc}")
        seconds = time.perf_counter() - started
        self._note_identity(answer)
        usage = answer.get("usage") if isinstance(answer.get("usage"), dict) else {}
        try:
            choice = answer["choices"][0]
            text = choice["message"].get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            return RawOutput("", seconds, error=f"malformed answer from the server: {json.dumps(answer)[:200]}")
        error = None
        if choice.get("finish_reason") == "length":
            error = f"the translation was cut off at max_tokens={self.settings.max_tokens}"
        return RawOutput(
            text.strip(),
            seconds,
            int(usage.get("prompt_tokens") or 0),
            int(usage.get("completion_tokens") or 0),
            error=error,
        )

    def _complete(self, prompts: list[str], max_tokens: int, multiline: bool = False) -> list[RawOutput]:
        # A chat answer comes back whole: ``multiline`` changes nothing here.
        if not prompts:
            return []
        self.client.start_batch()
        self._discover_model()

        def one(prompt: str) -> RawOutput:
            payload: dict[str, Any] = {
                "messages": [{"role": "user", "content": prompt}],
                "temperature": 0.0,
                "max_tokens": max_tokens,
                "stream": False,
            }
            if self._served_model:
                payload["model"] = self._served_model
            started = time.perf_counter()
            try:
                answer = self.client.chat(payload)
            except ServerRefused as exc:
                if exc.status in (401, 403, 404):
                    raise EngineUnavailable(f"engine 'openai' at {exc.url} answered {exc}") from None
                return RawOutput("", time.perf_counter() - started, error=f"the server refused this prompt: {exc}")
            usage = answer.get("usage") if isinstance(answer.get("usage"), dict) else {}
            try:
                text = answer["choices"][0]["message"].get("content") or ""
            except (KeyError, IndexError, TypeError, AttributeError):
                return RawOutput("", time.perf_counter() - started, error="malformed answer from the server")
            return RawOutput(
                text.strip(), time.perf_counter() - started,
                int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0),
            )  # fmt: skip

        workers = min(self.client.max_in_flight, len(prompts))
        if workers <= 1:
            return [one(p) for p in prompts]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="relais-openai") as pool:
            return list(pool.map(one, prompts))

    def _survey(self) -> dict[str, list[dict[str, Any]] | EndpointDown | ServerRefused]:
        """A quick look at every endpoint's ``/models`` at once, in the order listed."""

        def look(url: str) -> list[dict[str, Any]] | EndpointDown | ServerRefused:
            try:
                return self.client.models_at(url, timeout=STATUS_TIMEOUT)
            except (EndpointDown, ServerRefused) as exc:
                return exc

        if len(self.urls) == 1:
            return {self.urls[0]: look(self.urls[0])}
        with ThreadPoolExecutor(max_workers=len(self.urls), thread_name_prefix="relais-openai-look") as pool:
            return dict(zip(self.urls, pool.map(look, self.urls)))

    def _discover_model(self) -> None:
        """Pick the served model when none is configured, and keep its /models entry for the version.

        The model comes from the first endpoint (in the order listed) that answers; all
        endpoints are meant to serve the same one, and when their lists differ that is
        said in ``notice()`` rather than refused.  An endpoint that does not answer is
        marked down, so that the first requests do not wait for it.
        """
        if self._model_entry is not None:
            return
        looks = self._survey()
        for url, look in looks.items():
            if isinstance(look, EndpointDown):
                self.client.pool.mark_down(url, str(look))
        answered = {url: look for url, look in looks.items() if isinstance(look, list)}
        if self._served_model and not answered:
            return  # only for the version: the chat requests will say if the servers are down
        if not self._served_model:
            if not answered:
                refused = next((look for look in looks.values() if isinstance(look, ServerRefused)), None)
                if refused is None:
                    try:  # nobody answered the quick look: ask again with failover and retries
                        answered = dict([self.client.models()])
                    except ServerRefused as exc:
                        refused = exc
                if refused is not None:
                    raise EngineUnavailable(
                        f"engine 'openai': {refused.url}/models answered {refused}; set engines.openai.model"
                    ) from None
            url, entries = next(iter(answered.items()))
            if not entries:
                raise EngineUnavailable(f"engine 'openai': {url} lists no models; set engines.openai.model")
            self._served_model = str(entries[0]["id"])
        self._model_entry = next(
            (e for entries in answered.values() for e in entries if e.get("id") == self._served_model), {}
        )
        listings = {url: sorted(str(e["id"]) for e in entries) for url, entries in answered.items()}
        if len({tuple(ids) for ids in listings.values()}) > 1:
            said = "; ".join(f"{url} lists {', '.join(ids[:3]) or 'nothing'}" for url, ids in listings.items())
            self._disagreement = f"engine 'openai': the endpoints serve different models ({said}); using {self._served_model!r}"

    def _note_identity(self, answer: dict[str, Any]) -> None:
        with self._identity_lock:
            for key in ("model", "system_fingerprint"):
                value = answer.get(key)
                if isinstance(value, str) and value:
                    self._reported[key] = value

    def close(self) -> None:
        self.client.close()


def _model_entries(response: httpx.Response, url: str) -> list[dict[str, Any]]:
    data = _json(response, url).get("data")
    if not isinstance(data, list):
        raise ServerRefused(response.status_code, "the /models answer has no 'data' list", url)
    return [entry for entry in data if isinstance(entry, dict) and entry.get("id")]


def _json(response: httpx.Response, url: str = "") -> dict[str, Any]:
    url = url or str(response.request.url)
    try:
        data = response.json()
    except ValueError:
        raise ServerRefused(response.status_code, f"not a JSON answer: {response.text[:120]!r}", url) from None
    if not isinstance(data, dict):
        raise ServerRefused(response.status_code, "the answer is not a JSON object", url)
    return data


def _error_message(response: httpx.Response) -> str:
    """The server's own words: OpenAI-style ``{"error": {"message": …}}`` or the body."""
    try:
        data = response.json()
    except ValueError:
        return (response.reason_phrase or response.text[:200]).strip()
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:300]
    if isinstance(error, str):
        return error[:300]
    if isinstance(data, dict) and data.get("detail"):
        return str(data["detail"])[:300]
    return response.reason_phrase or ""


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), if any."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _describe(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer within the timeout"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})" if str(exc) else "cannot connect"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
