"""The translation memory: human-approved translation units, and looking them up.

Only text a person approved comes in (``add_entry`` is called from the review's
approval and from imports of files people made); machine drafts never do.

``lookup`` gives the matches for a source segment: exact ones (same ``match_key``, an
indexed column) to reuse as they are, then fuzzy ones above a threshold, ranked by
rapidfuzz.  Fuzzy candidates come, on SQLite, from a word-feature index the module keeps
itself (``tm_features``, ``tm_feature_df``: hashed words and word pairs, and how many
entries hold each) — a lookup reads only the postings of the query's rarest features; on
PostgreSQL from pg_trgm.  Not from the FTS5 trigram index: on 1,000,000 templated segments
(bench/memory.py) trigram-phrase retrieval measured p50 124 ms / p95 265 ms, a word-level
FTS5 table 44 / 95 ms, because a rare phrase made of common trigrams still walks their long
posting lists; see "Retrieval on SQLite" below for the design and docs/architecture.md for
the figures.  The trigram indexes (``tm_fts`` over the match key, ``tm_fts_target`` over
the target text) serve ``search``, the concordance (substring search, source and target),
which is what they are good at.  ``stats`` counts entries per language pair and origin.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import blake2b
from typing import NamedTuple

from rapidfuzz import fuzz
from sqlalchemy import delete, exists, func, or_, select, text
from sqlalchemy.orm import Session

from relais.document.text import machine_text, person_text
from relais.errors import InputError
from relais.memory.normalise import match_key
from relais.store.models import TmEntryRow, TmOrigin, TmSupportRow

MAX_TEXT = 5000


def add_entry(
    session: Session,
    source_lang: str,
    target_lang: str,
    source_text: str,
    target_text: str,
    origin: str = TmOrigin.REVIEW,
    *,
    job_id: int | None = None,
    segment_id: int | None = None,
    article_id: int | None = None,
    approved_by: str | None = None,
    approved_at: datetime | None = None,
    draft_text: str | None = None,
    note: str | None = None,
    codes: dict | None = None,
) -> TmEntryRow | None:
    """Store one approved unit; returns None when the same pair is already there (the
    existing entry keeps its provenance and its codes).  ``codes`` is how the inline codes
    of a file's unit looked (``TmEntryRow.codes``, written by ``memory.interchange``): only
    exports read it, matches and drafts see the text and its placeholders alone.  Its texts are under the store's text rule
    (``relais.document.text``): a control character is refused (``InputError`` naming it),
    line breaks become "\n", bidi controls go."""
    if origin not in (TmOrigin.REVIEW, TmOrigin.IMPORT):
        raise ValueError(f"unknown origin {origin!r}")
    source_text = person_text(source_text, "the source text").strip()
    target_text = person_text(target_text, "the target text").strip()
    note = person_text(note, "the note") if note is not None else None
    approved_by = person_text(approved_by, "the approver's name") if approved_by is not None else None
    draft_text = machine_text(draft_text) if draft_text is not None else None
    if not source_text or not target_text:
        raise InputError("a translation unit needs a source and a target text")
    if len(source_text) > MAX_TEXT or len(target_text) > MAX_TEXT:
        raise InputError(f"a translation unit is longer than {MAX_TEXT} characters")
    key = match_key(source_text)
    existing = session.scalar(
        select(TmEntryRow.id).where(
            TmEntryRow.source_lang == source_lang,
            TmEntryRow.target_lang == target_lang,
            TmEntryRow.source_key == key,
            TmEntryRow.target_text == target_text,
        )
    )
    if existing is not None:
        return None
    row = TmEntryRow(
        source_lang=source_lang, target_lang=target_lang, source_text=source_text, target_text=target_text,
        source_key=key, origin=origin, job_id=job_id, segment_id=segment_id, article_id=article_id,
        approved_by=approved_by, approved_at=approved_at, draft_text=draft_text, note=note, codes=codes or None,
    )  # fmt: skip
    session.add(row)
    session.flush()
    if session.get_bind().dialect.name == "sqlite":
        _index_features(session, row.id, key)
    return row


@dataclass(frozen=True)
class PublishedUnit:
    """One segment of a publication, as the memory learns it."""

    segment_id: int
    source: str
    target: str
    confirmed_by: str
    confirmed_at: datetime | None
    draft: str | None


def remember_publication(
    session: Session, *, publication_id: int, job_id: int, article_id: int, source_lang: str, target_lang: str,
    units: list[PublishedUnit], signed_off_by: str | None,
) -> int:  # fmt: skip
    """The memory learns a publication: each unit's pair is added (or found) and linked
    to the publication that supports it, with who confirmed it, who signed it off and
    the machine draft it replaced.  Only published text enters the memory from a review.
    Returns how many entries are new."""
    added = 0
    for u in units:
        if not u.target.strip():
            continue
        row = add_entry(
            session, source_lang, target_lang, u.source, u.target, job_id=job_id, segment_id=u.segment_id,
            article_id=article_id, approved_by=u.confirmed_by, approved_at=u.confirmed_at, draft_text=u.draft,
        )  # fmt: skip
        if row is not None:
            added += 1
            entry_id = row.id
        else:
            entry_id = session.scalar(
                select(TmEntryRow.id).where(
                    TmEntryRow.source_lang == source_lang, TmEntryRow.target_lang == target_lang,
                    TmEntryRow.source_key == match_key(u.source.strip()), TmEntryRow.target_text == u.target.strip(),
                )
            )  # fmt: skip
        if entry_id is None:
            continue
        exists = session.scalar(
            select(TmSupportRow.id).where(TmSupportRow.entry_id == entry_id, TmSupportRow.publication_id == publication_id)
        )
        if exists is None:
            session.add(TmSupportRow(entry_id=entry_id, publication_id=publication_id, job_id=job_id,
                                     segment_id=u.segment_id, confirmed_by=u.confirmed_by, confirmed_at=u.confirmed_at,
                                     signed_off_by=signed_off_by, draft_text=u.draft))  # fmt: skip
    session.flush()
    return added


def withdraw_job(session: Session, job_id: int) -> int:
    """A job was reopened: its publications no longer support anything, and the entries
    of the review that nothing else supports (no other publication, not imported) leave
    the memory until the job is published again.  Returns how many left."""
    supported = set(session.scalars(select(TmSupportRow.entry_id).where(TmSupportRow.job_id == job_id)))
    made_here = set(session.scalars(select(TmEntryRow.id).where(TmEntryRow.job_id == job_id, TmEntryRow.origin == TmOrigin.REVIEW)))
    session.execute(delete(TmSupportRow).where(TmSupportRow.job_id == job_id))
    candidates = sorted(supported | made_here)
    gone = 0
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        result = session.execute(
            delete(TmEntryRow).where(
                TmEntryRow.id.in_(chunk), TmEntryRow.origin == TmOrigin.REVIEW,
                ~exists().where(TmSupportRow.entry_id == TmEntryRow.id),
            )  # fmt: skip
        )
        gone += result.rowcount or 0
    return gone


# --------------------------------------------------------------------------- lookup

# Fuzzy lookup is two steps.  Retrieval finds a few dozen candidates (SQLite: the word-
# feature index below; PostgreSQL: pg_trgm); ranking scores them with rapidfuzz and keeps
# those at or above the threshold.
#
# Retrieval on SQLite.  Every entry's match key gives its features: its words and adjacent
# word pairs, case-folded, numbers whole ("29,935", "4.5"), each hashed to 48 bits.
# ``tm_features`` holds the postings (feature, entry), ``tm_feature_df`` how many entries
# hold each feature; ``add_entry`` writes both, deleting an entry removes its postings and
# decrements the df (cascade and trigger, migration 0005).  A lookup reads the df of the
# query's features in one statement, takes the rarest present ones (MIN_FEATURES always,
# more while their postings fit in POSTING_BUDGET — rare ones cost almost nothing), reads
# at most POSTING_CAP postings of each (newest entries first), scores each entry by the sum of
# the IDF, log(N / df), of the features it shares, and the best CANDIDATES of the language
# pair go on to rapidfuzz.  Rare features are what tell entries apart (numbers, names,
# "approved 450"); common ones ("the", "said on") are never read.
#
# Why not the FTS5 trigram index (measured on bench/memory.py, 1,000,000 templated
# segments, 2 shared cores): probing words and word pairs as trigram phrases, with capped
# counts to find the rare ones, gave p50 124 ms / p95 265 ms — a trigram phrase query walks
# the posting lists of its trigrams, which are long for common trigrams even when the
# phrase is rare, and fts5vocab's document frequencies are computed by scanning them; a
# word-level FTS5 table still gave 44 / 95 ms.  With the df table the rarity of a feature is
# one primary-key read and a rare feature's posting list is as short as it is rare: see the
# figures in docs/architecture.md.  tm_fts (and tm_fts_target) stay the indexes of
# ``search``, the substring concordance, which is what a trigram index is good at.
MIN_FEATURES = 4  # the rarest features always read, however common
POSTING_BUDGET = 1000  # further features are read while their postings fit in this
MAX_FEATURES = 32
POSTING_CAP = 500  # postings read per feature at most
CANDIDATES = 50  # retrieved by the index, then scored by rapidfuzz
_POOL = 60  # best-scored entries taken from the index before the language-pair filter
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+")


def _hash(term: str) -> int:
    return int.from_bytes(blake2b(term.encode(), digest_size=6).digest(), "big")


def features(key: str, cache: dict[str, int] | None = None) -> list[int]:
    """The feature hashes of a match key: its words and adjacent word pairs, case-folded,
    numbers whole; sorted, without repeats.  ``cache`` (term → hash) speeds up bulk loads."""
    words = [w.casefold() for w in _TOKEN.findall(key)]
    terms = set(words)
    terms.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    if cache is None:
        return sorted({_hash(t) for t in terms})
    out = set()
    for t in terms:
        h = cache.get(t)
        if h is None:
            h = cache[t] = _hash(t)
        out.add(h)
    return sorted(out)


def _index_features(session: Session, entry_id: int, key: str) -> None:
    feats = features(key)
    if not feats:
        return
    # The session's own DBAPI connection (same transaction): SQLAlchemy's per-row parameter
    # handling would cost more than the inserts.
    cur = session.connection().connection.driver_connection.cursor()
    try:
        cur.executemany("INSERT INTO tm_features (feature, entry_id) VALUES (?, ?)", [(f, entry_id) for f in feats])
        cur.executemany(
            "INSERT INTO tm_feature_df (feature, df) VALUES (?, 1) ON CONFLICT (feature) DO UPDATE SET df = df + 1",
            [(f,) for f in feats],
        )
    finally:
        cur.close()


@dataclass(frozen=True)
class TmMatch:
    id: int
    source_text: str
    target_text: str
    score: float  # 0..1; 1.0 for an exact match
    exact: bool  # same match key: reuse as it is, marked as a memory match
    origin: str
    approved_by: str | None
    approved_at: datetime | None
    article_id: int | None


def _match(row: TmEntryRow | _Row, score: float, exact: bool) -> TmMatch:
    return TmMatch(
        id=row.id, source_text=row.source_text, target_text=row.target_text, score=score, exact=exact,
        origin=row.origin, approved_by=row.approved_by, approved_at=row.approved_at, article_id=row.article_id,
    )  # fmt: skip


def _newest_first():
    return (TmEntryRow.approved_at.desc().nulls_last(), TmEntryRow.id.desc())


def lookup(
    session: Session, source_lang: str, target_lang: str, text: str, *, threshold: float = 0.75, limit: int = 3
) -> list[TmMatch]:
    """Memory matches for one source segment, best first, at most ``limit``.

    Exact matches (same ``match_key``) come first with score 1.0, newest approval first;
    then fuzzy matches scoring at least ``threshold`` (0..1), best first.  The query only
    searches: control characters in it are removed (``machine_text``), never sent to the
    database, so any text is a valid query.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, not {threshold!r}")
    if limit < 1:
        return []
    source_lang, target_lang = machine_text(source_lang), machine_text(target_lang)
    key = match_key(machine_text(text))
    if not key:
        return []
    exact_ids = _exact_ids(session, source_lang, target_lang, key, limit)
    if len(exact_ids) >= limit:
        return [_match(row, 1.0, True) for row in _rows(session, exact_ids)]
    candidates = [c for c in _candidates(session, source_lang, target_lang, key) if c.source_key != key]
    # Ranking: fuzz.ratio on the match keys, the normalised Indel similarity of the two
    # strings (1 - (insertions + deletions) / (len a + len b)).  It is order-sensitive —
    # a memory entry with the same words in another order needs a new translation, which
    # token_sort/token_set scorers would hide — and character-level, so a changed number or
    # inflection costs what it changes, a replaced word costs its length, and a short
    # sentence with one word changed still scores below a long one with one word changed.
    # Keys keep their case, so "Turkey"/"turkey" differ by one character, not a match.
    cutoff = threshold * 100
    scored = []
    for c in candidates:
        score = fuzz.ratio(key, c.source_key, score_cutoff=cutoff)
        if score and score >= cutoff:
            scored.append((score, c))
    scored.sort(key=lambda item: (-item[0], _sort_date(item[1].approved_at), -item[1].id))
    best = scored[: limit - len(exact_ids)]
    # One ORM statement for all the matches (exact and fuzzy): each costs about half a millisecond.
    rows = _rows(session, exact_ids + [c.id for _, c in best])
    return [_match(row, 1.0, True) for row in rows[: len(exact_ids)]] + [
        _match(row, round(score / 100, 4), False) for (score, _c), row in zip(best, rows[len(exact_ids) :], strict=True)
    ]


