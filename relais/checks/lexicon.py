"""Invented or changed content words: a source word whose translation is nowhere in the target.

A number or a name that changes is caught by the figures and names checks; a paragraph
that turns "flooding" into "drought", or "the invasion of Ukraine" into "the end of the
war", keeps them all.  This check reads an offline English→target bilingual lexicon
(FreeDict, Debian's ``dict-freedict-eng-*`` packages: dictd files under
``/usr/share/dictd``, GPL) and, for each content word of the source it knows, looks for
one of its translations in the target.  A sentence where enough known words have none
is reported, naming them.

The lexicon
    Which file a language reads is pack data: ``[lexicon] dictd = "eng-fra"`` in
    ``relais/locales/<code>/pack.toml`` (a name looked for as ``freedict-<name>`` or
    ``<name>`` ``.index`` + ``.dict.dz``/``.dict`` in ``DICTD_DIRS``, or a path without
    its suffix).  A missing file means the check does not apply to that language; it is
    never an error.  The index (plain text, ``headword<TAB>offset<TAB>length``, offsets
    in dictd's base64) is read on first use, keeping the single-word headwords; an entry
    is read only when a source word asks for it (the ``.dict.dz`` is dictzip, gzip with a
    table of independently compressed chunks, so one chunk is inflated, not the file),
    and each word's answer is cached.

An entry
    Its first line is the headword (pronunciation, part of speech); the translation lines
    follow (``1. inonder``, ``Flut <fem>, Überschwemmung <fem> [envir.]``); indented
    lines are examples, notes, synonyms and cross references, left out.  Brackets of any
    kind go; the items between commas and semicolons that are one word (after dropping
    abbreviations such as ``etw.`` and the pack's ``[lexicon] skip`` words: ``sich``,
    ``se``) are the translations, case and accents folded.

Matching
    Source words: lower case (a capital is a name, or a sentence's first word), four
    letters or more, not stopwords, figure words or units (``[lexicon] stopwords`` and
    ``figures.toml`` of the ``en`` pack), not part of a hyphenated word.  Each is looked
    up as written and by simple suffix rules (``floods``, ``flooding``, ``flooded`` →
    ``flood``; ``countries`` → ``country``; ``lives`` → ``life``; ``invaded`` →
    ``invade``), the translations of every form the lexicon has put together, with the
    word itself (``virus``, ``radio``).  A translation of five letters or more counts
    when its stem, its first ``max(5, len − 3)`` letters, stands in the target's words
    folded and run together: ``inondation`` → ``inonda`` finds ``inondations`` (not
    ``inondé``), ``Krieg`` finds ``Angriffskrieg``, eng-spa's glued ``amenudo`` finds
    "a menudo".  A shorter one counts as a whole word or with up to two more letters
    (``loi`` finds ``lois``, and ``loin``: a leniency kept, it only silences).  Every
    look-up is a set or dictionary operation, or a substring search, on cached data.

Deciding
    With ``known`` content words of which ``matched`` have a counterpart, a segment is
    reported when ``unmatched − 3 × matched ≥ 4`` (none of four, one of eight…): the
    lexicons lack many renderings, so one word without a counterpart says little, and a
    found one says much.  Always minor: on whole articles (``bench/eval_checks.py
    --articles``) a major tier added loud false alarms on correct German and Portuguese
    translations, so the finding asks a reader to look, it does not hold the article.
    ``bench/lexicon.py`` measures it on FLORES-200 dev (docs/checks.md).
"""

from __future__ import annotations

import gzip
import mmap
import re
import unicodedata
import zlib
from collections import OrderedDict
from operator import itemgetter
from pathlib import Path

from relais.checks.base import CheckContext, Finding, PackLocales, SegmentCheck, SegmentPair, Severity
from relais.locales import Pack, derived, get_pack

SOURCE_LANGUAGE = "en"
DICTD_DIRS: tuple[Path, ...] = (Path("/usr/share/dictd"),)

