"""Article-level evaluation of the checks (``bench/eval_checks.py --articles``).

Whole articles go through the library path of ``relais check SOURCE TARGET --to LANG``
(``relais.checks.audit.check_documents``, which ``Desk.check_documents`` calls with the
configured limits; the default limits here): both documents as bytes with a file name,
so ingest, segmentation and alignment run as they do for the command.

Articles:

* FLORES-200 dev, 20 consecutive lines at a time (the shared files carry no document
  ids); the last, shorter chunk (lines 981–997) is kept.  Each line is a Markdown
  paragraph, paragraphs separated by blank lines, no headline: the lines are body
  sentences, and making one a headline would hold it to the stricter headline rules.
  The source is ``flores-dev.en``, the target the human reference or one machine output.
* The project's own articles: ``examples/story.md`` with our translations
  ``bench/data/story.<lang>.md`` (every language that has one), and the French series
  ``examples/series/NN.en.md`` / ``NN.fr.md``.  Their Markdown chunks (blank-line
  separated) correspond one to one between source and translation.

Perturbations, each applied to every article pair: ``none``; ``source dropped`` (one
source body paragraph taken out, seeded); ``3 target added`` (three target paragraphs
from another article of the same file inserted at seeded positions; for the project
articles, lines of the FLORES human reference of that language); ``plain text`` (both
documents as .txt, one line per paragraph, no blank lines).  A finding the perturbation
should cause (``addition.block`` on the target paragraph without a source) is counted
apart: ``excess`` is every other loud finding.

The disclosure: the human reference ending as a published Relais translation does
(``---`` then the locale's disclosure line, read from the language pack), and the same
with straight apostrophes; the findings on that line are reported.

Planted errors, on the human references (FLORES and project articles): an invented place
or organisation (from ``HELD_OUT_PLACES`` / ``HELD_OUT_FAMILY_NAMES``, which nothing under
``relais/`` contains: checked at start), a changed role or title (``ROLES``), a digit swap
inside a figure, a flipped connective that keeps an accepted rendering elsewhere in the
sentence, quotation marks removed.  Each round plants at most one error of each type per
article, in distinct paragraphs, and checks the article once; a plant counts only in a
paragraph where the unplanted article had no loud finding, and it is caught when the
planted article has a loud finding in that paragraph.  Everything is seeded.

Reference errors: ``data/flores_reference_errors.tsv`` lists loud findings on the human
references that we checked by hand and found to be true (a figure, name or quotation
the reference really changed or dropped).  They stay counted in every rate; the rate
without them is printed beside it (``Tally.listed``), for the human references only.
"""

from __future__ import annotations

import html
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flores import read_lines
from relais.checks.audit import check_documents
from relais.checks.base import Finding, Severity
from relais.checks.meaning import connectives
from relais.config import Limits
from relais.document.ingest import ingest_bytes
from relais.document.inline import strip_placeholders
from relais.document.segment import segment_block
from relais.locales import get_locale, get_pack

SYSTEMS = ("google", "microsoft", "bergamot-base-memory", "bergamot-tiny")
HUMAN = "human"
ARTICLE_LINES = 20
PERTURBATIONS = ("none", "source dropped", "3 target added", "plain text")
DISCLOSURES = ("published", "straight apostrophes")
PLANTS = ("invented place/org", "changed role", "digit swap", "flipped connective", "quotes removed")
LIMITS = Limits()  # what `relais check` uses without a [limits] table in config.toml
REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

# --------------------------------------------------------------------------- held-out names

# Places and family names (for organisations) that the checks never read: nothing under
# relais/ contains them (``assert_held_out``).  Real small towns and invented places.
HELD_OUT_PLACES = ("Varaždin", "Kežmarok", "Šiauliai", "Ptuj", "Trakai", "Bitola", "Jyväskylä", "Kastoria",
                   "Marrowby", "Quellmoor", "Dunhallow", "Easterwick")  # fmt: skip
