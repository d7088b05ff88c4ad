"""Interchange with other CAT tools: TMX (the memory), TBX (the termbase), XLIFF 1.2 and
2.0 (a translation job, out to Trados, memoQ or OmegaT and back with its edits).

Reading goes through translate-toolkit's stores (``translate.storage.tmx``, ``tbx``,
``xliff`` and ``xliff2``: the units, their ids and languages), after a hardened lxml
parse of our own that refuses what the stores would not: an empty or non-XML file, a
file that declares entities (entity expansion, "billion laughs"), the wrong root.  No
DTD, no network, no huge trees.  Inline content is walked on the units' lxml elements
here, so that placeholders come back exactly.

Writing is plain lxml: translate-toolkit's writers produce an XLIFF 1.1 namespace and
whitespace inside XLIFF 2.0 segments, so the four formats are written here to their
standards (TMX 1.4b, TBX 2008 / TBX-Basic ``martif``, XLIFF 1.2, XLIFF 2.0).

Conventions (see also the README):

- Placeholders ``<a1>…</a1>`` (link), ``<b1>`` (bold), ``<i1>`` (italic).  A TMX's inline
  codes come back out as they went in: a ``bpt``/``ept`` pair or ``hi`` that is a link,
  bold or italic (by its ``type``, or its native code ``<a href>``, ``<b>``/``<strong>``,
  ``<i>``/``<em>``, or Relais's own ``<b1>``) becomes a placeholder, numbered per kind in
  reading order (a target's by the ``x`` of the source's); ``ph``, ``it``, ``ut``, other
  ``bpt``/``ept`` and ``hi`` are anchored codes, not in the text.  How each looked natively
  is kept in ``TmEntryRow.codes`` (see "inline codes" below) and written back on export.
  An entry with none (the review's) is written
  ``<bpt i="1" x="1" type="bold">&lt;b&gt;</bpt>`` … ``<ept i="1">&lt;/b&gt;</ept>``, the
  names of its placeholders in a
  ``<prop type="x-relais-tags">`` so that another Relais reads the same names back.
  XLIFF 1.2 as ``<g id="a1" ctype="link|bold|italic">…</g>``; XLIFF 2.0 as
  ``<pc id="a1" type="link">`` / ``<pc id="b1" type="fmt" subType="xlf:b">`` /
  ``subType="xlf:i"``; native codes travel in ``relais:open``/``relais:close``/``relais:code``
  attributes (anchored ones on ``<x>``, ``<bx>``/``<ex>``, 2.0 ``<ph>``, ``<sc>``/``<ec>``).
  A job's segment holds placeholders only, so an XLIFF coming back with other codes in a
  unit is refused.
- TBX: one ``termEntry`` per term, the entity type as ``<descrip type="entityType">``,
  one ``langSet`` per language, one ``tig`` per rendering with
  ``administrativeStatus`` ``preferredTerm-admn-sts`` (approved) or
  ``admittedTerm-admn-sts`` (proposed), forbidden variants as ``tig`` with
  ``deprecatedTerm-admn-sts``.  Reading also accepts ``normativeAuthorization``
  (``preferredTerm``, ``admittedTerm``, ``deprecatedTerm``, ``supersededTerm``).
- XLIFF states, 1.2: ``needs-review-translation`` (unreviewed machine draft),
  ``translated`` (edited, not approved), ``final`` plus ``approved="yes"`` (approved),
  ``new`` (no draft); 2.0: ``initial``, ``translated``, ``final``.  On import, 1.2
  ``final``/``signed-off``/``approved="yes"`` and 2.0 ``reviewed``/``final`` approve.
- Language codes are reduced to their primary subtag (``fr-FR`` → ``fr``): Relais
  knows languages, not regional variants.

Every import runs in the caller's session and raises ``InputError`` before anything is
committed, so a bad file changes nothing.

Text follows the store's one rule (``relais.document.text``).  On import a file's text is
a person's: a control character is refused, naming the unit, the character and where it
is; line breaks become "\n" and bidi controls are removed.  XML 1.0 cannot hold VT or FF
at all, not even as ``&#11;``, yet Word's soft line break reaches TMX files that way
(Trados); so before parsing, VT and FF (raw, or as character references) become line
feeds, the line break they stand for.  Any other C0 control makes the file not
well-formed, refused with its line and column.  On export every stored text and
attribute goes through ``xml_text``: what XML 1.0 cannot carry becomes U+FFFD, so an
export works whatever is stored.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.sax.saxutils import escape as xml_escape

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from relais import __version__
from relais.document.inline import PLACEHOLDER_RE, neutralise_literal_tags, nesting_problem, placeholder_tokens, strip_placeholders
from relais.document.text import machine_text, person_text, xml_text
from relais.document.translation import Translation
from relais.errors import InputError
from relais.memory.tm import add_entry
from relais.memory.termbase import add_rendering, get_or_add_term, list_terms, term_key
from relais.store import translation, updates
from relais.store.models import (
    ArticleRow,
    JobRow,
    TermRenderingRow,
    TermRow,
    TermStatus,
    TermType,
    TmEntryRow,
    TmOrigin,
)

MAX_BYTES = 50_000_000
XML_NS = "http://www.w3.org/XML/1998/namespace"
XLIFF12_NS = "urn:oasis:names:tc:xliff:document:1.2"
XLIFF11_NS = "urn:oasis:names:tc:xliff:document:1.1"
XLIFF20_NS = "urn:oasis:names:tc:xliff:document:2.0"
RELAIS_NS = "urn:relais:xliff"
LANG = f"{{{XML_NS}}}lang"
KIND_NAMES = {"a": "link", "b": "bold", "i": "italic"}
NOTE_ORIGIN = "relais"  # 1.2 note from= / 2.0 note category= of the findings we export


@dataclass
class ImportReport:
    kind: str
    units: int = 0  # units read from the file
    added: int = 0  # new memory entries, terms or renderings
    duplicates: int = 0  # already there
    languages: list[str] = field(default_factory=list)
    job_id: int | None = None
    edited: int = 0  # XLIFF: segments saved as a new revision
    confirmed: int = 0  # XLIFF: segments confirmed (final units)
    unchanged: int = 0
    notes: list[tuple[str, str]] = field(default_factory=list)  # (unit id, text) added in the CAT tool

    def summary(self) -> str:
        if self.kind.startswith("xliff"):
            text = (f"{self.kind}: job {self.job_id}, {self.units} units: {self.edited} edited, "
                    f"{self.confirmed} confirmed, {self.unchanged} unchanged")  # fmt: skip
            return text + (f", {len(self.notes)} notes" if self.notes else "")
        langs = f" ({', '.join(self.languages)})" if self.languages else ""
        return f"{self.kind}: {self.units} units{langs}: {self.added} added, {self.duplicates} already there"


# --------------------------------------------------------------------------- parsing


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# VT and FF as character references (&#11; &#x0B; &#12; &#xc;), any leading zeros.
_BREAK_REFERENCE = re.compile(rb"&#(?:0*1[12]|[xX]0*[bBcC]);")


def _breaks_as_line_feeds(data: bytes) -> bytes:
    """VT and FF, which XML 1.0 cannot hold, as line feeds: references always, raw bytes
    when the file is in an ASCII-compatible encoding (not UTF-16, where such a byte can
    be half of another character)."""
    data = _BREAK_REFERENCE.sub(b"&#10;", data)
    if b"\x00" in data[:4096] or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data
    return data.replace(b"\x0b", b"\n").replace(b"\x0c", b"\n")


def _parse(data: bytes, what: str) -> tuple[etree._Element, bytes]:
    """A hardened parse: no entity expansion, no DTD loading, no network, no huge trees.
    Returns the root and the bytes parsed (VT and FF made line feeds), which the
    translate-toolkit stores then read."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data or not data.strip():
        raise InputError(f"the {what} file is empty")
    if len(data) > MAX_BYTES:
        raise InputError(f"the {what} file is over {MAX_BYTES:,} bytes")
    data = _breaks_as_line_feeds(data)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False,
        remove_pis=True,
    )  # fmt: skip
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        if "entit" in str(exc.msg or exc).lower():
            raise InputError(f"the {what} file uses XML entities, which Relais refuses (entity expansion): "
                             f"{_one_line(exc.msg or exc)}") from None  # fmt: skip
        raise InputError(f"not a well-formed {what} file: {_one_line(exc.msg or exc)}") from None
    except ValueError as exc:
        raise InputError(f"not a {what} file: {_one_line(exc)}") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and next(iter(dtd.iterentities()), None) is not None:
        raise InputError(f"the {what} file declares XML entities, which Relais refuses (entity expansion)")
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise InputError(f"the {what} file uses undeclared XML entities")
    return root, data