# --------------------------------------------------------------------------- dictd files

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def b64_number(text: str) -> int:
    """A dictd index number: base64 digits, most significant first (``"B"`` → 1, ``"BA"`` → 64)."""
    n = 0
    for ch in text:
        n = n * 64 + _B64[ch]
    return n


class DictData:
    """The text of a ``.dict`` file, read by (offset, length) as the index gives them.

    A dictzip file (gzip whose header's ``RA`` field lists independently compressed
    chunks) is mapped and only the chunks a read needs are inflated (a few cached); a
    plain gzip file is inflated whole on first read; an uncompressed ``.dict`` is mapped.
    """

    CACHED_CHUNKS = 16

    def __init__(self, path: Path):
        self.path = path
        self._raw: bytes | mmap.mmap | None = None
        self._plain: bytes | mmap.mmap | None = None
        self._chunks: list[tuple[int, int]] = []  # (start, end) of each compressed chunk
        self._chunk_length = 0
        self._cache: OrderedDict[int, bytes] = OrderedDict()

    def _open(self) -> None:
        with self.path.open("rb") as fh:
            try:
                raw = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file
                raw = b""
        self._raw = raw
        if raw[:2] != b"\x1f\x8b":
            self._plain = raw
            return
        chunks = _dictzip_chunks(raw)
        if chunks is None:
            self._plain = gzip.decompress(bytes(raw))
            return
        self._chunk_length, self._chunks = chunks

    def read(self, offset: int, length: int) -> str:
        if self._raw is None:
            self._open()
        if self._plain is not None:
            return bytes(self._plain[offset : offset + length]).decode("utf-8", "replace")
        if length <= 0 or not self._chunks:
            return ""
        first, last = offset // self._chunk_length, (offset + length - 1) // self._chunk_length
        data = b"".join(self._chunk(i) for i in range(first, min(last, len(self._chunks) - 1) + 1))
        start = offset - first * self._chunk_length
        return data[start : start + length].decode("utf-8", "replace")

    def _chunk(self, i: int) -> bytes:
        cached = self._cache.get(i)
        if cached is not None:
            return cached
        start, end = self._chunks[i]
        data = zlib.decompressobj(-zlib.MAX_WBITS).decompress(self._raw[start:end])
        self._cache[i] = data
        while len(self._cache) > self.CACHED_CHUNKS:  # the oldest goes (threads may race: harmless)
            try:
                self._cache.popitem(last=False)
            except KeyError:
                break
        return data


def _dictzip_chunks(raw) -> tuple[int, list[tuple[int, int]]] | None:
    """(chunk length, compressed spans) from a dictzip header; None for plain gzip."""
    if len(raw) < 10:
        return None
    flags = raw[3]
    pos = 10
    ra = None
    if flags & 0x04:  # FEXTRA: subfields SI1 SI2 LEN data
        xlen = int.from_bytes(raw[pos : pos + 2], "little")
        extra, pos = raw[pos + 2 : pos + 2 + xlen], pos + 2 + xlen
        i = 0
        while i + 4 <= len(extra):
            size = int.from_bytes(extra[i + 2 : i + 4], "little")
            if extra[i : i + 2] == b"RA":
                ra = extra[i + 4 : i + 4 + size]
            i += 4 + size
    if ra is None or len(ra) < 6:
        return None
    for flag in (0x08, 0x10):  # FNAME, FCOMMENT: zero-terminated
        if flags & flag:
            pos = raw.find(b"\x00", pos) + 1
    if flags & 0x02:  # FHCRC
        pos += 2
    chunk_length = int.from_bytes(ra[2:4], "little")
    count = int.from_bytes(ra[4:6], "little")
    if chunk_length <= 0 or len(ra) < 6 + 2 * count:
        return None  # not a table we can read: inflate the whole file
    spans = []
    for k in range(count):
        size = int.from_bytes(ra[6 + 2 * k : 8 + 2 * k], "little")
        spans.append((pos, pos + size))
        pos += size
    return chunk_length, spans


