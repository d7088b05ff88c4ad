"""Names and terms: people, places and organisations must survive translation.

The source is English, so names are found by rule: capitalised word runs that do not
open a sentence (or that are known places or acronyms), with initials, titles, hyphens
and particles ("de", "van", "al-") inside.  Each name is then looked for in the target
with the tolerance a human translator needs: accents and transliteration (Lavrov →
Lawrow, Sergei → Sergueï), inflection (Putins), exonyms and changed acronyms from
``data/names.toml`` (London → Londres, NATO → OTAN).

Precision comes first: translators drop repeated names for pronouns, turn "U.S." into
"américain" and "the White House" into "la Maison-Blanche", so a name counts as present
when any of its distinctive words is, and a name made only of translatable words
("Supreme Court") is not required at all.

No statistical NER is used: of the spaCy pipelines only the French one is published on
PyPI for current spaCy, and the source side (English) is where names must be found.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache, lru_cache
from importlib import resources

from relais.checks.base import CheckContext, DocumentCheck, Finding, SegmentCheck, SegmentPair, Severity

# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class NameData:
    """The contents of ``data/names.toml``, folded for comparison."""

    renderings: dict[str, dict[str, tuple[tuple[str, ...], ...]]]  # folded English key → lang → folded word tuples
    rendering_keys_by_word: dict[str, dict[str, frozenset[str]]]  # lang → folded word → keys it renders
    translatable: frozenset[str]  # folded English words that need not survive
    demonym_endings: tuple[str, ...]
    starters: frozenset[str]
    places: frozenset[str]  # folded places (multiword ones joined by spaces)
    demonyms: dict[str, str]  # folded "irish" → folded "ireland"
    place_words: dict[str, frozenset[str]]  # lang → folded one-word renderings of known places ("londres")


@cache
def name_data() -> NameData:
    raw = tomllib.loads(resources.files("relais.checks").joinpath("data/names.toml").read_text("utf-8"))
    renderings: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = {}
    by_word: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for english, per_lang in raw["renderings"].items():
        key = fold(english)
        renderings[key] = {}
        for lang, forms in per_lang.items():
            tokenised = tuple(tuple(fold(w) for w in WORD_RE.findall(form)) + (("*",) if form.endswith("*") else ()) for form in forms)
            renderings[key][lang] = tokenised
            for form in tokenised:
                for word in form:
                    if word != "*":
                        by_word[lang][word].add(key)
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
    )


# --------------------------------------------------------------------------- English dictionary


@cache
def _english_dictionary():
    """The en_US Hunspell dictionary that chunspell ships, or None without chunspell."""
    try:
        import hunspell  # chunspell
    except ImportError:
        return None
    try:
        return hunspell.Hunspell("en_US")
    except Exception:  # a broken install must not stop the checks
        return None


@lru_cache(maxsize=65536)
def is_common_english(word: str) -> bool:
    """Whether a word is an ordinary English word in lower case ("falls", "curse"), so a
    translator may translate it even when it is capitalised in a name ("Niagara Falls")."""
    folded = fold(word)
    if folded in name_data().translatable:
        return True
    dictionary = _english_dictionary()
    return dictionary is not None and dictionary.spell(word.lower())


# Hunspell dictionaries of the target languages (Debian hunspell-fr, hunspell-de-de, …).
TARGET_DICTIONARIES = {"fr": ("fr_FR", "fr"), "de": ("de_DE",), "es": ("es_ES",), "it": ("it_IT",), "pt": ("pt_PT", "pt_BR"), "nl": ("nl_NL", "nl"), "pl": ("pl_PL",)}
HUNSPELL_DIR = "/usr/share/hunspell"


@cache
def _target_dictionary(lang: str):
    try:
        import hunspell  # chunspell
    except ImportError:
        return None
    for name in TARGET_DICTIONARIES.get(lang, ()):
        try:
            return hunspell.Hunspell(name, hunspell_data_dir=HUNSPELL_DIR)
        except Exception:
            continue
    return None


@lru_cache(maxsize=65536)
def known_target_word(word: str, lang: str) -> bool | None:
    """Whether the target language's dictionary knows a word (as written or in lower
    case); None when there is no dictionary for the language."""
    dictionary = _target_dictionary(lang)
    if dictionary is None:
        return None
    return dictionary.spell(word) or dictionary.spell(word.lower())


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
    s = _VOWELS_RE.sub("", s)
    return re.sub(r"(.)\1+", r"\1", s)


@dataclass(slots=True, eq=False)
class Word:
    text: str
    start: int  # into the plain text
    end: int
    folded: str

    @property
    def capitalised(self) -> bool:
        return self.text[0].isupper()

    @property
    def acronym(self) -> bool:
        return len(self.text) >= 2 and self.text.isupper()


ABBREVIATIONS = frozenset("mr mrs ms dr st prof gen col capt lt sgt sen rep gov rev jr sr cllr".split())


def joins(text: str, left: Word, right: Word) -> bool:
    """Whether two words can belong to one name: "Jean-Claude", "J. R. R. Tolkien", "Dr. Ali"."""
    gap = text[left.end : right.start]
    if gap.startswith("."):
        return (len(left.text) == 1 or left.folded in ABBREVIATIONS) and gap in (".", ". ")
    return JOINER_RE.fullmatch(gap) is not None


@lru_cache(maxsize=8192)
def _words_of(text: str) -> tuple[Word, ...]:
    return tuple(Word(m.group(), m.start(), m.end(), fold(m.group())) for m in WORD_RE.finditer(text))


def words_of(text: str) -> list[Word]:
    return list(_words_of(text))


def opens_sentence(text: str, start: int) -> bool:
    """True when only quotes/brackets separate ``start`` from the text start or a sentence end."""
    i = start - 1
    while i >= 0 and text[i] in OPENERS:
        i -= 1
    return i < 0 or text[i] in SENTENCE_END


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
    if len(sk_source) >= 3 and sk_source == sk_target:
        return True
    if source[0] == target[0]:
        matcher = SequenceMatcher(None, source, target)
        return matcher.real_quick_ratio() >= 0.75 and matcher.ratio() >= 0.75
    return False


# --------------------------------------------------------------------------- names in the source


@dataclass(frozen=True)
class SourceName:
    text: str
    words: tuple[Word, ...]
    key: str  # folded full text, e.g. "sergei lavrov"

    @property
    def distinctive(self) -> tuple[Word, ...]:
        """Words a rendering must keep: not titles, months or institution words."""
        return tuple(
            w for w in self.words
            if w.acronym or (len(w.text) >= 3 and w.folded not in PARTICLES and not is_common_english(w.text) and not _is_demonym(w))
        )


def _is_demonym(word: Word) -> bool:
    data = name_data()
    if word.acronym or word.folded in data.renderings or word.folded in data.places:
        return False
    return word.folded.endswith(data.demonym_endings)


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
    """Headline style ("Putin Meets Leaders In Paris"): a capitalised function word mid-sentence."""
    starters = name_data().starters
    return any(w.text in starters and len(w.text) <= 5 and not opens_sentence(text, w.start) for w in words)


POSSESSIVE_RE = re.compile(r"['’]s?\b")


@lru_cache(maxsize=8192)
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
        # A particle continues a run only when a capitalised word follows it.
        if run and joined and word.text in PARTICLES and _particles_lead_to_name(text, words, i):
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


def _find_form(form: tuple[str, ...], words: list[Word]) -> tuple[int, int] | None:
    stem = form[-1] == "*"
    parts = form[:-1] if stem else form
    n = len(parts)
    for i in range(len(words) - n + 1):
        ok = True
        for j, part in enumerate(parts):
            t = words[i + j].folded
            last = j == n - 1
            if not (t == part or (t.startswith(part) and (stem and last or len(t) - len(part) <= 2))):
                ok = False
                break
        if ok:
            return words[i].start, words[i + n - 1].end
    return None


def _known_renderings(key: str, lang: str) -> tuple[tuple[str, ...], ...]:
    data = name_data()
    key = key.replace(" ", "") if len(key.replace(" ", "")) <= 4 and " " in key else key  # "U S" → "us"
    forms = data.renderings.get(key, {}).get(lang, ())
    return forms


def locate(name: SourceName, target_words: list[Word], lang: str) -> Located | None:
    """Where the target renders a source name, or None."""
    data = name_data()
    for key in (name.key, name.key.removeprefix("the ")):
        for form in _known_renderings(key, lang):
            hit = _find_form(form, target_words)
            if hit:
                return Located(*hit)
    matched: list[tuple[str, Word]] = []
    for sw in name.distinctive:
        if sw.acronym:
            target = next((t for t in target_words if t.folded == sw.folded), None)
            if target is None:  # letters reordered by the language: IOC → CIO, AU → UA
                target = next((t for t in target_words if t.acronym and sorted(t.folded) == sorted(sw.folded)), None)
            if target is None:
                for form in _known_renderings(sw.folded, lang):
                    hit = _find_form(form, target_words)
                    if hit:
                        return Located(*hit)
        else:
            target = next((t for t in target_words if t.folded == sw.folded), None) or next((t for t in target_words if tokens_match(sw.folded, t.folded)), None)
            if target is None and sw.folded in data.renderings:
                for form in _known_renderings(sw.folded, lang):
                    hit = _find_form(form, target_words)
                    if hit:
                        return Located(*hit)
        if target is not None:
            matched.append((sw.folded, target))
    if not matched:
        return None
    return Located(min(t.start for _, t in matched), max(t.end for _, t in matched), tuple(matched))


def _trace_of(name: SourceName, target_words: list[Word]) -> bool:
    """A weaker sign that the name was rendered, enough to keep quiet about it: an exonym
    we do not list (Latvia → Lettonie, Cambodia → Kambodscha), an adjective
    (Texas → texanischen), a German compound (Europe → Südosteuropa), "Hongkong"."""
    joined = name.key.replace(" ", "")
    for sw in name.distinctive:
        if sw.acronym:
            continue
        sk = skeleton(sw.folded)
        stem = sw.folded[:4]
        for i, tw in enumerate(target_words):
            if tw.folded == joined:
                return True
            if tw.capitalised and len(tw.text) >= 4 and skeleton(tw.folded)[:2] == sk[:2] and not _in_capitalised_run(target_words, i):
                return True  # a lone word: place exonyms are; "Helmut Brandauer" for "Baerbock" is not
            if len(sw.folded) >= 5 and len(tw.folded) >= 6 and stem in tw.folded:
                return True
    return False


def _in_capitalised_run(words: list[Word], i: int) -> bool:
    # Short capitalised neighbours are articles opening a sentence ("La Lettonie").
    before = i > 0 and words[i - 1].capitalised and len(words[i - 1].text) > 3 and words[i].start - words[i - 1].end <= 1
    after = i + 1 < len(words) and words[i + 1].capitalised and len(words[i + 1].text) > 3 and words[i + 1].start - words[i].end <= 1
    return before or after


def required(name: SourceName) -> bool:
    """Whether the target must show this name.

    Not required: names made of ordinary English words ("Supreme Court", "Cape Town"),
    nationality words, and acronyms other than well-known ones whose rendering we know
    (translators expand "CCTV", write "30 dollars" for "US$30").
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