HELD_OUT_FAMILY_NAMES = ("Brennecke", "Halvorsen", "Tiverlund", "Carrowmere", "Maerlant", "Osterholt")
# How each language adds a place or an organisation to a sentence ("…, à Ptuj.").
PLACE_PHRASE = {"fr": "à {}", "de": "in {}", "es": "en {}", "it": "a {}", "pt": "em {}"}
ORG_PHRASES = {
    "fr": ("selon la Fondation {}", "selon l’Institut {}"),
    "de": ("laut der Stiftung {}", "laut dem Institut {}"),
    "es": ("según la Fundación {}", "según el Instituto {}"),
    "it": ("secondo la Fondazione {}", "secondo l’Istituto {}"),
    "pt": ("segundo a Fundação {}", "segundo o Instituto {}"),
}


def assert_held_out() -> None:
    """Fail when a held-out name appears anywhere under relais/ (the checks would know it)."""
    names = [n.casefold() for n in HELD_OUT_PLACES + HELD_OUT_FAMILY_NAMES]
    for path in (REPO / "relais").rglob("*"):
        if path.is_file() and path.suffix in (".py", ".toml", ".txt", ".json", ".md", ".dic", ".aff"):
            text = path.read_text(encoding="utf-8", errors="ignore").casefold()
            found = [n for n in names if n in text]
            if found:
                raise SystemExit(f"held-out names {found} appear in {path}: choose others")


# --------------------------------------------------------------------------- roles

# English role → (source pattern, rendering per target language).  ``ROLE_SWAPS``: the
# role a plant puts in its place.  Singular forms only, whole words.
ROLES: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "president": (r"president", {"fr": ("président",), "de": ("Präsident",), "es": ("presidente",), "it": ("presidente",), "pt": ("presidente",)}),
    "prime minister": (r"prime minister", {"fr": ("Premier ministre", "premier ministre"), "de": ("Premierminister",), "es": ("primer ministro",), "it": ("primo ministro",), "pt": ("primeiro-ministro",)}),
    "mayor": (r"mayor", {"fr": ("maire",), "de": ("Bürgermeister",), "es": ("alcalde",), "it": ("sindaco",), "pt": ("presidente da câmara", "prefeito")}),
    "governor": (r"governor", {"fr": ("gouverneur",), "de": ("Gouverneur",), "es": ("gobernador",), "it": ("governatore",), "pt": ("governador",)}),
    "senator": (r"senator", {"fr": ("sénateur",), "de": ("Senator",), "es": ("senador",), "it": ("senatore",), "pt": ("senador",)}),
    "king": (r"king", {"fr": ("roi",), "de": ("König",), "es": ("rey",), "it": ("re",), "pt": ("rei",)}),
    "queen": (r"queen", {"fr": ("reine",), "de": ("Königin",), "es": ("reina",), "it": ("regina",), "pt": ("rainha",)}),
    "prince": (r"prince", {"fr": ("prince",), "de": ("Prinz",), "es": ("príncipe",), "it": ("principe",), "pt": ("príncipe",)}),
    "princess": (r"princess", {"fr": ("princesse",), "de": ("Prinzessin",), "es": ("princesa",), "it": ("principessa",), "pt": ("princesa",)}),
    "captain": (r"captain", {"fr": ("capitaine",), "de": ("Kapitän",), "es": ("capitán",), "it": ("capitano",), "pt": ("capitão",)}),
    "coach": (r"coach", {"fr": ("entraîneur",), "de": ("Trainer",), "es": ("entrenador",), "it": ("allenatore",), "pt": ("treinador",)}),
    "ambassador": (r"ambassador", {"fr": ("ambassadeur",), "de": ("Botschafter",), "es": ("embajador",), "it": ("ambasciatore",), "pt": ("embaixador",)}),
    "director": (r"director", {"fr": ("directeur",), "de": ("Direktor",), "es": ("director",), "it": ("direttore",), "pt": ("diretor",)}),
    "professor": (r"professor", {"fr": ("professeur",), "de": ("Professor",), "es": ("profesor",), "it": ("professore",), "pt": ("professor",)}),
    "foreign minister": (r"foreign (?:minister|secretary)|minister (?:of|for) foreign affairs", {"fr": ("ministre des Affaires étrangères",), "de": ("Außenminister",), "es": ("ministro de Asuntos Exteriores",), "it": ("ministro degli Esteri",), "pt": ("ministro dos Negócios Estrangeiros",)}),
    "interior minister": (r"interior minister|minister of (?:the )?interior|home secretary", {"fr": ("ministre de l’Intérieur",), "de": ("Innenminister",), "es": ("ministro del Interior",), "it": ("ministro dell’Interno",), "pt": ("ministro da Administração Interna",)}),
}  # fmt: skip
ROLE_SWAPS = {
    "president": "prime minister", "prime minister": "president", "mayor": "governor", "governor": "mayor",
    "senator": "governor", "king": "prince", "prince": "king", "queen": "princess", "princess": "queen",
    "captain": "director", "coach": "ambassador", "ambassador": "coach", "director": "president",
    "professor": "director", "foreign minister": "interior minister", "interior minister": "foreign minister",
}  # fmt: skip
_ELIDING = ("fr", "it")  # l’ambassadeur / le directeur: swap only between words of the same initial kind


