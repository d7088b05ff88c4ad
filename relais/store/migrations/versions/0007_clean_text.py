"""Clean the text already stored by the store's one text rule (relais/document/text.py).

Before this revision an edit, a term or an import could store NUL, VT and other control
characters, which XML exports could not write.  Every text column an entry point fills is
cleaned as machine text is today: CR, CRLF, VT, FF, NEL, U+2028 and U+2029 become "\\n",
a tab a space, bidi embeddings, overrides and isolates go, and the other C0 and C1
controls, lone surrogates, U+FFFE and U+FFFF are removed (stored text cannot be refused
any more).  One-line texts (terms, renderings, forbidden variants) also get single spaces.

- ``blocks`` and ``segments``: the segment offsets are moved with the block text.  The
  article's content hash stays (it names what was ingested).
- ``tm_entries``: the match key is computed again from the cleaned source; an entry that
  becomes the same unit as another one (same pair, key and target) is deleted, the other
  kept.  On SQLite the FTS5 indexes follow by their triggers (UPDATE OF source_key /
  target_text), and the word-feature postings of every entry whose key changed are
  written again here (old postings out, df down; new ones in, df up).
- ``terms`` and ``term_renderings``: keys computed again; a term that becomes another one
  gives it its renderings, a rendering that becomes another one of its term gives it its
  forbidden variants.
- Publications are frozen records of what was published and are left as they are; so
  are user names (``relais users add`` only ever took ASCII letters, digits and . _ @ -,
  plus, until now, a final line feed, which XML can carry).
- A finding's offsets are left: a segment whose text lost a character may show a
  finding's highlight a character off until it is checked again.

The cleaning, the match key and the feature hash are copied here as they are at this
revision, so the migration does not change when the application does.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from hashlib import blake2b

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# ------------------------------------------------------------------ the rule, frozen here

_LINE_BREAK = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_GONE = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_DIRTY = re.compile("[\x00-\x08\t\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def clean(text: str | None) -> str | None:
    """Text under the rule, control characters removed."""
    if not text or not _DIRTY.search(text):
        return text
    return _GONE.sub("", _LINE_BREAK.sub("\n", text).replace("\t", " "))


def clean_line(text: str | None) -> str | None:
    """A one-line text (a term) under the rule, with single spaces."""
    if not text or not _DIRTY.search(text):
        return text
    return " ".join(clean(text).split())


def clean_mapped(text: str) -> tuple[str, list[int]]:
    """``clean(text)`` and where each position of ``text`` (0..len) lands in it."""
    out: list[str] = []
    where = [0] * (len(text) + 1)
    i = 0
    while i < len(text):
        where[i] = len(out)
        ch = text[i]
        if ch == "\r" and text[i + 1 : i + 2] == "\n":
            out.append("\n")
            where[i + 1] = len(out)
            i += 2
            continue
        if _LINE_BREAK.fullmatch(ch):
            out.append("\n")
        elif ch == "\t":
            out.append(" ")
        elif not _GONE.fullmatch(ch):
            out.append(ch)
        i += 1
    where[len(text)] = len(out)
    return "".join(out), where


# The match key (relais/memory/normalise.py at this revision).
_PLACEHOLDER = re.compile(r"<(/?)([abi])(\d+)>")
_FOLD = str.maketrans(
    {
        "’": "'", "‘": "'", "‚": "'", "ʼ": "'", "′": "'",
        "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "″": '"',
        "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-",
        "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u200b": "",
        "…": "...",
    }
)  # fmt: skip
_SPACE = re.compile(r"\s+")
_TYPO_SPACE = re.compile(r"(?<=[«‹])\s+|\s+(?=[»›;:!?%])")


def match_key(text: str) -> str:
    plain = unicodedata.normalize("NFC", _PLACEHOLDER.sub("", text))
    plain = _TYPO_SPACE.sub("", plain).translate(_FOLD)
    return _SPACE.sub(" ", plain).strip()


# The word features of a match key (relais/memory/tm.py at this revision).
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+")


def features(key: str) -> list[int]:
    words = [w.casefold() for w in _TOKEN.findall(key)]
    terms = set(words)
    terms.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return sorted({int.from_bytes(blake2b(t.encode(), digest_size=6).digest(), "big") for t in terms})


# ------------------------------------------------------------------ the tables

T = sa.table  # lightweight tables: only the columns read and written here
C = sa.column


def _rows(bind, table, *columns):
    """Every row of ``table`` (id first), streamed."""
    stmt = sa.select(table.c.id, *(table.c[c] for c in columns))
    return bind.execute(stmt, execution_options={"stream_results": True})


def _update(bind, table, changes: list[dict]) -> None:
    """``changes``: dicts of id and the new values, one UPDATE each (only what changed)."""
    for change in changes:
        values = {k: v for k, v in change.items() if k != "id"}
        bind.execute(sa.update(table).where(table.c.id == change["id"]).values(**values))


def _clean_columns(bind, table, columns: tuple[str, ...], cleaner=clean) -> None:
    changes = []
    for row in _rows(bind, table, *columns):
        new = {c: cleaner(getattr(row, c)) for c in columns}
        changed = {c: v for c, v in new.items() if v != getattr(row, c)}
        if changed:
            changes.append({"id": row.id, **changed})
    _update(bind, table, changes)


def _clean_blocks(bind) -> None:
    blocks = T("blocks", C("id"), C("text", sa.Text))
    segments = T("segments", C("id"), C("block_id"), C("start_offset"), C("end_offset"), C("text", sa.Text))
    dirty = [(row.id, row.text) for row in _rows(bind, blocks, "text") if row.text and _DIRTY.search(row.text)]
    for block_id, old in dirty:
        new, where = clean_mapped(old)
        bind.execute(sa.update(blocks).where(blocks.c.id == block_id).values(text=new))
        segs = bind.execute(sa.select(segments).where(segments.c.block_id == block_id)).all()
        for seg in segs:
            start, end = min(seg.start_offset, len(old)), min(seg.end_offset, len(old))
            text = new[where[start] : where[end]] if old[start:end] == seg.text else clean(seg.text)
            bind.execute(sa.update(segments).where(segments.c.id == seg.id)
                         .values(start_offset=where[start], end_offset=where[end], text=text))  # fmt: skip
    # A segment whose block was clean but whose own text is not (not written by Relais).
    _clean_columns(bind, segments, ("text",))


def _reindex_features(bind, entry_id: int, key: str) -> None:
    """SQLite: the word-feature postings of one entry, written again for its new key."""
    bind.execute(sa.text("UPDATE tm_feature_df SET df = df - 1 WHERE feature IN "
                         "(SELECT feature FROM tm_features WHERE entry_id = :e)"), {"e": entry_id})  # fmt: skip
    bind.execute(sa.text("DELETE FROM tm_feature_df WHERE df <= 0"))
    bind.execute(sa.text("DELETE FROM tm_features WHERE entry_id = :e"), {"e": entry_id})
    feats = features(key)
    if feats:
        bind.execute(sa.text("INSERT INTO tm_features (feature, entry_id) VALUES (:f, :e)"),
                     [{"f": f, "e": entry_id} for f in feats])  # fmt: skip
        bind.execute(sa.text("INSERT INTO tm_feature_df (feature, df) VALUES (:f, 1) "
                             "ON CONFLICT (feature) DO UPDATE SET df = df + 1"), [{"f": f} for f in feats])  # fmt: skip


def _clean_tm(bind) -> None:
    entries = T("tm_entries", C("id"), C("source_lang"), C("target_lang"), C("source_text", sa.Text),
                C("target_text", sa.Text), C("source_key", sa.Text), C("draft_text", sa.Text), C("note", sa.Text),
                C("approved_by", sa.Text))  # fmt: skip
    texts = ("source_text", "target_text", "draft_text", "note", "approved_by")
    dirty = []
    for row in _rows(bind, entries, "source_lang", "target_lang", "source_key", *texts):
        new = {c: clean(getattr(row, c)) for c in texts}
        new["source_text"], new["target_text"] = (new["source_text"] or "").strip(), (new["target_text"] or "").strip()
        new["source_key"] = match_key(new["source_text"]) if new["source_text"] != row.source_text else row.source_key
        changed = {c: v for c, v in new.items() if v != getattr(row, c)}
        if changed:
            dirty.append((row, changed))
    sqlite = bind.dialect.name == "sqlite"
    for row, changed in dirty:
        key = changed.get("source_key", row.source_key)
        target = changed.get("target_text", row.target_text)
        same = bind.execute(
            sa.select(entries.c.id).where(
                entries.c.source_lang == row.source_lang, entries.c.target_lang == row.target_lang,
                entries.c.source_key == key, entries.c.target_text == target, entries.c.id != row.id,
            )
        ).first()  # fmt: skip
        if same is not None or not changed.get("source_text", row.source_text) or not target:
            # the same unit is already there, or nothing is left of it: the entry goes
            # (on SQLite its postings, df and FTS rows go by the cascade and the triggers)
            bind.execute(sa.delete(entries).where(entries.c.id == row.id))
            continue
        bind.execute(sa.update(entries).where(entries.c.id == row.id).values(**changed))
        if sqlite and "source_key" in changed:
            _reindex_features(bind, row.id, key)


def _clean_termbase(bind) -> None:
    terms = T("terms", C("id"), C("source_lang"), C("source_term", sa.Text), C("source_key", sa.Text), C("note", sa.Text))
    renderings = T("term_renderings", C("id"), C("term_id"), C("lang"), C("text", sa.Text), C("forbidden", sa.JSON),
                   C("note", sa.Text), C("proposed_by", sa.Text), C("approved_by", sa.Text))  # fmt: skip

    def merge_into(keep_id: int, forbidden: list[str], gone_id: int) -> None:
        kept = bind.execute(sa.select(renderings.c.forbidden, renderings.c.text).where(renderings.c.id == keep_id)).one()
        merged = sorted((set(kept.forbidden or []) | set(forbidden)) - {kept.text})
        bind.execute(sa.delete(renderings).where(renderings.c.id == gone_id))
        bind.execute(sa.update(renderings).where(renderings.c.id == keep_id).values(forbidden=merged))

    dirty = []
    for row in _rows(bind, renderings, "term_id", "lang", "text", "forbidden", "note", "proposed_by", "approved_by"):
        new = {"text": clean_line(row.text), "note": clean(row.note), "proposed_by": clean(row.proposed_by),
               "approved_by": clean(row.approved_by)}  # fmt: skip
        variants = [clean_line(v) for v in (row.forbidden or [])]
        new["forbidden"] = sorted({v for v in variants if v} - {new["text"]})
        if new["forbidden"] == list(row.forbidden or []):
            del new["forbidden"]
        changed = {c: v for c, v in new.items() if v != getattr(row, c)}
        if changed:
            dirty.append((row, changed))
    for row, changed in dirty:
        text = changed.get("text", row.text)
        other = bind.execute(
            sa.select(renderings.c.id).where(renderings.c.term_id == row.term_id, renderings.c.lang == row.lang,
                                             renderings.c.text == text, renderings.c.id != row.id)
        ).first()  # fmt: skip
        if other is not None or not text:
            if other is not None:
                merge_into(other.id, changed.get("forbidden", row.forbidden or []), row.id)
            else:
                bind.execute(sa.delete(renderings).where(renderings.c.id == row.id))
            continue
        bind.execute(sa.update(renderings).where(renderings.c.id == row.id).values(**changed))

    dirty_terms = []
    for row in _rows(bind, terms, "source_lang", "source_term", "source_key", "note"):
        new = {"source_term": clean_line(row.source_term), "note": clean(row.note)}
        if new["source_term"] != row.source_term:
            new["source_key"] = match_key(new["source_term"]).casefold()
        changed = {c: v for c, v in new.items() if v != getattr(row, c)}
        if changed:
            dirty_terms.append((row, changed))
    for row, changed in dirty_terms:
        key = changed.get("source_key", row.source_key)
        other = bind.execute(
            sa.select(terms.c.id).where(terms.c.source_lang == row.source_lang, terms.c.source_key == key,
                                        terms.c.id != row.id)
        ).first()  # fmt: skip
        if other is None and changed.get("source_term", row.source_term):
            bind.execute(sa.update(terms).where(terms.c.id == row.id).values(**changed))
            continue
        if other is not None:  # the term becomes another one: its renderings go over
            for r in bind.execute(sa.select(renderings).where(renderings.c.term_id == row.id)).all():
                same = bind.execute(
                    sa.select(renderings.c.id).where(renderings.c.term_id == other.id, renderings.c.lang == r.lang,
                                                     renderings.c.text == r.text)
                ).first()  # fmt: skip
                if same is not None:
                    merge_into(same.id, r.forbidden or [], r.id)
                else:
                    bind.execute(sa.update(renderings).where(renderings.c.id == r.id).values(term_id=other.id))
        bind.execute(sa.delete(renderings).where(renderings.c.term_id == row.id))
        bind.execute(sa.delete(terms).where(terms.c.id == row.id))


def upgrade() -> None:
    bind = op.get_bind()
    _clean_columns(bind, T("articles", C("id"), C("title", sa.Text), C("author", sa.Text), C("date", sa.Text),
                           C("url", sa.Text), C("source_name", sa.Text)), ("title", "author", "date", "url", "source_name"))  # fmt: skip
    _clean_blocks(bind)
    _clean_columns(bind, T("jobs", C("id"), C("error", sa.Text)), ("error",))
    _clean_columns(bind, T("drafts", C("id"), C("text", sa.Text), C("error", sa.Text)), ("text", "error"))
    _clean_columns(bind, T("revisions", C("id"), C("text", sa.Text)), ("text",))
    _clean_columns(bind, T("findings", C("id"), C("text", sa.Text), C("message", sa.Text), C("suggestion", sa.Text)),
                   ("text", "message", "suggestion"))  # fmt: skip
    _clean_columns(bind, T("review_events", C("id"), C("before", sa.Text), C("after", sa.Text)), ("before", "after"))
    _clean_tm(bind)
    _clean_termbase(bind)


def downgrade() -> None:
    """Nothing to undo: the removed characters are not kept anywhere."""
