"""Stories and versions: which story an article belongs to, how versions are numbered,
what is refused, and migration 0009 on a store an older Relais filled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from relais.document.markdown import parse_markdown
from relais.document.model import Article, Block, BlockKind
from relais.document.story import (
    EXTERNAL,
    GUID,
    URL,
    StoryKey,
    modified_time,
    normalise_url,
    story_keys,
)
from relais.document.webpage import parse_webpage
from relais.errors import InputError, NotFound
from relais.store import repo, stories
from alembic.script import ScriptDirectory

from relais.store.db import alembic_config, open_store
from relais.store.models import ArticleRow, BlockRow, JobRow, SegmentRow, StoryRow
from tests.helpers import at_revision

PAGE = "https://www.example-news.org/world/2026/harbour-flood"

URLS = [
    # given, normalised
    (PAGE, PAGE),
    ("HTTPS://WWW.Example-News.ORG:443/world/2026/harbour-flood/", PAGE),
    (PAGE + "?utm_source=twitter&utm_medium=social#comments", PAGE),
    (PAGE + "?fbclid=abc&gclid=def&ocid=x", PAGE),
    (PAGE + "/amp", PAGE),
    (PAGE + "?amp=1", PAGE),
    (PAGE + "?outputType=amp", PAGE),
    ("https://amp.example-news.org/world/2026/harbour-flood.amp.html", "https://example-news.org/world/2026/harbour-flood.html"),
    ("https://www.example-news.org/story?id=12&utm_campaign=x", "https://www.example-news.org/story?id=12"),
    ("https://www.example-news.org/story?b=2&a=1", "https://www.example-news.org/story?a=1&b=2"),
    ("http://www.example-news.org:8080/a", "http://www.example-news.org:8080/a"),
    ("https://www.example-news.org/world/camp", "https://www.example-news.org/world/camp"),
    ("ftp://example-news.org/file", None),
    ("mailto:desk@example-news.org", None),
    ("not a url", None),
    ("https://[::1", None),
]


@pytest.mark.parametrize(("given", "normal"), URLS)
def test_urls_are_compared_normalised(given: str, normal: str | None) -> None:
    assert normalise_url(given) == normal


def test_keys_and_their_limits() -> None:
    assert story_keys(PAGE + "/amp", " item-7 ", "cms:991") == (
        StoryKey(URL, PAGE), StoryKey(GUID, "item-7"), StoryKey(EXTERNAL, "cms:991"),
    )  # fmt: skip
    assert story_keys(None, "", "  ") == ()
    with pytest.raises(InputError, match="over 2000 characters"):
        story_keys(guid="x" * 2001)
    with pytest.raises(InputError, match="control characters"):
        story_keys(external_id="cms\x00991")


def test_modified_times_are_utc() -> None:
    assert modified_time("2026-11-30T08:05:00+01:00") == "2026-11-30T07:05:00+00:00"
    assert modified_time("2026-11-30T08:05:00Z") == "2026-11-30T08:05:00+00:00"
    assert modified_time("2026-11-30") == "2026-11-30T00:00:00+00:00"
    assert modified_time("last Tuesday") is None and modified_time(None) is None


def _article(paragraph: str = "The harbour flooded on Monday.", *, url: str | None = PAGE,
             modified: str | None = None, lang: str = "en") -> Article:  # fmt: skip
    return Article(
        blocks=[Block(BlockKind.HEADLINE, "Harbour floods"), Block(BlockKind.PARAGRAPH, paragraph)],
        title="Harbour floods", url=url, modified=modified, source_language=lang,
    )  # fmt: skip


@pytest.fixture
def store(store_url):
    s = open_store(store_url)
    yield s
    s.close()


def _save(store, article: Article, *, story: int | None = None, guid: str | None = None, external: str | None = None):
    with store.write() as s:
        row, created = repo.save_article(s, article, b"", None, keys=story_keys(article.url, guid, external), story_id=story)
        return row.id, row.story_id, row.version, created


def test_a_url_makes_versions_of_one_story(store) -> None:
    first = _save(store, _article())
    assert first[2:] == (1, True)
    again = _save(store, _article(url=PAGE + "?utm_source=newsletter"))
    assert again == (first[0], first[1], 1, False)  # the same content again: that version
    second = _save(store, _article("The harbour flooded on Monday night.", url=PAGE + "/amp"))
    assert second[1] == first[1] and second[2:] == (2, True)
    reverted = _save(store, _article())  # back to the first text: still a new version
    assert reverted[1] == first[1] and reverted[2:] == (3, True) and reverted[0] != first[0]
    other = _save(store, _article(url="https://www.example-news.org/world/2026/another"))
    assert other[1] != first[1] and other[2] == 1


def test_any_key_names_the_story(store) -> None:
    first = _save(store, _article(url=None), guid="feed-item-7")
    by_cms = _save(store, _article("Update one.", url=None), guid="feed-item-7", external="cms:991")
    by_url = _save(store, _article("Update two.", url=PAGE), external="cms:991")
    assert first[1] == by_cms[1] == by_url[1]
    assert [v[2] for v in (first, by_cms, by_url)] == [1, 2, 3]
    with store.read() as s:
        assert {k.kind for k in stories.keys_of(s, first[1])} == {GUID, EXTERNAL, URL}


def test_without_keys_the_same_text_is_the_same_article(store) -> None:
    a = _save(store, _article(url=None))
    b = _save(store, _article(url=None))
    c = _save(store, _article("Something else entirely.", url=None))
    assert a == b[:3] + (True,) and not b[3]
    assert c[1] != a[1]


def test_an_update_named_explicitly(store) -> None:
    first = _save(store, _article(url=None))
    update = _save(store, _article("A new paragraph arrived.", url=None), story=first[1])
    assert update[1] == first[1] and update[2] == 2
    with pytest.raises(NotFound, match="no story with id 999"):
        _save(store, _article("Again.", url=None), story=999)


def test_versions_follow_the_page_s_modified_time(store) -> None:
    _save(store, _article(modified="2026-11-30T08:00:00+00:00"))
    later = _save(store, _article("Later text.", modified="2026-11-30T09:30:00+00:00"))
    assert later[2] == 2
    with pytest.raises(InputError, match=r"older than its version 2 \(modified 2026-11-30T09:30:00\+00:00\)"):
        _save(store, _article("An old copy.", modified="2026-11-30T08:30:00+00:00"))


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("language", "story 1 is in 'en'; this version is in 'de'"),
        ("withdrawn", r"story 1 was withdrawn \(a legal complaint\): it takes no update"),
        ("two stories", "the article's keys name two stories"),
        ("another story", "belongs to story 1, not to story 2"),
    ],
)
def test_updates_that_cannot_be_taken_change_nothing(store, setup: str, message: str) -> None:
    _save(store, _article())
    _save(store, _article("Elsewhere.", url=None), guid="item-2")
    with store.read() as s:
        before = [s.scalar(select(func.count()).select_from(t)) for t in (ArticleRow, StoryRow, BlockRow, SegmentRow)]
    if setup == "withdrawn":
        with store.write() as s:
            story = s.get(StoryRow, 1)
            story.withdrawn_at, story.withdrawn_by, story.withdrawn_reason = datetime.now(UTC), "eddie", "a legal complaint"
    with pytest.raises(InputError, match=message):
        if setup == "language":
            _save(store, _article("Der Hafen.", lang="de"))
        elif setup == "withdrawn":
            _save(store, _article("A correction."))
        elif setup == "two stories":
            _save(store, _article("Both."), guid="item-2")
        else:
            _save(store, _article("Mixed up."), story=2)
    with store.read() as s:
        assert [s.scalar(select(func.count()).select_from(t)) for t in (ArticleRow, StoryRow, BlockRow, SegmentRow)] == before


def test_migration_0009_makes_stories_of_stored_articles(new_store_url) -> None:
    url = new_store_url(migrated=False)
    article = ("INSERT INTO articles (content_hash, source_language, source_format, title, url, word_count, original,"
               " created_at) VALUES (:h, 'en', 'html', :t, :u, 3, :o, :at)")  # fmt: skip
    rows = []
    for n, page in enumerate([PAGE, None, PAGE + "?utm_source=x", "https://www.example-news.org/other"], start=1):
        rows.append((article, {"h": f"{n:064d}", "t": f"Story {n}", "u": page, "o": b"", "at": f"2026-11-0{n} 09:00:00"}))
        rows.append(("INSERT INTO blocks (article_id, position, kind, text, marks, attrs) VALUES (:a, 0, 'paragraph', 'Text.', '{}', '{}')",
                     {"a": n}))  # fmt: skip
        rows.append(("INSERT INTO jobs (article_id, target_language, engine, status, attempts, created_at, headline_signoff,"
                     " review_status) VALUES (:a, 'fr', 'llama', 'done', 1, :at, false, 'draft')",
                     {"a": n, "at": f"2026-11-0{n} 09:00:00"}))  # fmt: skip
    at_revision(url, "0008", rows)
    store = open_store(url)  # migrates: 0009
    try:
        with store.read() as s:
            got = s.execute(select(ArticleRow.id, ArticleRow.story_id, ArticleRow.version).order_by(ArticleRow.id)).all()
            assert [(a, v) for a, _, v in got] == [(1, 1), (2, 1), (3, 2), (4, 1)]
            assert got[0][1] == got[2][1] and len({g[1] for g in got}) == 3
            # the rebuilt table kept every row that points at it
            assert s.scalar(select(func.count()).select_from(BlockRow)) == 4
            assert s.scalar(select(func.count()).select_from(JobRow)) == 4
            assert [k.value for k in stories.keys_of(s, got[0][1])] == [PAGE]
            assert s.execute(text("SELECT count(*) FROM story_keys")).scalar() == 2
        # and the story of the stored page takes its update
        assert _save(store, _article("The harbour flooded again.", url=PAGE))[1:3] == (got[0][1], 3)
    finally:
        store.close()


def test_migration_0009_downgrade_refuses_to_merge_reverted_versions(new_store_url) -> None:
    """Below 0009 one article holds one text; a story that went back to earlier text
    has two, so the downgrade refuses, in one line, and changes nothing."""
    from alembic.util import CommandError

    url = new_store_url(migrated=False)
    store = open_store(url)
    try:
        first = _save(store, _article())
        _save(store, _article("The harbour flooded on Monday night."))
        reverted = _save(store, _article())
        with store.read() as s:
            head = s.execute(text("SELECT version_num FROM alembic_version")).scalar()  # 0009 or a later one
    finally:
        store.close()
    with pytest.raises(CommandError, match=f"articles {first[0]} and {reverted[0]} have the same text"):
        at_revision(url, "0008", down=True)
    store = open_store(url)
    try:
        with store.read() as s:
            head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()  # 0009 or a later one
            assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
            assert s.execute(select(ArticleRow.version).order_by(ArticleRow.id)).scalars().all() == [1, 2, 3]
    finally:
        store.close()


BODY = "<article><h1>Harbour floods</h1><p>The harbour in Sennet flooded on Monday after two days of rain.</p></article>"


@pytest.mark.parametrize(
    ("head", "modified"),
    [
        ('<meta property="article:modified_time" content="2026-03-02T09:15:00+01:00">', "2026-03-02T08:15:00+00:00"),
        ('<meta property="og:updated_time" content="2026-03-02T08:15:00Z">', "2026-03-02T08:15:00+00:00"),
        ('<script type="application/ld+json">{"@type": "NewsArticle", "dateModified": "2026-03-02T08:15:00Z"}</script>',
         "2026-03-02T08:15:00+00:00"),  # fmt: skip
        ('<meta property="article:modified_time" content="soon">', None),
        ("", None),
    ],
)
def test_a_page_says_when_it_changed(head: str, modified: str | None) -> None:
    assert parse_webpage(f"<html><head>{head}</head><body>{BODY}</body></html>").modified == modified


def test_front_matter_says_when_it_changed() -> None:
    text = "---\ntitle: Harbour floods\nurl: https://x.example/a\nupdated: 2026-03-02T09:15:00+01:00\n---\n\nThe harbour flooded.\n"
    assert parse_markdown(text).modified == "2026-03-02T08:15:00+00:00"


@pytest.mark.parametrize(
    ("standing", "behind", "label"),
    [
        (stories.Standing(latest=1, published=None), False, ""),
        (stories.Standing(latest=1, published=1), False, "published v1"),
        (stories.Standing(latest=2, published=1), True, "published v1, out of date (v2)"),
        (stories.Standing(latest=2, published=1, withdrawn=True), False, "withdrawn"),  # takes no update: lags nothing
        (stories.Standing(latest=1, published=None, withdrawn=True), False, "withdrawn"),
    ],
)
def test_a_standing_says_where_a_language_stands(standing, behind, label):
    """The one label `relais list` and the desk's queue show."""
    assert standing.behind is behind and standing.label == label


def test_a_withdrawal_note_is_one_line():
    at = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    assert stories.withdrawn_note("story 3", at, "eddie", "legal\n  complaint") == (
        "story 3 was withdrawn on 2026-03-02 09:15 UTC by eddie (legal complaint)"
    )
    assert stories.withdrawn_note("story 3", at.replace(tzinfo=None), None, "") == (
        "story 3 was withdrawn on 2026-03-02 09:15 UTC by someone (no reason given)"
    )
