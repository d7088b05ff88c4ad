"""Every XML export of a store, through the real ``relais`` command: what the text-rule
tests check after putting text in (tests/store/test_text_rules.py, tests/review/test_text_entry.py)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from tests.helpers import RelaisHome, run_relais


def export_everything(home: RelaisHome, job_ids: list[int], out: Path) -> dict[str, etree._Element]:
    """``relais xliff export`` (1.2 and 2.0) of each job, ``relais tm export`` and ``relais
    terms export``: each must exit 0 and write well-formed XML; name → parsed root."""
    out.mkdir(parents=True, exist_ok=True)
    commands = {f"xliff {v} {j}": ("xliff", "export", str(j), "--xliff-version", v) for j in job_ids for v in ("1.2", "2.0")}
    commands["tmx"] = ("tm", "export")
    commands["tbx"] = ("terms", "export")
    roots = {}
    for n, (name, args) in enumerate(commands.items()):
        path = out / f"export-{n}.xml"
        proc = run_relais(home, *args, "-o", str(path))
        assert proc.returncode == 0, f"relais {' '.join(args)}: {proc.stderr}"
        roots[name] = etree.fromstring(path.read_bytes())
    return roots


def all_text(root: etree._Element) -> str:
    return "".join(root.itertext())
