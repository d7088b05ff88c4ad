"""The single entry point from raw input to an ``Article``.

``ingest_bytes`` checks the size, decodes (refusing empty and binary input), picks the
format (given, from the file name, or sniffed from the content), parses, tidies
(furniture, byline, key points; see ``relais.document.tidy``), then checks that there
is article text, that it is within the word limit and that it is English (in any
script: ``relais.document.language.confidently_not`` counts Chinese, Japanese and Thai
by characters and sums close varieties per macrolanguage), before anything is stored.
Every refusal is an ``InputError`` with a one-line message, prefixed with the file name
when one is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from relais.config import Limits
from relais.locales import SOURCE
from relais.document.decode import decode_article
from relais.document.inline import strip_placeholders
from relais.document.language import confidently_not, language_name
from relais.document.markdown import parse_markdown
from relais.document.model import Article, BlockKind
from relais.document.plaintext import parse_text
from relais.document.tidy import tidy_blocks
from relais.document.webpage import parse_webpage
from relais.errors import InputError

FORMATS = ("html", "markdown", "text")
SOURCE_LANGUAGE = SOURCE

# The registry of input formats: their names, other names for them, and the file
# suffixes read as each (what `relais translate DIR` picks up).
FORMAT_ALIASES = {"htm": "html", "md": "markdown", "txt": "text", "plain": "text"}
SUFFIXES = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}
_PARSERS: dict[str, Callable[[str], Article]] = {
    "html": parse_webpage,
    "markdown": parse_markdown,
    "text": parse_text,
}

# Sniffing: how much of the text to look at, and what counts as HTML or Markdown.
SNIFF_CHARS = 20_000
_HTML_DOCUMENT = re.compile(r"<!doctype\s+html|<(?:html|head|body)\b", re.IGNORECASE)
_HTML_TAG = re.compile(
    r"</?(?:p|div|span|a|h[1-6]|ul|ol|li|br|img|strong|em|b|i|article|section|main|table|tr|td|blockquote|figure|figcaption|nav|header|footer|script|style)\b[^>]*>",
    re.IGNORECASE,
)
MIN_HTML_TAGS = 5
_MARKDOWN_SIGNS = (
    re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE),  # ATX heading
    re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__"),  # strong emphasis
    re.compile(r"!?\[[^\]\n]+\]\([^)\s]+(?:\s+\"[^\"]*\")?\)"),  # link or image
    re.compile(r"^[^\n]+\n=+[ \t]*$", re.MULTILINE),  # setext heading underlined with "="
)
# Language identification reads at most this much text: enough to be sure, and fast.
LANGUAGE_SAMPLE_CHARS = 20_000


def ingest_path(path: Path | str, *, fmt: str | None = None, limits: Limits | None = None) -> Article:
    """Read and ingest an article file (the CLI handles "-" for standard input itself)."""
    path = Path(path)
    limits = limits or Limits()
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not an article file")
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise InputError(f"{path}: {_too_many_bytes(size, limits)}")
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)  # the file may grow while we read
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    return ingest_bytes(data, name=str(path), fmt=fmt, limits=limits)


def ingest_bytes(
    data: bytes,
    *,
    name: str | None = None,
    fmt: str | None = None,
    limits: Limits | None = None,
    language: str = SOURCE_LANGUAGE,
    strip_ui_text: bool = True,
) -> Article:
    """Ingest raw article bytes.  ``fmt``: "html", "markdown", "text" or None to detect.

    ``language`` is the language the document must be in (English for a source; the
    target language when a translation is read back for checking, with
    ``strip_ui_text=False`` so that leaked page furniture stays visible to the checks).
    """
    try:
        return _ingest(data, name, fmt, limits or Limits(), language, strip_ui_text)
    except InputError as exc:
        if name and not str(exc).startswith(f"{name}: "):
            raise InputError(f"{name}: {exc}") from None
        raise


def _ingest(data: bytes, name: str | None, fmt: str | None, limits: Limits, language: str, strip_ui_text: bool) -> Article:
    if len(data) > limits.max_bytes:
        raise InputError(_too_many_bytes(len(data), limits))
    chosen = format_named(fmt) or _format_from_name(name)
    text = decode_article(data)
    chosen = chosen or sniff_format(text)

    article = _PARSERS[chosen](text)
    # A translation read back for checking has its own language's bylines and labels
    # (and may have leaked English ones).
    languages = (language,) if language == SOURCE_LANGUAGE else (language, SOURCE_LANGUAGE)
    tidied = tidy_blocks(article.blocks, languages=languages, strip_ui_text=strip_ui_text)
    article.blocks = tidied.blocks
    article.author = article.author or tidied.author
    article.date = article.date or tidied.date
    article.source_format = chosen
    if not article.blocks or (chosen == "html" and all(b.kind is BlockKind.HEADLINE for b in article.blocks)):
        raise InputError("no article text found" + (" in the web page" if chosen == "html" else ""))
    if not article.title:
        article.title = article.headline and strip_placeholders(article.headline)

    words = article.word_count()
    if words > limits.max_words:
        raise InputError(f"the article has {words:,} words, over the limit of {limits.max_words:,} words")
    _require_language(article, language)
    article.source_language = language
    return article


def _too_many_bytes(size: int, limits: Limits) -> str:
    return f"the file is {size:,} bytes, over the limit of {limits.max_bytes:,} bytes"


def format_named(fmt: str | None) -> str | None:
    """The input format a user named (``FORMATS`` or one of ``FORMAT_ALIASES``), None
    for none; an ``InputError`` for an unknown name."""
    if fmt is None:
        return None
    normal = FORMAT_ALIASES.get(fmt.strip().lower(), fmt.strip().lower())
    if normal not in FORMATS:
        raise InputError(f"unknown format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    return normal


def _format_from_name(name: str | None) -> str | None:
    if not name:
        return None
    return SUFFIXES.get(Path(name).suffix.lower())


def sniff_format(text: str) -> str:
    """Guess "html", "markdown" or "text" from the content alone."""
    head = text[:SNIFF_CHARS]
    if _HTML_DOCUMENT.search(head[:2000]):
        return "html"
    if any(sign.search(head) for sign in _MARKDOWN_SIGNS):
        return "markdown"
    if len(_HTML_TAG.findall(head)) >= MIN_HTML_TAGS:
        return "html"
    return "text"


def _require_language(article: Article, language: str) -> None:
    sample = "\n".join(strip_placeholders(b.text) for b in article.blocks)[:LANGUAGE_SAMPLE_CHARS]
    verdict = confidently_not(sample, expected=language)
    if verdict is not None:
        code, _ = verdict
        if language == SOURCE_LANGUAGE:
            raise InputError(
                f"the article looks like {language_name(code)} ({code}); Relais translates from {language_name(SOURCE_LANGUAGE)}"
            )
        raise InputError(f"the document looks like {language_name(code)} ({code}), not {language_name(language)} ({language})")