# --------------------------------------------------------------------------- entries

_SENSE = re.compile(r"^\s*\d+\.\s*")
_BRACKETS = re.compile(r"<[^>]*>|\[[^\]]*\]|\([^)]*\)|\{[^}]*\}")
_ANNOTATION = ("see:", "synonym", "note:", '"', "antonym", "see also")
_WORD = re.compile(r"[^\W\d_]+")
_ELIDED = re.compile(r"^[^\W\d_]{1,2}['’](?=[^\W\d_]{2})")  # s'abstenir, l'acqua
_TARGET_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_FOLD = (("œ", "oe"), ("æ", "ae"), ("ø", "o"), ("ł", "l"), ("đ", "d"), ("ı", "i"))  # letters NFKD keeps


def fold(text: str) -> str:
    """Case and accents folded: ``Überschwemmung`` → ``uberschwemmung``, ``Œuvre`` → ``oeuvre``."""
    text = text.casefold()
    if text.isascii():
        return text
    for letter, plain in _FOLD:
        if letter in text:
            text = text.replace(letter, plain)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def entry_translations(entry: str, skip: frozenset[str] = frozenset()) -> set[str]:
    """The single-word translations of one dictd entry, folded.

    The first line (the headword) and indented annotation lines are left out; sense
    numbers, ``<…>``, ``[…]``, ``(…)`` and ``{…}`` go; an item (between commas and
    semicolons, alternatives between slashes) is kept when one word is left after
    dropping abbreviations (``etw.``) and the ``skip`` words.
    """
    out: set[str] = set()
    for line in entry.split("\n")[1:]:
        text = line.strip()
        if not text or text.casefold().startswith(_ANNOTATION):
            continue
        text = _BRACKETS.sub(" ", _SENSE.sub("", text))
        for item in re.split(r"[,;]", text):
            words = [w for w in item.split() if not w.endswith(".") and w.casefold() not in skip]
            if len(words) != 1:
                continue
            for alternative in words[0].split("/"):
                folded = fold(_ELIDED.sub("", alternative.strip("-–…'’\"!?:")))
                if len(folded) >= 2 and _TARGET_WORD.fullmatch(folded):
                    out.add(folded)
    return out


def parse_index(lines) -> dict[str, list[str]]:
    """Folded headword → where its entries are (``offset<TAB>length``, dictd's base64,
    decoded by ``locate``) from dictd index lines: single-word headwords of letters only
    (dictd's own ``00database…`` entries and phrases left out)."""
    index: dict[str, list[str]] = {}
    for line in lines:
        head, tab, where = line.partition("\t")
        if not tab or not head.isalpha():
            continue
        word = head.lower() if head.isascii() else fold(head)
        index.setdefault(word, []).append(where.rstrip("\r\n"))
    return index


def locate(where: str) -> tuple[int, int] | None:
    """(offset, length) of an index line's ``offset<TAB>length``; None when malformed."""
    parts = where.split("\t")
    try:
        return b64_number(parts[0]), b64_number(parts[1])
    except (KeyError, IndexError):
        return None