def _vowel(word: str) -> bool:
    return word[:1].lower() in "aeiouéèêàâîôûh"


def _role_source(role: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-])(?:{ROLES[role][0]})(?![\w-])", re.IGNORECASE)


def _word(text: str) -> re.Pattern:
    return re.compile(rf"(?<![\w’'-]){re.escape(text)}(?![\w-])", re.IGNORECASE)


# --------------------------------------------------------------------------- articles


@dataclass(frozen=True)
class Article:
    """A source article and its translation as Markdown chunks (paragraphs, headings,
    lists…) that correspond one to one; ``body``: the chunks that are body paragraphs."""

    name: str
    lang: str
    source: tuple[str, ...]
    target: tuple[str, ...]
    body: tuple[int, ...]
    markdown: bool  # chunks carry Markdown markup (project articles); FLORES lines do not
    plantable: tuple[int, ...] = ()  # chunks errors may be planted in
    listed: frozenset[tuple[str, str]] = frozenset()  # (target chunk, check id): hand-checked reference errors


@dataclass(frozen=True)
class Doc:
    """A document as `relais check` reads it (text and file name), and the chunks it
    was written from, in order (to tell which paragraph a finding is in)."""

    text: str
    name: str
    chunks: tuple[str, ...]


def flores_articles(flores: Path, lang: str, system: str, lines: int) -> list[Article]:
    """FLORES dev lines ``ARTICLE_LINES`` at a time as articles (the last shorter chunk kept)."""
    source = read_lines(flores / f"en-{lang}" / "flores-dev.en", lines)
    target = read_lines(_system_path(flores, lang, system), lines)
    errors = reference_errors().get(lang, {}) if system == HUMAN else {}
    out = []
    for k in range(0, len(source), ARTICLE_LINES):
        src, tgt = tuple(source[k : k + ARTICLE_LINES]), tuple(target[k : k + ARTICLE_LINES])
        every = tuple(range(len(src)))
        listed = frozenset((_norm(tgt[i]), check) for i in every for check in errors.get(k + i + 1, ()))
        out.append(Article(f"flores-{lang}-{k // ARTICLE_LINES:02d}", lang, src, tgt, every, False, every, listed))
    return out


_REFERENCE_ERRORS: dict[str, dict[int, set[str]]] | None = None


def reference_errors() -> dict[str, dict[int, set[str]]]:
    """The hand-checked reference errors: language → FLORES dev line (1-based) → check ids."""
    global _REFERENCE_ERRORS
    if _REFERENCE_ERRORS is None:
        out: dict[str, dict[int, set[str]]] = {}
        for row in (DATA / "flores_reference_errors.tsv").read_text(encoding="utf-8").splitlines():
            if not row.strip() or row.startswith("#"):
                continue
            lang, line, check, _note = row.split("\t", 3)
            out.setdefault(lang, {}).setdefault(int(line), set()).add(check)
        _REFERENCE_ERRORS = out
    return _REFERENCE_ERRORS


def _system_path(flores: Path, lang: str, system: str) -> Path:
    name = f"flores-dev.{lang}" if system == HUMAN else f"flores-dev.{system}.{lang}"
    return flores / f"en-{lang}" / name


def system_available(flores: Path, lang: str, system: str) -> bool:
    return _system_path(flores, lang, system).exists()


def _chunks(text: str) -> tuple[str, ...]:
    return tuple(c.strip("\n") for c in re.split(r"\n[ \t]*\n", text.strip()) if c.strip())


def _is_byline(chunk: str) -> bool:
    return bool(re.match(r"(?:By|Par|Von|Por|Di) [A-Z]", chunk)) and "·" in chunk


