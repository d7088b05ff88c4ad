"""Output files never collide: ``relais translate DIR -o OUT/``, ``relais translate FILE
--to fr,de -o OUT/``, ``relais publish`` and ``relais published`` give a different article
a distinct name (with a note on stderr) and overwrite an article's own files."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from relais.review import accounts, service
from relais.store.actors import Actor
from relais.store.db import open_store
from tests.articles import article
from tests.helpers import RelaisHome, query, relais_env, run_relais
from tests.review.seed import PASSWORD, STORY, SeededJob, seed_job


@pytest.fixture
def env(relais_home, tiny_gguf):
    return relais_env(relais_home, RELAIS_LLAMA_MODEL=str(tiny_gguf), RELAIS_RISK_METHOD="rules")


def _as_page(markdown: str) -> str:
    headline, *paragraphs = [p.lstrip("# ") for p in markdown.split("\n\n") if p.strip()]
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    return f"<!DOCTYPE html><html><body><article><h1>{html.escape(headline)}</h1>\n{body}</article></body></html>\n"


def _notes(proc) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.startswith("note:")]


def _source_of(home: RelaisHome, draft: Path) -> str:
    """The file name of the article a Markdown draft translates (its marker names the job)."""
    job = int(re.search(r"Relais job (\d+),", draft.read_text("utf-8")).group(1))
    rows = query(home.db_url, "SELECT a.source_name FROM jobs j JOIN articles a ON a.id = j.article_id WHERE j.id = :j", j=job)
    return rows[0][0]


def test_the_trial_directory_gets_three_names_and_keeps_them(relais_home, env, tmp_path):
    """``a b.md``, ``a-b.md`` and ``a-b.html`` all slug to ``a-b``: three files, each its
    own article's, and a second run overwrites them without inventing new names."""
    folder, out = tmp_path / "articles", tmp_path / "out"
    folder.mkdir()
    (folder / "a b.md").write_text(article(1, 1), encoding="utf-8")
    (folder / "a-b.md").write_text(article(2, 1), encoding="utf-8")
    (folder / "a-b.html").write_text(_as_page(article(3, 1)), encoding="utf-8")

    first = run_relais(relais_home, "translate", str(folder), "--to", "fr", "--wait", "-o", f"{out}/", env=env)
    assert first.returncode == 0, first.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["a-b-2.fr.md", "a-b-3.fr.md", "a-b.fr.md"]
    owners = {name: _source_of(relais_home, out / name) for name in names}
    assert sorted(owners.values()) == ["a b.md", "a-b.html", "a-b.md"]
    notes = _notes(first)
    assert len(notes) == 2 and all("a-b.fr.*" in note for note in notes), first.stderr

    for name in names:  # a later run must replace these files, not keep them
        with (out / name).open("a", encoding="utf-8") as handle:
            handle.write("\nstale line\n")
    second = run_relais(relais_home, "translate", str(folder), "--to", "fr", "--wait", "-o", f"{out}/", env=env)
    assert second.returncode == 0, second.stderr
    assert sorted(p.name for p in out.iterdir()) == names
    assert {name: _source_of(relais_home, out / name) for name in names} == owners
    assert not any("stale line" in (out / name).read_text("utf-8") for name in names)
    assert len(_notes(second)) == 2


def test_a_file_of_another_article_on_disk_is_kept(relais_home, env, tmp_path):
    """Several targets of one article: one slug for all of them, distinct from another
    article's files on disk; the first article again overwrites its own."""
    x, y, out = tmp_path / "x" / "a-b.md", tmp_path / "y" / "a-b.md", tmp_path / "out"
    for path, index in ((x, 4), (y, 5)):
        path.parent.mkdir()
        path.write_text(article(index, 1), encoding="utf-8")

    first = run_relais(relais_home, "translate", str(x), "--to", "fr,de", "-o", f"{out}/", env=env)
    assert first.returncode == 0 and not _notes(first), first.stderr
    theirs = run_relais(relais_home, "translate", str(y), "--to", "fr,de", "-o", f"{out}/", env=env)
    assert theirs.returncode == 0, theirs.stderr
    assert _notes(theirs) == [
        "note: a-b.md (article 2): a-b.fr.* holds the translation of article 1 into fr, so its files are named a-b-2.{fr,de}.*"
    ]
    names = ["a-b-2.de.md", "a-b-2.fr.md", "a-b.de.md", "a-b.fr.md"]
    assert sorted(p.name for p in out.iterdir()) == names
    mine = {name: (out / name).read_text("utf-8") for name in names}

    (out / "a-b.fr.md").write_text(mine["a-b.fr.md"] + "\nstale line\n", encoding="utf-8")
    again = run_relais(relais_home, "translate", str(x), "--to", "fr,de", "-o", f"{out}/", env=env)
    assert again.returncode == 0 and not _notes(again), again.stderr
    assert {name: (out / name).read_text("utf-8") for name in names} == mine  # the same drafts, rewritten

    # A stem belongs to one article in every format: y's JSON goes with y's Markdown.
    as_json = run_relais(relais_home, "translate", str(y), "--to", "fr", "--format", "json", "-o", f"{out}/", env=env)
    assert as_json.returncode == 0 and len(_notes(as_json)) == 1, as_json.stderr
    assert json.loads((out / "a-b-2.fr.json").read_text("utf-8"))["article"]["id"] == 2
    assert not (out / "a-b.fr.json").exists()


