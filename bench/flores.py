"""Reading the FLORES-200 dev files the benchmarks compare against (path given by the
user; the data is never copied into the repository)."""

from __future__ import annotations

from pathlib import Path

DEFAULT = Path("../shared/eval/flores-dev")


def read_lines(path: Path, n: int, offset: int = 0) -> list[str]:
    """Lines ``offset`` to ``offset + n`` of a FLORES file, without their newlines, and
    without the CSV quoting some reference lines carry (``unquote_csv``)."""
    with path.open(encoding="utf-8") as fh:
        lines = [unquote_csv(line.rstrip("\n")) for _, line in zip(range(offset + n), fh)]
    return lines[offset:]


def unquote_csv(line: str) -> str:
    """A line exported as a quoted CSV field (the whole line between straight quotes, its
    own quotes doubled, as some German reference lines are) as the translator wrote it;
    any other line as it is."""
    if len(line) >= 2 and line[0] == line[-1] == '"' and '""' in line:
        inner = line[1:-1]
        if '"' not in inner.replace('""', ""):
            return inner.replace('""', '"')
    return line