def person_field(text: str, where: str, what: str) -> str:
    """A file's text under the store's rule, a refusal naming the unit it is in."""
    try:
        return person_text(text, what)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def language_code(code: str | None) -> str | None:
    if not code or not code.strip():
        return None
    return re.split(r"[-_]", code.strip())[0].lower() or None


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _date_tmx(value: str | None, where: str) -> datetime | None:
    if not value:
        return None
    for fmt in ("%Y%m%dT%H%M%SZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%z", "%Y%m%dT%H%M%S"):
        try:
            parsed = datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise InputError(f"{where}: date {value!r} is not a TMX date (YYYYMMDDThhmmssZ)")


def _fmt_tmx_date(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(el) -> str:
    return "".join(el.itertext()) if el is not None else ""


# --------------------------------------------------------------------------- inline codes
#
# Text in the store holds Relais's placeholders (<a1>…</a1>, <b1>, <i1>) and nothing else;
# how a file wrote its inline codes is kept beside it, per side, in ``TmEntryRow.codes``:
#
#   {"pairs": {"b1": {"open": CODE, "close": CODE}},      # a placeholder's native elements
#    "anchored": [{"at": 12, **CODE}, …]}                 # codes without a placeholder
#
# CODE is {"el": element name, "attrs": {…}, "inner": inner XML (the escaped native code,
# any <sub>)}, plus "part": "open"/"close" for the two ends of a container (<hi>) that has
# no placeholder.  "at" is a character offset in the entry's text (placeholders included,
# so a code before <b1> and one just inside it are told apart) with the whitespace of its
# ends, which the store strips, in "space": [lead, trail]; codes at one offset keep their
# order.  Writing rebuilds the elements from this; without codes a placeholder is
# written in Relais's own way.


def _append_text(parent, node_or_none, text: str) -> None:
    text = xml_text(text)
    if node_or_none is None:
        parent.text = (parent.text or "") + text
    else:
        node_or_none.tail = (node_or_none.tail or "") + text


_PLACEHOLDER_NAME = re.compile(r"[abi]\d+")
_OUR_BPT = re.compile(r"^<([abi]\d+)>$")
_NATIVE = [(re.compile(r"^<a[\s>]", re.I), "a"), (re.compile(r"^<(b|strong)[\s>]", re.I), "b"),
           (re.compile(r"^<(i|em)[\s>]", re.I), "i")]  # fmt: skip
_TYPE_KIND = {"link": "a", "bold": "b", "italic": "i", "x-link": "a", "x-bold": "b", "x-italic": "i"}
DEFAULT_NATIVE = {"a": "a", "b": "b", "i": "i"}  # the HTML element a Relais placeholder stands for
TMX_CODES = {"bpt", "ept", "ph", "it", "ut"}  # elements holding native code
XLIFF_CODES = {"x12": {"x", "bx", "ex", "ph", "bpt", "ept", "it"}, "x20": {"ph", "sc", "ec"}}
CODE_ATTR = f"{{{RELAIS_NS}}}code"  # XLIFF: a code without placeholder, as JSON
OPEN_ATTR, CLOSE_ATTR = f"{{{RELAIS_NS}}}open", f"{{{RELAIS_NS}}}close"  # XLIFF: a placeholder's native ends
_NAME = re.compile(r"^(\{[^{}]+\})?[A-Za-z_][\w.-]*$")
_FRAGMENT = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _inner_xml(el) -> str:
    """What is inside ``el``, as XML text: its native code as the file escaped it."""
    return xml_escape(el.text or "") + "".join(etree.tostring(c, encoding="unicode", with_tail=True) for c in el)


def _code(el, *, inner: bool = True, **extra) -> dict:
    code: dict = {"el": _local(el), "attrs": {k: v for k, v in el.attrib.items()}}
    if inner and (el.text or len(el)):
        code["inner"] = _inner_xml(el)
    code.update(extra)
    return code


def _fill(el, inner: str | None) -> None:
    if not inner:
        return
    wrapper = etree.fromstring(f"<w>{inner}</w>", _FRAGMENT)
    el.text = wrapper.text
    for child in list(wrapper):
        el.append(child)


def _valid_code(code, where: str) -> dict:
    """A code carried as JSON in an XLIFF attribute: refused unless it is one Relais wrote."""
    ok = (
        isinstance(code, dict) and isinstance(code.get("el"), str) and _NAME.match(code["el"])
        and isinstance(code.get("attrs", {}), dict) and code.get("part") in (None, "open", "close")
        and all(isinstance(k, str) and _NAME.match(k) and isinstance(v, str) for k, v in code.get("attrs", {}).items())
        and isinstance(code.get("inner", ""), str)
    )  # fmt: skip
    if ok:
        try:
            _fill(etree.Element("w"), code.get("inner"))
        except etree.XMLSyntaxError:
            ok = False
    if not ok:
        raise InputError(f"{where}: broken inline tags (a relais: code attribute that Relais did not write)")
    return {k: code[k] for k in ("el", "attrs", "inner", "part") if k in code}


def _read_inline(el, mode: str, where: str, names: dict[str, str] | None = None,
                 record: bool = True) -> tuple[str, dict | None]:  # fmt: skip
    """Inline XML under ``el`` (mode ``tmx``, ``x12`` or ``x20``) → (placeholder text,
    codes), codes None when there are none; ``InputError`` naming ``where`` for inline
    markup that is not well formed.  TMX: a bpt/ept pair or <hi> that is a link, bold or
    italic (by its type, or its native code <a>, <b>/<strong>, <i>/<em>, or Relais's own
    <b1>) becomes a placeholder, numbered per kind in reading order unless ``names``
    (x → placeholder name, filled from the source side when ``record``) names it; every
    other code is anchored."""
    out: list[str] = []
    pos = 0
    pairs: dict[str, dict] = {}
    anchored: list[dict] = []
    open_i: dict[str, str | None] = {}  # TMX: bpt i → placeholder name (None: anchored)
    counts: Counter[str] = Counter()
    used: set[str] = set()
    names = {} if names is None else names

    def emit(s: str) -> None:
        nonlocal pos
        out.append(s)
        pos += len(s)

    def text(s: str | None) -> None:
        if s:
            emit(neutralise_literal_tags(s))

    def anchor(code: dict) -> None:
        anchored.append({"at": pos, **code})

    def take(name: str, what: str) -> str:
        if name in used:
            raise InputError(f"{where}: broken inline tags ({what} gives <{name}> twice)")
        used.add(name)
        return name

    def name_for(kind: str, x: str | None) -> str:
        wanted = names.get(x) if x else None
        if wanted and wanted[0] == kind and wanted not in used:
            name = wanted
        else:
            counts[kind] += 1
            while f"{kind}{counts[kind]}" in used:
                counts[kind] += 1
            name = f"{kind}{counts[kind]}"
        if record and x and x not in names:
            names[x] = name
        return take(name, f"<{kind}>")

    def native_only(child, name: str) -> None:
        for sub in child:
            if isinstance(sub.tag, str) and _local(sub) != "sub":
                raise InputError(f"{where}: broken inline tags (<{name}> holds <{_local(sub)}>, not native code)")

    def tmx_child(child, name: str) -> None:
        if name in TMX_CODES:
            native_only(child, name)
        if name == "bpt":
            i = child.get("i")
            if not i or i in open_i:
                raise InputError(f"{where}: broken inline tags (<bpt> without a unique i)")
            code = _text(child).strip()
            ours = _OUR_BPT.match(code)
            kind = _TYPE_KIND.get((child.get("type") or "").lower()) or next(
                (k for rx, k in _NATIVE if rx.match(code + " ")), None
            )
            if ours:
                ph = take(ours.group(1), "<bpt>")
                if record and child.get("x") and child.get("x") not in names:
                    names[child.get("x")] = ph
            elif kind:
                ph = name_for(kind, child.get("x"))
            else:
                open_i[i] = None
                anchor(_code(child))
                return
            open_i[i] = ph
            pairs[ph] = {"open": _code(child)}
            emit(f"<{ph}>")
        elif name == "ept":
            i = child.get("i")
            if i not in open_i:
                raise InputError(f"{where}: broken inline tags (<ept i=\"{i}\"> has no <bpt>)")
            ph = open_i.pop(i)
            if ph is None:
                anchor(_code(child))
            else:
                pairs[ph]["close"] = _code(child)
                emit(f"</{ph}>")
        elif name in ("ph", "ut"):
            anchor(_code(child))
        elif name == "it":
            if child.get("pos") not in ("begin", "end"):
                raise InputError(f"{where}: broken inline tags (<it> needs pos=\"begin\" or \"end\")")
            anchor(_code(child))
        elif name == "hi":
            kind = _TYPE_KIND.get((child.get("type") or "").lower())
            if kind:
                ph = name_for(kind, child.get("x"))
                pairs[ph] = {"open": _code(child, inner=False), "close": {"el": "hi", "attrs": {}}}
                emit(f"<{ph}>")
                walk(child)
                emit(f"</{ph}>")
            else:
                anchor(_code(child, inner=False, part="open"))
                walk(child)
                anchor({"el": "hi", "attrs": {}, "part": "close"})
        elif name == "sub":
            raise InputError(f"{where}: broken inline tags (<sub> outside a code)")
        else:
            raise InputError(f"{where}: inline tag <{name}> is not a TMX inline element")

    def xliff_child(child, name: str) -> None:
        if name in ("g", "pc"):
            ph = child.get("id") or ""
            if not _PLACEHOLDER_NAME.fullmatch(ph):
                raise InputError(f"{where}: broken inline tags (<{name} id=\"{ph}\"> is not a Relais tag)")
            take(ph, f"<{name}>")
            if child.get(OPEN_ATTR) is not None or child.get(CLOSE_ATTR) is not None:
                pairs[ph] = {"open": _valid_code(_json(child.get(OPEN_ATTR)), where),
                             "close": _valid_code(_json(child.get(CLOSE_ATTR)), where)}  # fmt: skip
            emit(f"<{ph}>")
            walk(child)
            emit(f"</{ph}>")
        elif name in XLIFF_CODES[mode]:
            anchor(_valid_code(_json(child.get(CODE_ATTR)), where) if child.get(CODE_ATTR) is not None else _code(child))
        elif name == "mrk":
            walk(child)
        elif mode == "x20" and name in ("sm", "em"):
            pass  # annotation markers: the text between them is ordinary text
        else:
            raise InputError(f"{where}: inline tag <{name}> is not one Relais can place (links, bold, italic only)")

    def walk(node) -> None:
        text(node.text)
        for child in node:
            if isinstance(child.tag, str):  # not a comment
                (tmx_child if mode == "tmx" else xliff_child)(child, _local(child))
            text(child.tail)

    walk(el)
    if open_i:
        raise InputError(f"{where}: broken inline tags (<bpt i=\"{next(iter(open_i))}\"> has no <ept>)")
    result = "".join(out)
    problem = nesting_problem(result)
    if problem:
        raise InputError(f"{where}: broken inline tags ({problem})")
    codes: dict = {k: v for k, v in (("pairs", pairs), ("anchored", anchored)) if v}
    if codes:
        # The store keeps the text without the whitespace at its ends: with codes, that
        # whitespace is kept here, and offsets count it (the text as the store keeps it:
        # line breaks, bidi controls).
        clean = machine_text(result)
        body = clean.strip()
        lead = clean[: len(clean) - len(clean.lstrip())] if body else clean
        trail = clean[len(clean.rstrip()) :] if body else ""
        for code in anchored:
            code["at"] = min(len(machine_text(result[: code["at"]])), len(clean))
        if lead or trail:
            codes["space"] = [lead, trail]
    return result.strip(), codes or None


def _json(value: str | None):
    try:
        return json.loads(value) if value is not None else None
    except ValueError:
        return None


class _Misfit(Exception):
    """Codes that do not fit the text they were stored with: written Relais's own way."""


def _write_inline(el, text: str, mode: str, ns: str = "", codes: dict | None = None,
                  xs: dict[str, int] | None = None) -> None:  # fmt: skip
    """Placeholder text (and the codes of ``_read_inline``) → inline XML under ``el``
    (mode ``tmx``, ``x12`` or ``x20``).  TMX: a placeholder with native codes is written
    as they were, one without as ``<bpt i x type>&lt;b&gt;</bpt>`` … ``<ept i>``
    (``xs``: placeholder → x, the same on both sides of a unit).  XLIFF: placeholders as
    ``<g>`` / ``<pc>``, carrying their native codes as JSON in ``relais:open`` /
    ``relais:close``; anchored codes as ``<x>``, ``<bx>``/``<ex>`` (1.2) or ``<ph>``,
    ``<sc>``/``<ec>`` (2.0) carrying theirs in ``relais:code``."""
    if nesting_problem(text):
        raise ValueError(f"cannot export badly nested placeholders: {text!r}")
    if codes:
        try:
            _write_tokens(el, text, mode, ns, codes, xs or {})
            return
        except (_Misfit, KeyError, TypeError, AttributeError, ValueError, etree.XMLSyntaxError):
            el.text = None
            for child in list(el):
                el.remove(child)
    _write_tokens(el, text, mode, ns, {}, xs or {})


def _write_tokens(el, text: str, mode: str, ns: str, codes: dict, xs: dict[str, int]) -> None:
    if codes.get("space"):
        lead, trail = codes["space"]
        if not (isinstance(lead, str) and isinstance(trail, str) and not (lead + trail).strip()):
            raise _Misfit("not whitespace")
        text = lead + text + trail
    pairs = codes.get("pairs") or {}
    anchored = sorted(enumerate(codes.get("anchored") or []), key=lambda p: (p[1]["at"], p[0]))
    if any(not isinstance(c["at"], int) or not 0 <= c["at"] <= len(text) for _, c in anchored):
        raise _Misfit("offset out of the text")
    if set(pairs) - {m.group(2) + m.group(3) for m in PLACEHOLDER_RE.finditer(text)}:
        raise _Misfit("a placeholder that is not in the text")
    tag = (lambda name: f"{{{ns}}}{name}") if ns else (lambda name: name)
    stack: list[list] = [[el, None]]  # (parent, last child written)
    containers: list[str] = []  # what each open container is ("hi", or a placeholder name)
    open_cids: list[str] = []  # XLIFF: anchored opens (<bx>, <sc>) not yet closed
    seg_i: dict[str, str] = {}
    serial = [0]

    def put_text(s: str) -> None:
        _append_text(stack[-1][0], stack[-1][1], s)

    def leaf(name: str, attrs: dict, inner: str | None = None, native: str | None = None):
        child = etree.SubElement(stack[-1][0], name)
        for k, v in attrs.items():
            child.set(k, xml_text(v))
        _fill(child, inner)
        if native is not None:
            child.text = native
        stack[-1][1] = child
        return child

    def open_container(name: str, attrs: dict, what: str):
        child = leaf(name, attrs)
        stack.append([child, None])
        containers.append(what)

    def close_container(what: str) -> None:
        if not containers or containers[-1] != what:
            raise _Misfit(f"{what} closes out of order")
        containers.pop()
        stack.pop()

    def as_json(code: dict) -> str:
        return json.dumps({k: v for k, v in code.items() if k != "at"}, ensure_ascii=False, separators=(",", ":"))

    def put_anchored(code: dict) -> None:
        if mode == "tmx":
            if code.get("part") == "open":
                open_container(code["el"], code.get("attrs") or {}, "hi")
            elif code.get("part") == "close":
                close_container("hi")
            else:
                leaf(code["el"], code.get("attrs") or {}, code.get("inner"))
            return
        serial[0] += 1
        cid = f"c{serial[0]}"
        if code.get("part") == "open":
            open_cids.append(cid)
            name = "bx" if mode == "x12" else "sc"
            leaf(tag(name), {"id": cid, **({"rid": cid} if mode == "x12" else {}), CODE_ATTR: as_json(code)})
        elif code.get("part") == "close":
            if not open_cids:
                raise _Misfit("a close without its open")
            start = open_cids.pop()
            if mode == "x12":
                leaf(tag("ex"), {"id": cid, "rid": start, CODE_ATTR: as_json(code)})
            else:
                leaf(tag("ec"), {"startRef": start, CODE_ATTR: as_json(code)})
        else:
            leaf(tag("x" if mode == "x12" else "ph"), {"id": cid, CODE_ATTR: as_json(code)})

    def put_placeholder(kind: str, value: str) -> None:
        pair = pairs.get(value)
        if mode == "tmx":
            if pair is not None:
                native = pair["open" if kind == "open" else "close"]
                if native["el"] == "hi":
                    if kind == "open":
                        open_container("hi", native.get("attrs") or {}, value)
                    else:
                        close_container(value)
                else:
                    leaf(native["el"], native.get("attrs") or {}, native.get("inner"))
                return
            element = DEFAULT_NATIVE[value[0]]
            if kind == "open":
                seg_i[value] = str(len(seg_i) + 1)
                x = xs.get(value) or len(xs) + len(seg_i)
                leaf("bpt", {"i": seg_i[value], "x": str(x), "type": KIND_NAMES[value[0]]}, native=f"<{element}>")
            else:
                leaf("ept", {"i": seg_i[value]}, native=f"</{element}>")
            return
        if kind == "close":
            close_container(value)
            return
        if mode == "x12":
            attrs = {"id": value, "ctype": KIND_NAMES[value[0]]}
        elif value[0] == "a":
            attrs = {"id": value, "type": "link"}
        else:
            attrs = {"id": value, "type": "fmt", "subType": f"xlf:{value[0]}"}
        if pair is not None:
            attrs |= {OPEN_ATTR: as_json(pair["open"]), CLOSE_ATTR: as_json(pair["close"])}
        open_container(tag("g" if mode == "x12" else "pc"), attrs, value)

    pos = 0
    k = 0
    for kind, value in placeholder_tokens(text):
        if kind == "text":
            end = pos + len(value)
            done = pos
            while k < len(anchored) and anchored[k][1]["at"] < end:
                at = max(anchored[k][1]["at"], done)
                put_text(value[done - pos : at - pos])
                done = at
                put_anchored(anchored[k][1])
                k += 1
            put_text(value[done - pos :])
            pos = end
            continue
        while k < len(anchored) and anchored[k][1]["at"] <= pos:
            put_anchored(anchored[k][1])
            k += 1
        if k < len(anchored) and anchored[k][1]["at"] < pos + len(value) + 2 + (kind == "close"):
            raise _Misfit("a code inside a placeholder")
        put_placeholder(kind, value)
        pos += len(value) + 2 + (kind == "close")
    for _, code in anchored[k:]:
        put_anchored(code)
    if containers or open_cids:
        raise _Misfit("a container never closed")


def x_numbers(source_text: str) -> dict[str, int]:
    """Placeholder → its TMX ``x``: its place among the source's placeholders, so that a
    unit's source and target tags pair up."""
    opens = [m.group(2) + m.group(3) for m in PLACEHOLDER_RE.finditer(source_text) if not m.group(1)]
    return {name: n for n, name in enumerate(dict.fromkeys(opens), 1)}


def tags_problem(source: str, target: str) -> str | None:
    allowed = {m.group(0) for m in PLACEHOLDER_RE.finditer(source)}
    unknown = [m.group(0) for m in PLACEHOLDER_RE.finditer(target) if m.group(0) not in allowed]
    if unknown:
        return f"broken inline tags ({unknown[0]} is not a tag of the source)"
    counts = Counter(m.group(0) for m in PLACEHOLDER_RE.finditer(target))
    twice = [tag for tag, n in counts.items() if n > 1]
    if twice:
        return f"broken inline tags ({twice[0]} appears twice)"
    return None


def _serialise(root, doctype: str | None = None) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True, doctype=doctype)