@dataclass(frozen=True)
class TargetName:
    start: int
    end: int
    words: tuple[Word, ...]

    @property
    def text_folded(self) -> str:
        return " ".join(w.folded for w in self.words)


def target_name_runs(text: str, words: list[Word]) -> list[TargetName]:
    """Capitalised word runs of a target segment that do not open a sentence."""
    runs: list[TargetName] = []
    run: list[Word] = []

    def close() -> None:
        while run and run[-1].text in PARTICLES:
            run.pop()
        if run:
            runs.append(TargetName(run[0].start, run[-1].end, tuple(run)))

    for i, word in enumerate(words):
        joined = bool(run) and joins(text, run[-1], word)
        nxt = words[i + 1] if i + 1 < len(words) else None
        hyphenated = nxt is not None and nxt.capitalised and text[word.end : nxt.start] in ("-", "‐")  # Jean-Claude
        if word.capitalised and (hyphenated or not opens_sentence(text, word.start)) and not (len(word.text) == 1 and not joined and not run):
            if run and not joined:
                close()
                run = []
            run.append(word)
        elif run and joined and word.text in PARTICLES:
            run.append(word)
        else:
            close()
            run = []
    close()
    return runs


# --------------------------------------------------------------------------- analysis of one pair


@dataclass
class PairAnalysis:
    missing: list[SourceName] = field(default_factory=list)
    invented: list[TargetName] = field(default_factory=list)  # unexplained person-like runs and known places
    unexplained: list[TargetName] = field(default_factory=list)  # any capitalised run the source does not explain
    located: list[tuple[SourceName, Located]] = field(default_factory=list)


