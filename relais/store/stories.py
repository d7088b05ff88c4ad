"""Stories: which story an ingested article is a version of, and the versions of one.

An article belongs to the story any of its keys names (``relais.document.story``), or
to the story asked for (``relais translate FILE --update STORY``); with neither it
starts a story.  Versions are numbered 1, 2, … in the order the page's modified time
gives, else in the order they arrive; a version is never edited.  The same content as
the story's latest version is that version (a repeated ingest); the same content as an
older one is a new version (the story was reverted).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from relais.document.model import Article
from relais.document.story import StoryKey
from relais.errors import InputError, NotFound
from relais.store.models import ArticleRow, JobRow, PublicationRow, StoryKeyRow, StoryRow


def key_digest(key: StoryKey) -> str:
    return hashlib.sha256(key.value.encode("utf-8")).hexdigest()


def get_story(session: Session, story_id: int, for_update: bool = False) -> StoryRow:
    """The story; ``for_update`` locks its row until the session ends (PostgreSQL), so two
    editors withdrawing it at once take turns."""
    row = session.get(StoryRow, story_id, with_for_update=for_update or None, populate_existing=for_update)
    if row is None:
        raise NotFound(f"no story with id {story_id}")
    return row


def withdrawn_note(what: str, at: datetime, by: str | None, reason: str | None) -> str:
    """"story 3 was withdrawn on 2026-03-02 09:15 UTC by eddie (legal complaint)", on one line."""
    when = (at.astimezone(UTC) if at.tzinfo else at).strftime("%Y-%m-%d %H:%M UTC")  # SQLite gives naive UTC
    why = " ".join((reason or "").split()) or "no reason given"
    return f"{what} was withdrawn on {when} by {by or 'someone'} ({why})"


def stories_of(session: Session, keys: tuple[StoryKey, ...]) -> dict[int, list[StoryKey]]:
    """Story id → the given keys that name it."""
    if not keys:
        return {}
    by_digest = {(k.kind, key_digest(k)): k for k in keys}
    rows = session.execute(
        select(StoryKeyRow.story_id, StoryKeyRow.kind, StoryKeyRow.digest).where(
            StoryKeyRow.digest.in_([d for _, d in by_digest])
        )
    )
    found: dict[int, list[StoryKey]] = {}
    for story_id, kind, digest in rows:
        if (kind, digest) in by_digest:
            found.setdefault(story_id, []).append(by_digest[(kind, digest)])
    return found


def latest_version(session: Session, story_id: int) -> ArticleRow | None:
    return session.scalar(
        select(ArticleRow).where(ArticleRow.story_id == story_id).order_by(ArticleRow.version.desc()).limit(1)
    )


@dataclass(frozen=True)
class Placement:
    """Where an ingested article goes: a new story, the latest version of a story (the
    same content again), or the next version of a story."""

    story_id: int | None  # None: a new story
    version: int
    existing: ArticleRow | None = None  # the same content as the latest version: that row


def place(session: Session, article: Article, digest: str, keys: tuple[StoryKey, ...], story_id: int | None) -> Placement:
    """Decide which story and version an article is; raise ``InputError`` (one line, nothing
    changed) for an update that cannot be taken."""
    named = stories_of(session, keys)
    if story_id is not None:
        get_story(session, story_id)
        others = {sid: ks for sid, ks in named.items() if sid != story_id}
        if others:
            sid, ks = next(iter(others.items()))
            raise InputError(f"the article's {ks[0].kind} ({ks[0].value}) belongs to story {sid}, not to story {story_id}")
    elif len(named) > 1:
        (a, ka), (b, kb) = list(named.items())[:2]
        raise InputError(f"the article's keys name two stories: {ka[0]} is story {a}, {kb[0]} is story {b}")
    elif named:
        story_id = next(iter(named))
    elif not keys:
        # No key at all (a plain file): the same content as a story's latest version is that version.
        same = session.scalars(select(ArticleRow).where(ArticleRow.content_hash == digest).order_by(ArticleRow.id)).all()
        for row in same:
            latest = latest_version(session, row.story_id)
            if latest is not None and latest.id == row.id:
                return Placement(row.story_id, row.version, row)
    if story_id is None:
        return Placement(None, 1)
    return _next_version(session, article, digest, story_id)


def _next_version(session: Session, article: Article, digest: str, story_id: int) -> Placement:
    story = get_story(session, story_id)
    if story.withdrawn_at is not None:
        raise InputError(f"story {story_id} was withdrawn ({story.withdrawn_reason or 'no reason given'}): it takes no update")
    latest = latest_version(session, story_id)
    if latest is None:
        return Placement(story_id, 1)
    if latest.content_hash == digest:
        return Placement(story_id, latest.version, latest)
    if latest.source_language != article.source_language:
        raise InputError(
            f"story {story_id} is in '{latest.source_language}'; this version is in '{article.source_language}'"
        )
    if article.modified and latest.modified and article.modified < latest.modified:
        raise InputError(
            f"this version of story {story_id} (modified {article.modified}) is older than its version "
            f"{latest.version} (modified {latest.modified})"
        )
    return Placement(story_id, latest.version + 1)


def attach(session: Session, story_id: int | None, keys: tuple[StoryKey, ...]) -> int:
    """The story (a new one when ``story_id`` is None) with these keys added; flushes, so
    a key another process gave another story meanwhile fails here (IntegrityError)."""
    if story_id is None:
        story = StoryRow()
        session.add(story)
        session.flush()
        story_id = story.id
    have = {(k.kind, k.value) for ks in stories_of(session, keys).values() for k in ks}
    for key in keys:
        if (key.kind, key.value) not in have:
            session.add(StoryKeyRow(story_id=story_id, kind=key.kind, value=key.value, digest=key_digest(key)))
    session.flush()
    return story_id


def keys_of(session: Session, story_id: int) -> list[StoryKey]:
    rows = session.execute(
        select(StoryKeyRow.kind, StoryKeyRow.value).where(StoryKeyRow.story_id == story_id).order_by(StoryKeyRow.id)
    )
    return [StoryKey(kind, value) for kind, value in rows]


@dataclass(frozen=True)
class Standing:
    """Where one language of a story stands: the story's latest source version, the
    source version of its latest publication in that language (None: never published),
    and whether the story was withdrawn (its publications with it)."""

    latest: int
    published: int | None
    withdrawn: bool = False

    @property
    def behind(self) -> bool:
        """A published translation whose source has changed since: out of date (a
        withdrawn story lags behind nothing: it takes no update)."""
        return not self.withdrawn and self.published is not None and self.published < self.latest

    @property
    def label(self) -> str:
        """The standing in a few words, as `relais list` and the desk's queue show it:
        "published v1", "published v1, out of date (v2)", "withdrawn", or "" (never published)."""
        if self.withdrawn:
            return "withdrawn"
        if self.published is None:
            return ""
        return f"published v{self.published}" + (f", out of date (v{self.latest})" if self.behind else "")


def standings(session: Session) -> dict[tuple[int, str], Standing]:
    """(story id, language) → ``Standing``, for every story with a job in that language."""
    latest = dict(session.execute(select(ArticleRow.story_id, func.max(ArticleRow.version)).group_by(ArticleRow.story_id)).all())
    published = {
        (story, lang): version
        for story, lang, version in session.execute(
            select(ArticleRow.story_id, JobRow.target_language, func.max(ArticleRow.version))
            .join(JobRow, JobRow.article_id == ArticleRow.id)
            .join(PublicationRow, PublicationRow.job_id == JobRow.id)
            .group_by(ArticleRow.story_id, JobRow.target_language)
        )
    }
    withdrawn = set(session.scalars(select(StoryRow.id).where(StoryRow.withdrawn_at.is_not(None))))
    pairs = session.execute(
        select(ArticleRow.story_id, JobRow.target_language).join(JobRow, JobRow.article_id == ArticleRow.id).distinct()
    )
    return {(story, lang): Standing(latest[story], published.get((story, lang)), story in withdrawn)
            for story, lang in pairs}  # fmt: skip
