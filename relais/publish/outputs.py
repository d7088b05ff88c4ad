"""Names of the files Relais writes into an output folder, so that two articles never
share one.

Every article × target language gets a *stem* in the folder, ``{slug}.{target}``; its
files are the stem plus a suffix (``.md``, ``.html``, ``.json``, and for a publication
``.audit.json``).  The slug comes from the article's file name (``a b.md`` → ``a-b``,
standard input → ``article-7``).  Different file names can give the same slug (``a b.md``,
``a-b.md`` and ``a-b.html`` all give ``a-b``), so ``OutputFolder.claim`` guarantees:

* a stem taken in this run by another article, or holding another article's files on
  disk, is never used: the article gets the first free ``{slug}-2``, ``{slug}-3`` … and
  the claim says why (the command prints it as a note);
* the same article and language written again (the same directory translated twice,
  ``relais published`` after ``relais publish``) lands on its own files and overwrites
  them, wherever they are (``a-b-2.fr.md`` stays ``a-b-2.fr.md``);
* a file Relais cannot attribute to any article is left alone: its stem counts as taken.

**Whose files are these?**  The identity is read from the files themselves, from what the
renderers already put in them, not from a second record that could drift from the folder:

* ``.json`` (draft and publication, ``relais.document.render.render_json``):
  ``article.id`` and ``target_language``;
* ``.audit.json`` (publication, ``relais.publish.publisher.audit_record``):
  ``source.article`` and ``target_language``;
* ``.md`` and ``.html`` drafts: the unreviewed-draft marker names its job ("Relais job
  12, engine …"), whose article and language the store knows.

A published ``.md`` or ``.html`` carries no marker; it belongs with the ``.json`` and
``.audit.json`` of its stem, which are always written with it.  Identities are store ids:
an output folder is meant for one store.  Two processes writing into one folder at the
same moment are not coordinated (each sees only the other's finished files).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from relais.document.translation import UNREVIEWED
from relais.publish.publisher import AUDIT_FORMAT
from relais.store.db import Store
from relais.store.models import JobRow

# Every file of a stem, whoever wrote it: a stem is one article × language, all formats.
STEM_SUFFIXES = (".md", ".html", ".json", ".audit.json")
_MARKER = re.compile(re.escape(UNREVIEWED) + r"\b.*?\bRelais job (\d+),", re.DOTALL)
_MARKER_WINDOW = 4096  # the marker sits at the top of the file
_SLUG_UNSAFE = re.compile(r"[^\w.-]+")


@dataclass(frozen=True)
class Owner:
    """The article and target language a set of output files is the translation of."""

    article: int
    target: str

    def __str__(self) -> str:
        return f"article {self.article} into {self.target}"


@dataclass(frozen=True)
class Claim:
    """The slug an article's files get in the folder; ``note`` says why it is not the
    plain slug of its file name (None when it is)."""

    slug: str
    note: str | None

    def path(self, folder: Path, target: str, suffix: str) -> Path:
        return folder / f"{self.slug}.{target}{suffix}"


def slug(name: str | None, article_id: int) -> str:
    """A readable file-name stem from an article's file name: its stem with runs of
    characters other than letters, digits, ``.``, ``-`` and ``_`` made one ``-``, never
    hidden or empty (``article-{id}`` then, and for standard input)."""
    if not name:
        return f"article-{article_id}"
    stem = Path(name).stem
    return _SLUG_UNSAFE.sub("-", stem).strip("-.") or f"article-{article_id}"


class OutputFolder:
    """One output folder during one command: ``claim`` a name for each article before
    writing its files there.  ``store`` resolves the job a draft's marker names."""

    def __init__(self, folder: Path, store: Store) -> None:
        self.folder = folder
        self._store = store
        try:
            self._on_disk = set(os.listdir(folder))
        except OSError:
            self._on_disk = set()
        self._claimed: dict[str, Owner] = {}  # stem → owner, this run
        self._identities: dict[str, Owner | None] = {}  # file name → owner read from it

    def claim(self, name: str | None, article_id: int, targets: Sequence[str]) -> Claim:
        """The slug for ``article_id``'s files in ``targets``: the plain slug of ``name``
        when it is free or already this article's, else its own earlier ``{slug}-N`` or
        the first free one.  The stems are reserved for the rest of the run."""
        base = slug(name, article_id)
        owners = [Owner(article_id, target) for target in targets]
        problem: str | None = None  # why the plain slug is not this article's
        chosen: str | None = None
        for candidate in self._candidates(base):
            verdicts = {f"{candidate}.{o.target}": self._verdict(f"{candidate}.{o.target}", o) for o in owners}
            usable = all(v in ("own", "free") for v in verdicts.values())
            own = "own" in verdicts.values()
            if candidate == base and not usable:
                problem = next(f"{stem}.* {v}" for stem, v in verdicts.items() if v not in ("own", "free"))
            if usable and (chosen is None or own):
                chosen = candidate
                if own or candidate == base:
                    break  # its own files, or the plain name free: look no further
        assert chosen is not None  # _candidates ends with a number no file has
        for owner in owners:
            self._claimed[f"{chosen}.{owner.target}"] = owner
        if chosen == base:
            return Claim(chosen, None)
        names = f"{chosen}.{targets[0]}.*" if len(targets) == 1 else f"{chosen}.{{{','.join(targets)}}}.*"
        return Claim(chosen, f"{name or 'standard input'} (article {article_id}): {problem}, so its files are named {names}")

    # -- the rules -------------------------------------------------------------------
    def _candidates(self, base: str):
        """``base``, then ``base-2`` … up to one past the highest number in use."""
        yield base
        pattern = re.compile(re.escape(base) + r"-(\d+)\.")
        used = [int(m.group(1)) for n in self._on_disk | set(self._claimed) if (m := pattern.match(n))]
        for number in range(2, max(used, default=1) + 2):
            yield f"{base}-{number}"

    def _verdict(self, stem: str, owner: Owner) -> str:
        """"own", "free", or why the stem is another's."""
        claimed = self._claimed.get(stem)
        if claimed is not None:
            return "own" if claimed == owner else f"is taken in this run by the translation of {claimed}"
        files = [stem + suffix for suffix in STEM_SUFFIXES if stem + suffix in self._on_disk]
        if not files:
            return "free"
        identities = {self._identity(file) for file in files} - {None}
        if not identities:
            return "exists and is not a Relais translation of a known article"
        if identities == {owner}:
            return "own"
        other = next(i for i in identities if i != owner)
        return f"holds the translation of {other}"

    def _identity(self, file: str) -> Owner | None:
        if file not in self._identities:
            self._identities[file] = self._read_identity(self.folder / file)
        return self._identities[file]

    def _read_identity(self, path: Path) -> Owner | None:
        try:
            if path.name.endswith(".json"):
                return _json_identity(json.loads(path.read_text(encoding="utf-8")))
            with path.open(encoding="utf-8", errors="replace") as handle:
                head = handle.read(_MARKER_WINDOW)
        except (OSError, ValueError):
            return None
        marker = _MARKER.search(head)
        return self._job_owner(int(marker.group(1))) if marker else None

    def _job_owner(self, job_id: int) -> Owner | None:
        with self._store.read() as session:
            job = session.get(JobRow, job_id)
            return Owner(job.article_id, job.target_language) if job is not None else None


def _json_identity(data: object) -> Owner | None:
    """The owner a Relais JSON rendering or audit record names, or None for other JSON."""
    if not isinstance(data, dict):
        return None
    try:
        if data.get("format") == AUDIT_FORMAT and "publication" in data and isinstance(data.get("source"), dict):
            return Owner(int(data["source"]["article"]), str(data["target_language"]))
        if "relais_version" in data and isinstance(data.get("article"), dict):
            return Owner(int(data["article"]["id"]), str(data["target_language"]))
    except (KeyError, TypeError, ValueError):
        return None
    return None
