"""Story versions through the command line: the page's canonical URL makes an update a
new version of its story, ``--update STORY`` names the story of a file without one, and
``relais show ID --format json`` gives ``article.story`` and ``article.version``."""

from __future__ import annotations

import json

import pytest

from tests.helpers import assert_one_line_error, relais_env, run_relais

PAGE = """<!doctype html><html><head><title>Harbour floods</title>
<link rel="canonical" href="{url}">
<meta property="article:modified_time" content="{modified}">
</head><body><article><h1>Harbour floods after the storm</h1>
<p>The harbour in Sennet flooded on Monday after two days of rain, the council said.</p>
<p>{second}</p></article></body></html>"""
URL = "https://www.sennetcourier.example/news/2026/03/harbour-floods"


@pytest.fixture
def env(relais_home, tiny_gguf):
    return relais_env(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf))


def _page(tmp_path, name, *, url=URL, modified="2026-03-02T08:00:00+00:00", second="Forty boats were damaged."):
    path = tmp_path / name
    path.write_text(PAGE.format(url=url, modified=modified, second=second), encoding="utf-8")
    return str(path)


def _article(relais_home, env, job: int) -> dict:
    proc = run_relais(relais_home, "show", str(job), "--format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["article"]


def test_an_update_is_the_next_version_of_its_story(relais_home, tmp_path, env):
    first = run_relais(relais_home, "translate", _page(tmp_path, "v1.html"), "--to", "fr", env=env)
    assert first.returncode == 0, first.stderr
    assert "story 1 version 1" in first.stderr
    update = _page(tmp_path, "v2.html", url=URL + "?utm_source=rss", modified="2026-03-02T09:15:00+01:00",
                   second="Forty-two boats were damaged, the harbour master said.")  # fmt: skip
    second = run_relais(relais_home, "translate", update, "--to", "fr", env=env)
    assert second.returncode == 0, second.stderr
    assert "story 1 version 2" in second.stderr
    assert {k: _article(relais_home, env, 1)[k] for k in ("story", "version")} == {"story": 1, "version": 1}
    assert {k: _article(relais_home, env, 2)[k] for k in ("story", "version")} == {"story": 1, "version": 2}

    # An older copy of the page is refused and stores nothing.
    old = _page(tmp_path, "old.html", modified="2026-03-02T07:00:00+00:00", second="An early draft.")
    assert_one_line_error(run_relais(relais_home, "translate", old, "--to", "fr", env=env), "older than its version 2")
    assert run_relais(relais_home, "show", "3", env=env).returncode != 0

    # A file without a URL names its story explicitly.
    text = tmp_path / "v3.txt"
    text.write_text("Harbour floods after the storm\n\nThe harbour reopened on Wednesday.\n", encoding="utf-8")
    third = run_relais(relais_home, "translate", str(text), "--to", "fr", "--update", "1", env=env)
    assert third.returncode == 0, third.stderr
    assert "story 1 version 3" in third.stderr
    assert_one_line_error(
        run_relais(relais_home, "translate", str(text), "--to", "fr", "--update", "7", env=env), "no story with id 7"
    )

    # Withdrawing needs a signed-in editor, and a story that exists.
    assert_one_line_error(run_relais(relais_home, "withdraw", "1", "--reason", "legal", env=env), "signed in")
    assert_one_line_error(run_relais(relais_home, "withdraw", "9", "--reason", "legal", env=env), "no story with id 9")
