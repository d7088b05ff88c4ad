"""Spelling (hunspell) and French grammar (Grammalecte).

Dictionaries come from Debian's ``hunspell-*`` packages (``/usr/share/hunspell``), read
through the ``chunspell`` binding; the dictionary name and a small allow list per
language live in the ``[spelling]`` table of ``relais/locales/<code>/pack.toml`` (the
first of its ``dictionaries`` found is used), the grammar checker in its ``[grammar]``.  Grammalecte
comes from Debian's ``python3-grammalecte``, which installs into the system Python; it is
pure Python, so :func:`grammalecte_engine` imports just that one package from
``/usr/lib/python3/dist-packages`` into our interpreter (no subprocess: 0.3 s to load
once, ~20 ms a sentence).  When a dictionary or Grammalecte is missing the check quietly
does not apply: spelling is a convenience, never a gate.

Names are the main source of noise, so a word is skipped when it is capitalised
(except at the start of a sentence), all capitals, appears in the source segment, or is
on the allow list.  Both checks are MINOR.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from relais.text import hunspell
from relais.checks.base import CheckContext, Finding, PackLocales, SegmentCheck, SegmentPair, Severity
from relais.locales import Pack, derived, get_pack

DICTIONARY_DIRS = (Path("/usr/share/hunspell"), Path("/usr/share/myspell/dicts"), Path("/usr/share/myspell"))
GRAMMALECTE_DIR = Path("/usr/lib/python3/dist-packages/grammalecte")

# A word: letters, possibly joined by apostrophes or hyphens (l’été, peut-être).
# Letters not glued to a digit: the "er" of "1er", the "e" of "XXe" or "3e" is an ordinal suffix.
WORD_RE = re.compile(r"(?<!\d)[^\W\d_]+(?:['’\-‑][^\W\d_]+)*")
URL_RE = re.compile(r"(?:https?://|ftp://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\S+\.(?:com|org|net|fr|de|es|it|pt|uk|io)\b\S*")
# Between a sentence end and the next word: spaces, quotes, brackets, dashes.
LEAD_IN = frozenset(" \u00a0\u202f\u2009\t«»„“”\"'‘’([{—–-¿¡*")
SENTENCE_END = frozenset(".!?…:")
# Elided articles and pronouns written with an apostrophe (French, Italian, Portuguese).
APOSTROPHES = "'’"
# hunspell's own ``suggest`` for words more than one edit away: off, because it costs
# 0.2–0.5 s a word and, on the rare-but-correct words that make up most unknown words in
# human text, proposes unrelated words (antimafia → matifiant).  Measured on FLORES dev:
# 4–10× faster without it.
FULL_HUNSPELL_SUGGESTIONS = False


# --- per-language data ------------------------------------------------------------------


@dataclass(frozen=True)
class SpellingData:
    dictionaries: tuple[str, ...]  # first found first used
    allow: frozenset[str]
    capitalised_are_names: bool = True  # False in German, which capitalises nouns


@derived
def spelling_data(lang: str) -> SpellingData | None:
    pack = get_pack(lang)
    if pack is None or not pack.dictionaries:
        return None
    # The pack's own lines (its disclosure lines and unreviewed notice) are its language
    # as Relais writes it: their words are never unknown ("KI-Werkzeuge" in German).
    own = " ".join([*pack.disclosure.values(), pack.unreviewed or ""])
    allow = frozenset(w.casefold() for w in pack.spelling_allow) | _words_of_lines(own)
    return SpellingData(pack.dictionaries, allow, not pack.capitalises_nouns)


def _words_of_lines(text: str) -> frozenset[str]:
    """Every word of ``text`` folded, whole ("KI-Werkzeuge") and in its parts."""
    whole = re.findall(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", text)
    return frozenset(w.casefold() for w in whole + re.findall(r"[^\W\d_]+", text))


def _has_dictionary(pack: Pack) -> bool:
    return bool(pack.dictionaries)


def _grammalecte(pack: Pack) -> bool:
    return pack.grammar == "grammalecte"


class Speller:
    """One hunspell dictionary, with memoised lookups (news repeats its words).

    Suggestions: hunspell's own ``suggest`` costs 0.2–0.5 s a word (its n-gram search
    runs to a time limit), so the words one edit away from the unknown word, in the
    order of the dictionary's ``TRY`` letters, are tried with ``spell`` instead (~10 ms):
    the first one hunspell accepts is the suggestion (see FULL_HUNSPELL_SUGGESTIONS).
    """

    def __init__(self, hunspell: Any, data: SpellingData, letters: str):
        self._hunspell = hunspell
        self.allow = data.allow
        self.capitalised_are_names = data.capitalised_are_names
        self.letters = letters
        self.full_suggestions = FULL_HUNSPELL_SUGGESTIONS
        self.known = lru_cache(maxsize=50_000)(self._known)
        self.first_suggestion = lru_cache(maxsize=5_000)(self._first_suggestion)

    def _known(self, word: str) -> bool:
        word = word.replace("’", "'")
        if word.casefold() in self.allow or self._hunspell.spell(word):
            return True
        # Elision or compound the dictionary does not list whole: every part must be a word
        # (the elided article "l'", "dell'" is checked without its apostrophe form).
        parts = [p for p in re.split(r"['\-‑]", word) if p]
        if len(parts) < 2:
            return False
        return all(p.casefold() in self.allow or self._hunspell.spell(p) or self._hunspell.spell(p + "'") for p in parts)

    def _first_suggestion(self, word: str) -> str | None:
        word = word.replace("’", "'")
        for candidate in one_edit_away(word, self.letters):
            if self._hunspell.spell(candidate):
                return candidate
        if not self.full_suggestions:
            return None
        suggestions = self._hunspell.suggest(word)
        return suggestions[0] if suggestions else None


def one_edit_away(word: str, letters: str):
    """Words one edit from ``word``, likeliest typos first: swapped letters, then a
    missing, an extra or a wrong letter (wrong accents included)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    for a, b in splits:  # transposition
        if len(b) > 1 and b[0] != b[1]:
            yield a + b[1] + b[0] + b[2:]
    for a, b in splits:  # insertion (a letter left out)
        for c in letters:
            yield a + c + b
    for a, b in splits:  # deletion (a doubled or stray letter)
        if b:
            yield a + b[1:]
    for a, b in splits:  # replacement (wrong key, wrong accent)
        if b:
            for c in letters:
                if c != b[0]:
                    yield a + c + b[1:]


