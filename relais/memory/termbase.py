"""The termbase: people, places, organisations and terms, with a rendering per language.

Names are first-class: one entity ("Vladimir Putin") with one rendering per target
language (Poutine in French, Putin in German), each proposed or approved, with the
variants that must not be used.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from difflib import SequenceMatcher

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from relais.text.names import fold, is_common_english, locate, name_data, source_names, tokens_match, words_of
from relais.document.inline import strip_placeholders
from relais.document.text import person_text
from relais.errors import InputError, NotFound
from relais.memory.normalise import match_key
from relais.document.translation import Translation
from relais.store.actors import Actor, PermissionDenied
from relais.store.models import TermRenderingRow, TermRow, TermStatus, TermType


def term_key(term: str) -> str:
    return match_key(term).casefold()


def _one_line(text: str, what: str) -> str:
    """A term, rendering or variant under the store's text rule (controls refused, with
    ``what`` named), on one line with single spaces."""
    return " ".join(person_text(text, what).split())


def _note(note: str | None) -> str | None:
    return (person_text(note, "the note").strip() or None) if note is not None else None


def get_or_add_term(
    session: Session, source_term: str, type_: str = TermType.TERM, source_lang: str = "en", note: str | None = None
) -> TermRow:
    """The term ``source_term`` (found by its key) or a new one.  Every text is under the
    store's text rule (``relais.document.text``): a control character is refused, named."""
    source_term = _one_line(source_term, "the source term")
    note = _note(note)
    if not source_term:
        raise InputError("a term needs its source text")
    if type_ not in TermType.ALL:
        raise InputError(f"unknown term type {type_!r} (choose from {', '.join(TermType.ALL)})")
    key = term_key(source_term)
    row = session.scalar(select(TermRow).where(TermRow.source_lang == source_lang, TermRow.source_key == key))
    if row is None:
        row = TermRow(source_lang=source_lang, source_term=source_term, source_key=key, type=type_, note=note)
        session.add(row)
        session.flush()
    return row


def add_rendering(
    session: Session,
    term: TermRow,
    lang: str,
    text: str,
    *,
    status: str = TermStatus.PROPOSED,
    forbidden: list[str] | None = None,
    note: str | None = None,
    proposed_by: str | None = None,
    approved_by: str | None = None,
    job_id: int | None = None,
) -> TermRenderingRow:
    """Add (or return the existing) rendering of ``term`` in ``lang``.  Approving a
    rendering leaves the language's other approved renderings of the term as they are;
    callers that replace one use ``approve_rendering``.  The rendering, its forbidden
    variants and the note are under the store's text rule (controls refused, named)."""
    text = _one_line(text, "the rendering")
    variants = sorted({v for v in (_one_line(f, "a forbidden variant") for f in forbidden or []) if v} - {text})
    note = _note(note)
    if not text:
        raise InputError("a rendering needs its text")
    if status not in (TermStatus.PROPOSED, TermStatus.APPROVED):
        raise InputError(f"unknown status {status!r}")
    row = session.scalar(
        select(TermRenderingRow).where(
            TermRenderingRow.term_id == term.id, TermRenderingRow.lang == lang, TermRenderingRow.text == text
        )
    )
    if row is None:
        row = TermRenderingRow(
            term_id=term.id, lang=lang, text=text, forbidden=variants,
            status=status, note=note, proposed_by=proposed_by, job_id=job_id,
        )  # fmt: skip
        session.add(row)
    if status == TermStatus.APPROVED and row.approved_at is None:
        row.status = TermStatus.APPROVED
        row.approved_by = approved_by
        row.approved_at = datetime.now(UTC)
    session.flush()
    return row


def get_rendering(session: Session, rendering_id: int) -> TermRenderingRow:
    row = session.get(TermRenderingRow, rendering_id)
    if row is None:
        raise NotFound(f"no term rendering with id {rendering_id}")
    return row


# --------------------------------------------------------------------------- approval


def _editor(actor: Actor) -> None:
    if not actor.is_editor:
        raise PermissionDenied(f"{actor.name} may not approve or reject termbase entries (editors only)")