class Lexicon:
    """An English→target lexicon: ``translations(word)`` is the folded single-word
    translations of a folded English headword (empty when unknown), read once a word."""

    def __init__(self, index: dict[str, list[str]], data: DictData, skip: frozenset[str] = frozenset()):
        self._index = index
        self._data = data
        self._skip = skip
        self._cache: dict[str, frozenset[str]] = {}
        self._known: dict[str, Known | None] = {}
        self.content_cache: dict[str, Known | None] = {}  # a source token → its verdict (content_words)

    @classmethod
    def from_files(cls, index_path: Path, dict_path: Path, skip: frozenset[str] = frozenset()) -> Lexicon:
        with index_path.open(encoding="utf-8", errors="replace") as fh:
            index = parse_index(fh)
        return cls(index, DictData(dict_path), skip)

    def __contains__(self, word: str) -> bool:
        return word in self._index

    def __len__(self) -> int:
        return len(self._index)

    def known(self, word: str) -> Known | None:
        """What must stand in a target for the folded English ``word`` (the translations
        of all its forms), or None when the lexicon knows none; cached."""
        try:
            return self._known[word]
        except KeyError:
            found = self._known[word] = _known(self, word)
            return found

    def entries(self, word: str) -> list[str]:
        """The dictd entries of a folded headword, as written (one that cannot be read,
        a damaged or vanished file, is left out: never an error)."""
        out = []
        for where in self._index.get(word, ()):
            at = locate(where)
            if at is None:
                continue
            try:
                out.append(self._data.read(*at))
            except (OSError, ValueError, zlib.error):
                continue
        return out

    def translations(self, word: str) -> frozenset[str]:
        found = self._cache.get(word)
        if found is None:
            out: set[str] = set()
            for entry in self.entries(word):
                out |= entry_translations(entry, self._skip)
            found = self._cache[word] = frozenset(out)
        return found


def dictd_files(name: str) -> tuple[Path, Path] | None:
    """(index, dict) of a pack's ``dictd`` name or path, or None when not installed."""
    given = Path(name)
    bases = [given] if given.is_absolute() or len(given.parts) > 1 else [d / f"freedict-{name}" for d in DICTD_DIRS] + [d / name for d in DICTD_DIRS]
    for base in bases:
        index = base.with_name(base.name + ".index")
        if not index.is_file():
            continue
        for suffix in (".dict.dz", ".dict"):
            data = base.with_name(base.name + suffix)
            if data.is_file():
                return index, data
    return None


def _lexicon_data(pack: Pack | None) -> dict:
    return dict(pack.lexicon) if pack is not None else {}


@derived
def lexicon_for(lang: str) -> Lexicon | None:
    """The lexicon of a target language, read on first use; None when its pack names
    none or the file is not installed (the check then finds nothing)."""
    data = _lexicon_data(get_pack(lang))
    name = data.get("dictd")
    files = dictd_files(name) if name else None
    if files is None:
        return None
    try:
        return Lexicon.from_files(*files, skip=frozenset(fold(w) for w in data.get("skip", ())))
    except (OSError, ValueError, zlib.error):
        return None


# --------------------------------------------------------------------------- matching

SHORT = 4  # a translation this long or shorter counts as a whole word, or with up to two more letters
STEM_MIN = 5  # a longer one counts by its first max(STEM_MIN, len - STEM_DROP) letters
STEM_DROP = 3
MIN_LETTERS = 4  # shorter source words are left out


def stem(word: str) -> str:
    """What of a folded translation must stand in the target: the word itself when it
    has ``SHORT`` letters or fewer, else its first ``max(STEM_MIN, len − STEM_DROP)``."""
    if len(word) <= SHORT:
        return word
    return word[: max(STEM_MIN, len(word) - STEM_DROP)]