# Languages that capitalise every noun: a lone capitalised word there is not a name signal.
NOUN_CAPITALISING = frozenset({"de", "lb"})


@lru_cache(maxsize=8192)
def analyse(source: str, target: str, lang: str) -> PairAnalysis:
    data = name_data()
    result = PairAnalysis()
    target_words = words_of(target)
    for name in source_names(source):
        hit = locate(name, target_words, lang)
        if hit is not None:
            result.located.append((name, hit))
        elif required(name) and not _trace_of(name, target_words):
            result.missing.append(name)

    source_words = words_of(source)
    source_folded = {w.folded for w in source_words}
    source_text_folded = " " + " ".join(w.folded for w in source_words) + " "
    source_text_folded += _ACRONYM_DOTS_RE.sub(lambda m: m.group().replace(" ", "") + " ", source_text_folded) + " "  # "u s" → "us"
    source_text_folded += " ".join(data.demonyms[w] for w in source_folded if w in data.demonyms) + " "
    keys_by_word = data.rendering_keys_by_word.get(lang, {})
    place_words = data.place_words.get(lang, frozenset())

    def explained(word: Word) -> bool:
        if word.folded in source_folded or word.folded in PARTICLES:
            return True
        for key in keys_by_word.get(word.folded, ()):
            # "États-Unis" for "U.S.", "Afrique" for "African": the key or its stem is in the source.
            if f" {key} " in source_text_folded or any(len(s) >= 4 and s[:4] == key[:4] for s in source_folded):
                return True
        return any(_loosely_renders(s, word.folded) for s in source_folded if len(s) >= 3)

    lone: list[TargetName] = []
    for run in target_name_runs(target, target_words):
        names = [w for w in run.words if w.text not in PARTICLES]
        known_place = run.text_folded in data.places or (len(names) == 1 and names[0].folded in place_words)
        if len(names) == 1 and not known_place and not result.missing:
            continue  # a lone capitalised word matters only as a stand-in for a missing name
        if any(explained(w) for w in run.words) or "".join(w.folded for w in run.words) in source_folded:  # Wi-Fi / wifi
            continue
        if known_place or _person_like(names, lang):
            result.invented.append(run)
            result.unexplained.append(run)
        else:
            lone.append(run)

    if result.missing:  # the dictionary is slow (German): only look when it can matter
        result.unexplained.extend(run for run in lone if len(run.words) > 1 or _unknown_word(run.words[0], lang))
        result.unexplained.sort(key=lambda run: run.start)

    # A missing name with a look-alike unexplained target name was most likely rendered
    # with an exonym we do not know (Edinburgh → Édimbourg, Latvia → Lettonie).
    for name in list(result.missing):
        for run in result.unexplained:
            if any(_exonym_like(sw.folded, tw.folded) for sw in name.distinctive for tw in run.words):
                result.missing.remove(name)
                result.unexplained.remove(run)
                if run in result.invented:
                    result.invented.remove(run)
                result.located.append((name, Located(run.start, run.end)))
                break
    return result