def _exact_ids(session: Session, source_lang: str, target_lang: str, key: str, limit: int) -> list[int]:
    """Entries with this match key, newest approval first (entries without a date last)."""
    if session.get_bind().dialect.name == "sqlite":
        # the indexed query costs 0.1 ms; through the ORM 0.5 ms more
        cur = session.connection().connection.driver_connection.cursor()
        try:
            return [
                r[0]
                for r in cur.execute(
                    "SELECT id FROM tm_entries WHERE source_lang = ? AND target_lang = ? AND source_key = ?"
                    " ORDER BY approved_at IS NULL, approved_at DESC, id DESC LIMIT ?",
                    (source_lang, target_lang, key, limit),
                )
            ]
        finally:
            cur.close()
    pair = (TmEntryRow.source_lang == source_lang, TmEntryRow.target_lang == target_lang)
    stmt = select(TmEntryRow.id).where(*pair, TmEntryRow.source_key == key).order_by(*_newest_first()).limit(limit)
    return list(session.scalars(stmt).all())


_MATCH_COLUMNS = ("id", "source_text", "target_text", "origin", "approved_by", "approved_at", "article_id")


class _Row(NamedTuple):
    id: int
    source_text: str
    target_text: str
    origin: str
    approved_by: str | None
    approved_at: datetime | None
    article_id: int | None


