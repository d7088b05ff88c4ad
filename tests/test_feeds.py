"""relais.feeds and ``relais watch``: a real feed server on loopback whose items appear,
change and disappear between polls; RSS and Atom; ETag 304; two watchers at once."""

from __future__ import annotations

import hashlib
import html
import subprocess

import pytest

from relais.desk import Desk
from relais.feeds import Item, _ingest, feed_row, parse_every, poll
from relais.errors import RelaisError
from tests.barrier import Barrier
from tests.helpers import ROOT, assert_one_line_error, at_revision, query, relais_config, relais_env, run_relais
from tests.web_server import Reply, WebServer

TOWNS = ["Harrowby", "Caldermoor", "Wrenfield", "Ashcombe", "Lowmarsh", "Pennick", "Oakhollow", "Brightwater"]


def story(n: int, edit: int = 0) -> str:
    """About a hundred words of English news text of our own, one story per ``n``."""
    town = TOWNS[n % len(TOWNS)]
    seats = 20 + n * 3 + edit
    paragraphs = [
        f"The council of {town} voted on Tuesday evening to rebuild the old footbridge over the river, "
        f"after a debate that lasted more than four hours and drew {seats} residents to the public gallery.",
        f"Supporters said the bridge had been closed for {n + 2} years and that children now walked along "
        "a busy road to reach the school on the far bank. Opponents argued that the money would be better "
        "spent on repairing the library roof, which has leaked through two winters.",
        f"The mayor of {town} said work should begin in the spring and finish before the autumn term. "
        f"The vote passed by {seats // 2} to {seats // 3}, and the council will publish the full plans next month.",
    ]
    if edit:
        paragraphs.append(f"Update: the council corrected the number of residents present to {seats}.")
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def page(n: int, edit: int = 0) -> bytes:
    return (f"<!doctype html><html><head><title>Bridge vote {n}</title></head><body><article>"
            f"<h1>Council backs bridge plan {n}</h1>{story(n, edit)}</article></body></html>").encode()  # fmt: skip


class FeedSite:
    """The feed server's state: ``items`` is guid → (title, full content or None, link path, updated)."""

    def __init__(self, server: WebServer):
        self.server = server
        self.items: dict[str, tuple[str, str | None, str, str]] = {}
        self.pages: dict[str, bytes] = {}
        server.routes["/rss"] = lambda request: self._answer(request, self.rss())
        server.routes["/atom"] = lambda request: self._answer(request, self.atom(), "application/atom+xml")
        server.routes["/not-a-feed"] = lambda request: Reply(200, page(99))

    def _answer(self, request, body: str, kind: str = "application/rss+xml") -> Reply:
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, body.encode(), {"ETag": etag, "Content-Type": kind})

    def add_page(self, path: str, body: bytes) -> None:
        self.pages[path] = body
        self.server.routes[path] = lambda request: Reply(200, self.pages[path])

    def rss(self) -> str:
        entries = "".join(
            f"<item><title>{html.escape(title)}</title><link>{self.server.url(link)}</link>"
            f'<guid isPermaLink="false">{guid}</guid><pubDate>{updated}</pubDate><description>A teaser.</description>'
            + (f"<content:encoded><![CDATA[{content}]]></content:encoded>" if content else "")
            + "</item>"
            for guid, (title, content, link, updated) in self.items.items()
        )
        return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
                f"<channel><title>The Valley Courier</title><link>{self.server.url('/')}</link>"
                f"<description>News</description>{entries}</channel></rss>")  # fmt: skip

    def atom(self) -> str:
        entries = "".join(
            f"<entry><title>{html.escape(title)}</title><id>{guid}</id><link href=\"{self.server.url(link)}\"/>"
            f"<updated>{updated}</updated><summary>A teaser.</summary>"
            + (f'<content type="html">{html.escape(content)}</content>' if content else "")
            + "</entry>"
            for guid, (title, content, link, updated) in self.items.items()
        )
        return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>The Valley Courier</title><id>urn:valley</id><updated>2026-12-01T08:00:00Z</updated>{entries}</feed>")  # fmt: skip


@pytest.fixture
def site():
    with WebServer() as server:
        yield FeedSite(server)


@pytest.fixture
def desk(relais_home):
    desk = Desk(relais_config(relais_home, RELAIS_FETCH_ALLOW_HOSTS="127.0.0.1", RELAIS_FETCH_TIMEOUT="10"))
    yield desk
    desk.close()