# --------------------------------------------------------------------------- TMX


def import_tmx(session: Session, data: bytes, source_lang: str = "en") -> ImportReport:
    """Add every unit of a TMX file to the memory, for each target language in it."""
    from translate.storage import tmx

    root, data = _parse(data, "TMX")
    if _local(root) != "tmx":
        raise InputError(f"not a TMX file (the root element is <{_local(root)}>, not <tmx>)")
    if root.find("body") is None:
        raise InputError("not a TMX file: it has no <body>")
    try:
        store = tmx.tmxfile.parsestring(data)
    except Exception as exc:  # translate-toolkit refuses it for its own reasons
        raise InputError(f"not a TMX file: {_one_line(exc)}") from None
    header = root.find("header")
    header_src = header.get("srclang") if header is not None else None
    wanted = language_code(source_lang) or "en"
    report = ImportReport("tmx")
    langs: set[str] = set()
    units = store.units
    if not units:
        raise InputError("the TMX file has no translation units")
    for n, unit in enumerate(units, 1):
        tu = unit.xmlelement
        where = f"TMX unit {n}" + (f" (tuid {tu.get('tuid')})" if tu.get("tuid") else "")
        src_code = language_code(tu.get("srclang")) or (language_code(header_src) if language_code(header_src) != "*all*" else None) or wanted
        if src_code != wanted:
            raise InputError(f"{where}: its source language is {src_code}, not {wanted}")
        tuvs = []
        for tuv in unit.getlanguageNodes():
            code = language_code(tuv.get(LANG) or tuv.get("lang"))
            if code is None:
                raise InputError(f"{where}: a <tuv> has no xml:lang")
            seg = tuv.find("seg")
            if seg is None:
                raise InputError(f"{where}: the {code} <tuv> has no <seg>")
            tuvs.append((code, tuv, seg))
        # the source first: its tags' x name the targets' placeholders
        first = next((n for n, (code, _, _) in enumerate(tuvs) if code == src_code), None)
        names = _relais_tags(tu)
        source_text, source_codes = (
            _read_inline(tuvs[first][2], "tmx", where, names) if first is not None else (None, None)
        )
        targets = []
        for n, (code, tuv, seg) in enumerate(tuvs):
            if n != first:
                targets.append((code, tuv, *_read_inline(seg, "tmx", where, names, record=False)))
        if not source_text:
            raise InputError(f"{where}: it has no {src_code} source text")
        if not targets:
            raise InputError(f"{where}: it has no translation")
        unit_notes = [_text(x).strip() for x in tu.findall("note") if _text(x).strip()]
        report.units += 1
        for code, tuv, text, target_codes in targets:
            if not text:
                raise InputError(f"{where}: its {code} text is empty")
            problem = tags_problem(source_text, text)
            if problem:
                raise InputError(f"{where}: {problem}")
            who = tuv.get("creationid") or tu.get("creationid") or tuv.get("changeid") or tu.get("changeid")
            when = _date_tmx(tuv.get("changedate") or tu.get("changedate") or tuv.get("creationdate")
                             or tu.get("creationdate"), where)  # fmt: skip
            notes = unit_notes + [_text(x).strip() for x in tuv.findall("note") if _text(x).strip()]
            try:
                row = add_entry(
                    session, src_code, code, source_text, text, TmOrigin.IMPORT,
                    approved_by=who, approved_at=when, note="\n".join(notes) or None,
                    codes={k: v for k, v in (("source", source_codes), ("target", target_codes)) if v},
                )  # fmt: skip
            except InputError as exc:
                raise InputError(f"{where}: {exc}") from None
            langs.add(code)
            if row is None:
                report.duplicates += 1
            else:
                report.added += 1
    report.languages = sorted(langs)
    return report