def approve_rendering(session: Session, actor: Actor, rendering_id: int) -> TermRenderingRow:
    """An editor approves a rendering.  A newsroom has one house rendering per term and
    language: any other approved rendering of the term in that language becomes a
    forbidden variant of this one (its row is removed, its own forbidden variants kept)."""
    _editor(actor)
    row = get_rendering(session, rendering_id)
    others = session.scalars(
        select(TermRenderingRow).where(
            TermRenderingRow.term_id == row.term_id,
            TermRenderingRow.lang == row.lang,
            TermRenderingRow.status == TermStatus.APPROVED,
            TermRenderingRow.id != row.id,
        )
    ).all()
    forbidden = set(row.forbidden or [])
    notes = [row.note] if row.note else []
    for other in others:
        forbidden.add(other.text)
        forbidden.update(other.forbidden or [])
        notes.append(f"replaces “{other.text}” (approved by {other.approved_by or 'unknown'})")
        session.delete(other)
    forbidden.discard(row.text)
    row.forbidden = sorted(forbidden)
    row.note = "; ".join(notes) or None
    row.status = TermStatus.APPROVED
    row.approved_by = actor.name
    row.approved_at = datetime.now(UTC)
    session.flush()
    return row


def reject_rendering(session: Session, actor: Actor, rendering_id: int) -> None:
    """An editor rejects a proposed rendering (or withdraws an approved one): the row
    goes, and so does its term when no rendering in any language is left."""
    _editor(actor)
    row = get_rendering(session, rendering_id)
    term = row.term
    session.delete(row)
    session.flush()
    if not session.scalar(select(TermRenderingRow.id).where(TermRenderingRow.term_id == term.id).limit(1)):
        session.delete(term)
        session.flush()


def list_terms(session: Session, lang: str | None = None, status: str | None = None, query: str | None = None) -> list[TermRow]:
    """Terms, by source term: those with a rendering in ``lang`` and/or of ``status``
    when given, and whose source term or a rendering contains ``query`` (case-insensitive)."""
    stmt = select(TermRow).options(selectinload(TermRow.renderings)).order_by(TermRow.source_key)
    if lang is not None or status is not None:
        sub = select(TermRenderingRow.term_id)
        if lang is not None:
            sub = sub.where(TermRenderingRow.lang == lang)
        if status is not None:
            sub = sub.where(TermRenderingRow.status == status)
        stmt = stmt.where(TermRow.id.in_(sub))
    terms = list(session.scalars(stmt))
    if query:
        q = term_key(query)
        terms = [
            t for t in terms
            if q in t.source_key or any(q in term_key(r.text) for r in t.renderings if lang is None or r.lang == lang)
        ]  # fmt: skip
    return terms


# --------------------------------------------------------------------------- lookup


@dataclass(frozen=True)
class TermHint:
    """An approved rendering of a term found in a text (for engines' glossaries)."""

    source: str
    target: str
    type: str
    forbidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class TermMatch:
    """An approved term found in a source text."""

    source: str  # the term as stored ("Sergei Lavrov")
    target: str  # the house rendering
    type: str
    forbidden: tuple[str, ...]
    also: tuple[str, ...] = ()  # other approved renderings (older ones left approved)
    found: str = ""  # the words as they occur in the text


_TOKEN_RE = re.compile(r"[^\W_]+")


def _tokens(text: str) -> tuple[list[str], list[str], list[str]]:
    """(original tokens, casefolded tokens, gaps between consecutive tokens) of a text
    after ``match_key`` (typographic variants folded, tags removed)."""
    keyed = match_key(text)
    matches = list(_TOKEN_RE.finditer(keyed))
    originals = [m.group() for m in matches]
    gaps = ["".join(keyed[a.end() : b.start()].split()) for a, b in zip(matches, matches[1:])]
    return originals, [t.casefold() for t in originals], gaps


