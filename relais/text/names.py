"""Name analysis: the people, places and organisations of an English source, and where
they are in a translation (the names checks, the term checks and the termbase use it).

The source is English, so names are found by rule: capitalised word runs that do not
open a sentence (or that are known places or acronyms), with initials, titles, hyphens
and particles ("de", "van", "al-") inside.  Each name is then looked for in the target
with the tolerance a human translator needs: accents and transliteration (Lavrov →
Lawrow, Sergei → Sergueï), inflection (Putins), exonyms and changed acronyms from
each language pack's ``names.toml`` (London → Londres, NATO → OTAN).

Precision comes first: translators drop repeated names for pronouns, turn "U.S." into
"américain" and "the White House" into "la Maison-Blanche", so a name counts as present
when any of its distinctive words is, and a name made only of translatable words
("Supreme Court") is not required at all.

No statistical NER is used: of the spaCy pipelines only the French one is published on
PyPI for current spaCy, and the source side (English) is where names must be found.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache, cached_property, lru_cache
from operator import itemgetter

from relais.errors import RelaisError
from relais.locales import SOURCE as SOURCE_LANG
from relais.locales import derived, get_pack, packs
from relais.text import hunspell

# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class NameData:
    """What the packs' ``names.toml`` files say, folded for comparison."""

    renderings: dict[str, dict[str, tuple[tuple[str, ...], ...]]]  # folded English key → lang → folded word tuples
    rendering_keys_by_word: dict[str, dict[str, frozenset[str]]]  # lang → folded word → keys it renders
    translatable: frozenset[str]  # folded English words that need not survive
    demonym_endings: tuple[str, ...]
    starters: frozenset[str]
    places: frozenset[str]  # folded places (multiword ones joined by spaces)
    demonyms: dict[str, str]  # folded "irish" → folded "ireland"
    place_words: dict[str, frozenset[str]]  # lang → folded one-word renderings of known places ("londres")
    weak_exceptions: frozenset[str]  # folded capitalised English words that are no names ("am", "tv")
    first_names: frozenset[str]  # folded common English given names ("john")
    feature_words: dict[str, frozenset[str]]  # lang → folded nouns opening a place name ("mar", "lago")
    name_openers: dict[str, frozenset[str]]  # lang → folded nouns a name follows ("stiftung", "firma"; German)
    place_prepositions: dict[str, re.Pattern]  # lang → a bare preposition before a place ("in", "nach"), at the end of a text
    place_anaphora: dict[str, re.Pattern]  # lang → how the target refers back to a place ("el país", "la città")
    nouns: dict[str, NounRules]  # lang → how a capitalised noun differs from a name (languages that capitalise nouns)


@dataclass(frozen=True)
class NounRules:
    """A pack's ``[nouns]`` (``names.toml`` of a language that capitalises nouns): a lone
    word the dictionary does not know is a new compound, not a name, when longer than
    ``name_max`` letters or ending like a noun (``endings``); a person's name has no word
    longer than ``person_max``."""

    name_max: int = 1000
    person_max: int = 1000
    endings: tuple[str, ...] = ()

    @classmethod
    def load(cls, data: dict) -> NounRules:
        return cls(int(data.get("name_max", cls.name_max)), int(data.get("person_max", cls.person_max)),
                   tuple(fold(e) for e in data.get("endings", ())))  # fmt: skip


def _missing_source():
    raise RelaisError(f"the language pack '{SOURCE_LANG}' has no names.toml (the names checks need it)")


@derived
def name_data() -> NameData:
    """What the packs know of names: the source pack's lists, each target's renderings."""
    source = (get_pack(SOURCE_LANG) or _missing_source()).known_names or _missing_source()
    targets = {code: pack.known_names for code, pack in packs().items() if pack.is_target and pack.known_names}
    renderings: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = {}
    by_word: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for lang, known in targets.items():
        for english, forms in known.get("renderings", {}).items():
            key = fold(english)
            tokenised = tuple(tuple(fold(w) for w in WORD_RE.findall(form)) + (("*",) if form.endswith("*") else ()) for form in forms)
            renderings.setdefault(key, {})[lang] = tokenised
            for form in tokenised:
                for word in form:
                    if word != "*":
                        by_word[lang][word].add(key)
    raw = source
    places = set()
    for place in raw["places"]["names"]:
        words = [fold(w) for w in WORD_RE.findall(place)]
        places.add(" ".join(words))
    return NameData(
        renderings=renderings,
        rendering_keys_by_word={lang: {w: frozenset(k) for w, k in words.items()} for lang, words in by_word.items()},
        translatable=frozenset(fold(w) for w in raw["english"]["translatable"]),
        demonym_endings=tuple(raw["english"]["demonym_endings"]),
        starters=frozenset(raw["english"]["starters"]),
        places=frozenset(places),
        demonyms={fold(k): fold(v) for k, v in raw.get("demonyms", {}).items()},
        place_words={
            lang: frozenset(form[0] for per_lang in renderings.values() for form in per_lang.get(lang, ()) if len(form) == 1)
            for lang in by_word
        },
        weak_exceptions=frozenset(fold(w) for w in raw["english"].get("not_names", ())),
        first_names=frozenset(fold(w) for w in raw["english"].get("first_names", ())),
        feature_words={lang: frozenset(fold(w) for w in known.get("place_words", ())) for lang, known in targets.items()},
        name_openers={lang: frozenset(fold(w) for w in (*known.get("place_words", ()), *known.get("name_openers", ())))
                      for lang, known in targets.items()},
        place_prepositions={lang: re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, known["place_prepositions"])) + r")\s+$")
                            for lang, known in targets.items() if known.get("place_prepositions")},
        place_anaphora={lang: _anaphora_re(known["place_anaphora"]) for lang, known in targets.items() if known.get("place_anaphora")},
        nouns={lang: NounRules.load(n) for lang, known in targets.items() if (n := known.get("nouns"))},
    )


def _noun_rules(lang: str) -> NounRules:
    return name_data().nouns.get(lang) or _NO_NOUN_RULES


_NO_NOUN_RULES = NounRules()