TAGS_PROP = "x-relais-tags"


def _relais_tags(tu) -> dict[str, str]:
    """x → placeholder name, from the ``x-relais-tags`` prop of a unit Relais exported."""
    prop = next((p for p in tu.findall("prop") if p.get("type") == TAGS_PROP), None)
    tags = _text(prop).split() if prop is not None else []
    if not all(_PLACEHOLDER_NAME.fullmatch(t) for t in tags) or len(set(tags)) != len(tags):
        return {}
    return {str(n): name for n, name in enumerate(tags, 1)}


def export_tmx(session: Session, source_lang: str | None = None, target_lang: str | None = None) -> bytes:
    """The memory (or one language pair of it) as TMX 1.4b, one <tu> per entry."""
    q = select(TmEntryRow).order_by(TmEntryRow.id)
    if source_lang:
        q = q.where(TmEntryRow.source_lang == source_lang)
    if target_lang:
        q = q.where(TmEntryRow.target_lang == target_lang)
    entries = list(session.scalars(q))
    srcs = {e.source_lang for e in entries}
    srclang = source_lang or (next(iter(srcs)) if len(srcs) == 1 else ("en" if not srcs else "*all*"))
    root = etree.Element("tmx", version="1.4")
    etree.SubElement(
        root, "header", creationtool="Relais", creationtoolversion=__version__, segtype="sentence",
        **{"o-tmf": "Relais", "adminlang": "en", "srclang": srclang, "datatype": "plaintext"},
        creationdate=_fmt_tmx_date(datetime.now(UTC)),
    )  # fmt: skip
    body = etree.SubElement(root, "body")
    for e in entries:
        tu = etree.SubElement(body, "tu", tuid=str(e.id), srclang=xml_text(e.source_lang))
        if e.approved_by:
            tu.set("creationid", xml_text(e.approved_by))
        if e.approved_at:
            tu.set("creationdate", _fmt_tmx_date(e.approved_at))
        if e.note:
            etree.SubElement(tu, "note").text = xml_text(e.note)
        etree.SubElement(tu, "prop", type="x-relais-origin").text = xml_text(e.origin)
        xs = x_numbers(e.source_text)
        if xs and not e.codes:  # Relais's own tags: their names, by x, for the next Relais
            etree.SubElement(tu, "prop", type=TAGS_PROP).text = " ".join(xs)
        codes = e.codes or {}
        for side, lang, text in (("source", e.source_lang, e.source_text), ("target", e.target_lang, e.target_text)):
            tuv = etree.SubElement(tu, "tuv", {LANG: xml_text(lang)})
            _write_inline(etree.SubElement(tuv, "seg"), text, "tmx", codes=codes.get(side), xs=xs)
    return _serialise(root, '<!DOCTYPE tmx SYSTEM "tmx14.dtd">')