class TermIndex:
    """Source terms indexed by their first word, longest first: finding the terms of a
    text costs one dictionary lookup per word, whatever the size of the termbase."""

    def __init__(self, entries: list[TermMatch]):
        by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], bool, TermMatch]]] = {}
        for entry in entries:
            originals, folded, gaps = _tokens(entry.source)
            if not folded:
                continue
            capitalised = any(c.isupper() for c in entry.source)
            by_first.setdefault(folded[0], []).append((tuple(folded), tuple(gaps), capitalised, entry))
        for candidates in by_first.values():
            candidates.sort(key=lambda c: -len(c[0]))
        self._by_first = by_first
        self.size = len(entries)

    def find(self, text: str) -> list[TermMatch]:
        """Terms occurring in ``text`` as whole words, case-insensitively (a term written
        with capitals, a name, is not matched by an all lower-case occurrence: "Turkey"
        is not "turkey"), the longest winning where terms overlap ("Sergei Lavrov", not
        "Lavrov"); each term once, in order of first occurrence."""
        originals, folded, gaps = _tokens(text)
        found: dict[str, TermMatch] = {}
        i = 0
        while i < len(folded):
            step = 1
            for tokens, term_gaps, capitalised, entry in self._by_first.get(folded[i], ()):
                n = len(tokens)
                if tuple(folded[i : i + n]) != tokens or tuple(gaps[i : i + n - 1]) != term_gaps:
                    continue
                words = originals[i : i + n]
                if capitalised and all(w.islower() for w in words):
                    continue
                found.setdefault(entry.source, replace(entry, found=" ".join(words)))
                step = n
                break
            i += step
        return list(found.values())


def surname_entries(entries: list[TermMatch]) -> list[TermMatch]:
    """For each person of two or more words whose rendering has as many: the surname
    alone, rendered as the rendering's last word (Yuri Kovalyov → Iouri Kovaliov gives
    Kovalyov → Kovaliov, with the last words of the forbidden variants).  Not for a
    surname two people share, nor one that is a term of its own."""
    own = {fold(e.source) for e in entries}
    by_surname: dict[str, list[TermMatch]] = {}
    for e in entries:
        source_words, target_words = e.source.split(), e.target.split()
        if e.type == "person" and len(source_words) >= 2 and len(target_words) >= 2 and len(source_words[-1]) >= 3:
            by_surname.setdefault(source_words[-1], []).append(e)
    out = []
    for surname, people in by_surname.items():
        if len(people) > 1 or fold(surname) in own:
            continue
        (e,) = people
        last = e.target.split()[-1]
        also = tuple(a.split()[-1] for a in e.also if a.split())
        forbidden = tuple(sorted({v.split()[-1] for v in e.forbidden if v.split()} - {last, *also}))
        out.append(TermMatch(surname, last, "person", forbidden, also))
    return out


class StoreTermbase:
    """The approved termbase of one language pair, loaded once (``termbase_for``); what a
    job's ``CheckContext.termbase`` holds.  Satisfies ``relais.checks.base.Termbase``."""

    def __init__(self, entries: list[TermMatch], target_lang: str, source_lang: str = "en"):
        self.source_lang, self.target_lang = source_lang, target_lang
        self.entries = entries
        # A person is named by the surname alone after the first mention ("said
        # Kovalyov"): the termbase holds it to the full name's rendering there too.
        self.index = TermIndex(entries + surname_entries(entries))
        self._by_key: dict[str, TermMatch] = {}
        for entry in entries:
            self._by_key.setdefault(term_key(entry.source), entry)
            self._by_key.setdefault(fold(entry.source), entry)

    @classmethod
    def load(cls, session: Session, target_lang: str, source_lang: str = "en") -> StoreTermbase:
        """Read the approved renderings of one language pair (one query)."""
        rows = session.execute(
            select(TermRow.source_term, TermRow.type, TermRenderingRow.text, TermRenderingRow.forbidden)
            .join(TermRenderingRow, TermRenderingRow.term_id == TermRow.id)
            .where(
                TermRow.source_lang == source_lang,
                TermRenderingRow.lang == target_lang,
                TermRenderingRow.status == TermStatus.APPROVED,
            )
            .order_by(TermRow.id, TermRenderingRow.approved_at.desc(), TermRenderingRow.id.desc())
        ).all()
        per_term: dict[str, list] = {}
        for source, type_, text, forbidden in rows:
            per_term.setdefault(source, []).append((type_, text, forbidden))
        entries = []
        for source, renderings in per_term.items():
            type_, text, forbidden = renderings[0]  # the latest approval is the house rendering
            also = tuple(r[1] for r in renderings[1:])
            variants = {v for r in renderings for v in (r[2] or [])} - {text, *also}
            entries.append(TermMatch(source, text, type_, tuple(sorted(variants)), also))
        return cls(entries, target_lang, source_lang)

    def renderings(self, source_term: str, target_lang: str) -> tuple[str, list[str]] | None:
        """(approved rendering, forbidden variants) of a source term, or None."""
        if target_lang != self.target_lang:
            return None
        entry = self._by_key.get(term_key(source_term)) or self._by_key.get(fold(source_term))
        return (entry.target, list(entry.forbidden)) if entry else None

    def find(self, text: str) -> list[TermMatch]:
        """The approved terms occurring in a source text (see ``TermIndex.find``)."""
        return self.index.find(text)

    def hints(self, text: str) -> list[TermHint]:
        """Glossary hints for a source text, longest source term first."""
        matches = sorted(self.find(text), key=lambda m: -len(m.source))
        return [TermHint(m.source, m.target, m.type, m.forbidden) for m in matches]