GERMAN_NOUN_ENDINGS = ("en", "ung", "ten", "ern", "heit", "keit", "schaft", "nis", "tum", "ion", "tat")
ROMAN_NUMERAL_RE = re.compile(r"[IVXLC]+(?:e|er|re|ème|º|°|o|a)?")


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
    if lang in NOUN_CAPITALISING:
        # Unknown German compounds ("Zoomobjektiven Bilder") are not people: every word
        # must be unknown, short, and without a noun ending.
        return all(not dictionary.spell(w.text) and len(w.text) <= 10 and not w.folded.endswith(GERMAN_NOUN_ENDINGS) for w in words)
    return any(not dictionary.spell(w.text) for w in words)


_ACRONYM_DOTS_RE = re.compile(r"(?<= )(?:[a-z] ){2,}")


def _loosely_renders(source: str, target: str) -> bool:
    """Lenient: could this target word come from this source word at all?"""
    if tokens_match(source, target) or tokens_match(target, source):
        return True
    if len(target) >= 4 and source.startswith(target):
        return True  # "Sydney" from "Sydneysider"
    return len(target) >= 5 and source[:1] == target[:1] and SequenceMatcher(None, source, target).ratio() >= 0.7


def _exonym_like(source: str, target: str) -> bool:
    return source[:1] == target[:1] and SequenceMatcher(None, source, target).ratio() >= 0.5


