"""Raw bytes → text, refusing what is not a text article.

UTF-8 (with or without BOM) is the norm; a UTF-16 BOM is honoured; otherwise a charset
declared in the document (``<meta charset>``, ``http-equiv`` content type, an XML
declaration) is tried.  Anything else is refused rather than guessed: a wrong guess
would produce mojibake that then gets translated.
"""

from __future__ import annotations

import codecs
import re

from relais.document.text import person_text, refused_count
from relais.errors import InputError

# Well-known file signatures, so the message can say what the file is.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a Word/OpenDocument file)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"\x7fELF", "an executable program"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_RIFF_KINDS = {b"WEBP": "a WebP image", b"WAVE": "a WAV audio file", b"AVI ": "an AVI video"}

_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
SNIFF_BYTES = 4096
# Share of control characters (those the text rule refuses) above which text is taken
# for binary data rather than for a text with a stray control character.
MAX_CONTROL_SHARE = 0.01


def decode_article(data: bytes) -> str:
    """Decode ``data`` as article text or raise ``InputError`` saying why it is not."""
    if not data:
        raise InputError("the file is empty")
    kind = _known_binary(data)
    if kind:
        raise InputError(f"this is a binary file ({kind}), not a text article")
    text = _decode(data)
    if not text.strip():
        raise InputError("the file is empty (only whitespace)")
    _refuse_binary(text)
    # The one rule of text entering the store (relais.document.text): a control character
    # is refused, named, with its line and column; line breaks become "\n", bidi
    # controls go; tabs stay for the format's parser.
    return person_text(text, "an article", tabs=True)


def _known_binary(data: bytes) -> str | None:
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    if data.startswith(b"RIFF") and data[8:12] in _RIFF_KINDS:
        return _RIFF_KINDS[data[8:12]]
    return None


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8")
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return _strict(data[len(bom) :], encoding)
    if b"\x00" in data:
        raise InputError("this looks like a binary file, not a text article (it contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        declared = _declared_charset(data)
        if declared and codecs.lookup(declared).name != "utf-8":
            try:
                return data.decode(declared)
            except UnicodeDecodeError:
                raise InputError(f"the file declares charset {declared} but is not valid {declared}") from None
        where = f"byte 0x{data[utf8_error.start]:02x} at offset {utf8_error.start}"
        raise InputError(f"the file is not UTF-8 text ({where}) and declares no usable charset") from None


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"the file starts with a {encoding} byte-order mark but is not valid {encoding} (offset {exc.start})") from None


def _declared_charset(data: bytes) -> str | None:
    m = _DECLARED_CHARSET.search(data[:SNIFF_BYTES])
    if not m:
        return None
    name = (m.group(1) or m.group(2)).decode("ascii", "replace")
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def _refuse_binary(text: str) -> None:
    sample = text[:100_000]
    controls = refused_count(sample)
    if controls > 8 and controls > MAX_CONTROL_SHARE * len(sample):
        raise InputError(f"this looks like a binary file, not a text article ({controls} control characters)")
