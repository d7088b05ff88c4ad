"""Following RSS and Atom feeds: ``relais watch FEED_URL --to fr,de``.

One ``poll`` of a feed:

1. The feed is fetched through the safe fetcher (``relais.document.fetch``), with the
   ETag and Last-Modified of its last full answer: a 304 changes nothing.
2. It is parsed with feedparser; what is not an RSS or Atom feed is one error line.
3. Each item is known by its guid (RSS ``guid``, Atom ``id``; else its link) and a
   version of it by the hash of what the feed says of it (title, link, content,
   summary, updated and published dates).  A version already claimed is skipped.
4. A new version becomes an article: the item's own full content (RSS
   ``content:encoded``, Atom ``content``) when it has at least ``MIN_CONTENT_WORDS``
   words, else the page its link names, fetched through the safe fetcher.  It is
   ingested with the guid as a story key (``Desk.ingest``), so a changed item is the
   next version of the same story, and queued for the feed's targets (``Desk.queue``).
5. An item that is no longer in the feed is left alone: one log line.

Ingested once, whatever the number of watchers on one store: the claim is a
``feed_items`` row, unique on (feed, guid digest, content hash), inserted first in the
very transaction that stores the article (``Desk.ingest(claim=...)``).  Two watchers
racing on one version: on PostgreSQL the second insert waits on the unique index until
the first transaction ends, then fails (the first committed) or goes on (it rolled
back); on SQLite write transactions take turns.  The loser stores nothing and logs that
another watcher had it.  So an article is never stored without its claim, nor a claim
without its article.  Queuing is a second step, marked on the claim (``queued_at``);
a claim left unqueued (a watcher stopped between the two) is queued by the next poll
(``Desk.queue`` reuses an article's existing jobs).

Errors are lines in the watch log and the feed row's ``last_error``, never a traceback:
a feed that cannot be fetched or is no feed ends the poll; an item page that cannot be
fetched skips that item, and the feed's validators are not kept, so the next poll reads
the whole feed again and retries it.  An item whose content Relais refuses (not
English, empty, too long…) is claimed with its error, and tried again only once it
changes.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from relais.desk import Desk
from relais.document.fetch import fetch, fetch_page
from relais.errors import FetchError, InputError, RelaisError
from relais.store.models import FeedItemRow, FeedRow, utcnow

MIN_CONTENT_WORDS = 80  # an item's own content shorter than this is a teaser: its link is fetched
_TAG = re.compile(r"<[^>]+>")
class FeedError(RelaisError):
    """The feed could not be read: fetched, but not an RSS or Atom feed."""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass
class PollReport:
    """What one poll did: ``status`` is ``read``, ``not modified`` or ``failed``."""

    feed_id: int
    status: str = "read"
    ingested: list[tuple[str, int, int]] = field(default_factory=list)  # (guid, article id, version)
    skipped: int = 0  # versions already claimed (by this watcher or another)
    taken_elsewhere: list[str] = field(default_factory=list)  # guids another watcher claimed meanwhile
    gone: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    jobs: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Item:
    """One item as the feed gives it."""

    guid: str
    link: str | None
    title: str
    content: str | None  # the longest full content, if any
    content_type: str | None
    version_hash: str

    @classmethod
    def from_entry(cls, entry) -> Item | None:
        guid = (entry.get("id") or entry.get("link") or "").strip()
        if not guid:
            return None
        contents = [c for c in entry.get("content") or [] if (c.get("value") or "").strip()]
        best = max(contents, key=lambda c: len(c.get("value") or ""), default=None)
        said = [entry.get("title"), entry.get("link"), [c.get("value") for c in contents], entry.get("summary"),
                dict.get(entry, "updated"), dict.get(entry, "published")]  # fmt: skip (dict.get: no feedparser fallback)
        return cls(
            guid=guid,
            link=(entry.get("link") or "").strip() or None,
            title=" ".join((entry.get("title") or "").split()),
            content=best.get("value") if best else None,
            content_type=(best.get("type") or "text/html").lower() if best else None,
            version_hash=hashlib.sha256(json.dumps(said, ensure_ascii=False, default=str).encode("utf-8")).hexdigest(),
        )

    def full_content(self) -> tuple[bytes, str] | None:
        """(document, format) from the item's own content, if it is long enough."""
        if not self.content or len(_TAG.sub(" ", self.content).split()) < MIN_CONTENT_WORDS:
            return None
        title = html.escape(self.title)
        if self.content_type == "text/plain":
            return f"{self.title}\n\n{self.content}\n".encode(), "text"
        canonical = f'<link rel="canonical" href="{html.escape(self.link)}">' if self.link else ""
        page = (f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>{canonical}</head>'
                f"<body><article><h1>{title}</h1>{self.content}</article></body></html>")  # fmt: skip
        return page.encode("utf-8"), "html"