def _is_body(chunk: str) -> bool:
    """A plain paragraph: no heading, list, quote, image or emphasised standfirst, no byline."""
    return not re.match(r"(?:#|>|!\[|\*|-\s|\d+[.)]\s)", chunk) and not _is_byline(chunk)


def project_articles(lang: str) -> list[Article]:
    """The project's own articles with a translation into ``lang``."""
    pairs = [(REPO / "examples" / "story.md", DATA / f"story.{lang}.md")]
    pairs += [(p, p.with_name(p.name.replace(".en.", f".{lang}."))) for p in sorted((REPO / "examples" / "series").glob("*.en.md"))]
    out = []
    for src_path, tgt_path in pairs:
        if not tgt_path.exists():
            continue
        src, tgt = _chunks(src_path.read_text(encoding="utf-8")), _chunks(tgt_path.read_text(encoding="utf-8"))
        if len(src) != len(tgt):
            raise SystemExit(f"{tgt_path}: {len(tgt)} chunks for the source's {len(src)}: they must correspond")
        body = tuple(i for i, c in enumerate(src) if _is_body(c))
        plantable = tuple(i for i, c in enumerate(src) if not re.match(r"(?:#|!\[)", c) and not _is_byline(c))
        name = f"{src_path.parent.name}/{src_path.stem.split('.')[0]}-{lang}"
        out.append(Article(name, lang, src, tgt, body, True, plantable))
    return out


# --------------------------------------------------------------------------- documents


def markdown_doc(chunks: tuple[str, ...], name: str) -> Doc:
    """Chunks separated by blank lines, as a Markdown file."""
    return Doc("\n\n".join(chunks) + "\n", name + ".md", chunks)


def md_lines(chunk: str, markers: bool = True) -> list[str]:
    """A Markdown chunk as plain lines: markup taken out, images dropped, list markers
    kept (``markers``) so that plain text still reads them as list items."""
    out = []
    for line in chunk.split("\n"):
        if re.fullmatch(r"\s*!\[[^\]]*\]\([^)]*\)\s*", line):
            continue
        line = re.sub(r"^#+\s+|^>\s?", "", line)
        if not markers:
            line = re.sub(r"^\s*(?:[-*]|\d+[.)])\s+", "", line)
        line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)
        line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
        line = re.sub(r"\*\*(.+?)\*\*", r"\1", line)
        line = re.sub(r"(?<!\w)[*_](.+?)[*_](?!\w)", r"\1", line)
        if line.strip():
            out.append(line.strip())
    return out


def plain_doc(chunks: tuple[str, ...], name: str, markdown: bool) -> Doc:
    """One line per paragraph, single newlines, no blank lines, as a .txt file."""
    lines = tuple(line for c in chunks for line in (md_lines(c) if markdown else [c]))
    return Doc("\n".join(lines) + "\n", name + ".txt", lines)


def _norm(text: str) -> str:
    return " ".join(text.split())


_BLOCK_MAPS: dict[tuple[str, str], list[int]] = {}


def block_chunks(doc: Doc, lang: str, markdown: bool) -> list[int]:
    """For each block of the target as `relais check` ingests it, the chunk it came from
    (-1 where none is found), by reading order and text."""
    key = (doc.text, lang)
    if key not in _BLOCK_MAPS:
        article = ingest_bytes(doc.text.encode("utf-8"), name=doc.name, limits=LIMITS, language=lang, strip_ui_text=False)
        # The ingested text has HTML character references read (Google's output carries &quot;).
        plains = [_norm(html.unescape(" ".join(md_lines(c, markers=False)) if markdown else c)) for c in doc.chunks]
        out, j = [], 0
        for block in article.blocks:
            text = _norm(strip_placeholders(block.text))[:40]
            k = next((k for k in range(j, len(plains)) if text and text in plains[k]), -1)
            out.append(k)
            j = k if k >= 0 else j
        _BLOCK_MAPS[key] = out
    return _BLOCK_MAPS[key]


_SEGMENTS: dict[tuple[str, str], int] = {}