def _try_letters(aff: Path) -> str:
    """Lower-case letters of the .aff ``TRY`` line (the dictionary's letter frequency order)."""
    with aff.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("TRY "):
                return "".join(dict.fromkeys(c for c in line[4:].strip() if c.isalpha() and c.islower()))
    return "esaitnrulodcmpévqfgbhàxèjyêçôîâùûœïëüáöóíñ"


@derived
def speller_for(lang: str) -> Speller | None:
    data = spelling_data(lang)
    if data is None:
        return None
    for name in data.dictionaries:
        for directory in DICTIONARY_DIRS:
            if (directory / f"{name}.dic").exists() and (directory / f"{name}.aff").exists():
                dictionary = hunspell.load(name, str(directory))
                if dictionary is not None:
                    return Speller(dictionary, data, _try_letters(directory / f"{name}.aff"))
    return None


# --- which words to look at ------------------------------------------------------------


def _at_sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in LEAD_IN:
        i -= 1
    return i < 0 or text[i] in SENTENCE_END


def _source_words(source: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in WORD_RE.findall(source))


def candidate_words(pair: SegmentPair, allow: frozenset[str], capitalised_are_names: bool = True):
    """(start, end, word, capitalised mid-sentence) in ``pair.target_plain`` that a
    dictionary should know."""
    text = pair.target_plain
    fenced = [m.span() for m in URL_RE.finditer(text)]
    source = _source_words(pair.source_plain)
    for m in WORD_RE.finditer(text):
        word = m.group()
        if len(word) < 2 or any(s <= m.start() < e for s, e in fenced):
            continue
        if word.isupper():
            continue  # an acronym
        capitalised = word[0].isupper() and not _at_sentence_start(text, m.start())
        if capitalised and capitalised_are_names:
            continue  # a name
        if any(ch.isupper() for ch in word[1:]) and not word.isupper():
            continue  # iPhone, McDonald, Jean-Pierre
        folded = word.casefold()
        if folded in source or folded in allow or (folded.endswith("s") and folded[:-1] in source):
            continue  # a name from the source, also in the genitive (Nadals)
        if any(p in source for p in re.split(r"['’\-‑]", folded) if len(p) > 2 and p[0].isalpha()) and not word[0].islower():
            continue
        yield m.start(), m.end(), word, capitalised


