"""Engine for any OpenAI-compatible chat-completions server.

vLLM, Ollama, the llama.cpp server, LM Studio and hosted APIs all speak the same
``POST {base_url}/chat/completions``.  ``ChatClient`` is the transport (retries with
backoff, Retry-After, errors in words); ``OpenAIEngine`` turns segments into chat
prompts (``relais.engines.prompt.chat_messages``) and sends up to ``concurrency`` of
them at a time, returning results in request order.
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
from relais.engines.base import (
    Engine,
    EngineConfigError,
    EngineStatus,
    EngineUnavailable,
    RawOutput,
    SegmentRequest,
)
from relais.engines.prompt import PROMPT_VERSION, chat_messages
from relais.engines.settings import settings_from

NOT_CONFIGURED = (
    "engine 'openai' is not configured: set engines.openai.base_url in config.toml "
    "or RELAIS_OPENAI_BASE_URL (e.g. http://127.0.0.1:8080/v1)"
)

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
STATUS_TIMEOUT = 3.0  # seconds for the quick reachability check


@dataclass
class OpenAISettings:
    base_url: str | None = None  # e.g. http://127.0.0.1:8080/v1 (up to and including /v1)
    model: str | None = None  # default: the first model the server lists
    api_key: str | None = None  # sent as "Authorization: Bearer"; local servers need none
    timeout: float = 120.0  # seconds for one request (a long segment on a slow server)
    max_retries: int = 4  # per request, on connection errors, timeouts, 429 and 5xx
    backoff: float = 0.5  # seconds before the first retry; doubles each time, with jitter
    max_backoff: float = 30.0  # longest wait between two attempts
    max_retry_after: float = 120.0  # a longer Retry-After than this gives up at once
    concurrency: int = 4  # requests in flight at once
    temperature: float = 0.0
    retry_temperature: float = 0.3  # for the second attempt at a rejected output
    max_tokens: int = 1024


class ServerRefused(Exception):
    """The server answered this request with a non-retryable error."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message


