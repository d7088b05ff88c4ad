"""Which engines exist, and how one is made from the configuration.

Adding an engine is one class (with ``name``, ``from_config`` and the ``Engine``
methods) and one line in ``ENGINES``.
"""

from __future__ import annotations

from relais.config import Config
from relais.engines.base import Engine
from relais.engines.llama import LlamaEngine
from relais.engines.openai import OpenAIEngine
from relais.engines.types import EngineConfigError, EngineStatus
from relais.errors import RelaisError

ENGINES: dict[str, type[Engine]] = {
    "llama": LlamaEngine,
    "openai": OpenAIEngine,
}


def create_engine(name: str, config: Config) -> Engine:
    """The engine called ``name``, configured from ``config``.

    Raises ``RelaisError`` for an unknown name and ``EngineConfigError`` when the
    engine's settings are missing or wrong.  Nothing is loaded or contacted yet.
    """
    try:
        engine_class = ENGINES[name]
    except KeyError:
        raise RelaisError(f"unknown engine {name!r} (known engines: {', '.join(sorted(ENGINES))})") from None
    return engine_class.from_config(config)


def engine_statuses(config: Config) -> list[EngineStatus]:
    """Every known engine: configured? reachable? (a quick check, no translation)."""
    statuses = []
    for name in ENGINES:
        try:
            engine = create_engine(name, config)
        except EngineConfigError as exc:
            status = EngineStatus(name, configured=False, reachable=False, detail=str(exc))
        else:
            try:
                status = engine.status()
            finally:
                engine.close()
        status.is_default = name == config.engine
        statuses.append(status)
    return statuses