_CACHE: dict[tuple[str, str, str], tuple[tuple, StoreTermbase]] = {}
_CACHE_LOCK = threading.Lock()


def termbase_for(session: Session, target_lang: str, source_lang: str = "en") -> StoreTermbase:
    """The approved termbase of a language pair, built once and reused until an approval,
    rejection or new term changes it (one small query tells)."""
    stamp = tuple(
        session.execute(
            select(func.count(TermRenderingRow.id), func.max(TermRenderingRow.id), func.max(TermRenderingRow.approved_at), func.max(TermRow.id))
            .join(TermRow, TermRenderingRow.term_id == TermRow.id)
            .where(TermRow.source_lang == source_lang, TermRenderingRow.lang == target_lang, TermRenderingRow.status == TermStatus.APPROVED)
        ).one()
    )
    key = (str(session.get_bind().url), source_lang, target_lang)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    termbase = StoreTermbase.load(session, target_lang, source_lang)
    with _CACHE_LOCK:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = (stamp, termbase)
    return termbase


def hints_for(session: Session, text: str, source_lang: str, target_lang: str) -> list[TermHint]:
    """Approved renderings of the terms occurring in ``text`` (whole words, any case),
    longest source term first, so that "Sergei Lavrov" wins over "Lavrov"."""
    return termbase_for(session, target_lang, source_lang).hints(text)


# --------------------------------------------------------------------------- proposals from a review

_ALIGN_TOKEN_RE = re.compile(r"[^\W_]+|[^\w\s]")
# Words that make a capitalised name an organisation ("Bank of England", "Labour Party").
ORGANISATION_WORDS = frozenset(
    "agency airline airlines army assembly association authority bank board bureau club commission committee company "
    "congress corporation corp council court department federation foundation fund group inc institute league ltd "
    "ministry museum navy office organisation organization parliament party police senate service society union "
    "university".split()
)
NAME_PARTICLES = frozenset("de del della der di da das do dos du la le van von ten ter al el bin ibn y e zu".split())


@dataclass
class _Candidate:
    source: str  # the source term as it will be stored
    words: tuple[str, ...]  # its words
    forms: tuple[str, ...]  # how it may be written in the draft: the source term, known renderings, forbidden variants
    name: bool  # a person, place or organisation: the new rendering must resemble it
    term: TermRow | None  # already in the termbase
    approved: tuple[str, ...] = ()  # approved renderings in the job's language
    name_row: object = None  # names.SourceName when found by names.py


def guess_type(text: str) -> str:
    """person, place or organisation for a name of an English text, as far as names.py
    and a few organisation words tell; term otherwise."""
    words = words_of(text)
    if not words:
        return TermType.TERM
    data = name_data()
    key = " ".join(w.folded for w in words)
    if all(w.acronym for w in words) or any(w.folded in ORGANISATION_WORDS for w in words):
        return TermType.ORGANISATION
    if key in data.places or (len(words) == 1 and key in data.renderings):
        return TermType.PLACE
    capitalised = [w for w in words if w.folded not in NAME_PARTICLES]
    if len(capitalised) >= 2 and all(w.capitalised for w in capitalised):
        if words[0].folded in data.first_names or not any(is_common_english(w.text) for w in capitalised):
            return TermType.PERSON
    return TermType.TERM


def _form_pattern(form: str) -> re.Pattern[str]:
    parts = [re.escape(w) + r"\w{0,2}" for w in form.split()]
    body = r"\s+".join(parts).replace("\\'", "['’]").replace("’", "['’]")
    return re.compile(r"(?<!\w)" + body + r"(?!\w)", re.IGNORECASE)


