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

Each engine class declares its ``capabilities`` (``relais.engines.types.Capabilities``:
raw completion for the judge, inline markup, glossary, examples, context); callers ask
``Engine.require`` before using one, so a missing capability is a one-line
``EngineCapabilityError`` rather than a failure found later.  The request and result
types live in ``relais.engines.types``, which the prompts and the validation import too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace
from typing import ClassVar

from relais.config import Config

from relais.document.inline import placeholders
from relais.document.text import machine_text
from relais.engines.types import (
    Capabilities,
    EngineStatus,
    EngineUnavailable,
    Provenance,
    RawOutput,
    SegmentRequest,
    SegmentResult,
    missing_capability,
)
from relais.engines.validate import output_problem


class Engine(ABC):
    name: ClassVar[str]
    prompt_version: ClassVar[str] = "none"
    # What this kind of engine does besides translating plain text; each engine class
    # declares its own.  Callers ask ``require`` (or read it) before they use one.
    capabilities: ClassVar[Capabilities] = Capabilities()

    @classmethod
    def require(cls, capability: str) -> None:
        """Raise ``EngineCapabilityError`` (one line: which engine, what it cannot do)
        unless this engine declares ``capability`` (a field of ``Capabilities``)."""
        if not getattr(cls.capabilities, capability):
            raise missing_capability(cls.name, capability)

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

    def complete(self, prompts: list[str], max_tokens: int = 16, *, multiline: bool = False) -> list[RawOutput]:
        """Raw completions of Relais's own fixed prompts (the meaning-risk and MQM judges), in order.

        Not for article translation: nothing is validated or retried.  Each prompt is one
        text; chat engines send it as one user message, completion engines continue it
        and stop at the first newline (``multiline``: at the first blank line, for an
        answer of several lines such as the MQM judge's error list).  Greedy decoding.
        Raises ``EngineUnavailable`` like ``_generate``.  Only engines that declare
        ``capabilities.completion`` do this (in ``_complete``); the others raise
        ``EngineCapabilityError`` before anything is loaded or sent.
        """
        self.require("completion")
        return self._complete(prompts, max_tokens, multiline)

    def _complete(self, prompts: list[str], max_tokens: int, multiline: bool = False) -> list[RawOutput]:
        """``complete`` for an engine that declares completion."""
        raise NotImplementedError(f"engine {self.name} declares completion but does not implement it")

    def translate(self, batch: list[SegmentRequest]) -> list[SegmentResult]:
        """One result per request, in order (see the module docstring).

        An engine without ``capabilities.placeholders`` is not sent a segment with inline
        markup: that segment fails at once, with the reason, and the rest go on."""
        if not batch:
            return []
        if not self.capabilities.placeholders and any(placeholders(req.text) for req in batch):
            return self._without_markup(batch)
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

    def _without_markup(self, batch: list[SegmentRequest]) -> list[SegmentResult]:
        """``translate`` for an engine that cannot carry markup: the plain segments are
        translated, each one with markup fails with ``EngineCapabilityError``'s words."""
        plain = [req for req in batch if not placeholders(req.text)]
        done = {r.key: r for r in self.translate(plain)}
        reason = str(missing_capability(self.name, "placeholders"))
        prov = Provenance(self.name, self.model, self.model_version, self.prompt_version, attempts=0)
        return [done.get(req.key) or SegmentResult(req.key, None, prov, error=reason) for req in batch]

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
