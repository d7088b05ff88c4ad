"""The main job end to end through the real command line, with a tiny real GGUF model.

The tiny model's words are random; these tests are about everything around them:
structure, links, furniture, the unreviewed notice, marker, formats, several targets, the store.
"""

from __future__ import annotations

import json
import re

import pytest

from relais.document.furniture import find_furniture
from relais.locales import get_locale
from tests.helpers import EXAMPLES, relais_env, run_relais

FR_NOTICE = "Traduction automatique non relue\u00a0: aucun traducteur n’a encore vérifié ni corrigé ce texte. Ne pas publier."


@pytest.fixture
def env(relais_home, tiny_gguf):
    return relais_env(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf))


def test_web_page_to_french_markdown(relais_home, tmp_path, env):
    out = tmp_path / "out" / "story.fr.md"
    proc = run_relais(relais_home, "translate", str(EXAMPLES / "story.html"), "--to", "fr", "-o", str(out), env=env)
    assert proc.returncode == 0, proc.stderr
    md = out.read_text()
    lines = [line for line in md.splitlines() if line.strip()]
    assert lines[0].startswith("<!-- UNREVIEWED MACHINE DRAFT")
    assert lines[1].startswith("# ")  # the headline comes first
    assert sum(line.startswith("# ") for line in lines) == 1
    assert len([line for line in lines if line.startswith("## ")]) == 2  # both subheadings, as subheadings
    key_points = [line for line in lines[2:8] if line.startswith("- ")]
    assert len(key_points) == 4
    for url in (
        "https://www.sennetcourier.example/news/2026/03/embankment-survey",
        "https://www.sennetcourier.example/news/2025/11/flood-damage-estimate",
        "https://www.sennetvalley-council.example/flood-programme",
    ):
        assert f"]({url})" in md
    assert find_furniture(md) is None
    assert "Copy link" not in md and "Ana Ferreira" not in md
    # an unreviewed draft says so in French, last, and never carries the disclosure
    assert lines[-1] == FR_NOTICE == get_locale("fr").unreviewed
    assert get_locale("fr").disclosure_from("en") not in md


def test_several_targets_into_a_directory(relais_home, tmp_path, env):
    out = tmp_path / "out"
    proc = run_relais(relais_home, "translate", str(EXAMPLES / "story.md"), "--to", "fr,de,es", "-o", f"{out}/", env=env)
    assert proc.returncode == 0, proc.stderr
    for code in ("fr", "de", "es"):
        text = (out / f"story.{code}.md").read_text()
        assert text.rstrip().endswith(get_locale(code).unreviewed)
        assert get_locale(code).disclosure_from("en") not in text
    listed = run_relais(relais_home, "list", env=env)
    assert len(re.findall(r"^│ \d+ ", listed.stdout, flags=re.M)) == 3


def test_stdin_and_formats(relais_home, env):
    text = (EXAMPLES / "story.txt").read_bytes()
    md = run_relais(relais_home, "translate", "-", "--to", "fr", "--format", "md", input=text, env=env)
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("<!-- UNREVIEWED MACHINE DRAFT")

    data = json.loads(run_relais(relais_home, "show", "1", "--format", "json", env=env).stdout)
    assert data["status"] == "unreviewed_machine_draft" and data["reviewed"] is False
    assert data["blocks"][0]["kind"] == "headline"
    seg = data["blocks"][0]["segments"][0]
    assert seg["provenance"]["engine"] == "llama" and len(seg["provenance"]["model_version"]) >= 12
    assert data["blocks"][0]["source"][seg["source_start"] : seg["source_end"]] == seg["source"]

    html = run_relais(relais_home, "show", "1", "--format", "html", env=env).stdout
    assert '<meta name="relais-status" content="unreviewed-machine-draft">' in html
    assert '<html lang="fr">' in html and "<h1>" in html

    # The same article again is not stored twice, and its draft is reused.
    again = run_relais(relais_home, "translate", "-", "--to", "fr", input=text, env=env)
    assert "already stored" in again.stderr and again.stdout == md.stdout


def test_engines_lists_both_and_the_default(relais_home, env):
    proc = run_relais(relais_home, "engines", env=env)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("│")]
    assert any("llama" in r and "yes" in r for r in rows)
    assert any("openai" in r and "no" in r for r in rows)


def test_version_and_quiet(relais_home, env):
    assert run_relais(relais_home, "--version", env=env).stdout.startswith("relais 0.")
    proc = run_relais(relais_home, "--quiet", "translate", str(EXAMPLES / "story.txt"), "--to", "fr", env=env)
    assert proc.returncode == 0 and proc.stderr == ""