def _resembles(name_words: tuple[str, ...], word: str) -> bool:
    """Whether a target word can render one of a name's words (Sergueï for Sergei, Poutine for Putin)."""
    folded = fold(word)
    for source in name_words:
        s = fold(source)
        if tokens_match(s, folded) or tokens_match(folded, s):
            return True
        if len(s) >= 4 and len(folded) >= 4 and SequenceMatcher(None, s, folded).ratio() >= 0.6:
            return True
    return False


def _candidates(known: _KnownTerms, source: str) -> list[_Candidate]:
    """Termbase terms occurring in the source, then the names names.py finds there; longest first."""
    out: list[_Candidate] = []
    seen: set[str] = set()
    for match in known.index.find(source):
        row, forms, approved = known.rows[match.source]
        out.append(_Candidate(row.source_term, tuple(w for w in _TOKEN_RE.findall(row.source_term)), forms,
                              row.type != TermType.TERM, row, approved))  # fmt: skip
        seen.add(term_key(row.source_term))
    for name in source_names(source):
        if term_key(name.text) in seen or not name.words:
            continue
        seen.add(term_key(name.text))
        out.append(_Candidate(name.text, tuple(w.text for w in name.words), (name.text,), True, None, name_row=name))
    out.sort(key=lambda c: -len(c.words))
    return out


@dataclass
class _KnownTerms:
    index: TermIndex
    rows: dict[str, tuple[TermRow, tuple[str, ...], tuple[str, ...]]]


def _known_terms(session: Session, source_lang: str, lang: str) -> _KnownTerms:
    """Every term of the source language (any status), with its forms in ``lang``."""
    terms = session.scalars(
        select(TermRow).where(TermRow.source_lang == source_lang).options(selectinload(TermRow.renderings))
    ).all()
    rows = {}
    entries = []
    for term in terms:
        renderings = [r for r in term.renderings if r.lang == lang]
        forms = [term.source_term] + [r.text for r in renderings] + [v for r in renderings for v in (r.forbidden or [])]
        approved = tuple(r.text for r in renderings if r.status == TermStatus.APPROVED)
        rows[term.source_term] = (term, tuple(dict.fromkeys(forms)), approved)
        entries.append(TermMatch(term.source_term, "", term.type, ()))
    return _KnownTerms(TermIndex(entries), rows)


def _draft_spans(cand: _Candidate, draft: str, lang: str) -> list[tuple[int, int]]:
    spans = []
    for form in sorted(cand.forms, key=len, reverse=True):
        for m in _form_pattern(form).finditer(draft):
            if not any(a < m.end() and m.start() < b for a, b in spans):
                spans.append(m.span())
    if not spans and cand.name_row is not None:
        hit = locate(cand.name_row, words_of(draft), lang)
        if hit is not None and len(words_of(draft[hit.start : hit.end])) <= len(cand.words) + 1:
            spans.append((hit.start, hit.end))
    return sorted(spans)


def _replacement(draft: str, final: str, span: tuple[int, int], d_toks, f_toks, ops) -> tuple[str, int, int] | None:
    """What the final text has in place of the draft's ``span`` (text and token range),
    or None when the span is unchanged or was deleted."""
    a = next((k for k, t in enumerate(d_toks) if t.end() > span[0]), None)
    b = next((k for k in range(len(d_toks) - 1, -1, -1) if d_toks[k].start() < span[1]), None)
    if a is None or b is None or b < a:
        return None
    changed = False
    ja = jb = None
    for tag, i1, i2, j1, j2 in ops:
        if i2 <= a or i1 > b or i1 == i2:
            continue
        if tag == "equal":
            lo, hi = max(i1, a), min(i2 - 1, b)
            ja = j1 + (lo - i1) if ja is None else ja
            jb = j1 + (hi - i1) + 1
        else:
            changed = True
            ja = j1 if ja is None else ja
            jb = j2
    if not changed or ja is None or jb is None or jb <= ja:
        return None
    return final[f_toks[ja].start() : f_toks[jb - 1].end()], ja, jb