class UnknownWord(SegmentCheck):
    """A word the language's hunspell dictionary does not know.

    id ``spelling.unknown`` · MINOR · languages whose pack names a dictionary (where it is
    installed).
    Names (capitalised words not at a sentence start, words in the source) are skipped.
    Example (fr): ``Le gouvernemnt a décidé.`` → suggestion ``gouvernement``.
    """

    compares = False  # reads the target alone
    id = "spelling.unknown"
    severity = Severity.MINOR
    locales = PackLocales(_has_dictionary)
    description = "word unknown to the hunspell dictionary (first suggestion offered)"

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        speller = speller_for(ctx.target_lang)
        if speller is None or not pair.target:
            return []
        findings = []
        for start, end, word, capitalised in candidate_words(pair, speller.allow, speller.capitalised_are_names):
            if speller.known(word):
                continue
            suggestion = speller.first_suggestion(word)
            if capitalised and suggestion is None:
                continue  # a German noun hunspell cannot build (a name, a new compound), not a typo
            findings.append(
                self.finding(pair, pair.target_offset(start), pair.target_offset(end - 1) + 1, f"unknown word: {word}", suggestion,
                             replaces=True)
            )
        return findings


# --- Grammalecte ---------------------------------------------------------------------------

# Grammalecte rule types about grammar proper; its typography, spacing and style rules
# (apos, nbsp, esp, typo, unit, maj, virg, pleo, tu…) overlap the typography check or
# are house style.
GRAMMAR_TYPES = frozenset({"gn", "conj", "ppas", "vmode", "infi", "imp", "inte", "conf", "sgpl"})


def _import_grammalecte() -> Any | None:
    """The ``grammalecte`` package: installed in this Python, or Debian's copy.

    Debian's ``python3-grammalecte`` lives in the system Python's dist-packages; adding
    that whole directory to ``sys.path`` would shadow our own dependencies, so only the
    ``grammalecte`` package itself is loaded from there.
    """
    if "grammalecte" in sys.modules:
        return sys.modules["grammalecte"]
    if importlib.util.find_spec("grammalecte") is not None:
        import grammalecte

        return grammalecte
    init = GRAMMALECTE_DIR / "__init__.py"
    if not init.exists():
        return None
    spec = importlib.util.spec_from_file_location("grammalecte", init, submodule_search_locations=[str(GRAMMALECTE_DIR)])
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules["grammalecte"] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules["grammalecte"]
        return None
    return module


@cache
def grammalecte_engine() -> Any | None:
    """Grammalecte's French grammar engine with only the grammar rule families on."""
    module = _import_grammalecte()
    if module is None:
        return None
    try:
        engine = module.GrammarChecker("fr").getGCEngine()
        engine.setOptions({option: option in GRAMMAR_TYPES for option in engine.getOptions()})
    except Exception:
        return None
    return engine


class FrenchGrammar(SegmentCheck):
    """A French grammar error found by Grammalecte (agreement, conjugation, confusion).

    id ``grammar.fr`` · MINOR · fr (when python3-grammalecte is installed).
    Grammalecte's message and first suggestion; its typography rules are left to the
    typography check.  Example: ``Les enfant mange.`` → suggestion ``enfants``.
    """

    compares = False  # reads the target alone
    id = "grammar.fr"
    severity = Severity.MINOR
    locales = PackLocales(_grammalecte)
    description = "French grammar error found by Grammalecte (agreement, conjugation, confusion)"

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        engine = grammalecte_engine()
        text = pair.target_plain
        if engine is None or not text.strip():
            return []
        source = pair.source_plain
        findings = []
        for error in engine.parse(text, "FR", bDebug=False):
            if error.get("sType") not in GRAMMAR_TYPES:
                continue
            start, end = error["nStart"], error["nEnd"]
            span = text[start:end]
            if not span or span in source:
                continue  # a name or a word left in English on purpose
            suggestions = error.get("aSuggestions") or []
            findings.append(
                self.finding(
                    pair,
                    pair.target_offset(start),
                    pair.target_offset(end - 1) + 1,
                    error.get("sMessage", "grammar"),
                    suggestions[0] if suggestions else None,
                    replaces=True,
                )
            )
        return findings


CHECKS = [UnknownWord, FrenchGrammar]
