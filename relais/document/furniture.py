"""Page furniture: interface text that is not part of the article.

Web pages glue buttons and boxes to the story ("Copy link to section" inside a heading,
"Share this article", "Advertisement", "Read more: …").  Ingest removes them before
translation; the checks reuse the same lists to flag furniture that leaked into a
translation.  The strings themselves live in each language pack's ``furniture.toml`` (locale data, not code).

Public API:

* ``strip_furniture(text)`` – cut UI strings glued to the start or end of a block.
* ``is_furniture(text)`` – the whole block is furniture (drop it).
* ``find_furniture(text)`` – the first known UI string anywhere in ``text`` (for checks).
* ``key_point_label(text)``, ``byline_prefixes()``, ``month_number(word)`` – other
  locale knowledge ingest needs.
* ``class_words(value)`` + ``html_markers()`` – class/id word matching for the HTML
  pre-clean.

Text may contain inline placeholders (``<a1>…</a1>``); the functions look through them.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from relais.document.inline import PLACEHOLDER_RE, strip_placeholders
from relais.locales import derived, get_pack, packs

DEFAULT_LANGUAGES: tuple[str, ...] = ("en",)

# Characters around a furniture string that do not make it part of a sentence:
# separators of share bars and buttons ("Share | Email", "• Copy link").
_EDGE_JUNK = " \t\n\u00a0|·•–—-:/,;>»›"
_TAGS_AND_SPACE = re.compile(r"(?:\s|</?[abi]\d+>)*")
_COUNT_SUFFIX = re.compile(r"\s*\(\d+\)$")  # "Comments (3)"


@dataclass(frozen=True)
class LanguageFurniture:
    ui_strings: tuple[str, ...]
    standalone: tuple[str, ...]
    lead_ins: tuple[str, ...]
    key_point_labels: tuple[str, ...]
    byline_prefixes: tuple[str, ...]
    dateline_prefixes: tuple[str, ...]
    months: tuple[tuple[str, ...], ...]
    weekdays: tuple[str, ...]


@dataclass(frozen=True)
class HtmlMarkers:
    """Class/id words (each a tuple of lowercase words) for the HTML pre-clean."""

    furniture: tuple[tuple[str, ...], ...]
    key_points: tuple[tuple[str, ...], ...]
    standfirst: tuple[tuple[str, ...], ...]
    notes: dict[str, tuple[tuple[str, ...], ...]]  # note kind ("correction", …) → its words


@cache
def _data() -> dict:
    raw = resources.files("relais.document").joinpath("furniture.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


@derived
def language_furniture(language: str) -> LanguageFurniture:
    """Furniture knowledge for one language, from its language pack's furniture.toml;
    a language without one gets empty lists."""
    pack = get_pack(language)
    entry = (pack.furniture if pack is not None else None) or {}

    def strings(key: str) -> tuple[str, ...]:
        return tuple(entry.get(key, ()))

    return LanguageFurniture(
        ui_strings=tuple(sorted(strings("ui_strings"), key=len, reverse=True)),  # longest first
        standalone=strings("standalone"),
        lead_ins=strings("lead_ins"),
        key_point_labels=strings("key_point_labels"),
        byline_prefixes=strings("byline_prefixes"),
        dateline_prefixes=strings("dateline_prefixes"),
        months=tuple(tuple(m.split("|")) for m in entry.get("months", ())),
        weekdays=tuple(name for day in entry.get("weekdays", ()) for name in day.split("|")),
    )


@derived
def known_languages() -> tuple[str, ...]:
    """The languages whose pack knows their page furniture."""
    return tuple(code for code, pack in packs().items() if pack.furniture is not None)


@cache
def html_markers() -> HtmlMarkers:
    html = _data()["html"]

    def words(key: str) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(entry.lower().split()) for entry in html[key])

    notes = {kind: tuple(tuple(entry.lower().split()) for entry in entries) for kind, entries in html["note_words"].items()}
    return HtmlMarkers(words("furniture_words"), words("key_point_words"), words("standfirst_words"), notes)


def _norm(text: str) -> str:
    """Comparison form: placeholders removed, whitespace collapsed, casefolded."""
    text = unicodedata.normalize("NFKC", strip_placeholders(text))
    return " ".join(text.split()).casefold()


def _bare(text: str) -> str:
    """``_norm`` without separator junk at the edges ("• Share |" → "share")."""
    return _norm(text).strip(_EDGE_JUNK + ".!?")


def _all(languages: Iterable[str], field: str) -> list[str]:
    out: list[str] = []
    for lang in languages:
        out.extend(getattr(language_furniture(lang), field))
    return out


# ---------------------------------------------------------------------------------------
# Whole-block furniture


def is_furniture(text: str, languages: Sequence[str] = DEFAULT_LANGUAGES) -> bool:
    """True when ``text`` (a whole block) is page furniture and carries no article text.

    That is: empty after removing markup, one or more known UI strings joined by
    separators ("Share | Email | Copy link"), a counted label ("Comments (3)"), or a short
    promotional link paragraph ("Read more: Why the gauges keep failing").
    """
    bare = _bare(text)
    if not any(ch.isalnum() for ch in bare):
        return True
    bare = _COUNT_SUFFIX.sub("", bare)
    known = {s.casefold() for s in _all(languages, "ui_strings") + _all(languages, "standalone")}
    if bare in known:
        return True
    if _only_known_strings(bare, known):
        return True
    return _is_promo_link(text, languages)


def _only_known_strings(bare: str, known: set[str]) -> bool:
    """"share on facebook | email | copy link" → True (every piece is a UI string)."""
    pieces = [p.strip(_EDGE_JUNK) for p in re.split(r"\s*[|·•/]\s*|\n", bare)]
    pieces = [p for p in pieces if p]
    return len(pieces) > 1 and all(p in known for p in pieces)


_PROMO_MAX_WORDS = 25  # "Read more: <headline of another story>"; longer is real text


def _is_promo_link(text: str, languages: Sequence[str]) -> bool:
    plain = " ".join(strip_placeholders(text).split())
    folded = plain.casefold()
    for lead in _all(languages, "lead_ins"):
        if folded.startswith(lead.casefold()) and len(plain.split()) <= _PROMO_MAX_WORDS:
            return True
    return False


# ---------------------------------------------------------------------------------------
# Furniture glued to the edges of a block


def strip_furniture(text: str, languages: Sequence[str] = DEFAULT_LANGUAGES) -> str:
    """Cut known UI strings glued to the start or end of a heading or paragraph.

    ``"Why it mattersCopy link to section"`` → ``"Why it matters"``;
    ``"AdvertisementThe council said…"`` → ``"The council said…"``.  A string is cut
    only at a word boundary, or where it is glued on with a capital letter after a
    lowercase one (what a button inside a heading looks like once its markup is gone),
    so "Shares rose" or a sentence that merely mentions "copy link" is left alone.
    Placeholder tags at the edges are looked through; tags left empty are the caller's
    to tidy (see ``relais.document.richtext.normalise``).  Returns the text unchanged
    when it holds no glued furniture; whitespace at the edges is stripped.
    """
    strings = _all(languages, "ui_strings")
    strings.sort(key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for ui in strings:
            new = _cut_suffix(text, ui)
            if new is None:
                new = _cut_prefix(text, ui)
            if new is not None:
                text, changed = new, True
                break
    return text.strip()


def _cut_suffix(text: str, ui: str) -> str | None:
    # Where the plain text ends: skip trailing tags, whitespace and separator junk.
    end = len(text)
    while True:
        m = re.search(r"(?:\s|</?[abi]\d+>|[|·•])+$", text[:end])
        if not m or m.start() == end:
            break
        end = m.start()
    body = text[:end]
    start = len(body) - len(ui)
    if start < 0 or not _same(body[start:], ui):
        return None
    before = body[:start]
    if not _boundary_before(before, body[start:], ui):
        return None
    # Keep any tags that followed (they close marks opened earlier); drop separators.
    return _rstrip_junk(before) + _tags_only(text[end:])


def _cut_prefix(text: str, ui: str) -> str | None:
    m = _TAGS_AND_SPACE.match(text)
    lead_end = m.end() if m else 0
    body = text[lead_end:]
    if len(body) < len(ui) or not _same(body[: len(ui)], ui):
        return None
    after = body[len(ui) :]
    if not _boundary_after(body[: len(ui)], after, ui):
        return None
    return _tags_only(text[:lead_end]) + _lstrip_junk(after)


def _same(candidate: str, ui: str) -> bool:
    return candidate.casefold() == ui.casefold()


def _boundary_before(before: str, found: str, ui: str) -> bool:
    visible = strip_placeholders(before)
    if not visible.strip():
        return True
    last = visible[-1]
    if not last.isalnum():
        return True
    # Glued: "mattersCopy link" – exact casing, capital after lowercase or digit.
    return found == ui and found[0].isupper() and (last.islower() or last.isdigit())


def _boundary_after(found: str, after: str, ui: str) -> bool:
    visible = strip_placeholders(after)
    if not visible.strip():
        return True
    first = visible[0]
    if not first.isalnum():
        return first not in "'’-"  # "Advertisement's" is a word, not a button
    # Glued: "AdvertisementThe council" – exact casing, ends lowercase, next is capital.
    return found == ui and found[-1].islower() and first.isupper()


def _rstrip_junk(text: str) -> str:
    """Drop separators left at the end, never the ">" of a placeholder tag."""
    while text and text[-1] in _EDGE_JUNK and not (text[-1] == ">" and re.search(r"</?[abi]\d+>$", text)):
        text = text[:-1]
    return text


def _lstrip_junk(text: str) -> str:
    start = 0
    while start < len(text) and text[start] in _EDGE_JUNK:
        start += 1
    return text[start:]


def _tags_only(text: str) -> str:
    return "".join(m.group(0) for m in PLACEHOLDER_RE.finditer(text))


# ---------------------------------------------------------------------------------------
# Furniture anywhere (for checks on translations)


@cache
def searched_strings(languages: tuple[str, ...]) -> tuple[str, ...]:
    """The UI strings ``find_furniture`` looks for, longest first."""
    found = set(_all(languages, "ui_strings")) | {s for s in _all(languages, "standalone") if len(s.split()) >= 2}
    return tuple(sorted(found, key=len, reverse=True))


def find_furniture(text: str, languages: Sequence[str] | None = None) -> str | None:
    """The first known UI string that occurs in ``text`` as whole words, or None.

    Meant for checks: a translation that contains "Copy link" or its French counterpart
    "Copier le lien" carries furniture the source did not.  Only the distinctive
    ``ui_strings`` are searched, with their own capitalisation (interface labels are
    capitalised; "la publicité" in a sentence is not the "Publicité" label); of the
    ``standalone`` strings only those of two words or more ("Read more", "Sign in") are
    searched, the one-word ones ("Menu", "Share") being too common.  ``languages``
    defaults to every language in the data file.
    """
    langs = known_languages() if languages is None else languages
    plain = " ".join(unicodedata.normalize("NFKC", strip_placeholders(text)).split())
    for ui in searched_strings(tuple(langs)):
        # As whole words, or glued to a neighbouring word the way a button inside a
        # heading ends up ("mattersCopy link", "AdvertisementThe council").
        before = r"(?:(?<!\w)|(?<=[a-z0-9]))"
        after = r"(?:(?!\w)|(?=[A-Z]))" if ui[-1].islower() else r"(?!\w)"
        if re.search(before + re.escape(ui) + after, plain):
            return ui
    return None


# ---------------------------------------------------------------------------------------
# Other locale knowledge


def key_point_label(text: str, languages: Sequence[str] = DEFAULT_LANGUAGES) -> bool:
    """True for a heading or line that introduces key points ("Key points", "At a glance:")."""
    bare = _bare(text)
    return bool(bare) and bare in {label.casefold() for label in _all(languages, "key_point_labels")}


def byline_prefixes(languages: Sequence[str] = DEFAULT_LANGUAGES) -> list[str]:
    return sorted(_all(languages, "byline_prefixes"), key=len, reverse=True)


def dateline_prefixes(languages: Sequence[str] = DEFAULT_LANGUAGES) -> list[str]:
    return sorted(_all(languages, "dateline_prefixes"), key=len, reverse=True)


def month_number(word: str, languages: Sequence[str] = DEFAULT_LANGUAGES) -> int | None:
    """1–12 for a month name or abbreviation ("June", "Sept.", "dec"), else None."""
    folded = word.rstrip(".").casefold()
    for lang in languages:
        for number, names in enumerate(language_furniture(lang).months, start=1):
            if folded in (n.casefold() for n in names):
                return number
    return None


def weekday_names(languages: Sequence[str] = DEFAULT_LANGUAGES) -> list[str]:
    return _all(languages, "weekdays")


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def class_words(value: str) -> list[list[str]]:
    """Split a class or id attribute into lowercase word lists, one per token.

    ``"ad-slot articleShareBar"`` → ``[["ad", "slot"], ["article", "share", "bar"]]``.
    """
    out = []
    for token in value.split():
        token = _CAMEL.sub("-", token)
        words = [w for w in re.split(r"[-_:.]+", token.lower()) if w]
        if words:
            out.append(words)
    return out


def matches_words(value: str, patterns: Iterable[tuple[str, ...]]) -> bool:
    """True when a class/id value contains one of ``patterns`` as consecutive words."""
    tokens = class_words(value)
    for pattern in patterns:
        n = len(pattern)
        for words in tokens:
            if any(tuple(words[i : i + n]) == pattern for i in range(len(words) - n + 1)):
                return True
    return False
