"""`relais translate DIR` reads every format ingest reads (issue 13: the command line
used to list its own suffixes and skipped `.xhtml` and `.text`)."""

from __future__ import annotations

import pytest

from relais.cli import article_files
from relais.document import ingest
from tests.helpers import relais_env, run_relais

# One short English article per format, each of its own (so each is its own article).
ARTICLES = {
    "html": "<html><head><title>Bridge</title></head><body><article><h1>The old bridge reopens after repairs</h1>"
            "<p>The council said on Monday that the old stone bridge over the river will reopen to walkers next week, "
            "after eight months of repairs to its arches.</p></article></body></html>",
    "markdown": "# Library hours grow in the winter\n\nThe town library will stay open until nine in the evening from "
                "December, the head librarian said, because more students come to read after school.\n",
    "text": "Market moves to the square\n\nThe Saturday market will move to the main square in the spring, "
            "traders were told at a meeting on Thursday evening, so that more stalls can fit along the road.\n",
}  # fmt: skip


@pytest.mark.parametrize("suffix", sorted(ingest.SUFFIXES))
def test_every_suffix_ingest_reads_is_an_article_file(tmp_path, suffix):
    (tmp_path / f"story{suffix}").write_text("x", encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "sub").mkdir()
    assert [p.name for p in article_files(tmp_path)] == [f"story{suffix}"]


def test_translate_directory_reads_xhtml_and_text(relais_home, tmp_path, tiny_gguf):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bridge.xhtml").write_text(ARTICLES["html"], encoding="utf-8")
    (folder / "market.text").write_text(ARTICLES["text"], encoding="utf-8")
    (folder / "library.md").write_text(ARTICLES["markdown"], encoding="utf-8")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")  # not an article: not read, not reported
    env = relais_env(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf))
    proc = run_relais(relais_home, "translate", str(folder), "--to", "fr", "--wait", "-o", str(tmp_path / "out"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "3 article(s) × 1 language(s): 3 job(s)" in proc.stderr
    assert "photo" not in proc.stdout + proc.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["bridge.fr.md", "library.fr.md", "market.fr.md"]
