"""What ``Engine.translate`` guarantees whatever a model answers, checked against the raw
attempts the engine really made.

``RawAttempts`` wraps an engine's ``_generate`` (the real generation still runs) and
keeps every call: the requests, whether it was the retry, and the raw outputs.
``assert_translate_guarantees`` then checks the contract of ``Engine.translate``
(relais/engines/base.py) on what the model happened to say:

- one result per request, in request order, each with its own key;
- the first answer of every request is validated (``output_problem``) after the store's
  rule for machine text (``machine_text``: control characters removed); a rejected one
  is asked again exactly once, with ``retry=True``, and a good one never;
- a result is either ok, its text the accepted answer trimmed and passing validation,
  or failed, with no text and the reason and the model's output in its error;
- the provenance counts the attempts and adds up both attempts' tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from relais.document.text import machine_text
from relais.engines.base import Engine
from relais.engines.types import RawOutput, SegmentRequest, SegmentResult
from relais.engines.validate import output_problem


@dataclass
class Call:
    requests: list[SegmentRequest]
    retry: bool
    raws: list[RawOutput]

    @property
    def keys(self) -> list[str]:
        return [req.key for req in self.requests]


class RawAttempts:
    """Every ``_generate`` call an engine makes while installed (a context manager)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.calls: list[Call] = []

    def __enter__(self) -> RawAttempts:
        generate = self.engine._generate

        def recorded(batch: list[SegmentRequest], retry: bool = False) -> list[RawOutput]:
            raws = generate(batch, retry)
            self.calls.append(Call(list(batch), retry, list(raws)))
            return raws

        self.engine._generate = recorded  # an instance attribute over the class's method
        return self

    def __exit__(self, *exc) -> None:
        del self.engine._generate

    def per_key(self) -> dict[str, list[RawOutput]]:
        """key → the raw answers to that request, in the order they were made."""
        out: dict[str, list[RawOutput]] = {}
        for call in self.calls:
            for key, raw in zip(call.keys, call.raws):
                out.setdefault(key, []).append(raw)
        return out


def problem_of(req: SegmentRequest, raw: RawOutput) -> str | None:
    """Why the engine must reject ``raw``: its own error, or validation's verdict on the
    text as it would be stored (control characters removed)."""
    return raw.error or output_problem(req, machine_text(raw.text))


def assert_translate_guarantees(
    batch: list[SegmentRequest], results: list[SegmentResult], attempts: RawAttempts
) -> None:
    """``results`` of ``translate(batch)`` keep the contract above, given the raw attempts."""
    assert [r.key for r in results] == [req.key for req in batch]
    assert attempts.calls and attempts.calls[0].keys == [req.key for req in batch] and not attempts.calls[0].retry
    rejected = [req.key for req, raw in zip(batch, attempts.calls[0].raws) if problem_of(req, raw)]
    if rejected:
        assert len(attempts.calls) == 2, "a rejected answer is asked again exactly once"
        assert attempts.calls[1].retry and attempts.calls[1].keys == rejected
    else:
        assert len(attempts.calls) == 1, "no retry when every first answer passed"
    raws = attempts.per_key()
    for req, result in zip(batch, results):
        tried = raws[req.key]
        prov = result.provenance
        assert prov.attempts == len(tried) == (2 if req.key in rejected else 1)
        assert prov.input_tokens == sum(r.input_tokens for r in tried)
        assert prov.output_tokens == sum(r.output_tokens for r in tried)
        last = tried[-1]
        problem = problem_of(req, last)
        if problem is None:
            assert result.ok and result.error is None
            assert result.text == machine_text(last.text).strip()
            assert output_problem(req, result.text) is None
        else:
            assert not result.ok and result.text is None
            assert result.error.startswith(problem) and "(output: " in result.error