def _analysis(pair: SegmentPair) -> PairAnalysis:
    return analyse(pair.source_plain, pair.target_plain, pair.target_lang)


def _swaps(analysis: PairAnalysis) -> list[tuple[SourceName, TargetName]]:
    """Missing source names paired with unexplained target names in their place."""
    return list(zip(analysis.missing, analysis.unexplained))


# --------------------------------------------------------------------------- checks


class NameMissingCheck(SegmentCheck):
    """names.missing: a name of the source does not appear in the target.

    Severity major for a full name or a well-known place or acronym, minor for another
    single-word name (human translators drop or adapt those: "Hispaniola", "Uighur"),
    critical in headlines, subheadings, key points and quotes; all locales.
    Tolerates accents, transliteration, inflection, exonyms and changed acronyms.
    Example: "Sergei Lavrov met Annalena Baerbock." → "Sergueï Lavrov a rencontré son homologue."
    (Baerbock missing).
    """

    id = "names.missing"
    severity = Severity.MAJOR
    description = "A person, place or organisation named in the source is absent from the target."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        analysis = _analysis(pair)
        swapped = {id(s) for s, _ in _swaps(analysis)}
        return [
            self.finding(pair, 0, 0, f"“{name.text}” is not in the translation", severity=_missing_severity(name, pair))
            for name in analysis.missing
            if id(name) not in swapped
        ]


def _missing_severity(name: SourceName, pair: SegmentPair) -> Severity:
    if pair.prominent:
        return Severity.CRITICAL
    data = name_data()
    words = name.distinctive
    well_known = len(words) >= 2 or any(w.acronym or w.folded in data.places or w.folded in data.renderings for w in words)
    return Severity.MAJOR if well_known else Severity.MINOR


class NameSwappedCheck(SegmentCheck):
    """names.swapped: a different name stands where the source's name should be.

    Severity critical; all locales.
    Example: "Sergei Lavrov said…" → "Jean-Claude Laporte a déclaré…".
    """

    id = "names.swapped"
    severity = Severity.CRITICAL
    description = "The target names someone or somewhere else in place of a source name."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        return [
            self.finding(pair, *pair.target_span(run.start, run.end), f"“{pair.target_plain[run.start:run.end]}” stands where the source has “{name.text}”", suggestion=name.text)
            for name, run in _swaps(_analysis(pair))
        ]


