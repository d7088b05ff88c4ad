"""Language packs: one folder per language, the single home of what is language-specific;
the loader (a typed Pack), the target locales and the coverage table of what each provides.
"""

# A pack folder holds ``pack.toml`` (names, disclosure and unreviewed-notice lines,
# typography, spelling dictionaries, untranslated-word lists, length ratios, grammar
# checker, noun capitalisation), and optionally ``figures.toml`` (figure words, money),
# ``names.toml`` (how known names are rendered; for English, words that are no names),
# ``meaning.toml`` (connectives, negation) and ``examples.toml`` (few-shot pairs).  Adding
# a language is adding a folder: here, or in a folder named by ``RELAIS_LANGUAGE_PACKS``
# (paths separated by ``os.pathsep``; a pack there replaces a built-in one of the same
# code).  Call ``reload()`` after changing that variable in a running process.

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from relais.errors import RelaisError

PACKS_ENV = "RELAIS_LANGUAGE_PACKS"
SOURCE = "en"  # the source language: stories arrive in English

# What a pack may provide, in the order of the coverage table, and who reads it.
FEATURES: dict[str, str] = {
    "names": "language names, in English and in the language (prompts, messages)",
    "labels": "what a chat model writes before an answer (engine output validation)",
    "disclosure": "the disclosure line that ends a publication",
    "unreviewed": "the notice that ends an unreviewed machine draft",
    "typography": "typography rules (typography checks, fixer, quotations)",
    "figures": "figure words, scales, units, money (numbers.* checks)",
    "known_names": "renderings of well-known names; English: non-names, places, demonyms (names.* checks)",
    "connectives": "connective renderings (meaning.connective)",
    "negation": "negation words (meaning.negation)",
    "spelling": "Hunspell dictionaries (spelling.unknown, names lookups)",
    "untranslated": "shared English words and loanwords (untranslated.*)",
    "length_ratio": "measured length ratio from English (length.ratio)",
    "examples": "few-shot examples from English (completion prompts)",
    "furniture": "page furniture, bylines, datelines (ingest drops it, furniture.leaked)",
    "notes": "labels of correction, update and clarification notes (ingest, rendering)",
}
# A target pack with all of these is complete; the source pack (English) needs these.
TARGET_FEATURES = tuple(FEATURES)
SOURCE_FEATURES = ("names", "labels", "figures", "known_names", "connectives", "negation", "furniture", "notes")


@dataclass(frozen=True)
class Connective:
    """One connective: its source words and contradictions (source pack) or its accepted
    renderings and signals (target pack)."""

    words: tuple[str, ...] = ()
    contradicts: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    signal: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pack:
    """Everything Relais knows about one language, as read from its folder."""

    code: str
    folder: Traversable
    name: str  # in the language itself
    english_name: str
    labels: tuple[str, ...] = ()
    compact_script: bool = False
    capitalises_nouns: bool = False
    disclosure: dict[str, str] = field(default_factory=dict)  # source code → line
    unreviewed: str | None = None
    typography: dict[str, Any] | None = None
    untranslated: dict[str, Any] | None = None
    length_ratio: dict[str, dict[str, Any]] = field(default_factory=dict)  # source code → entry
    dictionaries: tuple[str, ...] = ()
    spelling_allow: tuple[str, ...] = ()
    grammar: str | None = None
    figures: dict[str, Any] | None = None
    known_names: dict[str, Any] | None = None  # names.toml: renderings (target) or name lists (source)
    connectives: dict[str, Connective] = field(default_factory=dict)
    negation_words: tuple[str, ...] = ()
    negation_pattern: str | None = None  # source side: one regular expression
    examples: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # source code → pairs
    furniture: dict[str, Any] | None = None  # furniture.toml: interface strings, bylines, datelines
    notes: dict[str, Any] = field(default_factory=dict)  # note kind → label (target) or labels (source)
    unbroken: tuple[str, ...] = ()  # [sentences] unbroken: abbreviations no sentence ends inside ("av. J.-C.")
    continuing: frozenset[str] = frozenset()  # [sentences] continuing: words that go on a sentence after one ("a.m. Saturday")
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # meaning.toml [role.*]: words (source) or accept (target)
    not_roles: tuple[str, ...] = ()  # meaning.toml [not_role] phrases: role words that are none there ("lignes directrices")
    lexicon: dict[str, Any] = field(default_factory=dict)  # pack.toml [lexicon]: a bilingual lexicon file (target), stopwords (source)

    @property
    def is_target(self) -> bool:
        """Whether Relais may translate into this language: it has the lines every draft
        and publication must end with."""
        return bool(self.unreviewed and self.disclosure)

    def provides(self) -> frozenset[str]:
        """The features of ``FEATURES`` this pack provides."""
        have = {
            "names": bool(self.name and self.english_name),
            "labels": bool(self.labels),
            "disclosure": bool(self.disclosure),
            "unreviewed": bool(self.unreviewed),
            "typography": self.typography is not None,
            "figures": self.figures is not None,
            "known_names": self.known_names is not None,
            "connectives": bool(self.connectives),
            "negation": bool(self.negation_words or self.negation_pattern),
            "spelling": bool(self.dictionaries),
            "untranslated": self.untranslated is not None,
            "length_ratio": bool(self.length_ratio),
            "examples": bool(self.examples),
            "furniture": self.furniture is not None,
            "notes": bool(self.notes),
        }
        return frozenset(k for k, v in have.items() if v)


