"""The translation memory on a real store: exact and fuzzy lookup (SQLite: its word-feature
index; PostgreSQL: pg_trgm), hostile query text, adding entries, concordance search (SQLite:
the FTS5 trigram indexes) and statistics."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, text

from relais.errors import InputError
from relais.memory import tm
from relais.memory.tm import add_entry, lookup, search, stats
from relais.store.db import open_store
from relais.store.models import TmEntryRow, TmOrigin
from tests.stores import sqlite_only
from tests.helpers import at_revision

FEATURES = sqlite_only("the word-feature index (tm_features) retrieves fuzzy candidates on SQLite only")
FTS = sqlite_only("the FTS5 trigram tables; PostgreSQL searches through pg_trgm (tests/store/test_postgres.py)")

BASE = "The council approved 450 new homes in Lyon on Monday after a long debate."


@pytest.fixture
def store(store_url):
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def session(store):
    with store.write() as s:
        yield s


def add(session, source, target=None, *, sl="en", tl="fr", when=None, **kw):
    return add_entry(session, sl, tl, source, target or f"FR: {source}", approved_at=when, **kw)


# ----------------------------------------------------------------------------- exact


def test_exact_match_after_normalising_with_provenance(session):
    when = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    row = add(session, "The mayor’s plan “works”,  she said.", "Le plan du maire « fonctionne », a-t-elle dit.",
              when=when, approved_by="ana", article_id=None, draft_text="Le plan de la maire marche")  # fmt: skip
    matches = lookup(session, "en", "fr", 'The mayor\'s plan "works", she said.')
    assert len(matches) == 1
    m = matches[0]
    assert (m.id, m.exact, m.score) == (row.id, True, 1.0)
    assert m.target_text == "Le plan du maire « fonctionne », a-t-elle dit."
    assert m.source_text == "The mayor’s plan “works”,  she said."
    assert (m.origin, m.approved_by) == (TmOrigin.REVIEW, "ana")
    assert m.approved_at.replace(tzinfo=UTC) == when


def test_exact_matches_come_first_newest_approval_first(session):
    add(session, BASE, "ancienne", when=datetime(2025, 1, 1, tzinfo=UTC))
    add(session, BASE, "récente", when=datetime(2026, 1, 1, tzinfo=UTC))
    add(session, BASE.replace("450", "451"), "floue")
    matches = lookup(session, "en", "fr", BASE)
    assert [(m.target_text, m.exact) for m in matches] == [("récente", True), ("ancienne", True), ("floue", False)]
    assert matches[2].score < 1.0


def test_case_is_not_folded(session):
    add(session, "Turkey")
    assert [m.exact for m in lookup(session, "en", "fr", "Turkey")] == [True]
    assert all(not m.exact for m in lookup(session, "en", "fr", "turkey"))


def test_other_language_pairs_are_not_matched(session):
    add(session, BASE, "Der Rat ...", tl="de")
    add(session, BASE.replace("Lyon", "Nice"), "Der Rat ... Nizza", tl="de")
    assert lookup(session, "en", "fr", BASE) == []
    assert lookup(session, "en", "de", BASE)[0].exact


def test_short_texts_have_no_trigrams_but_match_exactly(session):
    add(session, "Hi", "Salut")
    add(session, "Oh!", "Oh !")
    assert [m.target_text for m in lookup(session, "en", "fr", "Hi")] == ["Salut"]
    assert lookup(session, "en", "fr", "Ho") == []
    assert lookup(session, "en", "fr", "   ") == []


# ----------------------------------------------------------------------------- fuzzy

ONE_WORD = "The council approved 450 new homes in Nice on Monday after a long debate."
THREE_WORDS = "The council rejected 450 new flats in Nice on Monday after a long debate."
UNRELATED = [
    "Scientists discovered a new species of beetle in a cave.",
    "The orchestra rehearsed the symphony for the first time in years.",
    "Why do cats purr when they are content?",
]


@pytest.mark.parametrize(
    "query, stored, expected",
    [
        # a one-word change ranks above a three-word change
        (BASE, [THREE_WORDS, ONE_WORD], [ONE_WORD, THREE_WORDS]),
        (BASE, [ONE_WORD, THREE_WORDS], [ONE_WORD, THREE_WORDS]),
        # a changed number costs less than a changed word
        (BASE, ["The council approved 455 new homes in Lyon on Monday after a long debate.", ONE_WORD],
         ["The council approved 455 new homes in Lyon on Monday after a long debate.", ONE_WORD]),
        # unrelated sentences are below the threshold, even with shared words
        (BASE, UNRELATED, []),
        ("A new species of beetle was discovered in a cave.", [*UNRELATED, BASE], []),
        # word order matters: the same words reordered are not a good match
        ("On Monday the council approved 450 new homes in Lyon after a long debate.", [BASE],
         ["The council approved 450 new homes in Lyon on Monday after a long debate."]),
        ("debate long a after Monday on Lyon in homes new 450 approved council The.", [BASE], []),
    ],
)  # fmt: skip
def test_fuzzy_ranking(session, query, stored, expected):
    for source in stored:
        add(session, source)
    matches = lookup(session, "en", "fr", query)
    assert [m.source_text for m in matches] == expected
    assert all(not m.exact and 0.75 <= m.score < 1.0 for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_threshold_is_respected(session):
    add(session, ONE_WORD)
    add(session, THREE_WORDS)
    scores = {m.source_text: m.score for m in lookup(session, "en", "fr", BASE, threshold=0.0, limit=10)}
    assert set(scores) == {ONE_WORD, THREE_WORDS}
    cut = (scores[ONE_WORD] + scores[THREE_WORDS]) / 2
    assert [m.source_text for m in lookup(session, "en", "fr", BASE, threshold=cut)] == [ONE_WORD]
    assert lookup(session, "en", "fr", BASE, threshold=scores[ONE_WORD] + 0.001) == []
    assert lookup(session, "en", "fr", BASE, threshold=scores[ONE_WORD])[0].source_text == ONE_WORD
    with pytest.raises(ValueError):
        lookup(session, "en", "fr", BASE, threshold=75)


def test_limit_is_respected(session):
    for place in ["Nice", "Metz", "Caen", "Brest", "Tours"]:
        add(session, BASE.replace("Lyon", place))
    add(session, BASE)
    assert len(lookup(session, "en", "fr", BASE, threshold=0.5, limit=10)) == 6
    matches = lookup(session, "en", "fr", BASE, limit=3)
    assert len(matches) == 3 and matches[0].exact and not matches[1].exact
    assert len(lookup(session, "en", "fr", BASE, limit=1)) == 1
    assert lookup(session, "en", "fr", BASE, limit=0) == []


@FEATURES
def test_only_the_rarest_features_are_read_and_postings_are_capped(session, monkeypatch):
    # Retrieval reads the rarest features of the query (MIN_FEATURES, more while their
    # postings fit in POSTING_BUDGET), at most POSTING_CAP postings each, newest entries first.
    monkeypatch.setattr(tm, "MIN_FEATURES", 3)
    monkeypatch.setattr(tm, "POSTING_BUDGET", 9)
    monkeypatch.setattr(tm, "POSTING_CAP", 3)
    places = ["Nice", "Metz", "Caen", "Brest", "Tours", "Dijon"]
    rows = [add(session, BASE.replace("Lyon", place)) for place in places]
    near = BASE.replace("Monday", "Tuesday")
    assert lookup(session, "en", "fr", near.replace("Lyon", "Metz"))[0].source_text == BASE.replace("Lyon", "Metz")
    all_common = BASE.replace("Lyon", "Paris")  # Paris is in no entry; every other feature is in all six
    matches = lookup(session, "en", "fr", all_common, limit=10)
    assert {m.id for m in matches} == {r.id for r in rows[-3:]} and all(m.score > 0.9 for m in matches)
    monkeypatch.setattr(tm, "POSTING_CAP", 500)
    monkeypatch.setattr(tm, "POSTING_BUDGET", 1000)
    matches = lookup(session, "en", "fr", all_common, limit=10)
    assert len(matches) == 6 and all(m.score > 0.9 for m in matches)


# ----------------------------------------------------------------------------- index


def _fts_ids(session, term):
    return set(session.execute(text("SELECT rowid FROM tm_fts WHERE tm_fts MATCH :q"), {"q": tm.fts_phrase(term)}).scalars())


@FTS
def test_fts_index_follows_inserts_and_deletes(session):
    assert lookup(session, "en", "fr", ONE_WORD) == []
    row = add(session, BASE)
    assert _fts_ids(session, "approved 450") == {row.id}
    assert [m.id for m in lookup(session, "en", "fr", ONE_WORD)] == [row.id]
    session.execute(delete(TmEntryRow).where(TmEntryRow.id == row.id))
    assert _fts_ids(session, "approved 450") == set()
    assert lookup(session, "en", "fr", ONE_WORD) == []
    assert lookup(session, "en", "fr", BASE) == []


def test_fts_index_survives_commit_and_reopen(store, store_url):
    with store.write() as s:
        add(s, BASE)
    store.close()
    again = open_store(store_url)
    with again.write() as s:
        assert lookup(s, "en", "fr", ONE_WORD)[0].source_text == BASE
    again.close()


HOSTILE = [
    'He said "yes" and left',
    '"',
    '""',
    "council*",
    "* * *",
    "NEAR(council approved, 2)",
    "council NEAR approved",
    "-council approved",
    "council - approved",
    "(council OR approved",
    "council) AND (",
    "NOT council",
    "AND OR NOT",
    "source_key: council",
    "{source_key}: council",
    "^council approved",
    "council + approved",
    "council's approved 450 homes; DROP TABLE tm_entries; --",
    "%_ council \\ approved",
    "c'est « l’été » : non !",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_query_text_does_not_break_lookup(session, query):
    add(session, BASE)
    add(session, query + " " + BASE)  # the hostile text stored, too
    matches = lookup(session, "en", "fr", query + " " + BASE)
    assert matches[0].exact and matches[0].source_text == (query + " " + BASE).strip()
    assert any(m.source_text == BASE for m in lookup(session, "en", "fr", query + " " + BASE, threshold=0.3, limit=5))
    lookup(session, "en", "fr", query)  # and alone: no error whatever it finds
    assert session.scalar(select(func.count()).select_from(TmEntryRow)) == 2


# ----------------------------------------------------------------------------- add_entry


@pytest.mark.parametrize("source, target", [("", "x"), ("x", ""), ("   ", "x"), ("x", " \n\t ")])
def test_add_entry_refuses_empty_text(session, source, target):
    with pytest.raises(InputError):
        add_entry(session, "en", "fr", source, target)
    assert session.scalar(select(func.count()).select_from(TmEntryRow)) == 0


def test_add_entry_refuses_unknown_origin_and_huge_text(session):
    with pytest.raises(ValueError):
        add_entry(session, "en", "fr", "a", "b", origin="machine")
    with pytest.raises(InputError):
        add_entry(session, "en", "fr", "a" * (tm.MAX_TEXT + 1), "b")


def test_add_entry_does_not_duplicate(session):
    first = add(session, "The mayor’s plan.", "Le plan du maire.", approved_by="ana")
    assert add(session, "The mayor's  plan.", "Le plan du maire.", approved_by="ben") is None
    assert add(session, "The mayor's plan.", "Le projet du maire.") is not None  # another translation
    assert add(session, "The mayor's plan.", "Le plan du maire.", tl="de") is not None  # another pair
    rows = session.scalars(select(TmEntryRow).where(TmEntryRow.target_text == "Le plan du maire.")).all()
    assert len(rows) == 2 and {r.approved_by for r in rows} == {"ana", None}
    assert first.source_key == "The mayor's plan."


# ----------------------------------------------------------------------------- search, stats


def test_search_source_and_target(session):
    add(session, "The mayor’s plan was approved.", "Le plan du maire a été approuvé.")
    add(session, "The plan fails.", "L’Assemblée rejette le plan.", tl="fr")
    add(session, "The plan fails.", "Der Plan scheitert.", tl="de")
    add(session, "100% of 5_000 voters.", "100 % des 5_000 électeurs.")
    found = lambda q, **kw: sorted(r.target_text for r in search(session, q, **kw))  # noqa: E731
    assert found("mayor's plan") == ["Le plan du maire a été approuvé."]  # typographic variant, source side
    assert found("l'assemblée") == ["L’Assemblée rejette le plan."]  # target side, case and quote folded
    assert found("PLAN FAILS") == ["Der Plan scheitert.", "L’Assemblée rejette le plan."]
    assert found("plan fails", target_lang="de") == ["Der Plan scheitert."]
    assert found("plan fails", source_lang="fr") == []
    assert found("0%") == ["100 % des 5_000 électeurs."]  # % and _ are literal, not wildcards
    assert found("5_0") == ["100 % des 5_000 électeurs."]
    assert found("%") == ["100 % des 5_000 électeurs."]
    assert found("plan")[:1] and len(search(session, "plan", limit=2)) == 2
    assert search(session, "  ") == []
    newest_first = [r.id for r in search(session, "plan")]
    assert newest_first == sorted(newest_first, reverse=True)


def test_stats(session):
    assert stats(session) == []
    add(session, "a b c", "x")
    add(session, "d e f", "y")
    add_entry(session, "en", "fr", "g h i", "z", origin=TmOrigin.IMPORT)
    add(session, "a b c", "x", tl="de")
    assert [(s.source_lang, s.target_lang, s.origin, s.entries) for s in stats(session)] == [
        ("en", "de", "review", 1),
        ("en", "fr", "import", 1),
        ("en", "fr", "review", 2),
    ]


# ----------------------------------------------------------------------------- feature index


def _postings(session, entry_id):
    return set(session.execute(text("SELECT feature FROM tm_features WHERE entry_id = :e"), {"e": entry_id}).scalars())


def _df(session, feats):
    rows = session.execute(text("SELECT feature, df FROM tm_feature_df")).all()
    return {f: n for f, n in rows if f in feats}


def test_features_are_words_and_pairs_with_numbers_whole():
    assert tm.features("Anna approved 29,935 homes.") == sorted(
        {tm._hash(t) for t in ["anna", "approved", "29,935", "homes", "anna approved", "approved 29,935", "29,935 homes"]}
    )
    assert tm.features("The the") == tm.features("the THE")  # case-folded, no repeats
    assert tm.features("...") == []
    cache: dict[str, int] = {}
    assert tm.features(BASE, cache) == tm.features(BASE) and cache


@FEATURES
def test_features_written_on_add_and_df_kept(session):
    first = add(session, BASE)
    assert _postings(session, first.id) == set(tm.features(first.source_key))
    assert set(_df(session, _postings(session, first.id)).values()) == {1}
    second = add(session, ONE_WORD)
    shared = _postings(session, first.id) & _postings(session, second.id)
    only_second = _postings(session, second.id) - shared
    assert shared and only_second
    df = _df(session, _postings(session, first.id) | _postings(session, second.id))
    assert all(df[f] == 2 for f in shared) and all(df[f] == 1 for f in only_second)
    assert add(session, BASE, f"FR: {BASE}") is None  # a duplicate adds no postings
    assert all(n == 2 for f, n in _df(session, shared).items())


@FEATURES
def test_features_removed_on_delete_and_df_decremented(session):
    first, second = add(session, BASE), add(session, ONE_WORD)
    shared = _postings(session, first.id) & _postings(session, second.id)
    only_first = _postings(session, first.id) - shared
    session.execute(delete(TmEntryRow).where(TmEntryRow.id == first.id))
    assert _postings(session, first.id) == set()
    assert set(_df(session, shared).values()) == {1}
    assert _df(session, only_first) == {}  # features no entry holds any more are gone
    session.delete(session.get(TmEntryRow, second.id))  # through the ORM, too
    session.flush()
    assert session.scalar(text("SELECT count(*) FROM tm_features")) == 0
    assert session.scalar(text("SELECT count(*) FROM tm_feature_df")) == 0


def test_rare_features_find_a_one_word_change_among_many_similar_entries(session):
    # 3,000 entries from one template: every word and pair but the names, numbers and
    # places is in all of them, so only the rare features tell the right entry apart.
    import random

    rng = random.Random(5)
    first = ["Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas"]
    last = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy", "Moreau", "Simon"]
    places = ["Lyon", "Nice", "Metz", "Caen", "Brest", "Tours", "Dijon", "Lille", "Rouen", "Reims"]
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    sentences = set()
    while len(sentences) < 3000:
        sentences.add(
            f"{rng.choice(first)} {rng.choice(last)} said the council approved {rng.randrange(10, 100_000):,} "
            f"new homes in {rng.choice(places)} on {rng.choice(days)}."
        )
    sentences = sorted(sentences)
    for s in sentences:
        add(session, s)
    for target in rng.sample(sentences, 20):
        day = next(d for d in days if f" on {d}." in target)
        query = target.replace(f" on {day}.", " on Saturday.")
        matches = lookup(session, "en", "fr", query)
        assert matches and matches[0].source_text == target
        assert matches[0].score == max(m.score for m in matches)


@FEATURES
def test_migration_0005_backfills_the_features_of_stored_entries(new_store_url):
    url = new_store_url(migrated=False)
    at_revision(url, "0004", [(
        "INSERT INTO tm_entries (source_lang, target_lang, source_text, target_text, source_key, origin, created_at)"
        f" VALUES ('en', 'fr', '{BASE}', 'Le conseil a approuvé', '{BASE}', 'review', '2026-01-01')",
        {})])
    store = open_store(url)  # migrates to head
    with store.write() as s:
        entry_id = s.scalar(select(TmEntryRow.id))
        assert _postings(s, entry_id) == set(tm.features(BASE))
        assert set(_df(s, _postings(s, entry_id)).values()) == {1}
        assert lookup(s, "en", "fr", ONE_WORD)[0].id == entry_id
        assert [r.id for r in search(s, "CONSEIL")] == [entry_id]  # the target index was rebuilt
    store.close()


@FTS
def test_search_goes_through_the_trigram_indexes(session):
    add(session, "The council’s plan was approved.", "Le plan du conseil a été approuvé.")
    # the index finds it, LIKE checks it: a word split by a foldable character still matches
    assert [r.target_text for r in search(session, "council's plan")] == ["Le plan du conseil a été approuvé."]
    assert [r.source_text for r in search(session, "DU CONSEIL")] == ["The council’s plan was approved."]
    session.execute(text("INSERT INTO tm_fts_target(tm_fts_target) VALUES ('delete-all')"))
    session.execute(text("INSERT INTO tm_fts(tm_fts) VALUES ('delete-all')"))
    assert search(session, "du conseil") == []  # nothing in the indexes: nothing found (no scan)
    assert len(search(session, "du")) == 1  # under 3 characters: no trigram, the scan
