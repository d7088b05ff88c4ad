"""One rule for text entering the store (edits, terms, imports, article files, engine output).

What the rule does, in this order:

- **Line breaks** — CR, CRLF, VT (U+000B, Word's soft line break, which Trados writes
  into TMX), FF (U+000C), NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR
  (U+2029) become ``"\\n"``, the block's one line break.  (U+2029 too: inside a segment
  there is no paragraph to end, so it can only mean a break.)
- **Tab** becomes a space in text of the store (``tabs=False``, the default); article
  files keep theirs for their format's parser (Markdown indentation).
- **Bidi embeddings, overrides and isolates** (U+202A–U+202E, U+2066–U+2069) are removed:
  invisible, they can make a text display differently from what it says.  The marks
  LRM/RLM/ALM (U+200E, U+200F, U+061C) stay: they reorder nothing.
- **Every other control character** — C0 (U+0000–U+001F but tab and LF), DEL, C1
  (U+0080–U+009F but NEL) — and what XML 1.0 and PostgreSQL cannot hold (lone surrogates,
  U+FFFE, U+FFFF) is *refused* when a person or a file supplied the text
  (``person_text``: ``ControlCharacterError``, naming the first one and where it is) and
  *removed* where a machine produced it (``machine_text``: an engine's output, a search
  query).

The same on every backend: nothing here depends on the store.  ``xml_text`` is the
exports' side: whatever is stored, what XML 1.0 cannot carry becomes U+FFFD there.
"""

from __future__ import annotations

import re

from relais.errors import InputError

_C0_NAMES = (
    "NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI "
    "DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC FS GS RS US"
).split()
_C1_NAMES = (
    "PAD HOP BPH NBH IND NEL SSA ESA HTS HTJ VTS PLD PLU RI SS2 SS3 "
    "DCS PU1 PU2 STS CCH MW SPA EPA SOS SGCI SCI CSI ST OSC PM APC"
).split()

_LINE_BREAK = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Refused from people and files, removed from machines (tab, LF and the line breaks above
# are not in it: they are turned into "\n" or a space first).
_FORBIDDEN = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# What XML 1.0 cannot carry at all (not even as a character reference).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class ControlCharacterError(InputError):
    """A person's or a file's text holds a character the store does not take."""

    def __init__(self, message: str, position: int):
        super().__init__(message)
        self.position = position  # 0-based index in the text as supplied


def character_name(ch: str) -> str:
    """``U+0000 (NUL)``, ``U+202E (bidi control)``: how messages name a character."""
    code = ord(ch)
    if code < 0x20:
        label = _C0_NAMES[code]
    elif code == 0x7F:
        label = "DEL"
    elif 0x80 <= code <= 0x9F:
        label = _C1_NAMES[code - 0x80]
    elif 0xD800 <= code <= 0xDFFF:
        label = "a lone surrogate"
    elif code in (0xFFFE, 0xFFFF):
        label = "a noncharacter"
    else:
        label = "bidi control" if _BIDI.fullmatch(ch) else "character"
    return f"U+{code:04X} ({label})"


def _where(text: str, index: int) -> str:
    line = text.count("\n", 0, index)
    if line == 0:
        return f"at character {index + 1}"
    return f"at line {line + 1}, column {index - text.rfind(chr(10), 0, index)}"


def control_problem(text: str, what: str = "text") -> ControlCharacterError | None:
    """The error ``person_text`` would raise for ``text``, or None when it takes it."""
    m = _FORBIDDEN.search(text)
    if m is None:
        return None
    return ControlCharacterError(
        f"{character_name(m.group())} {_where(text, m.start())} is not allowed in {what}", m.start()
    )


def refused_count(text: str) -> int:
    """How many characters of ``text`` ``person_text`` refuses."""
    return sum(1 for _ in _FORBIDDEN.finditer(text))


def _common(text: str, tabs: bool) -> str:
    text = _LINE_BREAK.sub("\n", text)
    if not tabs:
        text = text.replace("\t", " ")
    return _BIDI.sub("", text)


def person_text(text: str, what: str = "text", *, tabs: bool = False) -> str:
    """``text`` as the store keeps it, supplied by a person or a file: control characters
    refused (``ControlCharacterError``, an ``InputError``, with a one-line message naming
    the first one and its place: "U+0000 (NUL) at character 12 is not allowed in text"),
    line breaks made ``"\\n"``, tabs spaces (unless ``tabs``), bidi controls removed.
    ``what`` names the text in the message ("the rendering")."""
    if text.isascii() and text.isprintable():
        return text
    problem = control_problem(text, what)
    if problem is not None:
        raise problem
    return _common(text, tabs)


def machine_text(text: str, *, tabs: bool = False) -> str:
    """``text`` as the store keeps it, produced by a machine (an engine) or only used to
    search: the same rule as ``person_text``, but control characters are removed instead
    of refused."""
    if text.isascii() and text.isprintable():
        return text
    return _FORBIDDEN.sub("", _common(text, tabs))


def xml_text(text: str) -> str:
    """``text`` as an XML 1.0 export can carry it: characters XML cannot hold (C0 controls
    but tab, LF and CR; lone surrogates; U+FFFE, U+FFFF) become U+FFFD, the replacement
    character, so the export works and shows where the store held one."""
    return _NOT_XML.sub("\ufffd", text)