def english_forms(word: str) -> list[str]:
    """``word`` (folded) and what simple suffix rules make of it: plurals (``countries`` →
    ``country``, ``lives`` → ``life``), -ed, -ing, -er, -est (a doubled consonant undone,
    an ``e`` restored: ``planned`` → ``plan``, ``invaded`` → ``invade``), -ly."""
    forms = [word]

    def add(form: str) -> None:
        if len(form) >= 3 and form not in forms:
            forms.append(form)

    if word.endswith(("ies", "ied")):
        add(word[:-3] + "y")
    if word.endswith("ves"):
        add(word[:-3] + "f")
        add(word[:-3] + "fe")
    if word.endswith("es"):
        add(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        add(word[:-1])
    for suffix in ("ing", "ed", "er", "est"):
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            add(base)
            add(base + "e")
            if len(base) >= 2 and base[-1] == base[-2]:
                add(base[:-1])
    if word.endswith("ily"):
        add(word[:-3] + "y")
    if word.endswith("ly"):
        add(word[:-2])
        add(word[:-2] + "e")
    return forms


class Known:
    """A source word the lexicon knows, as what must stand in the target for it: the
    stems of its longer translations (and of itself), looked for in the target's
    letters, and its short translations, looked for as words."""

    __slots__ = ("word", "stems", "short")

    def __init__(self, word: str, stems: tuple[str, ...], short: frozenset[str]):
        self.word = word  # folded, as in the source
        self.stems = stems
        self.short = short

    def __repr__(self) -> str:
        return f"Known({self.word!r}, {len(self.stems)} stems, {sorted(self.short)})"


def _known(lexicon: Lexicon, word: str) -> Known | None:
    translations: set[str] = set()
    for form in english_forms(word):
        translations |= lexicon.translations(form)
    if not translations:
        return None
    translations.add(word)  # "virus", "radio": the same word in both languages
    translations = {t.replace("-", "") for t in translations}  # the target's words are read run together
    stems = {stem(t) for t in translations if len(t) > SHORT}
    # shortest first, and none that contains another (it would only be found where that one is)
    kept = tuple(s for s in sorted(stems, key=len) if not any(k in s for k in stems if k != s))
    return Known(word, kept, frozenset(t for t in translations if 3 <= len(t) <= SHORT))


_DROP_ONE, _DROP_TWO = itemgetter(slice(None, -1)), itemgetter(slice(None, -2))


class TargetView:
    """A target sentence as the matching reads it: its words folded and run together
    (a stem may stand inside one, a German compound, or across a phrase the lexicon
    glued), and, built when first asked, its words also less their last letter or two
    (for short translations)."""

    __slots__ = ("words", "letters", "_short")

    def __init__(self, text: str):
        self.words = _WORD.findall(fold(text))
        self.letters = "".join(self.words)
        self._short: set[str] | None = None

    @property
    def short(self) -> set[str]:
        if self._short is None:
            # a short translation t stands for a word w when w is t with up to two more letters
            self._short = short = set(self.words)
            short.update(map(_DROP_ONE, self.words))
            short.update(map(_DROP_TWO, self.words))
        return self._short


def target_view(text: str) -> TargetView:
    return TargetView(text)


def has_counterpart(known: Known, view: TargetView) -> bool:
    """Whether one of the word's translations stands in the target."""
    letters = view.letters
    for s in known.stems:
        if s in letters:
            return True
    return bool(known.short) and not known.short.isdisjoint(view.short)


def counterpart_share(source: str, target: str, lexicon: Lexicon) -> tuple[float, int] | None:
    """(share of the source's known content words with a counterpart in the target, how
    many words that share is over); None when the source has fewer than three.  The
    aligner's lexical anchor (``relais.checks.align``): on FLORES-200 dev a sentence and
    its human translation share 0.5–0.76 on average, a sentence and an unrelated one 0.02."""
    known = content_words(source, lexicon)
    if len(known) < 3:
        return None
    view = target_view(target)
    return sum(1 for k in known if has_counterpart(k, view)) / len(known), len(known)


# --------------------------------------------------------------------------- the check

_SOURCE_WORD = re.compile(r"[^\W\d_]+(?:[-’'][^\W\d_]+)*")
CACHED_WORDS = 200_000  # source words remembered per lexicon (news repeats its words)


@derived
def _left_out() -> tuple[frozenset[str], re.Pattern | None]:
    """Source words that are no content words: the source pack's ``[lexicon] stopwords``,
    and its figure words, scales, currencies and units (the numbers checks' business)."""
    pack = get_pack(SOURCE_LANGUAGE)
    if pack is None:
        return frozenset(), None
    words = {fold(w) for w in _lexicon_data(pack).get("stopwords", ())}
    figures = pack.figures or {}
    for table in ("words", "scale", "currency"):
        words |= {fold(w) for w in figures.get(table, {}) if isinstance(w, str)}
    units = "|".join(f"(?:{pattern})" for pattern in figures.get("units", {}))
    return frozenset(words), re.compile(units, re.IGNORECASE) if units else None


def _content_word(token: str, lexicon: Lexicon) -> Known | None:
    if token.endswith(("'s", "’s")):
        token = token[:-2]
    if len(token) < MIN_LETTERS or not token[0].islower() or not token.isalpha():
        return None
    word = fold(token)
    stopwords, units = _left_out()
    if word in stopwords or (word[-1] == "s" and word[:-1] in stopwords) or (units is not None and units.fullmatch(word)):
        return None
    return lexicon.known(word)


def content_words(source: str, lexicon: Lexicon) -> list[Known]:
    """The source's content words the lexicon knows, each once, in order: words of
    ``MIN_LETTERS`` letters or more in lower case (a capital: a name, or a sentence's
    first word), not parts of a hyphenated or apostrophised word (``full-blown``,
    ``o'clock``: rendered as a whole; the ``'s`` of a possessive is dropped), not
    stopwords, figure words or units.  Each word's verdict is cached."""
    cache = lexicon.content_cache
    out: list[Known] = []
    seen: set[str] = set()
    for token in _SOURCE_WORD.findall(source):
        try:
            known = cache[token]
        except KeyError:
            if len(cache) >= CACHED_WORDS:
                cache.clear()
            known = cache[token] = _content_word(token, lexicon)
        if known is not None and known.word not in seen:
            seen.add(known.word)
            out.append(known)
    return out


def _has_lexicon(pack: Pack) -> bool:
    return bool(pack.lexicon.get("dictd"))


# How many known content words without a counterpart it takes, each found one counting
# against MATCH_WEIGHT of them: unmatched − MATCH_WEIGHT × matched ≥ MIN_SCORE.
MATCH_WEIGHT = 3
MIN_SCORE = 4


class UnsupportedCheck(SegmentCheck):
    """Content words of the source with no counterpart in the translation: changed or invented content.

    id ``meaning.unsupported``, always minor (see the module).  Languages whose pack
    names a FreeDict lexicon (``[lexicon] dictd``); without the file installed it finds
    nothing.  Example: "Flooding forced thousands of residents from their homes after the
    river burst its banks." → "La sécheresse a chassé des milliers d’habitants après la
    fin de la guerre." names "forced, homes, river, burst, banks"; "Les inondations ont
    chassé des milliers d’habitants de leurs maisons après la crue de la rivière." is
    silent.  One or two words changed in a long sentence are mostly missed
    (the lexicon lacks many renderings, so a word without a counterpart alone says little).
    """

    id = "meaning.unsupported"
    severity = Severity.MINOR
    locales = PackLocales(_has_lexicon)
    description = "Content words of the source have no counterpart in the translation (offline lexicon): changed or invented content."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        if pair.known or not pair.target_plain.strip():
            return []
        lexicon = lexicon_for(ctx.target_lang)
        if lexicon is None:
            return []
        known = content_words(pair.source_plain, lexicon)
        if len(known) < MIN_SCORE:
            return []
        view = target_view(pair.target_plain)
        # unmatched − MATCH_WEIGHT × matched ≥ MIN_SCORE allows at most this many matches
        allowed = (len(known) - MIN_SCORE) // (MATCH_WEIGHT + 1)
        missing: list[str] = []
        matched = 0
        for k in known:
            if not has_counterpart(k, view):
                missing.append(k.word)
            else:
                matched += 1
                if matched > allowed:
                    return []
        message = f"no counterpart for: {', '.join(missing)} ({matched} of {len(known)} known content words found)"
        return [self.finding(pair, 0, len(pair.target), message)]


CHECKS = [UnsupportedCheck]
