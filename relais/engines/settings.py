"""Engine settings: ``[engines.NAME]`` in config.toml, read into a typed dataclass.

A misspelt key is an error naming the keys that exist, not a setting silently ignored.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from relais.engines.types import EngineConfigError

T = TypeVar("T")


def settings_from(kind: type[T], engine: str, raw: Mapping[str, Any]) -> T:
    """Build the settings dataclass ``kind`` from ``raw``, converting numbers given as strings."""
    fields = {f.name: f for f in dataclasses.fields(kind)}  # type: ignore[arg-type]
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise EngineConfigError(
            f"engines.{engine}: unknown setting {', '.join(unknown)} (known: {', '.join(fields)})"
        )
    hints = typing.get_type_hints(kind)
    values = {}
    for key, value in raw.items():
        try:
            values[key] = _convert(value, hints[key])
        except (TypeError, ValueError):
            raise EngineConfigError(f"engines.{engine}.{key}: {value!r} is not a valid value") from None
    return kind(**values)


def _convert(value: Any, hint: Any) -> Any:
    """``int | None`` and friends: pick the concrete type, keep None, convert strings."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union else (hint,)
    if value is None:
        if type(None) in options:
            return None
        raise ValueError("required")
    concrete = [t for t in options if t is not type(None)]
    target = concrete[0]
    if target is bool:
        if isinstance(value, str):
            if value.lower() in {"1", "true", "yes", "on"}:
                return True
            if value.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(value)
        return bool(value)
    if target in (int, float):
        if isinstance(value, bool):
            raise TypeError(value)
        converted = target(value)
        if target is int and isinstance(value, float) and value != converted:
            raise ValueError(value)
        return converted
    if target is str:
        return str(value)
    return value