def source_segments(doc: Doc) -> int:
    """Source segments as `relais check` makes them: the ingested blocks, each cut into sentences."""
    key = (doc.text, doc.name)
    if key not in _SEGMENTS:
        article = ingest_bytes(doc.text.encode("utf-8"), name=doc.name, limits=LIMITS)
        _SEGMENTS[key] = sum(len(segment_block(b.text, article.source_language)) for b in article.blocks)
    return _SEGMENTS[key]


_CHECKED: dict[tuple[str, str, str, str, str], list[Finding]] = {}


def check(source: Doc, target: Doc, lang: str) -> list[Finding]:
    """The findings of `relais check SOURCE TARGET --to LANG` on the two documents (once
    per pair of documents: the plants start from the unperturbed article's findings)."""
    key = (source.text, source.name, target.text, target.name, lang)
    if key not in _CHECKED:
        report = check_documents(source.text.encode("utf-8"), target.text.encode("utf-8"), lang,
                                 source_name=source.name, target_name=target.name, limits=LIMITS)  # fmt: skip
        _CHECKED[key] = report.findings
    return _CHECKED[key]


def is_loud(f: Finding) -> bool:
    return f.severity.rank >= Severity.MAJOR.rank


def _chunk_of(f: Finding, blocks: list[int]) -> int:
    return blocks[f.block] if 0 <= f.block < len(blocks) else -1


# --------------------------------------------------------------------------- perturbations


