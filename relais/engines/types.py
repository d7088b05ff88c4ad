"""What goes into an engine and what comes out: requests, results, capabilities, errors.

The types of the engine contract, apart from the contract itself (``relais.engines.base``)
and from the prompts (``relais.engines.prompt``), so that the engine base, the prompts,
output validation and the callers (the job runner, the checks, the store) all import
them from here and none of those imports another to reach them.  Plain data only: this
module imports nothing from Relais but the error base class.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from relais.errors import RelaisError


class EngineUnavailable(RelaisError):
    """The engine cannot be reached or loaded; nothing was translated."""


class EngineConfigError(RelaisError):
    """The engine is not configured well enough to run."""


class EngineCapabilityError(EngineConfigError):
    """The engine cannot do what it was asked to (``Capabilities``): a setting or a
    request asks for something this kind of engine does not do, so retrying cannot help."""


@dataclass(frozen=True)
class Capabilities:
    """What an engine does besides translating plain text, as its class declares it.

    Callers ask these before they use a capability (``Engine.require``), so an engine
    that lacks one is a clear error, never a retry.  The defaults are those of the bare
    contract (``Engine``): an engine declares what it adds.
    """

    completion: bool = False  # ``Engine.complete``: raw completion of Relais's fixed prompts (the meaning-risk and MQM judges)
    placeholders: bool = False  # carries inline markup placeholders (<a1>…</a1>) into the translation
    glossary: bool = False  # uses ``SegmentRequest.glossary`` (approved term renderings)
    examples: bool = False  # uses ``SegmentRequest.examples`` (memory matches as few-shot pairs)
    context: bool = False  # uses ``SegmentRequest.context`` (headline, neighbouring sentences)


# What each capability lets a caller do, for the error that says it is missing.
CAPABILITY_USES = {
    "completion": "complete a raw prompt (needed by the meaning-risk judge, [checks] risk = \"judge\")",
    "placeholders": "carry inline markup (<a1>…</a1>) into a translation",
    "glossary": "use glossary hints",
    "examples": "use example translations",
    "context": "use the article's context",
}


def missing_capability(engine: str, capability: str) -> EngineCapabilityError:
    """The one-line error for engine ``engine`` lacking ``capability``."""
    return EngineCapabilityError(f"engine '{engine}' cannot {CAPABILITY_USES[capability]}")


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