# --------------------------------------------------------------------------- TBX

_TYPE_ALIASES = {
    "person": TermType.PERSON, "personname": TermType.PERSON, "people": TermType.PERSON,
    "place": TermType.PLACE, "location": TermType.PLACE, "geographicalname": TermType.PLACE,
    "organisation": TermType.ORGANISATION, "organization": TermType.ORGANISATION, "org": TermType.ORGANISATION,
    "term": TermType.TERM, "concept": TermType.TERM,
}  # fmt: skip
_TYPE_CATEGORIES = {"entitytype", "x-entitytype", "concepttype", "termtype", "x-termtype"}
DEPRECATED = {"deprecatedterm-admn-sts", "deprecatedterm", "supersededterm-admn-sts", "supersededterm", "deprecated"}
PREFERRED = {"preferredterm-admn-sts", "preferredterm", "preferred"}
ADMITTED = {"admittedterm-admn-sts", "admittedterm", "admitted", "proposedterm", "proposed"}


def _tig_status(tig) -> str | None:
    for el in tig.iter():
        if _local(el) == "termNote" and (el.get("type") or "") in ("administrativeStatus", "normativeAuthorization"):
            return _text(el).strip().lower()
    return None


def _direct_notes(el) -> list[str]:
    return [_text(x).strip() for x in el if _local(x) == "note" and _text(x).strip()]


