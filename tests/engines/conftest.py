"""Fixtures for the engine tests only (shared ones live in tests/conftest.py)."""

from __future__ import annotations

import pytest

from relais.engines.llama import LlamaEngine, LlamaSettings


@pytest.fixture(scope="session")
def shipped_engine(tmp_path_factory: pytest.TempPathFactory):
    """The default engine as a fresh install has it: no model configured, an empty data dir."""
    engine = LlamaEngine(LlamaSettings(), tmp_path_factory.mktemp("relais-home"))
    yield engine
    engine.close()