def _count(desk, table: str) -> int:
    return query(desk.config.db_url, f"SELECT count(*) FROM {table}")[0][0]


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_items_appear_change_and_disappear(site, desk, kind):
    lines: list[str] = []
    url = site.server.url(f"/{kind}")
    site.items["urn:valley:1"] = ("Council backs bridge plan", story(1), "/news/1", "Tue, 01 Dec 2026 08:00:00 GMT"
                                  if kind == "rss" else "2026-12-01T08:00:00Z")  # fmt: skip
    site.items["urn:valley:2"] = ("Library roof", None, "/news/2", "Tue, 01 Dec 2026 09:00:00 GMT"
                                  if kind == "rss" else "2026-12-01T09:00:00Z")  # fmt: skip
    site.add_page("/news/2", page(2))

    first = poll(desk, url, ["fr", "de"], lines.append)
    assert first.status == "read" and first.errors == []
    assert [(guid, version) for guid, _, version in first.ingested] == [("urn:valley:1", 1), ("urn:valley:2", 1)]
    assert len(first.jobs) == 4
    assert query(desk.config.db_url, "SELECT count(*) FROM jobs WHERE status = 'queued'")[0][0] == 4
    # the teaser's page was fetched; the full item's was not
    assert [p for p, _ in site.server.requests if p.startswith("/news/")] == ["/news/2"]
    stories_before = _count(desk, "stories")
    assert stories_before == 2

    again = poll(desk, url, ["fr", "de"], lines.append)
    assert again.status == "not modified" and again.ingested == []
    assert site.server.requests[-1][1].get("if-none-match")

    title, _, link, _ = site.items["urn:valley:1"]
    site.items["urn:valley:1"] = (title, story(1, edit=1), link, "Wed, 02 Dec 2026 10:00:00 GMT"
                                  if kind == "rss" else "2026-12-02T10:00:00Z")  # fmt: skip
    changed = poll(desk, url, ["fr", "de"], lines.append)
    assert [(guid, version) for guid, _, version in changed.ingested] == [("urn:valley:1", 2)]
    assert changed.skipped == 1
    assert _count(desk, "stories") == stories_before  # a new version of the same story
    assert query(desk.config.db_url, "SELECT max(version) FROM articles")[0][0] == 2

    del site.items["urn:valley:2"]
    gone = poll(desk, url, ["fr", "de"], lines.append)
    assert gone.gone == ["urn:valley:2"] and gone.ingested == []
    assert _count(desk, "articles") == 3  # nothing removed
    assert any("urn:valley:2 is no longer in the feed" in line for line in lines)
    assert all("\n" not in line for line in lines)


def test_not_a_feed_is_one_line_and_stored_on_the_feed(site, desk):
    lines: list[str] = []
    report = poll(desk, site.server.url("/not-a-feed"), ["fr"], lines.append)
    assert report.status == "failed"
    assert lines == [f"{site.server.url('/not-a-feed')}: not an RSS or Atom feed"]
    assert query(desk.config.db_url, "SELECT last_error FROM feeds") == [(lines[0],)]
    assert _count(desk, "articles") == 0


def test_a_feed_that_cannot_be_fetched_is_one_line(site, desk):
    lines: list[str] = []
    assert poll(desk, site.server.url("/missing-feed"), ["fr"], lines.append).status == "failed"
    assert len(lines) == 1 and "HTTP 404" in lines[0]


def test_an_item_page_that_cannot_be_fetched_is_retried_next_poll(site, desk):
    lines: list[str] = []
    url = site.server.url("/rss")
    site.items["urn:valley:3"] = ("Ferry timetable", None, "/news/3", "Tue, 01 Dec 2026 08:00:00 GMT")
    first = poll(desk, url, ["fr"], lines.append)
    assert first.ingested == [] and len(first.errors) == 1
    assert "item urn:valley:3: cannot fetch its page" in lines[-1] and "HTTP 404" in lines[-1]
    assert (_count(desk, "articles"), _count(desk, "feed_items")) == (0, 0)  # nothing half-ingested
    assert "urn:valley:3" in query(desk.config.db_url, "SELECT last_error FROM feeds")[0][0]

    site.add_page("/news/3", page(3))
    second = poll(desk, url, ["fr"], lines.append)  # the same feed: no 304, the validators were dropped
    assert "if-none-match" not in [h for p, h in site.server.requests if p == "/rss"][-1]
    assert [guid for guid, _, _ in second.ingested] == ["urn:valley:3"]
    assert query(desk.config.db_url, "SELECT last_error FROM feeds") == [(None,)]


def test_an_item_page_on_a_forbidden_address_is_refused(site, relais_home):
    """Only the feed's host is allowed: an item linking to localhost is not fetched."""
    desk = Desk(relais_config(relais_home, RELAIS_FETCH_ALLOW_HOSTS="127.0.0.1"))
    try:
        site.items["urn:valley:4"] = ("Inside job", None, "/news/4", "Tue, 01 Dec 2026 08:00:00 GMT")
        site.server.routes["/news/4"] = lambda request: Reply(302, b"", {"Location": site.server.url("/news/5", "localhost")})
        report = poll(desk, site.server.url("/rss"), ["fr"], lambda line: None)
        assert report.ingested == [] and "refused: localhost" in report.errors[0]
    finally:
        desk.close()


def test_refused_content_is_claimed_with_its_error(site, desk):
    lines: list[str] = []
    site.items["urn:valley:6"] = ("Kurz", "<p>" + "Der Stadtrat hat am Dienstag beschlossen, die alte Brücke neu zu bauen. " * 12 + "</p>",
                                  "/news/6", "Tue, 01 Dec 2026 08:00:00 GMT")  # fmt: skip
    poll(desk, site.server.url("/rss"), ["fr"], lines.append)
    assert "item urn:valley:6: refused" in lines[-1]
    assert _count(desk, "articles") == 0
    assert query(desk.config.db_url, "SELECT article_id, error IS NOT NULL FROM feed_items") == [(None, True)]