def import_tbx(session: Session, data: bytes, status: str = TermStatus.APPROVED, source_lang: str = "en") -> ImportReport:
    """Add the terms of a TBX (2008 / TBX-Basic ``martif``) file to the termbase.

    With ``status="approved"`` preferred terms (and terms without a status) come in
    approved and admitted ones proposed; with ``status="proposed"`` everything waits
    for an editor.  Deprecated terms become the forbidden variants of the language's
    renderings.
    """
    from translate.storage import tbx

    if status not in (TermStatus.APPROVED, TermStatus.PROPOSED):
        raise InputError(f"unknown status {status!r} (approved or proposed)")
    root, data = _parse(data, "TBX")
    if _local(root) != "martif":
        raise InputError(f"not a TBX file (the root element is <{_local(root)}>, not <martif>)")
    try:
        store = tbx.tbxfile.parsestring(data)
    except Exception as exc:
        raise InputError(f"not a TBX file: {_one_line(exc)}") from None
    file_lang = language_code(root.get(LANG))
    wanted = language_code(source_lang) or "en"
    report = ImportReport("tbx")
    langs: set[str] = set()
    if not store.units:
        raise InputError("the TBX file has no term entries")
    for n, unit in enumerate(store.units, 1):
        entry = unit.xmlelement
        where = f"TBX entry {n}" + (f" (id {entry.get('id')})" if entry.get("id") else "")
        type_ = TermType.TERM
        for el in entry.iter():
            if _local(el) in ("descrip", "termNote", "admin") and (el.get("type") or "").lower() in _TYPE_CATEGORIES:
                value = re.sub(r"[^a-z-]", "", _text(el).strip().lower())
                if value not in _TYPE_ALIASES:
                    raise InputError(f"{where}: unknown term type {_text(el).strip()!r} "
                                     f"(person, place, organisation or term)")  # fmt: skip
                type_ = _TYPE_ALIASES[value]
                break
        by_lang: dict[str, list[tuple[str, str | None, list[str]]]] = {}
        lang_notes: dict[str, list[str]] = {}
        for lang_set in (c for c in entry if _local(c) == "langSet"):
            code = language_code(lang_set.get(LANG)) or file_lang
            if code is None:
                raise InputError(f"{where}: a <langSet> has no xml:lang")
            lang_notes.setdefault(code, []).extend(person_field(n, where, "a note") for n in _direct_notes(lang_set))
            for tig in (c for c in lang_set if _local(c) in ("tig", "ntig")):
                term = next((t for t in tig.iter() if _local(t) == "term"), None)
                text = " ".join(person_field(_text(term), where, f"the {code} term").split()) if term is not None else ""
                if not text:
                    raise InputError(f"{where}: a {code} term is empty")
                notes = [person_field(_text(x).strip(), where, "a note") for x in tig.iter()
                         if _local(x) == "note" and _text(x).strip()]  # fmt: skip
                by_lang.setdefault(code, []).append((text, _tig_status(tig), notes))
        sources = [t for t in by_lang.pop(wanted, []) if (t[1] or "") not in DEPRECATED]
        if not sources:
            raise InputError(f"{where}: it has no {wanted} term")
        if not by_lang:
            raise InputError(f"{where}: it has no term in another language than {wanted}")
        entry_notes = [person_field(n, where, "a note") for n in _direct_notes(entry)] + lang_notes.get(wanted, []) + sources[0][2]
        report.units += 1
        existed = session.scalar(select(TermRow.id).where(TermRow.source_lang == wanted,
                                                          TermRow.source_key == term_key(sources[0][0])))  # fmt: skip
        term_row = get_or_add_term(session, sources[0][0], type_, wanted, note="\n".join(entry_notes) or None)
        if existed is None:
            report.added += 1
        for code, terms in sorted(by_lang.items()):
            forbidden = [t for t, st, _ in terms if (st or "") in DEPRECATED]
            allowed = [(t, st, notes) for t, st, notes in terms if (st or "") not in DEPRECATED]
            if not allowed:
                raise InputError(f"{where}: its {code} terms are all deprecated (no rendering to use instead)")
            for text, st, notes in allowed:
                if st is not None and st not in PREFERRED | ADMITTED:
                    raise InputError(f"{where}: unknown administrative status {st!r} of {text!r}")
                approved = status == TermStatus.APPROVED and (st is None or st in PREFERRED)
                before = session.scalar(select(TermRenderingRow.id).where(
                    TermRenderingRow.term_id == term_row.id, TermRenderingRow.lang == code,
                    TermRenderingRow.text == " ".join(text.split())))  # fmt: skip
                row = add_rendering(
                    session, term_row, code, text, status=TermStatus.APPROVED if approved else TermStatus.PROPOSED,
                    forbidden=forbidden, note="\n".join(lang_notes.get(code, []) + notes) or None,
                    proposed_by="import", approved_by="import" if approved else None,
                )  # fmt: skip
                if before is None:
                    report.added += 1
                else:
                    report.duplicates += 1
                    merged = sorted(set(row.forbidden or []) | {" ".join(f.split()) for f in forbidden})
                    if merged != list(row.forbidden or []):
                        row.forbidden = merged
            langs.add(code)
    session.flush()
    report.languages = sorted(langs)
    return report