class NameInventedCheck(SegmentCheck):
    """names.invented: the target names a person or place the source does not mention.

    Severity critical; all locales.  Reported for unexplained runs of two or more
    capitalised words (a person) and for known places; a lone capitalised word is not
    enough (German capitalises nouns, French capitalises institutions).
    Example: "The minister spoke." → "Le ministre Jean-Claude Laporte a parlé à Helsinki."
    """

    id = "names.invented"
    severity = Severity.CRITICAL
    description = "A name in the target has no counterpart in the source (likely invented)."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        analysis = _analysis(pair)
        in_swaps = {id(run) for _, run in _swaps(analysis)}
        approved = _approved_words(pair, ctx)
        findings = []
        for run in analysis.invented:
            if id(run) in in_swaps or any(w.folded in approved for w in run.words):
                continue
            text = pair.target_plain[run.start : run.end]
            findings.append(self.finding(pair, *pair.target_span(run.start, run.end), f"“{text}” has no counterpart in the source"))
        return findings


class NameConsistencyCheck(DocumentCheck):
    """names.inconsistent: one source name is rendered differently across the article.

    Severity major; all locales.  Suggestion: the rendering used most often.
    Example: "Sergei Lavrov" → "Sergueï Lavrov" in one paragraph, "Sergej Lavrov" in another.
    """

    id = "names.inconsistent"
    severity = Severity.MAJOR
    description = "The same source name is spelled differently in different segments."

    def run_document(self, pairs: list[SegmentPair], ctx: CheckContext) -> list[Finding]:
        # source word → [(pair, target word)]
        seen: dict[str, list[tuple[SegmentPair, Word]]] = defaultdict(list)
        for pair in pairs:
            for _name, hit in _analysis(pair).located:
                for source_word, target_word in hit.pairs:
                    if len(source_word) >= 3 and target_word.capitalised and not target_word.acronym:
                        seen[source_word].append((pair, target_word))
        findings: list[Finding] = []
        for source_word, uses in seen.items():
            spellings = {self._spelling(t, uses) for _, t in uses}
            if len(spellings) < 2:
                continue
            counts = Counter(self._spelling(t, uses) for _, t in uses)
            majority = max(counts, key=lambda s: (counts[s], -min(i for i, (_, t) in enumerate(uses) if self._spelling(t, uses) == s)))
            suggestion = next(t.text for _, t in uses if self._spelling(t, uses) == majority)
            for pair, word in uses:
                if self._spelling(word, uses) != majority:
                    findings.append(self.finding(pair, *pair.target_span(word.start, word.end), f"“{word.text}” here, “{suggestion}” elsewhere in the article", suggestion=suggestion))
        return findings

    @staticmethod
    def _spelling(word: Word, uses: list[tuple[SegmentPair, Word]]) -> str:
        """Case-insensitive spelling, a German genitive ``s`` folded onto its base form."""
        spelling = word.text.lower()
        if spelling.endswith("s") and any(t.text.lower() == spelling[:-1] for _, t in uses):
            return spelling[:-1]
        return spelling


# --------------------------------------------------------------------------- termbase


class DictTermbase:
    """An in-memory termbase: ``{source term: {lang: (approved, [forbidden, …])}}``."""

    def __init__(self, entries: dict[str, dict[str, tuple[str, list[str]]]]):
        self._entries = {fold(term): langs for term, langs in entries.items()}

    def renderings(self, source_term: str, target_lang: str) -> tuple[str, list[str]] | None:
        return self._entries.get(fold(source_term), {}).get(target_lang)


@dataclass(frozen=True)
class TermUse:
    source_term: str
    approved: str
    forbidden_hit: tuple[int, int, str] | None  # plain offsets and the variant used
    approved_present: bool
    located: Located | None


def _term_pattern(term: str) -> re.Pattern[str]:
    return _compiled_term(term)


