"""Output names (relais.publish.outputs): readable slugs, never two articles on one name,
an article's own files found again.  Table-driven over folder contents written in the
real formats (the seeded job's Markdown and JSON renderings, an audit record)."""

from __future__ import annotations

import json

import pytest

from relais.document.render import render
from relais.publish.outputs import OutputFolder, slug
from relais.store import translation
from relais.store.db import open_store


@pytest.mark.parametrize(
    "name, expected",
    [
        ("a b.md", "a-b"),
        ("a-b.md", "a-b"),
        ("a-b.html", "a-b"),
        ("a  &  b.txt", "a-b"),
        ("Été 2026 : la digue!.html", "Été-2026-la-digue"),
        ("report.v2.md", "report.v2"),
        ("articles/2026/flood story.md", "flood-story"),
        (".hidden.md", "hidden"),
        ("...md", "article-7"),
        ("???.md", "article-7"),
        (None, "article-7"),
    ],
)
def test_slug(name, expected):
    assert slug(name, 7) == expected


@pytest.fixture
def formats(seeded_url, seeded_job):
    """The store, and the seeded job's (article A, French) files as Relais writes them:
    ``md`` (draft marker naming the job), ``json(article, target)`` (a rendering naming
    that article), ``audit(article, target)`` (an audit record)."""
    assert seeded_job.article_id == A
    store = open_store(seeded_url)
    with store.read() as s:
        draft = translation.load(s, seeded_job.job_id, current=False)
    md, rendered = render(draft, "md"), json.loads(render(draft, "json"))

    def as_json(article: int, target: str = "fr") -> str:
        return json.dumps({**rendered, "article": {**rendered["article"], "id": article}, "target_language": target})

    def audit(article: int, target: str = "fr") -> str:
        return json.dumps({"format": 1, "publication": 1, "job": 99, "source": {"article": article}, "target_language": target})

    yield store, {"md": md, "json": as_json, "audit": audit}
    store.close()


A = 1  # the seeded article (its French draft is the seeded job)
# (files in the folder: name → (kind, args), claims: (file name, article, targets),
#  expected slug of each claim, and whether it comes with a note)
CASES = {
    "empty folder": ({}, [("a b.md", A, ["fr"])], [("a-b", False)]),
    "own draft overwritten": ({"a-b.fr.md": ("md",)}, [("a-b.md", A, ["fr"])], [("a-b", False)]),
    "another's draft": ({"a-b.fr.md": ("md",)}, [("a-b.md", 2, ["fr"])], [("a-b-2", True)]),
    "same article, other language": ({"a-b.fr.md": ("md",)}, [("a-b.md", A, ["de"])], [("a-b", False)]),
    "a draft marker read for its job's language": ({"a-b.de.md": ("md",)}, [("a-b.md", A, ["de"])], [("a-b-2", True)]),
    "another's JSON": ({"a-b.fr.json": ("json", 2)}, [("a-b.md", 3, ["fr"])], [("a-b-2", True)]),
    "own JSON": ({"a-b.fr.json": ("json", 2)}, [("a-b.md", 2, ["fr"])], [("a-b", False)]),
    "a stem is one owner in every format": ({"a-b.fr.json": ("json", 2)}, [("a-b.html", 3, ["fr"])], [("a-b-2", True)]),
    "a publication's audit record": (
        {"a-b.fr.md": ("text", "# Published\n"), "a-b.fr.audit.json": ("audit", 2)},
        [("a-b.md", 2, ["fr"]), ("a b.md", 5, ["fr"])],
        [("a-b", False), ("a-b-2", True)],
    ),
    "a file Relais did not write": ({"a-b.fr.md": ("text", "my own notes\n")}, [("a-b.md", A, ["fr"])], [("a-b-2", True)]),
    "JSON that is not Relais's": ({"a-b.fr.json": ("text", '{"article": {"id": 1}}')}, [("a-b.md", A, ["fr"])], [("a-b-2", True)]),
    "unreadable JSON": ({"a-b.fr.json": ("text", "{not json")}, [("a-b.md", A, ["fr"])], [("a-b-2", True)]),
    "own numbered name found again": (
        {"a-b.fr.md": ("md",), "a-b-2.fr.json": ("json", 2), "a-b-3.fr.json": ("json", 3)},
        [("a-b.md", 3, ["fr"]), ("a-b.md", 4, ["fr"])],
        [("a-b-3", True), ("a-b-4", True)],
    ),
    "own name past a gap": (
        {"a-b.fr.md": ("md",), "a-b-3.fr.json": ("json", 3)},
        [("a-b.md", 3, ["fr"]), ("a-b.md", 4, ["fr"])],
        [("a-b-3", True), ("a-b-2", True)],
    ),
    "one slug for all the targets": ({"a-b.de.json": ("json", 2, "de")}, [("a-b.md", 3, ["fr", "de"])], [("a-b-2", True)]),
    "taken in this run": (
        {},
        [("a b.md", 1, ["fr"]), ("a-b.md", 2, ["fr"]), ("a-b.html", 3, ["fr"]), ("a-b.md", 2, ["fr"]), ("a b.md", 1, ["fr"])],
        [("a-b", False), ("a-b-2", True), ("a-b-3", True), ("a-b-2", True), ("a-b", False)],
    ),
    "a real file named like a numbered one": (
        {"a-b-2.fr.json": ("json", 9)},
        [("a-b.md", 1, ["fr"]), ("a-b.md", 2, ["fr"])],
        [("a-b", False), ("a-b-3", True)],
    ),
}


@pytest.mark.parametrize("files, claims, expected", CASES.values(), ids=CASES.keys())
def test_claims(formats, tmp_path, files, claims, expected):
    store, kinds = formats
    for file, (kind, *args) in files.items():
        content = args[0] if kind == "text" else kinds[kind] if kind == "md" else kinds[kind](*args)
        (tmp_path / file).write_text(content, encoding="utf-8")
    folder = OutputFolder(tmp_path, store)
    got = [folder.claim(name, article, targets) for name, article, targets in claims]
    assert [(c.slug, c.note is not None) for c in got] == expected
    for claim, (name, article, _) in zip(got, claims, strict=True):
        if claim.note:
            assert claim.note.startswith(f"{name} (article {article}): ") and f"named {claim.slug}." in claim.note


def test_the_note_says_whose_file_it_is(formats, tmp_path):
    store, kinds = formats
    (tmp_path / "a-b.fr.md").write_text(kinds["md"], encoding="utf-8")
    (tmp_path / "a-b.de.md").write_text("notes\n", encoding="utf-8")
    folder = OutputFolder(tmp_path, store)
    assert folder.claim("a-b.md", 2, ["fr"]).note == (
        "a-b.md (article 2): a-b.fr.* holds the translation of article 1 into fr, so its files are named a-b-2.fr.*"
    )
    assert folder.claim("a-b.html", 3, ["fr"]).note == (
        "a-b.html (article 3): a-b.fr.* holds the translation of article 1 into fr, so its files are named a-b-3.fr.*"
    )
    assert folder.claim(None, 4, ["de", "fr"]).slug == "article-4"
    assert folder.claim("a b.txt", 5, ["de", "fr"]).note == (
        "a b.txt (article 5): a-b.de.* exists and is not a Relais translation of a known article, "
        "so its files are named a-b-4.{de,fr}.*"
    )
