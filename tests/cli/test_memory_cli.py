"""The memory, termbase and XLIFF commands as a user runs them (kept few: each
subprocess costs seconds)."""

from __future__ import annotations

from pathlib import Path

from tests.review.seed import PASSWORD
from tests.helpers import assert_one_line_error, run_relais

FIXTURES = Path(__file__).resolve().parent.parent / "memory" / "fixtures"


def test_tm_and_terms_commands(relais_home, tmp_path):
    proc = run_relais(relais_home, "tm", "import", str(FIXTURES / "memory.tmx"))
    assert proc.returncode == 0, proc.stderr
    assert "tmx: 4 units (de, fr): 5 added" in proc.stderr
    stats = run_relais(relais_home, "tm", "stats")
    assert "import" in stats.stdout and "fr" in stats.stdout and "4" in stats.stdout
    out = tmp_path / "out" / "fr.tmx"
    exported = run_relais(relais_home, "tm", "export", "-o", str(out), "--to", "fr")
    assert exported.returncode == 0, exported.stderr
    assert b'xml:lang="fr"' in out.read_bytes() and b'xml:lang="de"' not in out.read_bytes()
    bad = tmp_path / "bad.tmx"
    bad.write_bytes(b"<tmx version='1.4'><body><tu>")
    assert_one_line_error(run_relais(relais_home, "tm", "import", str(bad)), "not a well-formed TMX")

    added = run_relais(relais_home, "terms", "add", "Sergei Lavrov", "--lang", "fr", "--target", "Sergueï Lavrov",
                       "--type", "person", "--forbid", "Sergei Lavrov")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "approved person Sergei Lavrov → fr Sergueï Lavrov; not: Sergei Lavrov" in added.stderr
    imported = run_relais(relais_home, "terms", "import", str(FIXTURES / "termbase.tbx"), "--proposed")
    assert imported.returncode == 0 and "tbx: 3 units" in imported.stderr, imported.stderr
    listed = run_relais(relais_home, "terms", "list", "--lang", "fr")
    assert "Kyiv" in listed.stdout and "proposed" in listed.stdout and "Sergueï Lavrov" in listed.stdout
    tbx = tmp_path / "terms.tbx"
    assert run_relais(relais_home, "terms", "export", "-o", str(tbx)).returncode == 0
    assert b"deprecatedTerm-admn-sts" in tbx.read_bytes()
    assert_one_line_error(run_relais(relais_home, "terms", "add", "x", "--lang", "fr", "--target", "y", "--type", "animal"),
                          "unknown term type")  # fmt: skip


def test_xliff_export_and_import(seeded_home, seeded_job, tmp_path):
    job = seeded_job
    xlf = tmp_path / "job.xlf"
    proc = run_relais(seeded_home, "xliff", "export", str(job.job_id), "-o", str(xlf), "--xliff-version", "2.0")
    assert proc.returncode == 0, proc.stderr
    text = xlf.read_text("utf-8").replace("4 300 mètres", "4 200 mètres")
    xlf.write_text(text, "utf-8")
    password = PASSWORD.encode() + b"\n"

    def as_(name: str, secret: bytes | None = password):
        args = ["xliff", "import", str(xlf), "--as", name] + (["--password-stdin"] if secret is not None else [])
        return run_relais(seeded_home, *args, input=secret)

    assert_one_line_error(as_("tina", None), "--password-stdin")  # acting as someone needs their password
    assert_one_line_error(as_("tina", b"not her password\n"), "wrong name or password")
    assert_one_line_error(as_("tina"), "only as its claimant: claim it first")
    assert_one_line_error(as_("dora"), "may not review fr")
    back = as_("eddie")  # an editor may import: he takes the job over
    assert back.returncode == 0, back.stderr
    assert f"xliff 2.0: job {job.job_id}, 6 units: 1 edited" in back.stderr
    xlf.write_text(text.replace('<unit id="', '<unit id="9', 1), "utf-8")
    assert_one_line_error(as_("eddie"), "does not belong to job")