@lru_cache(maxsize=4096)
def _compiled_term(term: str) -> re.Pattern[str]:
    # Up to two letters of inflection after the term (German genitive, Spanish plural).
    return re.compile(r"(?<!\w)" + re.escape(term) + r"\w{0,2}(?!\w)", re.IGNORECASE)


def _term_uses(pair: SegmentPair, ctx: CheckContext) -> list[TermUse]:
    if ctx.termbase is None:
        return []
    uses: list[TermUse] = []
    target = pair.target_plain
    target_words = words_of(target)
    done: set[str] = set()
    for name in source_names(pair.source_plain):
        candidates = [name.text] + ([w.text for w in name.distinctive] if len(name.words) > 1 else [])
        for term in candidates:
            if fold(term) in done:
                continue
            entry = ctx.termbase.renderings(term, pair.target_lang)
            if entry is None:
                continue
            done.add(fold(term))
            approved, forbidden = entry
            approved_spans = [m.span() for m in _term_pattern(approved).finditer(target)]
            forbidden_hit = None
            for variant in forbidden:
                for m in _term_pattern(variant).finditer(target):
                    if variant.lower() == approved.lower() and m.group().startswith(approved):
                        continue  # same letters: only a case difference matters, and it matched exactly
                    if any(a <= m.start() < b or m.start() <= a < m.end() for a, b in approved_spans) and len(approved) >= len(variant):
                        continue  # the variant is part of the approved rendering here
                    forbidden_hit = (m.start(), m.end(), m.group())
                    break
                if forbidden_hit:
                    break
            single = SourceName(term, tuple(w for w in name.words if w.text in term.split() or term == name.text), fold(term))
            uses.append(TermUse(term, approved, forbidden_hit, bool(approved_spans), locate(single, target_words, pair.target_lang)))
    return uses


def _approved_words(pair: SegmentPair, ctx: CheckContext) -> frozenset[str]:
    return frozenset(fold(w) for use in _term_uses(pair, ctx) for w in WORD_RE.findall(use.approved))


class TermForbiddenCheck(SegmentCheck):
    """terms.forbidden: the target uses a rendering the termbase forbids.

    Severity major; all locales; needs a termbase.  Suggestion: the approved rendering.
    Example (fr, termbase Putin → Poutine, forbidden Putin): "Putin spoke." → "Putin a parlé."
    """

    id = "terms.forbidden"
    severity = Severity.MAJOR
    description = "A term is rendered with a variant the termbase forbids."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        findings = []
        for use in _term_uses(pair, ctx):
            if use.forbidden_hit:
                start, end, variant = use.forbidden_hit
                findings.append(self.finding(pair, *pair.target_span(start, end), f"“{variant}”: the termbase says “{use.approved}” for “{use.source_term}”", suggestion=use.approved))
        return findings


class TermViolationCheck(SegmentCheck):
    """terms.violation: a termbase term is rendered otherwise than approved.

    Severity major; all locales; needs a termbase.  Only reported where the name is
    rendered at all (a dropped name is ``names.missing``).  Suggestion: the approved rendering.
    Example (fr, termbase Sergei Lavrov → Sergueï Lavrov): "Sergei Lavrov spoke." → "Sergej Lavrov a parlé."
    """

    id = "terms.violation"
    severity = Severity.MAJOR
    description = "A term from the termbase is not rendered as the termbase approves."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        findings = []
        for use in _term_uses(pair, ctx):
            if use.approved_present or use.forbidden_hit or use.located is None:
                continue
            start, end = use.located.start, use.located.end
            text = pair.target_plain[start:end]
            findings.append(self.finding(pair, *pair.target_span(start, end), f"“{text}”: the termbase says “{use.approved}” for “{use.source_term}”", suggestion=use.approved))
        return findings


CHECKS = [NameMissingCheck, NameSwappedCheck, NameInventedCheck, NameConsistencyCheck, TermViolationCheck, TermForbiddenCheck]
