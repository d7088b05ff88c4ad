"""Assembling the shipped model from its package parts: checked, atomic, done once."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from relais.engines import model_files
from relais.engines.model_files import DigestCache, ModelFileError, ShippedModel, ShippedParts, shipped_parts


def make_parts(tmp_path: Path, chunks: list[bytes], sha256: str | None = None) -> ShippedParts:
    paths = []
    for i, data in enumerate(chunks):
        path = tmp_path / "site-packages" / f"part{i}" / f"model.gguf.part{i:02d}"
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
        paths.append(path)
    digest = sha256 or hashlib.sha256(b"".join(chunks)).hexdigest()
    return ShippedParts("model.gguf", digest, tuple(paths))


CHUNKS = [b"GGUF\x03\x00\x00\x00" + os.urandom(3000), os.urandom(5000), os.urandom(17)]


def test_parts_are_joined_in_order_and_checked(tmp_path: Path) -> None:
    shipped = ShippedModel(tmp_path / "home" / "models", make_parts(tmp_path, CHUNKS))
    path = shipped.ensure()
    assert path == tmp_path / "home" / "models" / "model.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    assert shipped.is_assembled()
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_second_use_does_not_rebuild_or_rehash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = ShippedModel(tmp_path / "models", make_parts(tmp_path, CHUNKS))
    first = shipped.ensure()
    inode, mtime = first.stat().st_ino, first.stat().st_mtime_ns

    def no_hashing(path: Path) -> str:
        raise AssertionError("the checksum should come from the cache")

    monkeypatch.setattr(model_files, "sha256_file", no_hashing)
    again = ShippedModel(tmp_path / "models", shipped.parts)
    assert again.ensure() == first
    assert (first.stat().st_ino, first.stat().st_mtime_ns) == (inode, mtime)


def test_a_damaged_model_file_is_rebuilt(tmp_path: Path) -> None:
    shipped = ShippedModel(tmp_path / "models", make_parts(tmp_path, CHUNKS))
    path = shipped.ensure()
    with path.open("r+b") as fh:  # truncated by a full disk, say
        fh.truncate(100)
    assert not shipped.is_assembled()
    assert shipped.ensure().read_bytes() == b"".join(CHUNKS)


def test_parts_that_do_not_match_the_checksum_leave_nothing_behind(tmp_path: Path) -> None:
    parts = make_parts(tmp_path, CHUNKS, sha256="0" * 64)
    shipped = ShippedModel(tmp_path / "models", parts)
    with pytest.raises(ModelFileError, match="reinstall"):
        shipped.ensure()
    assert list((tmp_path / "models").iterdir()) == []


def test_an_interrupted_assembly_leaves_no_file_that_looks_usable(tmp_path: Path) -> None:
    parts = make_parts(tmp_path, CHUNKS)
    missing = ShippedParts(parts.file_name, parts.sha256, parts.chunks[:1] + (tmp_path / "gone.part01",))
    shipped = ShippedModel(tmp_path / "models", missing)
    assert not shipped.installed
    with pytest.raises(ModelFileError):
        shipped.ensure()
    assert not shipped.path.exists()

    # A crash mid-write left a temp file: it is not the model, and a stale one is cleared.
    stale = tmp_path / "models" / ".model.gguf.abc123.tmp"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(CHUNKS[0])
    os.utime(stale, (1, 1))
    good = ShippedModel(tmp_path / "models", parts)
    assert not good.is_assembled()
    good.ensure()
    assert not stale.exists()
    assert good.path.read_bytes() == b"".join(CHUNKS)


def test_digest_cache_follows_file_changes_and_falls_back_when_read_only(tmp_path: Path) -> None:
    model = tmp_path / "ro" / "m.gguf"
    model.parent.mkdir()
    model.write_bytes(b"one")
    cache = DigestCache(tmp_path / "fallback")
    assert cache.sha256(model) == hashlib.sha256(b"one").hexdigest()
    model.write_bytes(b"two!")  # replaced: size and mtime change
    assert cache.sha256(model) == hashlib.sha256(b"two!").hexdigest()

    # The entry next to the model cannot be written (a read-only model directory; as root
    # a directory in its place is what reliably refuses the write): the fallback is used.
    entry = model.parent / "m.gguf.sha256"
    entry.unlink()
    entry.mkdir()
    assert cache.sha256(model) == hashlib.sha256(b"two!").hexdigest()
    assert len(list((tmp_path / "fallback").glob("*.sha256"))) == 1
    assert list(model.parent.glob(".*.tmp")) == []


@pytest.mark.shipped  # reads the whole shipped model; nothing about the store
def test_the_installed_package_provides_the_published_file(tmp_path: Path) -> None:
    parts = shipped_parts()
    assert parts is not None and len(parts.chunks) == 4
    shipped = ShippedModel(tmp_path / "models", parts)
    path = shipped.ensure()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == parts.sha256
    assert path.read_bytes()[:4] == b"GGUF"
    mtime = path.stat().st_mtime_ns
    assert shipped.ensure() == path and path.stat().st_mtime_ns == mtime  # idempotent
