"""Checking two documents: alignment, findings placed in the target file's own text,
JSON shape, exit status."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from relais.checks.align import align_articles, align_sentences
from relais.checks.audit import check_documents
from relais.checks.base import Finding, SegmentPair, Severity
from relais.checks.locate import Locator, tagged_to_plain
from relais.document.ingest import ingest_bytes
from relais.document.model import BlockKind
from tests.helpers import assert_one_line_error, relais_env, run_relais

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = (FIXTURES / "harbour.en.md").read_bytes()
TARGET = (FIXTURES / "harbour.fr.md").read_bytes()


def test_blocks_and_sentences_align():
    src = ingest_bytes(SOURCE, name="harbour.en.md")
    tgt = ingest_bytes(TARGET, name="harbour.fr.md", language="fr", strip_ui_text=False)
    aligned = align_articles(src, tgt, "fr")
    assert aligned.findings == []
    assert [p.kind for p in aligned.pairs].count(BlockKind.SUBHEADING) == 2
    last = aligned.pairs[-1]
    assert last.source == "Most of them are family businesses."
    assert last.target == "La plupart sont des entreprises familiales."


def test_a_dropped_block_is_a_finding():
    target = TARGET.replace(
        "## Qui paie\n\nEnviron 40 bateaux utilisent le port chaque semaine. La plupart sont des entreprises familiales.\n".encode(),
        b"",
    )
    src = ingest_bytes(SOURCE)
    tgt = ingest_bytes(target, language="fr", strip_ui_text=False)
    found = {f.check for f in align_articles(src, tgt, "fr").findings}
    assert found == {"align.block_missing"}


@pytest.mark.parametrize(
    "source, target, expected",
    [
        (["A b c.", "D e f g h."], ["Un b c.", "D e f g h i."], [([0], [0]), ([1], [1])]),
        (["A long first sentence here.", "And a second one."], ["Une longue première phrase ici, et une seconde."], [([0, 1], [0])]),
        (
            ["A very long sentence that talks about many different things, at great length.", "Short."],
            ["Court."],
            [([0], []), ([1], [0])],
        ),
    ],
)
def test_sentence_alignment(source, target, expected):
    assert align_sentences(source, target) == expected


def test_tagged_to_plain():
    assert tagged_to_plain("a <b1>bc</b1> d", 0) == 0
    assert tagged_to_plain("a <b1>bc</b1> d", 6) == 2
    assert tagged_to_plain("a <b1>bc</b1> d", 13) == 4


def test_locator_maps_through_markdown_escapes_and_links():
    document = "# Titre\n\nLe \\*vrai\\* [plan](https://x.example/p) coûte 4\u202f200 €.\n"
    target = "Le *vrai* <a1>plan</a1> coûte 4\u202f200 €."
    pair = SegmentPair(1, 0, BlockKind.PARAGRAPH, "The real plan costs €4,200.", target, "en", "fr")
    head = SegmentPair(0, 0, BlockKind.HEADLINE, "Title", "Titre", "en", "fr")
    locator = Locator([head, pair], document)
    start = target.index("plan")
    f = locator.place(Finding("x.y", Severity.MAJOR, 1, 0, start, start + len("plan</a1> coûte"), "m"), pair)
    assert document[f.start : f.end] == f.text == "plan](https://x.example/p) coûte"
    number = target.index("4\u202f200")
    f = locator.place(Finding("x.y", Severity.MAJOR, 1, 0, number, number + 5, "m"), pair)
    assert f.text == "4\u202f200"


def test_every_finding_span_is_the_target_text(tmp_path):
    report = check_documents(SOURCE.replace(b"12%", b"15%"), TARGET, "fr")
    text = TARGET.decode()
    for f in report.findings:
        assert text[f.start : f.end] == f.text
    data = report.to_dict()
    assert set(data) == {"findings", "summary"}
    assert set(data["summary"]) == {"critical", "major", "minor"}
    for item in data["findings"]:
        assert set(item) == {"check", "severity", "start", "end", "text", "block", "segment", "message", "suggestion", "replaces"}


def test_cli_check_two_documents_json_and_fail_on(relais_home, tmp_path):
    src, tgt = tmp_path / "a.md", tmp_path / "b.md"
    src.write_bytes(SOURCE)
    tgt.write_bytes(TARGET)
    proc = run_relais(relais_home, "check", str(src), str(tgt), "--to", "fr", "--format", "json", "--fail-on", "none")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"findings", "summary"}
    text = proc.stdout and TARGET.decode()
    for f in data["findings"]:
        assert text[f["start"] : f["end"]] == f["text"]
    broken = tmp_path / "broken.md"
    broken.write_bytes(TARGET.replace("## Qui paie\n\n".encode(), b"").replace("# Les droits".encode(), b"Les droits"))
    proc = run_relais(relais_home, "check", str(src), str(broken), "--to", "fr", "--fail-on", "major")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "align.block" in proc.stdout


@pytest.mark.parametrize(
    "args, needle",
    [
        (["check", "a.md", "b.md"], "--to"),
        (["check", "notanid"], "stored translation id"),
        (["check", "7"], "no translation with id 7"),
        (["check", "7", "--fail-on", "sometimes"], "--fail-on"),
    ],
)
def test_cli_check_bad_arguments(relais_home, args, needle):
    assert_one_line_error(run_relais(relais_home, *args), needle)


def test_cli_check_target_in_the_wrong_language(relais_home, tmp_path):
    src = tmp_path / "a.md"
    src.write_bytes(SOURCE)
    proc = run_relais(relais_home, "check", str(src), str(src), "--to", "fr")
    assert_one_line_error(proc, "not French")


RISKY_SOURCE = "# Harbour strike ends\n\nPrices rose amid the strike.\n\nThe port reopened on Monday.\n"
RISKY_TARGET = "# Fin de la grève au port\n\nLes prix ont augmenté malgré la grève.\n\nLe port a rouvert lundi.\n"


def test_cli_check_with_back_translation_risk(relais_home, tmp_path, tiny_gguf):
    """--risk back-translates with the configured engine (here a tiny random-weight GGUF:
    its words do not matter).  "amid" rendered as "malgré" is a high risk by the rules
    alone, so it is reported whatever the back-translation says, and the message tells
    that the back-translation was asked for (its chrF, or that it gave no score)."""
    src, tgt = tmp_path / "a.md", tmp_path / "b.md"
    src.write_text(RISKY_SOURCE)
    tgt.write_text(RISKY_TARGET)
    env = relais_env(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf))
    proc = run_relais(
        relais_home, "check", str(src), str(tgt), "--to", "fr", "--risk", "--format", "json", "--fail-on", "none", env=env
    )
    assert proc.returncode == 0, proc.stderr
    risks = [f for f in json.loads(proc.stdout)["findings"] if f["check"] == "meaning.risk"]
    assert "Les prix ont augmenté malgré la grève." in {f["text"] for f in risks}
    for f in risks:
        assert f["severity"] == "major"
        assert re.search(r"\((back-translation chrF \d+ against the source|no back-translation score)\)", f["message"])
        assert RISKY_TARGET[f["start"] : f["end"]] == f["text"] and f["text"].strip()