def export_tbx(session: Session, lang: str | None = None) -> bytes:
    """The termbase (or one target language of it) as TBX-Basic (``martif``)."""
    terms = list_terms(session, lang)
    root = etree.Element("martif", {"type": "TBX-Basic", LANG: "en"})
    header = etree.SubElement(root, "martifHeader")
    file_desc = etree.SubElement(header, "fileDesc")
    etree.SubElement(etree.SubElement(file_desc, "sourceDesc"), "p").text = f"Relais {__version__} termbase"
    etree.SubElement(etree.SubElement(header, "encodingDesc"), "p", type="XCSURI").text = "TBXBasicXCSV02.xcs"
    body = etree.SubElement(etree.SubElement(root, "text"), "body")
    for term in terms:
        entry = etree.SubElement(body, "termEntry", id=f"t{term.id}")
        etree.SubElement(entry, "descrip", type="entityType").text = xml_text(term.type)
        if term.note:
            etree.SubElement(entry, "note").text = xml_text(term.note)
        src = etree.SubElement(entry, "langSet", {LANG: xml_text(term.source_lang)})
        _tig(src, term.source_term, "preferredTerm-admn-sts")
        by_lang: dict[str, list[TermRenderingRow]] = {}
        for r in term.renderings:
            if lang is None or r.lang == lang:
                by_lang.setdefault(r.lang, []).append(r)
        for code, renderings in sorted(by_lang.items()):
            lang_set = etree.SubElement(entry, "langSet", {LANG: xml_text(code)})
            forbidden: list[str] = []
            for r in renderings:
                status = "preferredTerm-admn-sts" if r.status == TermStatus.APPROVED else "admittedTerm-admn-sts"
                _tig(lang_set, r.text, status, r.note)
                forbidden += [f for f in r.forbidden or [] if f not in forbidden]
            for f in forbidden:
                _tig(lang_set, f, "deprecatedTerm-admn-sts")
    return _serialise(root)


def _tig(parent, text: str, status: str, note: str | None = None) -> None:
    tig = etree.SubElement(parent, "tig")
    etree.SubElement(tig, "term").text = xml_text(text)
    etree.SubElement(tig, "termNote", type="administrativeStatus").text = status
    if note:
        etree.SubElement(tig, "note").text = xml_text(note)


# --------------------------------------------------------------------------- XLIFF

_SEVERITY_PRIORITY = {"critical": "1", "major": "3", "minor": "6"}
STATES_12 = {"draft": "needs-review-translation", "edited": "translated", "approved": "final", "empty": "new"}
STATES_20 = {"draft": "initial", "edited": "translated", "approved": "final", "empty": "initial"}
APPROVING_12 = {"final", "signed-off"}
APPROVING_20 = {"reviewed", "final"}


def finding_note(f) -> str:
    hint = f" (suggestion: {f.suggestion})" if f.suggestion else ""
    return f"{f.severity} {f.check}: {f.message}{hint}"


def update_notes(session: Session, view: Translation) -> dict[int, str]:
    """For the job of a story's update: segment id → a note on what the earlier version
    gave it (changed, with the earlier source and translation; carried; new), so that a
    CAT tool's user sees which units to work on.  Empty for any other job."""
    job = session.get(JobRow, view.job_id)
    plan = updates.plan(session, job) if job is not None else None
    if plan is None:
        return {}
    since = f"version {plan.base_version}"
    notes = {}
    for s in view.segments:
        carry = plan.carry.get(s.id)
        if carry is None:
            notes[s.id] = f"new in version {view.version} of the story (translated for it)"
        elif carry.kind == updates.CONFIRMED:
            notes[s.id] = f"unchanged since {since}: carried, confirmed by {carry.confirmed_by}"
        elif carry.kind == updates.DRAFT:
            notes[s.id] = f"unchanged since {since}: carried, not confirmed there"
        else:
            notes[s.id] = (f"changed since {since}; the earlier source: {strip_placeholders(carry.old_source)}"
                           f" | its translation: {strip_placeholders(carry.old_text)}")  # fmt: skip
    return notes


