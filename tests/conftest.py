"""Fixtures shared by all test packages."""

from __future__ import annotations

# ---------------------------------------------------------------------------------------
# Engines: a tiny real model and a real llama.cpp server (owner: engines)
# ---------------------------------------------------------------------------------------
from pathlib import Path

import pytest

from tests.gguf_factory import write_tiny_gguf
from tests.llama_server import running_llama_server


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight llama GGUF (about 0.5 MB) that llama.cpp loads and generates from."""
    return write_tiny_gguf(tmp_path_factory.mktemp("models") / "tiny-random.gguf")


@pytest.fixture(scope="session")
def llama_server(tiny_gguf: Path, tmp_path_factory: pytest.TempPathFactory):
    """Base URL (``http://127.0.0.1:PORT/v1``) of a real llama.cpp server serving ``tiny_gguf``."""
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with running_llama_server(tiny_gguf, log) as base_url:
        yield base_url