class ChatClient:
    """HTTP transport to one OpenAI-compatible server, with bounded retries.

    Retries connection errors, timeouts, 429 and 5xx with exponential backoff and jitter,
    waiting what a ``Retry-After`` header asks instead when there is one.  Gives up with
    ``EngineUnavailable`` once the retries are spent; other 4xx answers raise
    ``ServerRefused`` at once (retrying the same request cannot help).
    """

    def __init__(
        self,
        settings: OpenAISettings,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        if not settings.base_url:
            raise EngineConfigError(NOT_CONFIGURED)
        self.settings = settings
        self.base_url = settings.base_url.rstrip("/")
        headers = {"Accept": "application/json"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        self._http = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout)),
            limits=httpx.Limits(max_connections=max(1, settings.concurrency), max_keepalive_connections=max(1, settings.concurrency)),
        )
        self._sleep = sleep
        self._rng = rng or random.Random()
        # Set when one request of a batch gives up: the others stop retrying and report
        # the same reason instead of each waiting out their own retries.
        self._failure: EngineUnavailable | None = None

    def close(self) -> None:
        self._http.close()

    def models(self, timeout: float | None = None, retries: bool = False) -> list[dict[str, Any]]:
        """``GET /models``: the served models' entries (quick look: no retries unless asked)."""
        response = self._send("GET", "/models", timeout=timeout, retries=retries)
        data = _json(response).get("data")
        if not isinstance(data, list):
            raise ServerRefused(response.status_code, "the /models answer has no 'data' list")
        return [entry for entry in data if isinstance(entry, dict) and entry.get("id")]

    def chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``POST /chat/completions`` with retries; the parsed JSON answer."""
        return _json(self._send("POST", "/chat/completions", payload=payload))

    def start_batch(self) -> None:
        """Forget that an earlier batch gave up: a new batch tries again."""
        self._failure = None

    def _send(
        self, method: str, path: str, payload: dict[str, Any] | None = None, timeout: float | None = None, retries: bool = True
    ) -> httpx.Response:
        url = f"{self.base_url}{path}"
        max_retries = self.settings.max_retries if retries else 0
        attempt = 0
        while True:
            failure = self._failure
            if retries and failure is not None:
                raise EngineUnavailable(str(failure))
            wait: float | None = None
            try:
                response = self._http.request(method, url, json=payload, timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout)
            except httpx.HTTPError as exc:  # connect errors, timeouts, broken connections
                reason = _describe(exc)
            else:
                if response.status_code == 200:
                    return response
                if response.status_code not in RETRYABLE_STATUS:
                    raise ServerRefused(response.status_code, _error_message(response))
                reason = f"HTTP {response.status_code} {_error_message(response)}".strip()
                wait = _retry_after(response)
                if wait is not None and wait > self.settings.max_retry_after:
                    raise self._give_up(retries, f"{reason}; the server asks to wait {wait:.0f}s")
            if attempt >= max_retries:
                tries = attempt + 1
                raise self._give_up(retries, f"{reason} (after {tries} attempt{'s' if tries > 1 else ''})")
            self._sleep(wait if wait is not None else self._backoff(attempt))
            attempt += 1

    def _give_up(self, shared: bool, reason: str) -> EngineUnavailable:
        failure = self._unreachable(reason)
        if shared and self._failure is None:
            self._failure = failure
        return failure

    def _backoff(self, attempt: int) -> float:
        # "Equal jitter": at least half the exponential delay, so retries from several
        # threads spread out without ever retrying immediately.
        ceiling = min(self.settings.max_backoff, self.settings.backoff * (2**attempt))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _unreachable(self, reason: str) -> EngineUnavailable:
        return EngineUnavailable(f"engine 'openai' unreachable at {self.base_url}: {reason}")


class OpenAIEngine(Engine):
    name = "openai"
    prompt_version = f"chat-{PROMPT_VERSION}"

    def __init__(self, settings: OpenAISettings, client: ChatClient | None = None):
        if not settings.base_url:
            raise EngineConfigError(NOT_CONFIGURED)
        if not settings.base_url.startswith(("http://", "https://")):
            raise EngineConfigError(f"engines.openai.base_url must start with http:// or https:// (got {settings.base_url!r})")
        if settings.concurrency < 1 or settings.max_retries < 0 or settings.timeout <= 0:
            raise EngineConfigError("engines.openai: concurrency must be ≥ 1, max_retries ≥ 0, timeout > 0")
        self.settings = settings
        self.client = client or ChatClient(settings)
        self._served_model: str | None = settings.model
        self._model_entry: dict[str, Any] | None = None
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
        url = self.client.base_url
        try:
            entries = self.client.models(timeout=STATUS_TIMEOUT)
        except EngineUnavailable as exc:  # "unreachable at URL: reason", without repeating the name
            return EngineStatus(self.name, configured=True, reachable=False, detail=str(exc).removeprefix("engine 'openai' "))
        except ServerRefused as exc:
            return EngineStatus(self.name, configured=True, reachable=False, detail=f"{url} answered {exc}")
        ids = [str(entry["id"]) for entry in entries]
        listed = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        if self.settings.model and ids and self.settings.model not in ids:
            return EngineStatus(
                self.name, configured=True, reachable=False,
                detail=f"{url} does not serve model {self.settings.model!r} (it serves: {listed})",
            )
        return EngineStatus(self.name, configured=True, reachable=True, detail=f"{url} serves {listed or 'no listed model'}")

    # -- generation ----------------------------------------------------------------------

    def _generate(self, batch: list[SegmentRequest], retry: bool = False) -> list[RawOutput]:
        self.client.start_batch()
        self._discover_model()
        workers = min(self.settings.concurrency, len(batch))
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
                    f"engine 'openai' at {self.client.base_url} refused the credentials ({exc}): check engines.openai.api_key"
                ) from None
            if exc.status == 404:
                raise EngineUnavailable(
                    f"engine 'openai': {self.client.base_url}/chat/completions answered {exc} "
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

    def complete(self, prompts: list[str], max_tokens: int = 16) -> list[RawOutput]:
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
                    raise EngineUnavailable(f"engine 'openai' at {self.client.base_url} answered {exc}") from None
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

        workers = min(self.settings.concurrency, len(prompts))
        if workers <= 1:
            return [one(p) for p in prompts]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="relais-openai") as pool:
            return list(pool.map(one, prompts))

    def _discover_model(self) -> None:
        """Pick the served model when none is configured, and keep its /models entry for the version."""
        if self._model_entry is not None:
            return
        if self._served_model:
            try:  # only for the version: the chat requests will say if the server is down
                entries = self.client.models(timeout=STATUS_TIMEOUT)
            except (EngineUnavailable, ServerRefused):
                return
        else:
            try:
                entries = self.client.models(retries=True)
            except ServerRefused as exc:
                raise EngineUnavailable(
                    f"engine 'openai': {self.client.base_url}/models answered {exc}; set engines.openai.model"
                ) from None
            if not entries:
                raise EngineUnavailable(f"engine 'openai': {self.client.base_url} lists no models; set engines.openai.model")
            self._served_model = str(entries[0]["id"])
        self._model_entry = next((e for e in entries if e.get("id") == self._served_model), {})

    def _note_identity(self, answer: dict[str, Any]) -> None:
        with self._identity_lock:
            for key in ("model", "system_fingerprint"):
                value = answer.get(key)
                if isinstance(value, str) and value:
                    self._reported[key] = value

    def close(self) -> None:
        self.client.close()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise ServerRefused(response.status_code, f"not a JSON answer: {response.text[:120]!r}") from None
    if not isinstance(data, dict):
        raise ServerRefused(response.status_code, "the answer is not a JSON object")
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