# --------------------------------------------------------------------------- loading

_DERIVED: list[Any] = []


def derived(fn: Callable | None = None, *, maxsize: int | None = None) -> Callable:
    """``functools.cache`` (or ``lru_cache(maxsize)``) for what is computed from the
    packs: ``reload()`` clears it.  ``@derived`` or ``@derived(maxsize=N)``."""
    if fn is None:
        return lambda f: derived(f, maxsize=maxsize)
    cached = lru_cache(maxsize=maxsize)(fn)
    _DERIVED.append(cached)
    return cached


def reload() -> None:
    """Read the pack folders again (after ``RELAIS_LANGUAGE_PACKS`` changed)."""
    for cached in _DERIVED:
        cached.cache_clear()


def _folders() -> list[Traversable]:
    """Pack folders, built-in first, then those of ``RELAIS_LANGUAGE_PACKS`` in order."""
    roots: list[Traversable] = [resources.files(__package__)]
    roots += [Path(p) for p in os.environ.get(PACKS_ENV, "").split(os.pathsep) if p.strip()]
    return roots


@derived
def _pack_folders() -> dict[str, Traversable]:
    found: dict[str, Traversable] = {}
    for root in _folders():
        if not root.is_dir():
            raise RelaisError(f"{PACKS_ENV}: no such folder: {root}")
        for folder in root.iterdir():
            if folder.is_dir() and folder.joinpath("pack.toml").is_file():
                found[folder.name.lower()] = folder
    return dict(sorted(found.items()))


def _toml(folder: Traversable, name: str) -> dict[str, Any] | None:
    path = folder.joinpath(name)
    return tomllib.loads(path.read_text("utf-8")) if path.is_file() else None


def _read(code: str, folder: Traversable) -> Pack:
    data = _toml(folder, "pack.toml") or {}
    spelling = data.get("spelling", {})
    meaning = _toml(folder, "meaning.toml") or {}
    examples = _toml(folder, "examples.toml") or {}
    negation = meaning.get("negation", {})
    try:
        return Pack(
            code=code,
            folder=folder,
            name=data["name"],
            english_name=data["english_name"],
            labels=tuple(data.get("labels", ())),
            compact_script=bool(data.get("compact_script", False)),
            capitalises_nouns=bool(data.get("capitalises_nouns", False)),
            disclosure=dict(data.get("disclosure", {})),
            unreviewed=data.get("unreviewed"),
            typography=data.get("typography"),
            untranslated=data.get("untranslated"),
            length_ratio=dict(data.get("length_ratio", {})),
            dictionaries=tuple(spelling.get("dictionaries", ())),
            spelling_allow=tuple(spelling.get("allow", ())),
            grammar=data.get("grammar", {}).get("checker"),
            figures=_toml(folder, "figures.toml"),
            known_names=_toml(folder, "names.toml"),
            connectives={
                name: Connective(
                    tuple(entry.get("words", ())), tuple(entry.get("contradicts", ())),
                    tuple(entry.get("accept", ())), tuple(entry.get("signal", ())),
                )
                for name, entry in meaning.get("connective", {}).items()
            },
            roles={name: tuple(entry.get("words", entry.get("accept", ()))) for name, entry in meaning.get("role", {}).items()},
            not_roles=tuple(meaning.get("not_role", {}).get("phrases", ())),
            negation_words=tuple(negation.get("words", ())),
            negation_pattern=negation.get("pattern"),
            examples={
                source: tuple((pair["source"], pair["target"]) for pair in pairs)
                for source, pairs in examples.get("from", {}).items()
            },
            furniture=_toml(folder, "furniture.toml"),
            notes=dict(data.get("notes", {})),
            unbroken=tuple(data.get("sentences", {}).get("unbroken", ())),
            continuing=frozenset(data.get("sentences", {}).get("continuing", ())),
            lexicon=dict(data.get("lexicon", {})),
        )
    except KeyError as missing:
        raise RelaisError(f"language pack '{code}' ({folder}): pack.toml lacks {missing}") from None