def _trim_to_name(cand: _Candidate, final: str, f_toks, ja: int, jb: int) -> str | None:
    """The part of a replacement that renders the name: capitalised words resembling it."""
    toks = f_toks[ja:jb]
    keep = [i for i, t in enumerate(toks) if t.group()[0].isalpha() and _resembles(cand.words, t.group())]
    if not keep:
        return None
    toks = toks[keep[0] : keep[-1] + 1]
    words = [t.group() for t in toks if t.group()[0].isalnum()]
    if len(words) > len(cand.words) + 1:
        return None
    if any(not (w[0].isupper() or w.lower() in NAME_PARTICLES) for w in words):
        return None
    return final[toks[0].start() : toks[-1].end()]


def _is_approved(text: str, approved: tuple[str, ...]) -> bool:
    return any(_form_pattern(a).fullmatch(text) for a in approved)


def propose_from_review(session: Session, actor: Actor, view: Translation, publication_id: int | None = None) -> list[TermRenderingRow]:
    """Termbase proposals from what reviewers changed in a job, made when it is published
    (``publication_id``): for each segment whose current text differs from its machine
    draft, a name or termbase term of the source whose rendering the reviewer replaced
    (draft "Sergei Lavrov", final "Sergueï Lavrov") becomes a proposed rendering
    ("Sergueï Lavrov", forbidden "Sergei Lavrov"), proposed by whoever confirmed that
    segment and waiting for an editor.  Renderings already approved are not proposed
    again; running it twice adds nothing."""
    job_id = view.job_id
    lang = view.target_language
    if not actor.may_review(lang):
        raise PermissionDenied(f"{actor.name} may not review {lang} translations")
    proposals: dict[int, TermRenderingRow] = {}
    known = _known_terms(session, view.source_language, lang)  # once per job
    for seg in view.segments:
        if seg.draft is None or not seg.text.strip() or seg.text == seg.draft:
            continue
        source, draft, final = (strip_placeholders(t) for t in (seg.source, seg.draft, seg.text))
        d_toks = list(_ALIGN_TOKEN_RE.finditer(draft))
        f_toks = list(_ALIGN_TOKEN_RE.finditer(final))
        ops = SequenceMatcher(None, [t.group() for t in d_toks], [t.group() for t in f_toks], autojunk=False).get_opcodes()
        done: list[tuple[int, int]] = []
        for cand in _candidates(known, source):
            for span in _draft_spans(cand, draft, lang):
                if any(a < span[1] and span[0] < b for a, b in done):
                    continue
                done.append(span)
                found = _replacement(draft, final, span, d_toks, f_toks, ops)
                if found is None:
                    continue
                new, ja, jb = found
                if cand.name:
                    new = _trim_to_name(cand, final, f_toks, ja, jb)
                elif len(new.split()) > 2 * max(len(cand.words), len(draft[span[0]:span[1]].split())) + 1:
                    new = None  # a rewritten clause, not a new rendering of the term
                old = draft[span[0] : span[1]]
                if not new or new == old or _is_approved(new, cand.approved):
                    continue
                term = cand.term or get_or_add_term(session, cand.source, guess_type(cand.source), view.source_language)
                forbidden = [old] if old.casefold() != new.casefold() else []
                row = add_rendering(session, term, lang, new, forbidden=forbidden,
                                    proposed_by=seg.confirmed_by or actor.name, job_id=job_id)  # fmt: skip
                if row.status == TermStatus.APPROVED:
                    continue
                if publication_id is not None and row.publication_id is None:
                    row.publication_id = publication_id
                if forbidden and old not in (row.forbidden or []):
                    row.forbidden = sorted({*(row.forbidden or []), old} - {row.text})
                proposals[row.id] = row
                cand.term = term
    session.flush()
    return list(proposals.values())


def apply_to_machine_output(text: str, hints: list[TermHint]) -> str:
    """Replace, in a machine draft, every forbidden variant of an approved rendering by
    that rendering ("Yevgeny Sorokin" → "Ievgueni Sorokine" once an editor approved it).

    Like the typography fixer, this runs on engine output only, never on a person's
    text: a small model often copies a name as it is, and the house rendering is known.
    Whole words only, the variant's own case; longer variants first.
    """
    replacements = sorted(
        ((variant, hint.target) for hint in hints for variant in hint.forbidden if variant and variant != hint.target),
        key=lambda pair: -len(pair[0]),
    )
    for variant, target in replacements:
        pattern = re.compile(r"(?<!\w)" + re.escape(variant) + r"(?!\w)")
        text = pattern.sub(lambda _m, t=target: t, text)
    return text
