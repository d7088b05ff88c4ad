"""Making engines from the configuration, and listing their status."""

from __future__ import annotations

from pathlib import Path

import pytest

from relais.config import load_config
from relais.engines import registry
from relais.engines.base import Engine
from relais.engines.llama import LlamaEngine
from relais.engines.openai import OpenAIEngine
from relais.engines.registry import ENGINES, create_engine, engine_statuses
from relais.engines.types import EngineConfigError, EngineStatus, RawOutput
from relais.errors import RelaisError


def test_known_engines() -> None:
    assert ENGINES == {"llama": LlamaEngine, "openai": OpenAIEngine}


def test_default_engine_is_llama_with_the_shipped_model(tmp_path: Path) -> None:
    config = load_config(tmp_path, environ={})
    engine = create_engine(config.engine, config)
    assert isinstance(engine, LlamaEngine) and engine.uses_shipped_model
    assert engine.data_dir == tmp_path


def test_unknown_engine_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(RelaisError, match=r"unknown engine 'deepl' \(known engines: llama, openai\)"):
        create_engine("deepl", load_config(tmp_path, environ={}))


def test_misspelt_setting_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[engines.llama]\nthread = 4\n")
    with pytest.raises(EngineConfigError, match="unknown setting thread.*threads"):
        create_engine("llama", load_config(tmp_path, environ={}))
    (tmp_path / "config.toml").write_text('[engines.openai]\nbase_url = "http://127.0.0.1:1/v1"\nconcurrency = "many"\n')
    with pytest.raises(EngineConfigError, match="engines.openai.concurrency"):
        create_engine("openai", load_config(tmp_path, environ={}))


def test_statuses_cover_every_engine_and_mark_the_default(tmp_path: Path, tiny_gguf: Path) -> None:
    config = load_config(tmp_path, environ={"RELAIS_LLAMA_MODEL": str(tiny_gguf), "RELAIS_ENGINE": "openai"})
    statuses = {s.name: s for s in engine_statuses(config)}
    assert set(statuses) == {"llama", "openai"}
    assert statuses["llama"].configured and statuses["llama"].reachable and not statuses["llama"].is_default
    openai = statuses["openai"]
    assert openai.is_default and not openai.configured and "RELAIS_OPENAI_BASE_URL" in openai.detail


def test_an_engine_is_one_class_and_one_registry_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class EchoUpper(Engine):
        """Stands in for a future classic-MT engine."""

        name = "upper"

        def __init__(self, settings: dict):
            self.settings = settings

        @classmethod
        def from_config(cls, config):
            return cls(config.engine_settings(cls.name))

        model = "upper"
        model_version = "1"

        def _generate(self, batch, retry=False):
            return [RawOutput(req.text.upper()) for req in batch]

        def status(self):
            return EngineStatus(self.name, True, True, "always there")

    monkeypatch.setitem(registry.ENGINES, "upper", EchoUpper)
    (tmp_path / "config.toml").write_text("[engines.upper]\nshout = true\n")
    config = load_config(tmp_path, environ={})
    engine = create_engine("upper", config)
    assert isinstance(engine, EchoUpper) and engine.settings == {"shout": True}
    assert "upper" in {s.name for s in engine_statuses(config)}