def parse_feed(content: bytes, url: str) -> list[Item]:
    """The items of an RSS or Atom document; ``FeedError`` for anything else."""
    import feedparser  # lazy: 80 ms on every other command's start (the cli imports this module)

    parsed = feedparser.parse(content)  # bytes: parsed, never fetched
    if not parsed.get("version"):
        raise FeedError("not an RSS or Atom feed")
    return [item for entry in parsed.entries if (item := Item.from_entry(entry)) is not None]


def feed_row(desk: Desk, url: str, targets: list[str]) -> int:
    """The id of the feed row for ``url`` (made if new; its targets set to ``targets``)."""
    for attempt in range(3):
        try:
            with desk.store.write() as s:
                row = s.scalar(select(FeedRow).where(FeedRow.url_digest == _digest(url)))
                if row is None:
                    row = FeedRow(url=url, url_digest=_digest(url), targets=list(targets), last_guids=[])
                    s.add(row)
                    s.flush()
                elif row.targets != list(targets):
                    row.targets = list(targets)
                return row.id
        except IntegrityError:  # another watcher made it meanwhile
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _item_document(desk: Desk, item: Item) -> tuple[bytes, str | None]:
    own = item.full_content()
    if own is not None:
        return own
    if not item.link:
        raise FetchError("no full content and no link")
    return fetch_page(item.link, desk.config.fetch)


def _claimed(desk: Desk, feed_id: int, item: Item) -> bool:
    with desk.store.read() as s:
        return s.scalar(select(FeedItemRow.id).where(
            FeedItemRow.feed_id == feed_id, FeedItemRow.guid_digest == _digest(item.guid),
            FeedItemRow.content_hash == item.version_hash)) is not None  # fmt: skip


def _claim_refused(desk: Desk, feed_id: int, item: Item, error: str) -> None:
    try:
        with desk.store.write() as s:
            s.add(FeedItemRow(feed_id=feed_id, guid=item.guid, guid_digest=_digest(item.guid),
                              content_hash=item.version_hash, error=error))  # fmt: skip
    except IntegrityError:
        pass  # another watcher recorded it first


def _queue(desk: Desk, claim_id: int, article_id: int, targets: list[str]) -> list[int]:
    jobs = desk.queue(article_id, targets)
    with desk.store.write() as s:
        s.get(FeedItemRow, claim_id).queued_at = utcnow()
    return jobs


def _ingest(desk: Desk, feed_id: int, item: Item, data: bytes, fmt: str | None):
    """Ingest one item version under its claim; (result, claim id), or None if another
    watcher claimed it first."""
    holder: dict[str, FeedItemRow] = {}

    def claim(session):
        row = FeedItemRow(feed_id=feed_id, guid=item.guid, guid_digest=_digest(item.guid), content_hash=item.version_hash)
        session.add(row)
        session.flush()  # the unique key: waits for, then loses to, a concurrent claim
        holder["row"] = row

        def link(article) -> None:
            row.article_id = article.id

        return link

    try:
        result = desk.ingest(data, fmt=fmt, guid=item.guid, claim=claim)
    except IntegrityError:
        if _claimed(desk, feed_id, item):
            return None
        raise
    return result, holder["row"].id