def export_xliff(session: Session, job_id: int, version: str = "1.2") -> bytes:
    """One job as XLIFF 1.2 or 2.0 for another CAT tool: one unit per segment (id = the
    segment id), the current text as target with its state, findings as notes, and for
    the update of a story a note on what changed (``update_notes``)."""
    if version not in ("1.2", "2.0"):
        raise InputError(f"unknown XLIFF version {version!r} (1.2 or 2.0)")
    view = translation.load(session, job_id)
    changes = update_notes(session, view)
    article = session.get(ArticleRow, view.article_id)
    original = xml_text(article.source_name or f"article-{article.id}")
    src, trg = xml_text(view.source_language), xml_text(view.target_language)
    if version == "1.2":
        ns = XLIFF12_NS
        root = etree.Element(f"{{{ns}}}xliff", version="1.2", nsmap={None: ns, "relais": RELAIS_NS})
        file_ = etree.SubElement(
            root, f"{{{ns}}}file", {"original": original, "source-language": src, "target-language": trg,
                                    "datatype": "plaintext", "tool-id": "relais", f"{{{RELAIS_NS}}}job": str(job_id)},
        )  # fmt: skip
        header = etree.SubElement(file_, f"{{{ns}}}header")
        etree.SubElement(header, f"{{{ns}}}tool", {"tool-id": "relais", "tool-name": "Relais", "tool-version": __version__})
        parent = etree.SubElement(file_, f"{{{ns}}}body")
    else:
        ns = XLIFF20_NS
        root = etree.Element(f"{{{ns}}}xliff", version="2.0", srcLang=src, trgLang=trg,
                             nsmap={None: ns, "relais": RELAIS_NS})  # fmt: skip
        parent = etree.SubElement(root, f"{{{ns}}}file", {"id": f"job-{job_id}", "original": original,
                                                           f"{{{RELAIS_NS}}}job": str(job_id)})  # fmt: skip
    for s in view.segments:
        state = "empty" if not s.text.strip() else "approved" if s.confirmed else "edited" if s.edited else "draft"
        name = xml_text(f"block {s.block + 1} ({s.kind}), segment {s.index + 1}")
        if version == "1.2":
            tu = etree.SubElement(parent, f"{{{ns}}}trans-unit", id=str(s.id), resname=name)
            if state == "approved":
                tu.set("approved", "yes")
            _write_inline(etree.SubElement(tu, f"{{{ns}}}source"), s.source, "x12", ns)
            target = etree.SubElement(tu, f"{{{ns}}}target", state=STATES_12[state])
            _write_inline(target, s.text, "x12", ns)
            if s.id in changes:
                etree.SubElement(tu, f"{{{ns}}}note", {"from": NOTE_ORIGIN, "priority": "2"}).text = xml_text(changes[s.id])
            for f in s.findings:
                note = etree.SubElement(tu, f"{{{ns}}}note", {"from": NOTE_ORIGIN,
                                                              "priority": _SEVERITY_PRIORITY.get(f.severity, "5")})  # fmt: skip
                note.text = xml_text(finding_note(f))
        else:
            unit = etree.SubElement(parent, f"{{{ns}}}unit", id=str(s.id), name=name)
            if s.findings or s.id in changes:
                notes = etree.SubElement(unit, f"{{{ns}}}notes")
                if s.id in changes:
                    etree.SubElement(notes, f"{{{ns}}}note", category=NOTE_ORIGIN, priority="2").text = xml_text(changes[s.id])
                for f in s.findings:
                    note = etree.SubElement(notes, f"{{{ns}}}note", category=NOTE_ORIGIN,
                                            priority=_SEVERITY_PRIORITY.get(f.severity, "5"))  # fmt: skip
                    note.text = xml_text(finding_note(f))
            seg = etree.SubElement(unit, f"{{{ns}}}segment", state=STATES_20[state])
            _write_inline(etree.SubElement(seg, f"{{{ns}}}source"), s.source, "x20", ns)
            if s.text.strip():
                _write_inline(etree.SubElement(seg, f"{{{ns}}}target"), s.text, "x20", ns)
    return _serialise(root)


@dataclass
class XliffUnit:
    id: str
    source: str
    target: str | None
    approve: bool
    notes: list[str]


def read_xliff(data: bytes) -> tuple[str, int, str | None, list[XliffUnit]]:
    """(version, job id, target language, units) of an XLIFF 1.2 or 2.0 file."""
    from translate.storage import xliff, xliff2

    root, data = _parse(data, "XLIFF")
    qname = etree.QName(root)
    if qname.localname != "xliff":
        raise InputError(f"not an XLIFF file (the root element is <{qname.localname}>, not <xliff>)")
    if qname.namespace in (XLIFF12_NS, XLIFF11_NS):
        version = "1.2"
        store_class = xliff.xlifffile
    elif qname.namespace == XLIFF20_NS:
        version = "2.0"
        store_class = xliff2.Xliff2File
    else:
        raise InputError(f"not an XLIFF 1.2 or 2.0 file (namespace {qname.namespace or 'none'})")
    ns = qname.namespace
    try:
        store = store_class.parsestring(data)
    except Exception as exc:
        raise InputError(f"not an XLIFF {version} file: {_one_line(exc)}") from None
    files = root.findall(f"{{{ns}}}file")
    if not files:
        raise InputError("the XLIFF file has no <file>")
    jobs = set()
    for f in files:
        job = f.get(f"{{{RELAIS_NS}}}job") or (f.get("id", "")[4:] if f.get("id", "").startswith("job-") else None)
        if not job:
            raise InputError("the XLIFF file does not name its Relais job (relais:job on <file>): export it with "
                             "`relais xliff export`")  # fmt: skip
        jobs.add(job)
    if len(jobs) != 1 or not next(iter(jobs)).isdigit():
        raise InputError(f"the XLIFF file names {len(jobs)} Relais jobs ({', '.join(sorted(jobs))}); import one job at a time")
    job_id = int(next(iter(jobs)))
    if version == "1.2":
        src_lang = {language_code(f.get("source-language")) for f in files}
        trg = {language_code(f.get("target-language")) for f in files}
    else:
        src_lang, trg = {language_code(root.get("srcLang"))}, {language_code(root.get("trgLang"))}
    if None in src_lang:
        raise InputError("the XLIFF file has no source language")
    if None in trg or len(trg) != 1:
        raise InputError("the XLIFF file has no target language")
    units: list[XliffUnit] = []
    seen: set[str] = set()
    mode = "x12" if version == "1.2" else "x20"
    for unit in store.units:
        el = unit.xmlelement
        if version == "1.2":
            if _local(el) != "trans-unit":
                continue
            uid = el.get("id") or ""
            holder = el
            state_el = el.find(f"{{{ns}}}target")
            state = (state_el.get("state") or "") if state_el is not None else ""
            approve = state in APPROVING_12 or (el.get("approved") or "").lower() == "yes"
            note_els = [x for x in el.findall(f"{{{ns}}}note") if x.get("from") != NOTE_ORIGIN]
        else:
            unit_el = unit.getunitelement()
            uid = unit_el.get("id") or ""
            if len(unit_el.findall(f"{{{ns}}}segment")) != 1:
                raise InputError(f"XLIFF unit {uid}: Relais units have exactly one <segment>")
            holder = el
            approve = (el.get("state") or "") in APPROVING_20
            notes_el = unit_el.find(f"{{{ns}}}notes")
            note_els = [x for x in (notes_el if notes_el is not None else []) if _local(x) == "note"
                        and x.get("category") != NOTE_ORIGIN]  # fmt: skip
        where = f"XLIFF unit {uid or '(no id)'}"
        if not uid:
            raise InputError(f"{where}: a unit has no id")
        if uid in seen:
            raise InputError(f"{where}: the id appears twice")
        seen.add(uid)
        source_el = holder.find(f"{{{ns}}}source")
        if source_el is None:
            raise InputError(f"{where}: it has no <source>")
        target_el = holder.find(f"{{{ns}}}target")
        source, source_codes = _read_inline(source_el, mode, where)
        target, target_codes = _read_inline(target_el, mode, where) if target_el is not None else (None, None)
        for side, codes in ((source_el, source_codes), (target_el, target_codes)):
            if codes and codes.get("anchored"):  # a segment holds placeholders only
                name = next(_local(x) for x in side.iter() if _local(x) in XLIFF_CODES[mode])
                raise InputError(f"{where}: inline tag <{name}> is not one Relais can place in a job's segment "
                                 "(links, bold, italic only)")  # fmt: skip
        notes = [_text(x).strip() for x in note_els if _text(x).strip()]
        units.append(XliffUnit(uid, source, target or None, approve, notes))
    if not units:
        raise InputError("the XLIFF file has no translation units")
    return version, job_id, next(iter(trg)), units
