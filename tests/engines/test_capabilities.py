"""Each engine class declares what it does besides translating plain text
(``relais.engines.types.Capabilities``), and a capability it lacks is a one-line
``EngineCapabilityError`` before anything is sent to the model (real llama.cpp engine
on the tiny random-weight GGUF, declared without a capability as a classic MT engine
would be)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from relais.engines.base import Engine
from relais.engines.llama import LlamaEngine, LlamaSettings
from relais.engines.registry import ENGINES
from relais.engines.types import EngineCapabilityError, SegmentRequest
from tests.engines.attempts import RawAttempts


class LlamaWithoutMarkup(LlamaEngine):
    capabilities = replace(LlamaEngine.capabilities, placeholders=False)


class LlamaWithoutCompletion(LlamaEngine):
    capabilities = replace(LlamaEngine.capabilities, completion=False)


class ClassicMT(Engine):
    """An engine that declares nothing: the bare contract, plain text in and out."""

    name = "classic-mt"


@pytest.mark.parametrize("engine_class", list(ENGINES.values()), ids=list(ENGINES))
def test_an_engine_declares_completion_exactly_when_it_implements_it(engine_class: type[Engine]) -> None:
    assert engine_class.capabilities.completion == (engine_class._complete is not Engine._complete)
    assert engine_class.complete is Engine.complete  # the one entry point, which asks the capability


@pytest.mark.parametrize(
    "engine_class, capability, allowed",
    [
        (LlamaEngine, "completion", True),
        (LlamaEngine, "context", False),  # the completion prompt leaves the article context out
        (LlamaWithoutCompletion, "completion", False),
        (ClassicMT, "glossary", False),  # the bare contract adds nothing
        (ClassicMT, "placeholders", False),
    ],
)
def test_require_says_in_one_line_which_engine_cannot_do_what(engine_class, capability, allowed) -> None:
    if allowed:
        engine_class.require(capability)
        return
    with pytest.raises(EngineCapabilityError) as caught:
        engine_class.require(capability)
    message = str(caught.value)
    assert message.startswith(f"engine '{engine_class.name}' cannot ") and "\n" not in message


def test_an_engine_without_completion_refuses_a_raw_prompt(tiny_gguf: Path, tmp_path: Path) -> None:
    engine = LlamaWithoutCompletion(LlamaSettings(model_path=str(tiny_gguf), threads=1), tmp_path)
    try:
        with pytest.raises(EngineCapabilityError, match="engine 'llama' cannot complete a raw prompt"):
            engine.complete(["Score (0-100):"])
        assert engine._llama is None  # nothing was loaded for it
    finally:
        engine.close()


def test_an_engine_without_markup_fails_only_the_segments_with_markup_and_never_sends_them(
    tiny_gguf: Path, tmp_path: Path
) -> None:
    engine = LlamaWithoutMarkup(LlamaSettings(model_path=str(tiny_gguf), threads=1, max_tokens=16), tmp_path)
    batch = [
        SegmentRequest("plain", "The minister resigned.", "en", "fr"),
        SegmentRequest("markup", "Read <a1>the report</a1>.", "en", "fr"),
    ]
    try:
        with RawAttempts(engine) as attempts:
            results = engine.translate(batch)
    finally:
        engine.close()
    assert [r.key for r in results] == ["plain", "markup"]
    assert all(call.keys == ["plain"] for call in attempts.calls)  # the markup segment never reached the model
    markup = results[1]
    assert markup.text is None and markup.provenance.attempts == 0
    assert markup.error == "engine 'llama' cannot carry inline markup (<a1>…</a1>) into a translation"