def poll(desk: Desk, url: str, targets: list[str], log: Callable[[str], None] = print) -> PollReport:
    """Read the feed once and ingest and queue what is new or changed (module docstring).

    Every outcome is a line given to ``log``; feed-level errors are also the feed row's
    ``last_error``.  Raises only for what is not the feed's fault (a store that cannot
    be opened, an unknown target language)."""
    feed_id = feed_row(desk, url, targets)
    report = PollReport(feed_id)
    with desk.store.read() as s:
        feed = s.get(FeedRow, feed_id)
        etag, last_modified, previous = feed.etag, feed.last_modified, list(feed.last_guids or [])
    try:
        answer = fetch(url, desk.config.fetch, etag=etag, last_modified=last_modified)
        items = [] if answer.not_modified else parse_feed(answer.content, url)
    except (FetchError, FeedError) as exc:
        line = str(exc) if str(exc).startswith(url) else f"{url}: {exc}"
        report.status = "failed"
        report.errors.append(line)
        log(line)
        _finish(desk, feed_id, error=line)
        return report
    report.jobs += _queue_pending(desk, feed_id, targets, report, log)
    if answer.not_modified:
        report.status = "not modified"
        log(f"{url}: not modified")
        _finish(desk, feed_id, error=None)
        return report
    transient = False
    for item in items:
        if _claimed(desk, feed_id, item):
            report.skipped += 1
            continue
        try:
            data, fmt = _item_document(desk, item)
        except FetchError as exc:
            transient = True
            report.errors.append(f"item {item.guid}: {exc}")
            log(f"{url}: item {item.guid}: cannot fetch its page ({exc})")
            continue
        try:
            done = _ingest(desk, feed_id, item, data, fmt)
        except InputError as exc:
            report.errors.append(f"item {item.guid}: {exc}")
            log(f"{url}: item {item.guid}: refused ({exc})")
            _claim_refused(desk, feed_id, item, str(exc))
            continue
        if done is None:
            report.taken_elsewhere.append(item.guid)
            log(f"{url}: item {item.guid}: ingested by another watcher")
            continue
        result, claim_id = done
        report.ingested.append((item.guid, result.article_id, result.version))
        what = "new story" if result.version == 1 else f"version {result.version}"
        if not result.created:
            what = f"changed in the feed, same text as version {result.version}"
        try:
            jobs = _queue(desk, claim_id, result.article_id, targets)
        except RelaisError as exc:
            transient = True
            report.errors.append(f"item {item.guid}: {exc}")
            log(f"{url}: item {item.guid}: article {result.article_id} ({what}) stored, not queued ({exc})")
            continue
        report.jobs += jobs
        log(f"{url}: item {item.guid}: article {result.article_id}, story {result.story_id} ({what}), "
            f"job(s) {', '.join(map(str, jobs))}")  # fmt: skip
    current = [item.guid for item in items]
    report.gone = [guid for guid in previous if guid not in current]
    for guid in report.gone:
        log(f"{url}: item {guid} is no longer in the feed (its story is left as it is)")
    _finish(desk, feed_id, error="; ".join(report.errors) or None, guids=current,
            validators=None if transient else (answer.etag, answer.last_modified))  # fmt: skip
    return report


def _queue_pending(desk: Desk, feed_id: int, targets: list[str], report: PollReport, log) -> list[int]:
    """Queue the claims a stopped watcher stored but did not queue."""
    with desk.store.read() as s:
        pending = s.execute(select(FeedItemRow.id, FeedItemRow.article_id, FeedItemRow.guid).where(
            FeedItemRow.feed_id == feed_id, FeedItemRow.article_id.is_not(None),
            FeedItemRow.queued_at.is_(None))).all()  # fmt: skip
    jobs: list[int] = []
    for claim_id, article_id, guid in pending:
        try:
            jobs += _queue(desk, claim_id, article_id, targets)
            log(f"item {guid}: article {article_id} queued (left unqueued before)")
        except RelaisError as exc:
            report.errors.append(f"item {guid}: {exc}")
            log(f"item {guid}: article {article_id} not queued ({exc})")
    return jobs


def _finish(desk: Desk, feed_id: int, *, error: str | None, guids: list[str] | None = None,
            validators: tuple[str | None, str | None] | None | bool = False) -> None:  # fmt: skip
    """Record the poll on the feed row.  ``validators``: the answer's (ETag,
    Last-Modified) to keep, None to drop them, False to leave them as they are."""
    with desk.store.write() as s:
        feed = s.get(FeedRow, feed_id)
        feed.last_polled_at = utcnow()
        feed.last_error = error
        if guids is not None:
            feed.last_guids = guids
        if validators is None:
            feed.etag = feed.last_modified = None
        elif validators is not False:
            feed.etag, feed.last_modified = validators


def parse_every(value: str) -> float:
    """``"5m"`` → 300.0; ``"30s"``, ``"2h"``, a bare number of seconds.  At least 1 s."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", value or "")
    if not match:
        raise RelaisError(f"--every {value!r}: give a duration such as 30s, 5m or 1h")
    seconds = float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]
    if seconds < 1:
        raise RelaisError(f"--every {value!r}: at least 1 second")
    return seconds


def watch(desk: Desk, url: str, targets: list[str], every: float, once: bool = False,
          log: Callable[[str], None] = print, sleep: Callable[[float], None] = time.sleep) -> PollReport:  # fmt: skip
    """Poll the feed every ``every`` seconds (once with ``once``); returns the last report."""
    while True:
        report = poll(desk, url, targets, log)
        if once:
            return report
        sleep(every)