@dataclass
class Tally:
    """Loud findings of one language × system × perturbation."""

    articles: int = 0
    segments: int = 0
    loud: int = 0  # every loud finding
    excess: int = 0  # loud findings the perturbation does not explain
    expected: int = 0  # paragraphs the perturbation left without a counterpart
    found: int = 0  # of those, flagged loudly as such (addition.block there)
    listed: int = 0  # excess loud findings that are listed reference errors (data/flores_reference_errors.tsv)
    by_check: Counter = field(default_factory=Counter)  # excess loud findings by check id

    def add(self, other: Tally) -> None:
        for name in ("articles", "segments", "loud", "excess", "expected", "found", "listed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_check.update(other.by_check)

    def rate(self, excess: bool = True) -> float:
        return 100 * (self.excess if excess else self.loud) / self.segments if self.segments else 0.0

    def rate_unlisted(self) -> float:
        """``rate()`` less the hand-checked reference errors."""
        return 100 * (self.excess - self.listed) / self.segments if self.segments else 0.0


def _rng(*parts) -> random.Random:
    return random.Random("/".join(str(p) for p in parts))


def _tally(findings: list[Finding], segments: int, blocks: list[int] | None, expected: set[int],
           chunks: tuple[str, ...] = (), listed: frozenset[tuple[str, str]] = frozenset()) -> Tally:  # fmt: skip
    """Count loud findings; one ``addition.block`` on each ``expected`` chunk is explained;
    ``listed``: (chunk text, check) of the hand-checked reference errors, counted apart."""
    t = Tally(articles=1, segments=segments, expected=len(expected))
    explained: set[int] = set()
    for f in findings:
        if not is_loud(f):
            continue
        t.loud += 1
        chunk = _chunk_of(f, blocks) if blocks is not None else -1
        if f.check == "addition.block" and chunk in expected and chunk not in explained:
            explained.add(chunk)
            continue
        t.excess += 1
        t.by_check[f.check] += 1
        if listed and 0 <= chunk < len(chunks) and (_norm(chunks[chunk]), f.check) in listed:
            t.listed += 1
    t.found = len(explained)
    return t


def donor_lines(article: Article, others: list[Article], rng: random.Random, n: int = 3) -> list[str]:
    """``n`` target lines of another article of the same file (the next one)."""
    pool = [a for a in others if a.name != article.name] or others
    donor = pool[(others.index(article) if article in others else 0) % len(pool)] if pool else None
    lines = [c for c in (donor.target if donor else ()) if _is_body(c) or not donor.markdown]
    return rng.sample(lines, min(n, len(lines)))


def perturbed(article: Article, kind: str, donors: list[str], seed: int) -> tuple[Doc, Doc, set[int], bool]:
    """(source, target, chunks expected without a counterpart, whether chunks map to blocks)."""
    rng = _rng(seed, article.name, kind)
    src, tgt = list(article.source), list(article.target)
    if kind == "none":
        return markdown_doc(article.source, "source"), markdown_doc(article.target, "target"), set(), True
    if kind == "source dropped":
        d = rng.choice(article.body)
        del src[d]
        return markdown_doc(tuple(src), "source"), markdown_doc(article.target, "target"), {d}, True
    if kind == "3 target added":
        after = range(1, len(tgt) + 1) if not article.markdown else [i + 1 for i in article.body]
        slots = sorted(rng.sample(list(after), min(3, len(donors), len(after))))
        for j, (slot, line) in enumerate(zip(slots, donors)):
            tgt.insert(slot + j, line)  # earlier insertions moved the later slots on by one each
        added = {slot + j for j, slot in enumerate(slots)}
        return markdown_doc(article.source, "source"), markdown_doc(tuple(tgt), "target"), added, True
    if kind == "plain text":
        return plain_doc(article.source, "source", article.markdown), plain_doc(article.target, "target", article.markdown), set(), False
    raise ValueError(kind)


def run_perturbations(article: Article, donors: list[str], seed: int) -> dict[str, Tally]:
    """Each perturbation of one article pair, checked."""
    out = {}
    for kind in PERTURBATIONS:
        source, target, expected, mapped = perturbed(article, kind, donors, seed)
        findings = check(source, target, article.lang)
        blocks = block_chunks(target, article.lang, article.markdown) if (mapped and expected) or article.listed else None
        out[kind] = _tally(findings, source_segments(source), blocks, expected, target.chunks, article.listed)
    return out


# --------------------------------------------------------------------------- the disclosure


@dataclass
class DisclosureTally:
    articles: int = 0
    applicable: int = 0  # the variant differs from the published line
    on_line: int = 0  # articles with a finding on the disclosure line
    loud_on_line: int = 0  # … with a loud one
    by_check: Counter = field(default_factory=Counter)

    def add(self, other: DisclosureTally) -> None:
        for name in ("articles", "applicable", "on_line", "loud_on_line"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_check.update(other.by_check)


def disclosure_line(lang: str, straight: bool) -> str:
    line = get_locale(lang).disclosure_from("en")
    return line.replace("’", "'") if straight else line


def run_disclosure(article: Article) -> dict[str, DisclosureTally]:
    """The target ending with the disclosure as a publication does (``---``, then the line)."""
    out = {}
    source = markdown_doc(article.source, "source")
    for variant in DISCLOSURES:
        line = disclosure_line(article.lang, variant != "published")
        t = DisclosureTally(articles=1, applicable=int(variant == "published" or "'" in line))
        if t.applicable:
            target = markdown_doc(article.target + ("---", line), "target")
            blocks = block_chunks(target, article.lang, article.markdown)
            last = len(target.chunks) - 1
            on = [f for f in check(source, target, article.lang) if _chunk_of(f, blocks) == last]
            t.on_line, t.loud_on_line = int(bool(on)), int(any(is_loud(f) for f in on))
            t.by_check.update(f"{f.check} ({f.severity.value})" for f in on)
        out[variant] = t
    return out


# --------------------------------------------------------------------------- plants


def _keep_case(found: str, replacement: str) -> str:
    return replacement[0].upper() + replacement[1:] if found[:1].isupper() else replacement


def plant_invented(src: str, tgt: str, lang: str, rng: random.Random) -> str | None:
    """A held-out place or organisation added before the paragraph's final punctuation."""
    end = re.search(r"[.!?…](?=[\s»”“\"’)\u00a0\u202f*]*$)", tgt)
    if not end:
        return None
    if rng.random() < 0.5:
        name = rng.choice(HELD_OUT_PLACES)
        phrase = PLACE_PHRASE[lang].format(name)
    else:
        name = rng.choice(HELD_OUT_FAMILY_NAMES)
        phrase = rng.choice(ORG_PHRASES[lang]).format(name)
    if name.casefold() in (src + tgt).casefold():
        return None
    return tgt[: end.start()] + ", " + phrase + tgt[end.start() :]


def plant_role(src: str, tgt: str, lang: str, rng: random.Random) -> str | None:
    """A role of the source, rendered in the target, replaced by another role."""
    options = []
    for role, other in ROLE_SWAPS.items():
        if not _role_source(role).search(src) or _role_source(other).search(src):
            continue
        replacement = ROLES[other][1][lang][0]
        if any(_word(form).search(tgt) for form in ROLES[other][1][lang]):
            continue
        for form in ROLES[role][1][lang]:
            for m in _word(form).finditer(tgt):
                if lang in _ELIDING and _vowel(m.group()) != _vowel(replacement):
                    continue
                options.append((m.start(), m.end(), _keep_case(m.group(), replacement)))
    if not options:
        return None
    start, end, replacement = rng.choice(sorted(options))
    return tgt[:start] + replacement + tgt[end:]


# A figure: digits with group or decimal separators, not glued to a letter ("39C",
# "A380", "COVID-19" are names).
_FIGURE = re.compile(r"(?<![^\W_])(?<![^\W\d_]-)\d(?:\d|[ .,\u00a0\u202f](?=\d))*(?![^\W_])")


def plant_digit_swap(src: str, tgt: str, lang: str, rng: random.Random) -> str | None:
    """Two neighbouring, different digits swapped inside a figure the source also has
    (453 000 → 435 000); the figure keeps its separators."""
    source_digits = {re.sub(r"\D", "", m.group()) for m in _FIGURE.finditer(src)}
    options = []
    for m in _FIGURE.finditer(tgt):
        digits = re.sub(r"\D", "", m.group())
        if len(digits) < 2 or digits not in source_digits:
            continue
        where = [i for i, ch in enumerate(m.group()) if ch.isdigit()]
        for k in range(len(where) - 1):
            a, b = where[k], where[k + 1]
            text = m.group()
            if text[a] != text[b] and not (k == 0 and text[b] == "0"):
                options.append((m.start() + a, m.start() + b))
    if not options:
        return None
    a, b = rng.choice(options)
    chars = list(tgt)
    chars[a], chars[b] = chars[b], chars[a]
    return "".join(chars)


def plant_connective(src: str, tgt: str, lang: str, rng: random.Random) -> str | None:
    """Where the source has a connective ("amid") and one target sentence has two of its
    accepted renderings, the one nearest the connective's place replaced by a signal of a
    connective that contradicts it ("malgré"); the other rendering stays elsewhere in the
    sentence (what a check reading the whole sentence takes for "rendered as itself")."""
    table = connectives()
    options = []
    for conn in table.values():
        if not any(p.search(src) for p in conn.source):
            continue
        for other in conn.contradicts:
            signals = table[other].signals.get(lang, ())
            if not signals or any(p.search(src) for p in table[other].source):
                continue
            replacement = get_pack(lang).connectives[other].signal[0]  # the first signal, as the pack writes it
            for sentence in segment_block(tgt, lang):
                spans = sorted({(m.start() + sentence.start, m.end() + sentence.start)
                                for p in conn.renderings.get(lang, ()) for m in p.finditer(sentence.text)})  # fmt: skip
                spans = [s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)]
                if len(spans) >= 2:
                    # The rendering that stands in for the source's connective: the one
                    # nearest its place (relative position); the other stays elsewhere.
                    where = next(m.start() for p in conn.source if (m := p.search(src))) / max(len(src), 1)
                    s = min(spans, key=lambda s: abs(s[0] / max(len(tgt), 1) - where))
                    options.append((s, _keep_case(tgt[s[0] : s[1]], replacement)))
            break
    if not options:
        return None
    (start, end), replacement = rng.choice(options)
    return tgt[:start] + replacement + tgt[end:]


_QUOTE_PAIRS = {"de": (("„", "“"), ("»", "«"), ('"', '"'))}
_DEFAULT_QUOTE_PAIRS = (("«", "»"), ("“", "”"), ('"', '"'))
_INNER_SPACE = "\u202f\u00a0 "


def plant_quotes_removed(src: str, tgt: str, lang: str, rng: random.Random) -> str | None:
    """The quotation marks around one quoted passage of the target taken out (with the
    spaces inside French guillemets), where the source holds a quotation too (opened and
    closed in the paragraph)."""
    if not re.search(r'“[^“”]*\w[^“”]*”|"[^"]*\w[^"]*"', src):
        return None  # the source quotes nothing it opens and closes here
    options = []
    for opening, closing in _QUOTE_PAIRS.get(lang, _DEFAULT_QUOTE_PAIRS):
        for m in re.finditer(rf"{re.escape(opening)}([^{re.escape(opening + closing)}\n]+?){re.escape(closing)}", tgt):
            if re.search(r"\w", m.group(1)):
                options.append((m.start(), m.end()))
    if not options:
        return None
    start, end = rng.choice(sorted(set(options)))
    inner = tgt[start + 1 : end - 1].strip(_INNER_SPACE)
    return tgt[:start] + inner + tgt[end:]


PLANTERS = {
    "invented place/org": plant_invented,
    "changed role": plant_role,
    "digit swap": plant_digit_swap,
    "flipped connective": plant_connective,
    "quotes removed": plant_quotes_removed,
}


@dataclass
class PlantTally:
    cases: int = 0
    caught: int = 0  # by a loud finding in the planted paragraph
    skipped: int = 0  # applicable, but the unplanted paragraph already had a loud finding
    by_check: Counter = field(default_factory=Counter)  # loud findings that caught a plant

    def add(self, other: PlantTally) -> None:
        self.cases += other.cases
        self.caught += other.caught
        self.skipped += other.skipped
        self.by_check.update(other.by_check)


def run_plants(article: Article, rounds: int, seed: int) -> dict[str, PlantTally]:
    """``rounds`` planted versions of the article, each with at most one error of each
    type in distinct paragraphs that were silent (no loud finding) before planting."""
    out = {kind: PlantTally() for kind in PLANTERS}
    source, target = markdown_doc(article.source, "source"), markdown_doc(article.target, "target")
    blocks = block_chunks(target, article.lang, article.markdown)
    loud_before = {_chunk_of(f, blocks) for f in check(source, target, article.lang) if is_loud(f)}
    used: dict[str, set[int]] = {kind: set() for kind in PLANTERS}
    for r in range(rounds):
        chunks = list(article.target)
        planted: dict[int, str] = {}
        for kind, plant in PLANTERS.items():
            options = {}
            for i in article.plantable:
                if i in planted or i in used[kind]:
                    continue
                broken = plant(article.source[i], article.target[i], article.lang, _rng(seed, article.name, r, kind, i))
                if broken is not None and broken != article.target[i]:
                    options[i] = broken
            silent = [i for i in options if i not in loud_before]
            if r == 0:
                out[kind].skipped += len(options) - len(silent)
            if silent:
                i = _rng(seed, article.name, r, kind).choice(silent)
                planted[i], chunks[i] = kind, options[i]
                used[kind].add(i)
        if not planted:
            break
        findings = check(source, markdown_doc(tuple(chunks), "target"), article.lang)
        for i, kind in planted.items():
            catching = [f.check for f in findings if is_loud(f) and _chunk_of(f, blocks) == i]
            out[kind].cases += 1
            out[kind].caught += bool(catching)
            out[kind].by_check.update(set(catching))
    return out


# --------------------------------------------------------------------------- one task


@dataclass
class TaskResult:
    lang: str
    system: str  # HUMAN, a machine system, or "project"
    perturbations: dict[str, Tally]
    disclosure: dict[str, DisclosureTally] = field(default_factory=dict)
    plants: dict[str, PlantTally] = field(default_factory=dict)


def run_task(flores: Path, lang: str, system: str, lines: int, seed: int, rounds: int) -> TaskResult:
    """All article checks of one language and system (``project``: our own articles)."""
    _CHECKED.clear()  # the source documents' segment counts stay: every system shares them
    _BLOCK_MAPS.clear()
    if system == "project":
        articles = project_articles(lang)
        donors_from = flores_articles(flores, lang, HUMAN, lines)
    else:
        articles = flores_articles(flores, lang, system, lines)
        donors_from = articles
    result = TaskResult(lang, system, {kind: Tally() for kind in PERTURBATIONS})
    human = system in (HUMAN, "project")
    if human:
        result.disclosure = {v: DisclosureTally() for v in DISCLOSURES}
        result.plants = {kind: PlantTally() for kind in PLANTERS}
    for article in articles:
        donors = donor_lines(article, donors_from, _rng(seed, article.name, "donors"))
        for kind, tally in run_perturbations(article, donors, seed).items():
            result.perturbations[kind].add(tally)
        if human:
            for variant, tally in run_disclosure(article).items():
                result.disclosure[variant].add(tally)
            for kind, tally in run_plants(article, rounds, seed).items():
                result.plants[kind].add(tally)
    return result
