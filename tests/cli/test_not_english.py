"""``relais translate`` refuses an article that is not English, in any script and input
format, with the language named, and stores nothing; English that quotes other
languages goes through."""

from __future__ import annotations

import pytest

from tests.foreign_articles import ENGLISH, FOREIGN, FORMATS, SPLIT, SUFFIXES, as_file
from tests.helpers import assert_one_line_error, query, relais_env, run_relais

BY_CODE = {sample.code: sample for sample in FOREIGN + SPLIT}
# The trial's languages in every format; the others each in one, turn about.
CASES = [(code, fmt) for code in ("zh", "ja", "ar") for fmt in FORMATS] + [
    (code, FORMATS[n % len(FORMATS)]) for n, code in enumerate(c for c in BY_CODE if c not in ("zh", "ja", "ar"))
]


def _stored_articles(db_url: str) -> int:
    rows = query(db_url, "SELECT count(*) FROM articles")
    return 0 if rows is None else rows[0][0]


@pytest.mark.parametrize("code, fmt", CASES, ids=[f"{code}-{fmt}" for code, fmt in CASES])
def test_a_foreign_article_is_refused_with_its_language(relais_home, tmp_path, code, fmt):
    sample = BY_CODE[code]
    path = tmp_path / f"story{SUFFIXES[fmt]}"
    path.write_bytes(as_file(sample, fmt))
    proc = run_relais(relais_home, "translate", str(path), "--to", "fr", "-o", str(tmp_path / "out.md"))
    assert_one_line_error(proc, f"looks like {sample.name} ({sample.code})", "translates from English")
    assert not (tmp_path / "out.md").exists()
    assert _stored_articles(relais_home.db_url) == 0


def test_a_foreign_article_on_standard_input(relais_home):
    proc = run_relais(relais_home, "translate", "-", "--to", "fr", input=as_file(BY_CODE["zh"], "text"))
    assert_one_line_error(proc, "Chinese (zh)")
    assert _stored_articles(relais_home.db_url) == 0


def test_english_quoting_chinese_and_arabic_is_translated(relais_home, tmp_path, tiny_gguf):
    """One run over the three English samples, one per input format (every format of
    each is ingested in tests/document/test_language.py)."""
    env = relais_env(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf), RELAIS_RISK_METHOD="rules")
    folder = tmp_path / "articles"
    folder.mkdir()
    for n, (sample, fmt) in enumerate(zip(ENGLISH, FORMATS, strict=True)):
        (folder / f"story-{n}{SUFFIXES[fmt]}").write_bytes(as_file(sample, fmt))
    proc = run_relais(relais_home, "translate", str(folder), "--to", "fr", "--wait", "-o", str(tmp_path / "out"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "skipped" not in proc.stderr
    assert _stored_articles(relais_home.db_url) == len(ENGLISH)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"story-{n}.fr.md" for n in range(len(ENGLISH))]