@derived
def packs() -> dict[str, Pack]:
    """Every language pack, by code (source and target languages)."""
    return {code: _read(code, folder) for code, folder in _pack_folders().items()}


def get_pack(code: str) -> Pack | None:
    """The pack of ``code`` (``"fr"``, ``"pt-BR"`` → pt), or None when there is none."""
    return packs().get(code.strip().lower().split("-")[0].split("_")[0])


@derived
def codes_where(predicate: Callable[[Pack], bool]) -> frozenset[str]:
    """The target languages whose packs satisfy ``predicate``: what a check supports."""
    return frozenset(code for code, pack in packs().items() if pack.is_target and predicate(pack))


# --------------------------------------------------------------------------- target locales


@dataclass(frozen=True)
class Locale:
    code: str
    name: str  # in the language itself
    english_name: str
    disclosure: dict[str, str]  # source language code → disclosure line (publications only)
    unreviewed: str  # the visible line that ends an unreviewed machine draft

    def disclosure_from(self, source_lang: str) -> str:
        try:
            return self.disclosure[source_lang]
        except KeyError:
            raise RelaisError(
                f"no disclosure line for {self.english_name} translated from '{source_lang}'"
            ) from None


@derived
def available() -> tuple[str, ...]:
    """The target languages: packs with a disclosure and an unreviewed notice."""
    return tuple(code for code, pack in packs().items() if pack.is_target)


@derived
def get_locale(code: str) -> Locale:
    code = code.strip().lower()
    if code not in available():
        raise RelaisError(
            f"no locale data for target language '{code}' (available: {', '.join(available())})"
        )
    pack = packs()[code]
    return Locale(code, pack.name, pack.english_name, dict(pack.disclosure), pack.unreviewed or "")


def parse_targets(spec: str) -> list[str]:
    """``"fr,de, es"`` → ``["fr", "de", "es"]``, each checked, duplicates removed."""
    codes: list[str] = []
    for part in spec.split(","):
        code = part.strip().lower()
        if not code:
            continue
        get_locale(code)
        if code not in codes:
            codes.append(code)
    if not codes:
        raise RelaisError("no target language given (use --to fr or --to fr,de,es)")
    return codes


# --------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class Coverage:
    """What one pack provides and lacks (``lacks`` is measured against its role)."""

    code: str
    english_name: str
    role: str  # "target" or "source"
    provides: tuple[str, ...]
    lacks: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.lacks


def coverage() -> list[Coverage]:
    """For every pack: its role, the features it provides and those it lacks."""
    rows = []
    for code, pack in packs().items():
        have = pack.provides()
        role = "target" if pack.is_target else "source"
        wanted = TARGET_FEATURES if pack.is_target else SOURCE_FEATURES
        rows.append(Coverage(
            code, pack.english_name, role,
            tuple(f for f in FEATURES if f in have), tuple(f for f in wanted if f not in have),
        ))
    return rows


def coverage_table() -> str:
    """``coverage()`` as a text table: one row per pack, ✓ for a feature provided."""
    rows = coverage()
    header = ["code", "language", "role", *FEATURES, "status"]
    body = [
        [row.code, row.english_name, row.role, *("✓" if f in row.provides else "–" for f in FEATURES),
         "complete" if row.complete else "partial"]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in [header, *body]]
    lines.append("")
    lines += [f"{row.code}: lacks {', '.join(row.lacks)}" for row in rows if row.lacks]
    return "\n".join(lines).rstrip() + "\n"