def test_a_file_relais_did_not_write_is_left_alone(relais_home, env, tmp_path):
    source, out = tmp_path / "story.md", tmp_path / "out"
    source.write_text(article(6, 1), encoding="utf-8")
    out.mkdir()
    (out / "story.fr.md").write_text("My own notes on the story.\n", encoding="utf-8")
    proc = run_relais(relais_home, "translate", str(source), "--to", "fr", "-o", f"{out}/", env=env)
    assert proc.returncode == 0, proc.stderr
    assert _notes(proc) == [
        "note: story.md (article 1): story.fr.* exists and is not a Relais translation of a known article, "
        "so its files are named story-2.fr.*"
    ]
    assert (out / "story.fr.md").read_text("utf-8") == "My own notes on the story.\n"
    assert _source_of(relais_home, out / "story-2.fr.md") == "story.md"


# A second story with the seeded one's file name (story.md), and its French machine draft.
OTHER_STORY = [
    (kind, src.replace("quay", "pier").replace("Harbour", "River"), tgt.replace("quai", "ponton"))
    for kind, src, tgt in STORY
]


def _seed(home: RelaisHome, story) -> SeededJob:
    store = open_store(home.db_url)
    try:
        return seed_job(store, story=story)
    finally:
        store.close()


def _approve(home: RelaisHome, job: SeededJob) -> None:
    """The translator confirms every segment, then approves the article."""
    store = open_store(home.db_url)
    try:
        with store.write() as s:
            tina = Actor.of(accounts.get_user(s, "tina"))
            for seg in service.job_view(s, job.job_id).segments:
                service.confirm_segment(s, tina, job.job_id, seg.id, seg.version)
            service.approve_article(s, tina, job.job_id)
    finally:
        store.close()


def test_publications_of_two_stories_with_one_file_name(seeded_home, seeded_job, tmp_path):
    other = _seed(seeded_home, OTHER_STORY)
    for job in (seeded_job, other):
        _approve(seeded_home, job)
    assert other.article_id != seeded_job.article_id
    out = tmp_path / "published"
    eddie = {"input": PASSWORD.encode() + b"\n"}
    first = run_relais(seeded_home, "publish", str(seeded_job.job_id), "--sign-off-as", "eddie", "--password-stdin", "-o",
                       str(out), **eddie)  # fmt: skip
    assert first.returncode == 0 and not _notes(first), first.stderr
    second = run_relais(seeded_home, "publish", str(other.job_id), "--sign-off-as", "eddie", "--password-stdin", "-o",
                        str(out), **eddie)  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert _notes(second) == [
        f"note: story.md (article {other.article_id}): story.fr.* holds the translation of article "
        f"{seeded_job.article_id} into fr, so its files are named story-2.fr.*"
    ]
    names = sorted(f"{stem}.fr{suffix}" for stem in ("story", "story-2") for suffix in (".md", ".html", ".json", ".audit.json"))
    assert sorted(p.name for p in out.iterdir()) == names
    assert json.loads((out / "story-2.fr.audit.json").read_text("utf-8"))["job"] == other.job_id
    assert "ponton" in (out / "story-2.fr.md").read_text("utf-8") and "ponton" not in (out / "story.fr.md").read_text("utf-8")
    written = {name: (out / name).read_text("utf-8") for name in names}

    for job, notes in ((seeded_job, 0), (other, 1)):
        (out / ("story.fr.md" if notes == 0 else "story-2.fr.md")).write_text("stale\n", encoding="utf-8")
        again = run_relais(seeded_home, "published", str(job.job_id), "-o", str(out))
        assert again.returncode == 0 and len(_notes(again)) == notes, again.stderr
    assert sorted(p.name for p in out.iterdir()) == names
    assert {name: (out / name).read_text("utf-8") for name in names} == written
