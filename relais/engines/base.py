"""The engine contract: a batch of segments in, translations with provenance out.

Every engine is one class with the same contract (in the spirit of Weblate's
``machinery``).  Engines know nothing about the store: the job runner hands them
``SegmentRequest`` objects and stores the ``SegmentResult`` objects they return.

Subclasses implement ``_generate`` (one raw attempt for a batch).  ``translate`` is the
one path every engine shares: it cleans each output by the store's text rule
(``relais.document.text.machine_text``: control characters removed, line breaks made
"\n", bidi controls removed), validates what is left (``relais.engines.validate``),
retries the bad ones once, and reports what is still bad as a failed segment with its
reason, never dropping one.  Infrastructure trouble (server down, timeouts after the
engine's own retries) raises ``EngineUnavailable`` instead, so that the job can be
resumed later rather than recording segments as failed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, ClassVar

from relais.document.text import machine_text
from relais.errors import RelaisError

if TYPE_CHECKING:
    from relais.config import Config


class EngineUnavailable(RelaisError):
    """The engine cannot be reached or loaded; nothing was translated."""


class EngineConfigError(RelaisError):
    """The engine is not configured well enough to run."""


@dataclass(frozen=True)
class GlossaryHint:
    source: str
    target: str
    note: str | None = None


@dataclass(frozen=True)
class SegmentContext:
    """What the engine may know about where the segment sits in the article."""

    headline: str | None = None
    block_kind: str = "paragraph"
    previous: str | None = None  # source text of the preceding segment, if any
    next: str | None = None  # source text of the following segment, if any


@dataclass(frozen=True)
class SegmentRequest:
    key: str  # opaque id the caller uses to match results to requests
    text: str  # source text, inline markup as placeholders (<a1>…</a1>)
    source_lang: str
    target_lang: str
    context: SegmentContext = field(default_factory=SegmentContext)
    glossary: tuple[GlossaryHint, ...] = ()
    examples: tuple[tuple[str, str], ...] = ()  # (source, target) pairs, e.g. memory matches


@dataclass
class Provenance:
    engine: str
    model: str
    model_version: str  # file hash or server-reported version
    prompt_version: str
    seconds: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    attempts: int = 1

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SegmentResult:
    key: str
    text: str | None  # None when the segment failed
    provenance: Provenance
    error: str | None = None  # why the segment failed, when it did

    @property
    def ok(self) -> bool:
        return self.error is None and self.text is not None


@dataclass
class RawOutput:
    """One attempt at one segment, as an engine produced it.

    ``error`` says why the engine produced no usable text for this one segment (the
    generation ran past its token budget, the server refused this request): the segment
    is retried and then failed like an output that does not validate, while the rest of
    the batch goes on.
    """

    text: str
    seconds: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    error: str | None = None


@dataclass
class EngineStatus:
    name: str
    configured: bool
    reachable: bool
    detail: str
    is_default: bool = False


class Engine(ABC):
    name: ClassVar[str]
    prompt_version: ClassVar[str] = "none"

    @classmethod
    def from_config(cls, config: Config) -> Engine:
        """The engine set up from ``config.engine_settings(cls.name)`` (and ``config.home``).

        ``relais.engines.registry.create_engine`` calls this; every registered engine
        implements it.
        """
        raise NotImplementedError(f"engine {cls.__name__} cannot be created from the configuration")

    @property
    @abstractmethod
    def model(self) -> str:
        """Human-readable model name."""

    @property
    @abstractmethod
    def model_version(self) -> str:
        """A hash or version string identifying the exact weights or deployment."""

    @abstractmethod
    def _generate(self, batch: list[SegmentRequest], retry: bool = False) -> list[RawOutput]:
        """One raw attempt per request, in order. ``retry`` asks for a more careful attempt.

        Raise ``EngineUnavailable`` when the engine cannot be used at all.
        """

    @abstractmethod
    def status(self) -> EngineStatus:
        """Whether the engine is configured and reachable, without translating anything."""

    def warm_up(self) -> None:  # noqa: B027 - optional hook
        """Load models or open connections now rather than on the first segment."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release models, connections, processes."""

    def notice(self) -> str | None:
        """A one-line warning to show the user when this engine is used, if any."""
        return None

    def complete(self, prompts: list[str], max_tokens: int = 16) -> list[RawOutput]:
        """Raw completions of Relais's own fixed prompts (the meaning-risk judge), in order.

        Not for article translation: nothing is validated or retried.  Each prompt is one
        text; chat engines send it as one user message, completion engines continue it
        and stop at the first newline.  Greedy decoding.  Raises ``EngineUnavailable``
        like ``_generate``; an engine that cannot do this raises ``NotImplementedError``.
        """
        raise NotImplementedError(f"engine {self.name} has no raw completion")

    def translate(self, batch: list[SegmentRequest]) -> list[SegmentResult]:
        from relais.engines.validate import output_problem

        if not batch:
            return []
        raws = [_cleaned(raw) for raw in self._generate(batch)]
        if len(raws) != len(batch):
            raise EngineUnavailable(
                f"engine {self.name} returned {len(raws)} translations for {len(batch)} segments"
            )
        results: list[SegmentResult] = []
        retry_idx: list[int] = []
        for i, (req, raw) in enumerate(zip(batch, raws)):
            problem = raw.error or output_problem(req, raw.text)
            results.append(self._result(req, raw, problem, attempts=1))
            if problem:
                retry_idx.append(i)
        if retry_idx:
            retry_batch = [batch[i] for i in retry_idx]
            second = [_cleaned(raw) for raw in self._generate(retry_batch, retry=True)]
            if len(second) != len(retry_batch):
                raise EngineUnavailable(
                    f"engine {self.name} returned {len(second)} translations for {len(retry_batch)} segments"
                )
            for i, raw in zip(retry_idx, second):
                req = batch[i]
                first = results[i].provenance
                problem = raw.error or output_problem(req, raw.text)
                merged = RawOutput(
                    raw.text,
                    first.seconds + raw.seconds,
                    first.input_tokens + raw.input_tokens,
                    first.output_tokens + raw.output_tokens,
                )
                results[i] = self._result(req, merged, problem, attempts=2)
        return results

    def _result(self, req: SegmentRequest, raw: RawOutput, problem: str | None, attempts: int) -> SegmentResult:
        prov = Provenance(
            engine=self.name,
            model=self.model,
            model_version=self.model_version,
            prompt_version=self.prompt_version,
            seconds=raw.seconds,
            input_tokens=raw.input_tokens,
            output_tokens=raw.output_tokens,
            attempts=attempts,
        )
        if problem:
            return SegmentResult(req.key, None, prov, error=f"{problem} (output: {raw.text[:200]!r})")
        return SegmentResult(req.key, clean_output(raw.text), prov)


def _cleaned(raw: RawOutput) -> RawOutput:
    """The raw output under the store's text rule for machine text: what is validated is
    what would be stored."""
    return replace(raw, text=machine_text(raw.text), error=machine_text(raw.error) if raw.error else raw.error)


def clean_output(text: str) -> str:
    """Trim what engines add around a translation (surrounding whitespace)."""
    return text.strip()