def test_every_is_a_duration():
    assert (parse_every("5m"), parse_every("30s"), parse_every("2h"), parse_every("90")) == (300, 30, 7200, 90)
    for bad in ("soon", "0s", "-5m"):
        with pytest.raises(RelaisError, match="--every"):
            parse_every(bad)


def test_relais_watch_once(site, relais_home):
    env = relais_env(relais_home, RELAIS_FETCH_ALLOW_HOSTS="127.0.0.1")
    site.items["urn:valley:7"] = ("Market day", story(7), "/news/7", "Tue, 01 Dec 2026 08:00:00 GMT")
    proc = run_relais(relais_home, "watch", site.server.url("/rss"), "--to", "fr,de", "--once", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "item urn:valley:7: article 1, story 1 (new story), job(s) 1, 2" in proc.stdout
    bad = run_relais(relais_home, "watch", site.server.url("/not-a-feed"), "--to", "fr", "--once", env=env)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr + bad.stdout
    assert bad.stdout.strip().endswith("not an RSS or Atom feed") and len(bad.stdout.strip().splitlines()) == 1
    refused = run_relais(relais_home, "watch", site.server.url("/rss"), "--to", "fr", "--once")  # 127.0.0.1 not allowed
    assert refused.returncode == 1 and "refused: 127.0.0.1 is a loopback address" in refused.stdout
    assert_one_line_error(run_relais(relais_home, "watch", site.server.url("/rss"), "--to", "fr", "--every", "soon"), "--every")


def test_two_watchers_at_once_ingest_each_item_once(site, relais_home, tmp_path):
    for n in range(6):
        site.items[f"urn:valley:race:{n}"] = (f"Race {n}", story(n + 10), f"/news/r{n}", "Tue, 01 Dec 2026 08:00:00 GMT")
    env = relais_env(relais_home, RELAIS_FETCH_ALLOW_HOSTS="127.0.0.1")
    run_relais(relais_home, "jobs", env=env)  # the store exists and is migrated before the race
    barrier = Barrier(tmp_path / "barrier", env, ROOT)
    watchers = [barrier.start(name, "relais", "watch", site.server.url("/rss"), "--to", "fr", "--once",
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in ("a", "b")]  # fmt: skip
    barrier.release(watchers)
    outputs = [(w.wait(timeout=300), w.stdout.read().decode(), w.stderr.read().decode()) for w in watchers]
    for code, out, err in outputs:
        assert code == 0 and "Traceback" not in out + err, (out, err)
    assert query(relais_home.db_url, "SELECT count(*) FROM articles")[0][0] == 6
    assert query(relais_home.db_url, "SELECT count(*) FROM feed_items WHERE article_id IS NOT NULL")[0][0] == 6
    assert query(relais_home.db_url, "SELECT count(*) FROM jobs")[0][0] == 6
    assert query(relais_home.db_url, "SELECT count(*) FROM feeds")[0][0] == 1
    ingested = sum(out.count("(new story)") for _, out, _ in outputs)
    assert ingested == 6, outputs


def test_a_version_claimed_by_another_watcher_stores_nothing(site, desk, relais_home):
    """The loser of a claim: its transaction stores nothing, even an article of other text."""
    site.items["urn:valley:8"] = ("Harbour", story(8), "/news/8", "Tue, 01 Dec 2026 08:00:00 GMT")
    poll(desk, site.server.url("/rss"), ["fr"], lambda line: None)
    assert _count(desk, "articles") == 1
    other = Desk(relais_config(relais_home, RELAIS_FETCH_ALLOW_HOSTS="127.0.0.1"))
    try:
        item = Item("urn:valley:8", None, "Harbour", None, None, query(desk.config.db_url, "SELECT content_hash FROM feed_items")[0][0])
        feed_id = feed_row(other, site.server.url("/rss"), ["fr"])
        assert _ingest(other, feed_id, item, page(9), "html") is None
        assert (_count(desk, "articles"), _count(desk, "feed_items"), _count(desk, "stories")) == (1, 1, 1)
    finally:
        other.close()


def test_the_feeds_migration_goes_down_and_up(site, desk):
    site.items["urn:valley:9"] = ("Quay", story(9), "/news/9", "Tue, 01 Dec 2026 08:00:00 GMT")
    poll(desk, site.server.url("/rss"), ["fr"], lambda line: None)
    desk.close()
    at_revision(desk.config.db_url, "0009", down=True)
    assert query(desk.config.db_url, "SELECT count(*) FROM articles") == [(1,)]
    assert query(desk.config.db_url, "SELECT count(*) FROM feeds") is None
    at_revision(desk.config.db_url, "0012")
    assert query(desk.config.db_url, "SELECT count(*) FROM feeds") == [(0,)]