def _anaphora_re(data: dict) -> re.Pattern:
    """A determiner ("el", "l’": no space after an apostrophe), then a noun ("país")."""
    determiners = "|".join(re.escape(d) + ("" if d.endswith(("'", "’")) else r"\s+")
                           for d in sorted(data["determiners"], key=len, reverse=True))  # fmt: skip
    nouns = "|".join(re.escape(n) for n in sorted(data["nouns"], key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{determiners})(?:{nouns})(?!\w)", re.IGNORECASE)


def place_anaphor(text: str, lang: str) -> str | None:
    """The first words of ``text`` that refer back to a place named before ("el país")."""
    pattern = name_data().place_anaphora.get(lang)
    m = pattern.search(text) if pattern else None
    return m.group() if m else None


# --------------------------------------------------------------------------- English dictionary


@cache
def _english_dictionary():
    """The en_US Hunspell dictionary that chunspell ships, or None without chunspell."""
    return hunspell.load("en_US")


@derived(maxsize=65536)
def is_common_english(word: str) -> bool:
    """Whether a word is an ordinary English word in lower case ("falls", "curse"), so a
    translator may translate it even when it is capitalised in a name ("Niagara Falls")."""
    folded = fold(word)
    if folded in name_data().translatable:
        return True
    dictionary = _english_dictionary()
    return dictionary is not None and dictionary.spell(word.lower())


# Hunspell dictionaries of the target languages (Debian hunspell-fr, hunspell-de-de, …):
# the ``dictionaries`` of each language pack's ``[spelling]``.
HUNSPELL_DIR = "/usr/share/hunspell"


@derived
def _target_dictionary(lang: str):
    pack = get_pack(lang)
    for name in pack.dictionaries if pack else ():
        dictionary = hunspell.load(name, HUNSPELL_DIR)
        if dictionary is not None:
            return dictionary
    return None


@derived(maxsize=65536)
def known_target_word(word: str, lang: str) -> bool | None:
    """Whether the target language's dictionary knows a word (as written or in lower
    case); None when there is no dictionary for the language."""
    dictionary = _target_dictionary(lang)
    if dictionary is None:
        return None
    if dictionary.spell(word) or dictionary.spell(word.lower()):
        return True
    # A capital written without its accent ("Etat" for "État"), as French often does.
    accented = _ACCENTED_CAPITALS.get(word[:1])
    return bool(accented) and any(dictionary.spell(a + word[1:]) for a in accented)


_ACCENTED_CAPITALS = {"E": "ÉÈÊ", "A": "ÀÂ", "I": "Î", "O": "Ô", "U": "Û"}


# --------------------------------------------------------------------------- words

WORD_RE = re.compile(r"[^\W\d_]+")
# Lower-case words that may sit inside a name: "Charles de Gaulle", "Ursula von der Leyen".
PARTICLES = frozenset("de del della der di da das do dos du la le van von ten ter al el bin ibn y e zu".split())
# What may separate two words of one name: a space, a hyphen, an apostrophe, or an initial's dot.
JOINER_RE = re.compile(r"(?:\s|[-‐'’]|\.\s?)")
SENTENCE_END = frozenset(".!?:;…")
OPENERS = frozenset("\"'“”‘’«»„‚¿¡([{—–-* \t\n")
_FOLD_EXTRA = str.maketrans({"ß": "ss", "œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i", "Œ": "oe", "Æ": "ae", "Ø": "o", "Ł": "l"})


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case without accents: 'Sergueï' → 'serguei', 'München' → 'munchen'."""
    if text.isascii():
        return text.lower()
    text = text.translate(_FOLD_EXTRA)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_SKELETON_RULES = [(re.compile(p), r) for p, r in [("ph", "f"), ("ck", "k"), ("[cqg]h", "k"), ("[cq]", "k"), ("x", "ks"), ("w", "v"), ("z", "s"), ("[jy]", "i"), ("h", ""), ("(.)\\1+", "\\1")]]
_VOWELS_RE = re.compile(r"(?<=.)[aeiou]")


@lru_cache(maxsize=65536)
def skeleton(folded: str) -> str:
    """Consonant outline surviving transliteration: 'lavrov'/'lawrow' → 'lvrv', 'putin'/'poutine' → 'ptn'."""
    s = folded
    for pattern, repl in _SKELETON_RULES:
        s = pattern.sub(repl, s)
    return undoubled(_VOWELS_RE.sub("", s))


def undoubled(folded: str) -> str:
    """A spelling with doubled letters written once: 'velocirraptor' → 'velociraptor'."""
    return _DOUBLED_RE.sub(r"\1", folded)


_DOUBLED_RE = re.compile(r"(.)\1+")


class Word(tuple):
    """A word of a plain text: ``Word((text, start, end, folded))``.  A tuple, because
    thousands are made per article and a tuple is built in C."""

    __slots__ = ()
    text: str = property(itemgetter(0))  # type: ignore[assignment]
    start: int = property(itemgetter(1))  # type: ignore[assignment]  # into the plain text
    end: int = property(itemgetter(2))  # type: ignore[assignment]
    folded: str = property(itemgetter(3))  # type: ignore[assignment]

    @property
    def capitalised(self) -> bool:
        return self[0][0].isupper()

    @property
    def acronym(self) -> bool:
        text = self[0]
        return len(text) >= 2 and text.isupper()


ABBREVIATIONS = frozenset("mr mrs ms dr st prof gen col capt lt sgt sen rep gov rev jr sr cllr".split())


def joins(text: str, left: Word, right: Word) -> bool:
    """Whether two words can belong to one name: "Jean-Claude", "J. R. R. Tolkien", "Dr. Ali"."""
    gap = text[left.end : right.start]
    if gap.startswith("."):
        return (len(left.text) == 1 or left.folded in ABBREVIATIONS) and gap in (".", ". ")
    return JOINER_RE.fullmatch(gap) is not None


@lru_cache(maxsize=8192)
def _words_of(text: str) -> tuple[Word, ...]:
    if text.isascii():  # most sources: fold the text once and slice it
        lower = text.lower()
        return tuple(Word((m.group(), m.start(), m.end(), lower[m.start() : m.end()])) for m in WORD_RE.finditer(text))
    return tuple(Word((m.group(), m.start(), m.end(), fold(m.group()))) for m in WORD_RE.finditer(text))


def words_of(text: str) -> list[Word]:
    return list(_words_of(text))


def opens_sentence(text: str, start: int) -> bool:
    """True when only quotes/brackets separate ``start`` from the text start or a sentence
    end, or when an opening quotation mark does (quoted speech: 'said "Today we…'')."""
    i = start - 1
    while i >= 0 and text[i] in OPENERS:
        if text[i] in QUOTE_OPENERS:
            return True
        i -= 1
    return i < 0 or text[i] in SENTENCE_END


QUOTE_OPENERS = frozenset('"“«„‚‘')


def tokens_match(source: str, target: str) -> bool:
    """Whether a folded target word can render a folded source word."""
    if source == target:
        return True
    if len(source) >= 3 and target.startswith(source) and len(target) - len(source) <= 3:
        return True  # inflection: Putins, Merkels, Lavrova
    if len(target) >= 4 and source.startswith(target) and len(source) - len(target) <= 2:
        return True  # English plural or possessive left on: Kennedys
    if len(source) < 4 or len(target) < 3:
        return False
    sk_source, sk_target = skeleton(source), skeleton(target)
    if len(sk_source) >= 3 and sk_target.startswith(sk_source) and len(sk_target) - len(sk_source) <= 1:
        return True  # Lavrov / Lawrow, Bucharest / Bukarester
    if source[0] == target[0] and abs(len(source) - len(target)) <= len(source) // 2:
        return _ratio(source, target) >= 0.75
    if source[0] != target[0] and (source[:2] in _LIGATURES or target[:2] in _LIGATURES):
        return tokens_match(unligature(source), unligature(target))  # Ethelred / Æthelred, Oedipus / Edipo
    return False


# Ligatures folded to two letters (Æ → ae, Œ → oe) that other spellings write as "e".
_LIGATURES = ("ae", "oe")


def unligature(folded: str) -> str:
    return "e" + folded[2:] if folded[:2] in _LIGATURES else folded


@lru_cache(maxsize=65536)
def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


# --------------------------------------------------------------------------- names in the source


@dataclass(frozen=True, eq=False)
class SourceName:
    text: str
    words: tuple[Word, ...]
    key: str  # folded full text, e.g. "sergei lavrov"

    @cached_property
    def distinctive(self) -> tuple[Word, ...]:
        """Words a rendering must keep: not titles, months or institution words."""
        return tuple(
            w for w in self.words
            if w.acronym or (len(w.text) >= 3 and w.folded not in PARTICLES and not is_common_english(w.text) and not _is_demonym(w))
        )

    @cached_property
    def weak(self) -> tuple[Word, ...]:
        """Words that mark a name although ``required`` does not insist on them: names with
        a nationality ending ("Raonic"), acronyms of unknown rendering ("PBS"), and the
        words of a person's name made of ordinary English words ("John Grant").  Not
        titles, months, institution words or other ordinary words ("King of Clay",
        "Drivers' Championship"), which are translated."""
        data = name_data()
        words = [
            w for w in self.words
            if len(w.text) >= 2 and w.folded not in PARTICLES and w.folded not in data.translatable
            and w.folded not in data.demonyms and w.folded not in data.weak_exceptions and w.text not in data.starters
            and w.folded not in OPTIONAL_NAMES and not (w.acronym and _SOURCE_ROMAN_RE.fullmatch(w.text))
        ]
        if len(words) >= 2 and words[0].folded in data.first_names and words[0] is self.words[0]:
            return tuple(w for w in words if not w.acronym)  # "John Grant"
        strong = tuple(w for w in words if _weak_name_word(w))
        if strong:
            return strong
        # Two or more capitalised words inside a sentence, not all of them translatable:
        # a title or brand ("Northern Rock", "The Guardian"), kept as written by
        # translators; not when a nationality or number word makes it a description
        # ("Hungarian Grand Prix", "Seventh Fleet") or it holds initials ("U.S. Speaker").
        if len(self.words) < 2 or any(len(w.text) < 2 for w in self.words):
            return ()
        if any(w.folded in NUMBER_WORDS or _demonym_text(w.text) or (w.folded in data.translatable and w.folded.endswith(data.demonym_endings)) for w in self.words):
            return ()  # "Roman Medical Corps"
        return tuple(words)


_SOURCE_ROMAN_RE = re.compile(r"[IVXLC]+")
# Number words make a capitalised run descriptive ("Seventh Fleet", "Five Lands").
NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million first second third fourth fifth sixth seventh eighth ninth tenth".split()
)


def _weak_name_word(word: Word) -> bool:
    """An acronym, or a word that is no ordinary English word in lower case and no
    nationality word ("Raonic" but not "Falls", "Hungarian")."""
    if word.acronym:
        return True
    if len(word.text) < 3:
        return False
    dictionary = _english_dictionary()
    if dictionary is None:
        return False
    if _english_lower(word.folded):
        return False
    return not _demonym_text(word.text)


@derived(maxsize=65536)
def _english_lower(folded: str) -> bool:
    dictionary = _english_dictionary()
    return dictionary is not None and dictionary.spell(folded)


@derived(maxsize=65536)
def _english_known(text: str) -> bool:
    dictionary = _english_dictionary()
    return dictionary is not None and dictionary.spell(text)


@derived(maxsize=65536)
def _demonym_text(text: str) -> bool:
    """A nationality, language or religion word: one of the endings, and known to the
    English dictionary ("Catalan", "Israelis" as "Israeli" + s), so that names with
    those endings stay names ("Raonic", "Minneapolis", "Pittman")."""
    data = name_data()
    folded = fold(text)
    if folded in data.demonyms:
        return True
    if not folded.endswith(data.demonym_endings) or folded.endswith(("man", "men")):
        return False
    if _english_dictionary() is None:
        return True  # without a dictionary, the endings alone
    if folded.endswith("s") and not folded.endswith("ese"):
        return _english_known(text[:-1])  # "Israelis", "Afghans", but not "Minneapolis"
    return _english_known(text)


def _is_demonym(word: Word) -> bool:
    data = name_data()
    if word.acronym or word.folded in data.renderings or word.folded in data.places:
        return False
    return _demonym_text(word.text)


def _particles_lead_to_name(text: str, words: list[Word], i: int) -> bool:
    """Whether the particles from ``words[i]`` on ("von der") lead to a capitalised word."""
    while i + 1 < len(words) and joins(text, words[i], words[i + 1]):
        if words[i + 1].capitalised:
            return True
        if words[i + 1].text not in PARTICLES:
            return False
        i += 1
    return False


def _title_case(text: str, words: list[Word]) -> bool:
    """Headline style ("Putin Meets Leaders In Paris"): a capitalised function word mid-sentence
    among mostly capitalised words ("newspaper The Guardian said" is not headline style)."""
    starters = name_data().starters
    if not any(
        w.text in starters and len(w.text) <= 5 and text[w.end : w.end + 1] in (" ", "") and not opens_sentence(text, w.start)
        for w in words
    ):
        return False
    long = [w for w in words if len(w.text) >= 4 and not opens_sentence(text, w.start)]
    return sum(w.text[0].isupper() for w in long) >= 0.6 * len(long)


POSSESSIVE_RE = re.compile(r"['’]s?\b")


@derived(maxsize=8192)
def source_names(text: str) -> tuple[SourceName, ...]:
    """Names in an English segment (plain text)."""
    data = name_data()
    words = words_of(text)
    title_case = _title_case(text, words)
    runs: list[list[Word]] = []
    run: list[Word] = []
    for i, word in enumerate(words):
        joined = bool(run) and joins(text, run[-1], word)
        if word.capitalised and not (run and not joined):
            run.append(word)
            continue
        if word.capitalised:  # a new run after a gap
            runs.append(run)
            run = [word]
            continue
        # A particle continues a run only when a capitalised word follows it; so does any
        # lower-case word between hyphens ("Jamaat-ul-Harar").
        if run and joined and word.text in PARTICLES and _particles_lead_to_name(text, words, i):
            run.append(word)
            continue
        if (
            run and i + 1 < len(words) and words[i + 1].capitalised
            and text[run[-1].end : word.start] == "-" and text[word.end : words[i + 1].start] == "-"
        ):
            run.append(word)
            continue
        if run:
            runs.append(run)
        run = []
    if run:
        runs.append(run)

    names: list[SourceName] = []
    for run in runs:
        if run[0].text in data.starters and opens_sentence(text, run[0].start):
            run = run[1:]
        while run and run[-1].text in PARTICLES:
            run = run[:-1]
        if not run:
            continue
        known = [w for w in run if w.acronym or w.folded in data.renderings or w.folded in data.places]
        if title_case:
            # Headline capitals tell nothing: keep only what is known to be a name.
            names.extend(SourceName(w.text, (w,), w.folded) for w in known)
            continue
        if opens_sentence(text, run[0].start):
            possessive = POSSESSIVE_RE.match(text, run[-1].end) is not None  # "Putin's speech"
            if len(run) == 1 and not possessive and not known:
                continue
        span = text[run[0].start : run[-1].end]
        names.append(SourceName(span, tuple(run), " ".join(w.folded for w in run)))
    return tuple(names)


# --------------------------------------------------------------------------- finding a name in the target


@dataclass(frozen=True)
class Located:
    start: int  # plain target offsets of the rendering
    end: int
    pairs: tuple[tuple[str, Word], ...] = ()  # (folded source word, target word) for word-by-word matches; empty for exonyms


def _find_form(form: tuple[str, ...], words: list[Word], compounds: bool = False) -> tuple[int, int] | None:
    stem = form[-1] == "*"
    parts = form[:-1] if stem else form
    n = len(parts)
    first = parts[0]
    for i in range(len(words) - n + 1):
        t = words[i].folded
        if not t.startswith(first[:2]) and not (compounds and n == 1 and len(first) >= 5 and first in t):
            continue  # quick rejection: most words share nothing with the form
        ok = True
        for j, part in enumerate(parts):
            t = words[i + j].folded
            last = j == n - 1
            if not (t == part or (t.startswith(part) and (stem and last or len(t) - len(part) <= 2))):
                # German compounds: "Nordestland" for Estland, "Südwestasiens" for Asien
                if not (compounds and n == 1 and len(part) >= 5 and _compound_of(t, part, stem)):
                    ok = False
                    break
        if ok:
            return words[i].start, words[i + n - 1].end
    return None


def _compound_of(word: str, part: str, stem: bool) -> bool:
    at = word.find(part, 3)
    return at >= 3 and (stem or len(word) - at - len(part) <= 2)


def _known_renderings(key: str, lang: str) -> tuple[tuple[str, ...], ...]:
    data = name_data()
    key = key.replace(" ", "") if len(key.replace(" ", "")) <= 4 and " " in key else key  # "U S" → "us"
    forms = data.renderings.get(key, {}).get(lang, ())
    return forms


def _find_known(key: str, target_words: list[Word], lang: str) -> tuple[int, int] | None:
    compounds = capitalises_nouns(lang)
    for form in _known_renderings(key, lang):
        hit = _find_form(form, target_words, compounds)
        if hit:
            return hit
    return None


def locate(name: SourceName, target_words: list[Word], lang: str, words: tuple[Word, ...] | None = None) -> Located | None:
    """Where the target renders a source name (judged by its distinctive words, or by
    ``words``), or None."""
    data = name_data()
    for key in (name.key, name.key.removeprefix("the ")):
        hit = _find_known(key, target_words, lang)
        if hit:
            return Located(*hit)
    matched: list[tuple[str, Word]] = []
    for sw in name.distinctive if words is None else words:
        if sw.acronym:
            target = next((t for t in target_words if t.folded == sw.folded), None)
            if target is None:  # letters reordered by the language: IOC → CIO, AU → UA
                target = next((t for t in target_words if t.acronym and sorted(t.folded) == sorted(sw.folded)), None)
            if target is None:
                hit = _find_known(sw.folded, target_words, lang)
                if hit:
                    return Located(*hit)
        else:
            target = next((t for t in target_words if t.folded == sw.folded), None)
            if target is None and len(sw.folded) >= 3:
                # Capitalised words only: a name does not hide in "standard" (Stanford).
                target = next((t for t in target_words if t.text[0].isupper() and tokens_match(sw.folded, t.folded)), None)
            if target is None and sw.folded in data.renderings:
                hit = _find_known(sw.folded, target_words, lang)
                if hit:
                    return Located(*hit)
        if target is not None:
            matched.append((sw.folded, target))
    if not matched:
        return None
    return Located(min(t.start for _, t in matched), max(t.end for _, t in matched), tuple(matched))


def _trace_of(name: SourceName, target_words: list[Word], lang: str, words: tuple[Word, ...] | None = None) -> bool:
    """A weaker sign that the name was rendered, enough to keep quiet about it: an exonym
    we do not list (Cambodia → Kambodscha), an adjective (Texas → texanischen), a German
    compound (Europe → Südosteuropa), "Hongkong".  ``target_words`` leaves out the words
    that render other names of the source (Zambie is not a trace of Zimbabwe)."""
    joined = name.key.replace(" ", "")
    if any(tw.folded == joined for tw in target_words):
        return True
    words = [w for w in (name.distinctive if words is None else words) if not w.acronym]
    # A full name needs a trace of its last word ("Horrocks"), not of "Jeremiah" in "Jahr".
    for sw in words[-1:]:
        sk = skeleton(sw.folded)
        # German capitalises every noun: three consonants must agree there (Palermo is not Polizei).
        outline = 3 if capitalises_nouns(lang) and len(sk) >= 3 else 2
        stem = sw.folded[:4]
        for i, tw in enumerate(target_words):
            if tw.capitalised and len(tw.text) >= 4 and skeleton(tw.folded)[:outline] == sk[:outline] and not _in_capitalised_run(target_words, i, lang):
                return True  # a lone word: place exonyms are; "Helmut Brandauer" for "Baerbock" is not
            if len(sw.folded) >= 5 and len(tw.folded) >= 6 and stem in tw.folded:
                return True
    return False


def _in_capitalised_run(words: list[Word], i: int, lang: str) -> bool:
    # Short capitalised neighbours are articles opening a sentence ("La Lettonie").
    before = i > 0 and words[i - 1].capitalised and len(words[i - 1].text) > 3 and words[i].start - words[i - 1].end <= 1
    after = i + 1 < len(words) and words[i + 1].capitalised and len(words[i + 1].text) > 3 and words[i + 1].start - words[i].end <= 1
    return before or after


def required(name: SourceName) -> bool:
    """Whether the target must show this name.

    Not required: names made of ordinary English words ("Supreme Court", "Cape Town"),
    nationality words, and acronyms other than well-known ones whose rendering we know
    (translators expand "CCTV", write "30 dollars" for "US$30").  Those are only looked
    for as weak names (see ``SourceName.weak``).
    """
    data = name_data()
    if name.key in data.renderings:
        return name.key not in OPTIONAL_NAMES
    distinctive = [w for w in name.distinctive if not w.acronym or (w.folded in data.renderings and w.folded not in OPTIONAL_NAMES)]
    if not distinctive:
        return False
    return True


# Often turned into an adjective or dropped by good translators ("US$30" → "30 dollars").
OPTIONAL_NAMES = frozenset({"us", "usa", "uk", "u s", "america", "britain"})


# --------------------------------------------------------------------------- names in the target


@dataclass(frozen=True, eq=False)
class TargetName:
    start: int
    end: int
    words: tuple[Word, ...]

    @property
    def text_folded(self) -> str:
        return " ".join(w.folded for w in self.words)


def target_name_runs(text: str, words: list[Word], lang: str = "") -> list[TargetName]:
    """Capitalised word runs of a target segment that do not open a sentence (or that
    open it with a word the target dictionary does not know: "Maelstad a déclaré")."""
    runs: list[TargetName] = []
    run: list[Word] = []

    def close() -> None:
        while run and run[-1].text in PARTICLES:
            run.pop()
        if run:
            runs.append(TargetName(run[0].start, run[-1].end, tuple(run)))

    n = len(words)
    for i, word in enumerate(words):
        if not word.text[0].isupper():
            if run and word.text in PARTICLES and joins(text, run[-1], word):
                run.append(word)
            elif run:
                close()
                run = []
            continue
        joined = bool(run) and joins(text, run[-1], word)
        if not joined and opens_sentence(text, word.start):
            nxt = words[i + 1] if i + 1 < n else None
            hyphenated = nxt is not None and nxt.capitalised and text[word.end : nxt.start] in ("-", "‐")  # Jean-Claude
            if not hyphenated and not (lang and len(word.text) >= 4 and not word.acronym and known_target_word(word.text, lang) is False):
                close()
                run = []
                continue
        if len(word.text) == 1 and not joined and not run:
            continue
        if run and not joined:
            close()
            run = []
        run.append(word)
    close()
    return runs


# --------------------------------------------------------------------------- analysis of one pair


@dataclass
class PairAnalysis:
    missing: list[SourceName] = field(default_factory=list)  # required names, absent
    weak_missing: list[SourceName] = field(default_factory=list)  # other names, absent (reported as minor)
    invented: list[TargetName] = field(default_factory=list)  # unexplained person-like runs and known places
    unexplained: list[TargetName] = field(default_factory=list)  # any capitalised run the source does not explain
    located: list[tuple[SourceName, Located]] = field(default_factory=list)
    swaps: list[tuple[SourceName, TargetName, bool]] = field(default_factory=list)  # (missing name, run in its place, weak)


def capitalises_nouns(lang: str) -> bool:
    """Whether the language capitalises every noun (its pack says so): a lone capitalised
    word there is not a name signal."""
    pack = get_pack(lang)
    return pack is not None and pack.capitalises_nouns


def _initials(name: SourceName) -> str:
    """"nba" for "National Basketball Association" (capitalised words only)."""
    return "".join(w.folded[0] for w in name.words if w.capitalised) if len(name.words) >= 2 else ""


def _weakly_located(name: SourceName, target_words: list[Word], lang: str) -> bool:
    """Whether any weak word of a name is in the target (as such, inflected, transliterated
    or with its letters reordered); short words must be there exactly."""
    if locate(name, target_words, lang, name.weak) is not None:
        return True
    for sw in name.weak:
        if len(sw.folded) >= 4 and any(len(t.folded) >= 4 and (t.folded.startswith(sw.folded[:4]) or sw.folded.startswith(t.folded[:4])) for t in target_words):
            return True  # "Pittsburgh" / "Pittsburg", "Grant" / "Grants"
    return False


@derived(maxsize=8192)
def analyse(source: str, target: str, lang: str) -> PairAnalysis:
    data = name_data()
    result = PairAnalysis()
    target_words = words_of(target)
    pending: list[SourceName] = []
    for name in source_names(source):
        hit = locate(name, target_words, lang)
        if hit is not None:
            result.located.append((name, hit))
        else:
            pending.append(name)
    if pending:
        spans = [(hit.start, hit.end) for _, hit in result.located]
        free = [w for w in target_words if not any(a <= w.start < b for a, b in spans)] if spans else target_words
        acronyms = {hit_word.folded for _, hit in result.located for _, hit_word in hit.pairs if hit_word.acronym}
        acronyms |= {w.folded for w in target_words if w.acronym}
        for name in pending:
            if acronyms and _initials(name) in acronyms:
                result.located.append((name, Located(0, 0)))  # spelled out in the source, an acronym in the target
                continue
            if required(name):
                if not _trace_of(name, free, lang):
                    result.missing.append(name)
            elif name.weak and not _weakly_located(name, target_words, lang) and not _trace_of(name, free, lang, name.weak):
                result.weak_missing.append(name)

    any_missing = bool(result.missing or result.weak_missing)
    target_runs = target_name_runs(target, target_words, lang)
    if not target_runs:
        return result
    source_words = words_of(source)
    source_folded = {w.folded for w in source_words}
    source_text_folded = " " + " ".join(w.folded for w in source_words) + " "
    source_text_folded += _ACRONYM_DOTS_RE.sub(lambda m: m.group().replace(" ", "") + " ", source_text_folded) + " "  # "u s" → "us"
    source_text_folded += " ".join(data.demonyms[w] for w in source_folded if w in data.demonyms) + " "
    keys_by_word = data.rendering_keys_by_word.get(lang, {})
    place_words = data.place_words.get(lang, frozenset())
    source_capitalised = [w.folded for w in source_words if w.capitalised and len(w.folded) >= 5]
    compounds = capitalises_nouns(lang)
    source_names_folded = [w.folded for w in source_words if w.capitalised and len(w.folded) >= 3] if compounds else []
    source_long_words = [w.folded for w in source_words if len(w.folded) >= 4] if compounds else []
    target_folded = {w.folded for w in target_words}
    # Acronyms the translator expanded ("UW" → "université de Washington").
    expanded = {c for w in source_words if w.acronym and w.folded not in target_folded for c in w.folded}
    # Stems of the source's names of peoples: "Arii" (Italian) for "Aryan", "Mayas" for "Mayan".
    people_stems = {w.folded[: -len(e)].replace("y", "i") for w in source_words if w.capitalised
                    for e in ("ians", "ian", "ans", "an") if w.folded.endswith(e) and len(w.folded) - len(e) >= 3}  # fmt: skip
    # Heads of the source's hyphenated names, which translators translate: "U-Boats" → "U-Boot".
    hyphen_heads = {fold(m.group(1) + m.group(2)[0]) for m in _HYPHENATED_HEAD_RE.finditer(source)}

    def explained(word: Word) -> bool:
        if word.folded in source_folded or word.folded in PARTICLES:
            return True
        if people_stems and any(word.folded.replace("y", "i").startswith(stem) and len(stem) < len(word.folded) <= len(stem) + 4
                                for stem in people_stems):  # fmt: skip
            return True  # a people's name with the target's ending, not a longer word ("Indonesia" for "Indian")
        if hyphen_heads and (m := _HYPHEN_PREFIX_RE.search(target, max(0, word.start - 4), word.start)) \
                and fold(m.group(1) + word.text[0]) in hyphen_heads:  # fmt: skip
            return True
        for key in keys_by_word.get(word.folded, ()):
            # "États-Unis" for "U.S.", "Afrique" for "African": the key or its stem is in the source.
            if f" {key} " in source_text_folded or any(len(s) >= 4 and s[:4] == key[:4] for s in source_folded):
                return True
        if len(word.folded) >= 5 and any(s[:4] == word.folded[:4] for s in source_capitalised):
            return True  # "Manchester" for "Mancunian", "Planejamento" for "Planned"
        if compounds and _compound_of_source(word.folded, source_names_folded, source_long_words):
            return True  # German: "Cookinseln" for "Cook Islands", "Bergkarabach" for "Nagorno-Karabakh", "Roadtrip"
        return any(loosely_renders(s, word.folded) for s in source_folded if len(s) >= 3)

    feature_words = data.feature_words.get(lang, frozenset())
    openers = data.name_openers.get(lang, frozenset())
    prepositions = data.place_prepositions.get(lang)
    lone: list[TargetName] = []
    for run in target_runs:
        names = [w for w in run.words if w.text not in PARTICLES]
        known_place = run.text_folded in data.places or (len(names) == 1 and names[0].folded in place_words)
        lone_word = len(names) == 1 and not known_place
        if capitalises_nouns(lang) and not known_place and not _person_like(names, lang):
            # German capitalises nouns: a word there is a name only when the dictionary
            # cannot read it ("…, in Zlatibor", "laut der Stiftung Brunnhofer"), and
            # invented when nothing in the source explains that word.  A source name
            # missing meanwhile does not excuse it: the exonym pass below takes a look-alike
            # for that name's rendering ("Chruschtschow"), the rest stays invented.
            odd = []
            for i, w in enumerate(run.words):
                if w.text in PARTICLES:
                    continue
                after_opener = i > 0 and run.words[i - 1].folded in openers
                after_noun = after_opener if i > 0 else bool(prepositions and prepositions.search(target, max(0, w.start - 20), w.start))
                if _lone_noun_language_name(w, target, lang, feature_words, after_noun=after_noun, after_opener=after_opener):
                    odd.append(w)
            if odd and not any(explained(w) for w in odd) and "".join(w.folded for w in run.words) not in source_folded:
                result.invented.append(run)
                result.unexplained.append(run)
                continue
            if not any_missing:
                continue
        if any(explained(w) for w in run.words) or "".join(w.folded for w in run.words) in source_folded:  # Wi-Fi / wifi
            continue
        if expanded and all(w.folded[0] in expanded for w in names):
            continue
        if known_place or (names[0].folded not in feature_words and _person_like(names, lang)):
            result.invented.append(run)
            result.unexplained.append(run)
        elif (lone_word and not capitalises_nouns(lang) and names[0].folded not in feature_words
              and target[names[0].end : names[0].end + 1] not in ("'", "’") and not opens_sentence(target, names[0].start)
              and _unknown_name(names[0], lang)):  # fmt: skip
            # A name the dictionary does not know, that nothing in the source explains:
            # "…, à Zlatibor", "selon la Fondation Brunnhofer".
            result.invented.append(run)
            result.unexplained.append(run)
        elif lone_word and not any_missing:
            continue  # a known word, capitalised: matters only as a stand-in for a missing name
        else:
            lone.append(run)

    if any_missing:  # the dictionary is slow (German): only look when it can matter
        result.unexplained.extend(run for run in lone if len(run.words) > 1 or _unknown_word(run.words[0], lang))
        result.unexplained.sort(key=lambda run: run.start)

    # A missing name with a look-alike unexplained target name was most likely rendered
    # with an exonym we do not know (Edinburgh → Édimbourg, Krushchev → Chruschtschow).
    for missing, weak in ((result.missing, False), (result.weak_missing, True)):
        for name in list(missing):
            words = name.weak if weak else name.distinctive
            for run in result.unexplained:
                if any(_exonym_like(sw.folded, tw.folded) for sw in words for tw in run.words):
                    missing.remove(name)
                    result.unexplained.remove(run)
                    if run in result.invented:
                        result.invented.remove(run)
                    result.located.append((name, Located(run.start, run.end)))
                    break

    # Required names pair with any unexplained run; weak names only with a run that looks
    # like a name (not a German noun that the dictionary does not know).
    # Weak: one acronym for another (translators translate those: ADD → TDA), or a run of
    # ordinary words of the target language that is neither a person nor a known place
    # (a translated code name: "Operation Sealion" → "Operación León Marino").
    runs = list(result.unexplained)
    for name, run in zip(result.missing, runs):
        weak = (all(w.acronym for w in name.distinctive) and all(w.acronym for w in run.words)) or (
            run not in result.invented and not any(w.acronym or _unknown_word(w, lang) for w in run.words))
        result.swaps.append((name, run, weak))
    runs = runs[len(result.missing) :]
    runs = [run for run in runs if run in result.invented or (len(run.words) == 1 and _name_like(run.words[0], lang))]
    for name in result.weak_missing:
        # An acronym rendered by another (ADD → TDA) pairs with an invented acronym, not
        # with an invented name of words ("IOC" does not excuse "Institut Tamborek").
        acronym = all(w.acronym for w in name.weak or name.words)
        run = next((run for run in runs if run not in result.invented
                    or acronym == all(w.acronym for w in run.words)), None)  # fmt: skip
        if run is not None:
            runs.remove(run)
            result.swaps.append((name, run, True))
    return result


# A word after the short first part of a hyphenated name ("U-", "X-"): the part before
# the hyphen (group 1) and the head (group 2), which counts as the source's when both
# start alike ("U-Boats" → "U-Boot", not "U-Zembla").
_HYPHENATED_HEAD_RE = re.compile(r"(?<![\w-])([^\W\d_]{1,3})[-‐]([^\W\d_]+)")
_HYPHEN_PREFIX_RE = re.compile(r"(?<![\w-])([^\W\d_]{1,3})[-‐]$")  # the same first part, right before a target word


def _compound_of_source(folded: str, names: list[str], words: list[str]) -> bool:
    """A German compound that starts with a capitalised word of the source or one of four
    letters or more ("cookinseln": Cook + Inseln, "rossmeer", "roadtrip" for "road trip"),
    or ends with a capitalised one ("bergkarabach": … + Karabakh, transliterated)."""
    for s in (*names, *words):
        if len(folded) - len(s) >= 3 and folded.startswith(s):
            return True
    for s in names:
        if len(s) >= 5 and len(folded) - len(s) >= 3 and tokens_match(s, folded[len(folded) - len(s):]):
            return True
    return False


def _lone_noun_language_name(word: Word, target: str, lang: str, feature_words: frozenset[str], after_noun: bool = False,
                             after_opener: bool = False) -> bool:
    """In a language that capitalises nouns (German), a capitalised word that reads as a
    name, not a noun: unknown to the dictionary (which builds most compounds), not a
    compound of a word and a noun it knows, not a feature word, not opening a sentence,
    not before an apostrophe; alone or after an ordinary noun, also short and without a
    noun ending ("…, in Zlatibor"; not "Reisende Fata Morganen"); right after a noun that
    opens names (the pack's ``name_openers`` and ``place_words``) or a bare preposition
    of place (``place_prepositions``: "in", "nach"), any length ("der Stiftung
    Brunnhofen", "in Wendelsbrook"); right after a name opener, also a word the
    dictionary builds as a compound of a part that is no word of its own ("Stiftung
    Rennecke": Renn- + Ecke), where a noun would need its article."""
    if word.acronym or len(word.text) < 4 or word.folded in feature_words:
        return False
    if target[word.end : word.end + 1] in ("'", "’", "-", "‐") or opens_sentence(target, word.start):
        return False  # a genitive, the first part of a hyphenated compound ("Wakeboard-Vereine"), a sentence start
    unknown = _unknown_word(word, lang) if after_noun else _name_like(word, lang)
    if not unknown and after_opener:
        unknown = _built_compound(word.text, lang)
    return unknown and not _noun_compound(word.text, lang) and not _genitive_of_known(word.text, lang) and not _plural_of_known(word.text, lang)


def _built_compound(word: str, lang: str) -> bool:
    """A word the dictionary accepts only by building a compound: no entry it is a form
    of, in its own case or in lower case."""
    dictionary = _target_dictionary(lang)
    return (dictionary is not None and dictionary.spell(word)
            and not dictionary.stems(word) and not dictionary.stems(word.lower()))  # fmt: skip


_UMLAUTS = str.maketrans("äöü", "aou")


def _plural_of_known(word: str, lang: str) -> bool:
    """A German plural the dictionary lacks of a noun it knows: an ending taken off and
    the umlaut undone ("Schwünge" → "Schwung", "Bäche" → "Bach")."""
    dictionary = _target_dictionary(lang)
    if dictionary is None or len(word) < 5 or not any(u in word for u in "äöü"):
        return False
    for ending in ("en", "er", "e", "n", "s", ""):
        if ending and not word.endswith(ending):
            continue
        stem = word[: len(word) - len(ending)]
        i = max(stem.rfind(u) for u in "äöü")
        if i >= 0:
            singular = stem[:i] + stem[i].translate(_UMLAUTS) + stem[i + 1 :]
            if dictionary.spell(singular) and not dictionary.spell(singular.lower()):
                return True
    return False


def _genitive_of_known(word: str, lang: str) -> bool:
    """A genitive in -s of a word the dictionary knows: "des Reisens"."""
    dictionary = _target_dictionary(lang)
    return dictionary is not None and len(word) >= 5 and word.endswith("s") and bool(dictionary.spell(word[:-1]))


@derived(maxsize=16384)
def _noun_compound(word: str, lang: str) -> bool:
    """Whether a capitalised word the dictionary does not know splits into a known word
    (or one with its linking -e, -s, -n: "Palm|haine") and a known noun (capitalised
    only, as the dictionary writes nouns): a new compound ("Slipanlage": Slip + Anlage,
    "Decksleute"), not a name ("Rennecke": "ecke" is no noun in lower case).  A word is
    letters only (``WORD_RE``): the parts of a hyphenated compound come one by one."""
    dictionary = _target_dictionary(lang)
    if dictionary is None:
        return False
    for i in range(3, len(word) - 2):
        left, right = word[:i], word[i].upper() + word[i + 1 :]
        if not dictionary.spell(right):
            continue
        if dictionary.spell(right.lower()):
            # The right part is also a verb or adjective ("blättern"): a compound only
            # after a noun of four letters or more ("Palmen|blättern").
            if len(left) >= 4 and dictionary.spell(left) and not dictionary.spell(left.lower()):
                return True
            continue
        if dictionary.spell(left) or dictionary.spell(left + "e") or (left[-1] in "sn" and dictionary.spell(left[:-1])):
            return True
    return False


def _name_like(word: Word, lang: str) -> bool:
    """A lone target word that may be a name: an acronym, or a word the dictionary does
    not know (in German: short and without a noun ending)."""
    if word.acronym:
        return True
    if capitalises_nouns(lang):
        rules = _noun_rules(lang)
        if len(word.text) > rules.name_max or word.folded.endswith(rules.endings):
            return False
    return _unknown_word(word, lang)


ROMAN_NUMERAL_RE = re.compile(r"[IVXLC]+(?:e|er|re|ème|º|°|o|a)?")


def _unknown_name(word: Word, lang: str) -> bool:
    """A lone capitalised word that can only be a name: not an acronym (translators
    expand and abbreviate those), at least four letters, and unknown to the target
    dictionary."""
    return not word.acronym and len(word.text) >= 4 and _unknown_word(word, lang)


def _unknown_word(word: Word, lang: str) -> bool:
    """A capitalised word the target dictionary does not know: a name, not a noun or ordinal."""
    if ROMAN_NUMERAL_RE.fullmatch(word.text) or len(word.text) < 3:
        return False
    return known_target_word(word.text, lang) is False


def _person_like(words: list[Word], lang: str) -> bool:
    """Two or more capitalised words, at least one unknown to the target dictionary
    ("Seconde Guerre" is not a person, "Jean-Claude Laporte" is)."""
    if len(words) < 2 or any(w.acronym or len(w.text) < 2 for w in words):
        return False
    dictionary = _target_dictionary(lang)
    if dictionary is None:
        return False  # no way to tell names from capitalised nouns
    if capitalises_nouns(lang):
        # Unknown German compounds ("Zoomobjektiven Bilder") are not people: every word
        # must be unknown, short, and without a noun ending.
        rules = _noun_rules(lang)
        return all(not dictionary.spell(w.text) and len(w.text) <= rules.person_max and not w.folded.endswith(rules.endings) for w in words)
    return any(not dictionary.spell(w.text) for w in words)


_ACRONYM_DOTS_RE = re.compile(r"(?<= )(?:[a-z] ){2,}")


def loosely_renders(source: str, target: str) -> bool:
    """Lenient: could this target word come from this source word at all?"""
    if tokens_match(source, target) or tokens_match(target, source):
        return True
    if len(target) >= 4 and (source.startswith(target) or source.replace("y", "i").startswith(target.replace("y", "i"))):
        return True  # "Sydney" (and Spanish "Sídney") from "Sydneysider"
    return len(target) >= 5 and source[:1] == target[:1] and _ratio(source, target) >= 0.7


def _exonym_like(source: str, target: str) -> bool:
    if source[:1] == target[:1] and _ratio(source, target) >= 0.5:
        return True
    sk_source = skeleton(source)
    return len(sk_source) >= 3 and skeleton(target)[:3] == sk_source[:3]  # Krushchev / Chruschtschow


# --------------------------------------------------------------------------- termbase


class DictTermbase:
    """An in-memory termbase: ``{source term: {lang: (approved, [forbidden, …])}}``."""

    def __init__(self, entries: dict[str, dict[str, tuple[str, list[str]]]]):
        self._entries = {fold(term): langs for term, langs in entries.items()}

    def renderings(self, source_term: str, target_lang: str) -> tuple[str, list[str]] | None:
        return self._entries.get(fold(source_term), {}).get(target_lang)