def _rows(session: Session, ids: list[int]) -> list:
    """The entries with these ids (what a TmMatch shows of them), in this order."""
    if not ids:
        return []
    if session.get_bind().dialect.name == "sqlite":
        # half a millisecond less than loading ORM objects
        cur = session.connection().connection.driver_connection.cursor()
        try:
            got = cur.execute(
                f"SELECT {', '.join(_MATCH_COLUMNS)} FROM tm_entries WHERE id IN ({', '.join('?' * len(ids))})", ids
            ).fetchall()
        finally:
            cur.close()
        found = {r[0]: _Row(*r[:5], _as_datetime(r[5]), r[6]) for r in got}
    else:
        found = {row.id: row for row in session.scalars(select(TmEntryRow).where(TmEntryRow.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _sort_date(value: datetime | None) -> float:
    # newest approval first among equal scores; entries without a date last
    if value is None:
        return float("inf")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return -value.timestamp()


def _candidates(session: Session, source_lang: str, target_lang: str, key: str) -> list:
    """Rows of (id, source_key, approved_at), at most CANDIDATES."""
    dialect = session.get_bind().dialect.name
    pair = (TmEntryRow.source_lang == source_lang, TmEntryRow.target_lang == target_lang)
    columns = (TmEntryRow.id, TmEntryRow.source_key, TmEntryRow.approved_at)
    if dialect == "postgresql":
        # pg_trgm: ``%`` is true above pg_trgm.similarity_threshold (0.3 by default, looser
        # than any useful rapidfuzz threshold) and is served by the GIN index ix_tm_trgm.
        similarity = func.similarity(TmEntryRow.source_key, key)
        stmt = (
            select(*columns)
            .where(*pair, TmEntryRow.source_key.op("%")(key))
            .order_by(similarity.desc(), TmEntryRow.id.desc())
            .limit(CANDIDATES)
        )
        return list(session.execute(stmt).all())
    if dialect != "sqlite":
        return []
    words = [w.casefold() for w in _TOKEN.findall(key)]
    if not words:
        return []
    terms = {w: (w,) for w in words}
    terms.update({f"{a} {b}": (a, b) for a, b in zip(words, words[1:], strict=False)})
    hashes = {_hash(t): t for t in terms}
    feats = list(hashes)
    # Straight through the session's DBAPI connection (same transaction): these statements
    # change shape with every query, and SQLAlchemy's compiling them cost more than running them.
    cur = session.connection().connection.driver_connection.cursor()
    try:
        df_rows = cur.execute(
            f"SELECT feature, df FROM tm_feature_df WHERE feature IN ({', '.join('?' * len(feats))})", feats
        ).fetchall()
        # Features next to each other are correlated: a changed number takes "88", "evans 88"
        # and "88 was" with it.  So a feature whose rarer word an already chosen feature
        # holds is passed over, and the postings read are spread over the sentence.
        word_df = {hashes[f]: df for f, df in df_rows if " " not in hashes[f]}
        rare = []
        covered: set[str] = set()
        budget = POSTING_BUDGET
        for df, feature in sorted((df, feature) for feature, df in df_rows if df > 0):
            anchor = min(terms[hashes[feature]], key=lambda w: word_df.get(w, 0))
            if anchor in covered:
                continue
            cost = min(df, POSTING_CAP)
            if len(rare) >= MIN_FEATURES and cost > budget or len(rare) >= MAX_FEATURES:
                break
            covered.add(anchor)
            rare.append((df, feature))
            budget -= cost
        if not rare:
            return []
        total = max(cur.execute("SELECT max(rowid) FROM tm_entries").fetchone()[0] or 1, rare[-1][0])
        parts = []
        params: list[object] = []
        for df, feature in rare:
            # +1: a feature every entry holds still counts for a little
            parts.append(
                f"SELECT entry_id, {math.log((total + 1) / df):.6f} AS w FROM (SELECT entry_id FROM tm_features"
                f" WHERE feature = ? ORDER BY entry_id DESC LIMIT {POSTING_CAP})"
            )
            params.append(feature)
        pool = (
            f"SELECT entry_id AS rid, sum(w) AS score FROM ({' UNION ALL '.join(parts)})"
            f" GROUP BY entry_id ORDER BY score DESC, rid DESC LIMIT {_POOL}"
        )
        rows = cur.execute(
            f"SELECT e.id, e.source_key, e.approved_at FROM ({pool}) f JOIN tm_entries e ON e.id = f.rid"
            f" WHERE e.source_lang = ? AND e.target_lang = ? ORDER BY f.score DESC, e.id DESC LIMIT {CANDIDATES}",
            [*params, source_lang, target_lang],
        ).fetchall()
    finally:
        cur.close()
    return [_Candidate(i, k, _as_datetime(when)) for i, k, when in rows]


class _Candidate(NamedTuple):
    id: int
    source_key: str
    approved_at: datetime | None


def _as_datetime(value: object) -> datetime | None:
    # SQLAlchemy stores DateTime as ISO text on SQLite
    return datetime.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def fts_phrase(term: str) -> str:
    """``term`` as one FTS5 string: double quotes doubled, so no operator, column filter,
    prefix ``*``, ``-`` or NEAR inside it has any meaning."""
    return '"' + term.replace('"', '""') + '"'


# --------------------------------------------------------------------------- browsing

# Characters that match_key folds: in a concordance pattern over target text (which is
# stored as approved, not folded) each becomes ``_``, so ' finds ’ and - finds –.
_FOLDABLE = re.compile(r"['\"’‘‚ʼ′“”„«»″\-–—‐‑−]")


def _like(pattern: str) -> str:
    return pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    session: Session,
    query: str,
    source_lang: str | None = None,
    target_lang: str | None = None,
    limit: int = 50,
) -> list[TmEntryRow]:
    """Concordance: entries whose source or target text contains ``query`` (case-insensitive,
    typographic variants folded), newest first.  Control characters in the query and the
    languages are removed first (``machine_text``): any text is a valid query."""
    query = machine_text(query)
    source_lang = machine_text(source_lang) if source_lang else source_lang
    target_lang = machine_text(target_lang) if target_lang else target_lang
    key = match_key(query)
    if not key:
        return []
    target_query = " ".join(query.split())
    source_pattern = f"%{_like(key)}%"
    target_pattern = "%" + _FOLDABLE.sub("_", _like(target_query)) + "%"
    # On SQLite the trigram indexes find the entries holding the text (case-insensitive
    # substring match), newest first, and LIKE checks them as before: no full-table scan,
    # and for a common text only the newest few are read.  The target side is found through
    # the query's pieces between foldable characters (each a literal substring of the stored
    # text).  A query with no piece of 3 characters has no trigram and falls back to the scan.
    pieces = [p for p in _FOLDABLE.split(target_query) if len(p) >= 3]
    if session.get_bind().dialect.name == "sqlite" and len(key) >= 3 and pieces:
        ids: set[int] = set()
        for table, column, match, pattern in (
            ("tm_fts", "source_key", fts_phrase(key), source_pattern),
            ("tm_fts_target", "target_text", " AND ".join(fts_phrase(p) for p in pieces), target_pattern),
        ):
            sql = (
                f"SELECT e.id FROM {table} JOIN tm_entries e ON e.id = {table}.rowid WHERE {table} MATCH :q"
                f" AND lower(e.{column}) LIKE lower(:p) ESCAPE '\\'"
                + (" AND e.source_lang = :sl" if source_lang else "")
                + (" AND e.target_lang = :tl" if target_lang else "")
                + f" ORDER BY {table}.rowid DESC LIMIT :n"
            )
            params = {"q": match, "p": pattern, "sl": source_lang, "tl": target_lang, "n": limit}
            ids.update(session.execute(text(sql), params).scalars())
        newest = sorted(ids, reverse=True)[:limit]
        if not newest:
            return []
        found = {r.id: r for r in session.scalars(select(TmEntryRow).where(TmEntryRow.id.in_(newest)))}
        return [found[i] for i in newest]
    stmt = select(TmEntryRow).where(
        or_(
            TmEntryRow.source_key.ilike(source_pattern, escape="\\"),
            TmEntryRow.target_text.ilike(target_pattern, escape="\\"),
        )
    )
    if source_lang:
        stmt = stmt.where(TmEntryRow.source_lang == source_lang)
    if target_lang:
        stmt = stmt.where(TmEntryRow.target_lang == target_lang)
    return list(session.scalars(stmt.order_by(TmEntryRow.id.desc()).limit(limit)).all())


@dataclass(frozen=True)
class TmStats:
    source_lang: str
    target_lang: str
    origin: str
    entries: int


def stats(session: Session) -> list[TmStats]:
    """Entries per language pair and origin, sorted by pair then origin."""
    rows = session.execute(
        select(TmEntryRow.source_lang, TmEntryRow.target_lang, TmEntryRow.origin, func.count())
        .group_by(TmEntryRow.source_lang, TmEntryRow.target_lang, TmEntryRow.origin)
        .order_by(TmEntryRow.source_lang, TmEntryRow.target_lang, TmEntryRow.origin)
    ).all()
    return [TmStats(sl, tl, origin, n) for sl, tl, origin, n in rows]
