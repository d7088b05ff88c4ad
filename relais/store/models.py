"""Stored records (SQLAlchemy 2).  Portable types only, so PostgreSQL uses the same models.

Rows are added, not rewritten, along the flow article → blocks → segments → jobs →
drafts.  A draft is unique per (job, segment): that is what makes jobs resumable and
idempotent (a re-run skips segments that already have one).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class StoryRow(Base):
    """A story: the versions of one article as it is updated (``ArticleRow.version``).

    Known by its keys (``StoryKeyRow``); withdrawn stories keep everything, marked."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


class StoryKeyRow(Base):
    """One key of a story (``relais.document.story``): a normalised canonical URL, a feed
    guid, a CMS id.  A key names one story: the unique constraint is what stops two
    processes from making two stories of one URL."""

    __tablename__ = "story_keys"
    __table_args__ = (UniqueConstraint("kind", "digest"), Index("ix_story_keys_story", "story_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # url | guid | external
    value: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the value: an index any length of key fits
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ArticleRow(Base):
    """One version of a story, as ingested.  Never edited: an update is a new version."""

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("story_id", "version", name="uq_articles_story_version"),
        Index("ix_articles_content_hash", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer, default=1)  # 1, 2, … within the story
    modified: Mapped[str | None] = mapped_column(String(64))  # the page's last-modified time (UTC ISO 8601)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_language: Mapped[str] = mapped_column(String(16))
    source_format: Mapped[str] = mapped_column(String(16))
    source_name: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    date: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    original: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    blocks: Mapped[list[BlockRow]] = relationship(
        back_populates="article", order_by="BlockRow.position", cascade="all, delete-orphan"
    )
    story: Mapped[StoryRow] = relationship()


class BlockRow(Base):
    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("article_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    marks: Mapped[dict] = mapped_column(JSON, default=dict)
    attrs: Mapped[dict] = mapped_column(JSON, default=dict)

    article: Mapped[ArticleRow] = relationship(back_populates="blocks")
    segments: Mapped[list[SegmentRow]] = relationship(
        back_populates="block", order_by="SegmentRow.position", cascade="all, delete-orphan"
    )


class SegmentRow(Base):
    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("block_id", "position"), Index("ix_segments_article", "article_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # order within the block
    start_offset: Mapped[int] = mapped_column(Integer)  # into the block text
    end_offset: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    block: Mapped[BlockRow] = relationship(back_populates="segments")


class JobStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # the last run stopped on an engine failure; `relais resume` or the queue retries it
    PARKED = "parked"  # the task queue gave up after its retries; the error says why

    UNFINISHED = (QUEUED, RUNNING)
    ENDED = (DONE, PARKED)  # nothing more will happen to it without a person


class JobRow(Base):
    """One article into one target language."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status", "status"), Index("ix_jobs_article_target", "article_id", "target_language"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    target_language: Mapped[str] = mapped_column(String(16))
    engine: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))  # "host:pid" of the process running it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Any finding on the headline: a human must sign the headline off (the review step honours it).
    headline_signoff: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the human review stands (ReviewStatus), and who has claimed the article.
    review_status: Mapped[str] = mapped_column(String(16), default="draft")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The job of an earlier version of the story this one updates: its confirmed text is
    # carried over for the segments that did not change (relais.store.updates).
    base_job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))

    article: Mapped[ArticleRow] = relationship()
    drafts: Mapped[list[DraftRow]] = relationship(back_populates="job", cascade="all, delete-orphan")


class DraftRow(Base):
    """The machine translation of one segment for one job, with its provenance.

    ``text`` is None when the engine's output was rejected twice; ``error`` says why.
    """

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("job_id", "segment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    text: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    engine: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(Text)
    model_version: Mapped[str] = mapped_column(String(128))
    prompt_version: Mapped[str] = mapped_column(String(64))
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    risk: Mapped[float | None] = mapped_column(Float)  # meaning risk 0–1 from the checks

    job: Mapped[JobRow] = relationship(back_populates="drafts")
    segment: Mapped[SegmentRow] = relationship()


class FindingRow(Base):
    """What an automatic check found in a job's text at a given stage.

    Stages: ``draft`` (the machine draft, whole article, after the job), ``revision`` (one
    segment re-checked after a human edit; ``revision_id`` says which text), ``approval``
    (the whole approved article, when the translator approves it).  Offsets are into the
    target segment text (with placeholders); ``segment_id`` is None for a finding about a
    whole block.
    """

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_job", "job_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(16), default="draft")
    block_position: Mapped[int] = mapped_column(Integer)
    segment_position: Mapped[int | None] = mapped_column(Integer)
    check: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text)
    suggestion: Mapped[str | None] = mapped_column(Text)
    replaces: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # the suggestion replaces exactly the span
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"))


# --------------------------------------------------------------------------- review


class Role:
    ADMIN = "admin"
    EDITOR = "editor"
    TRANSLATOR = "translator"

    ALL = (ADMIN, EDITOR, TRANSLATOR)


class ReviewStatus:
    """A job's place in the human review, in order."""

    DRAFT = "draft"  # machine draft, nobody has claimed it
    IN_REVIEW = "in_review"  # claimed or edited by a translator
    APPROVED = "approved"  # the translator approved the whole article
    SIGNED_OFF = "signed_off"  # an editor signed it off
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # a newer version of the story arrived before it was published
    WITHDRAWN = "withdrawn"  # the story was withdrawn (relais withdraw): nothing more happens to it

    ORDER = (DRAFT, IN_REVIEW, APPROVED, SIGNED_OFF, PUBLISHED)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    languages: Mapped[list] = mapped_column(JSON, default=list)  # target languages a translator works on
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebSessionRow(Base):
    """A signed-in browser.  Only a hash of the cookie's token is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[UserRow] = relationship()


class RevisionRow(Base):
    """A human's text for one segment of a job.  Never updated: each save adds a row.

    Versions count per (job, segment) from 1; version 0 is the machine draft.  The unique
    constraint is what detects two people saving on top of the same version: the second
    insert fails and that person is shown the conflict.
    """

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("job_id", "segment_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    active_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # editing time the browser measured
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[UserRow] = relationship()


class ReviewEventRow(Base):
    """The journal of the review: who did what, when, to which version (before → after).

    Actions: ``claim`` (``how`` "take_over" when an editor took a live claim over),
    ``release``, ``edit``, ``confirm``, ``approve_article``, ``sign_off``, ``reopen``,
    ``publish``, ``note``.  A segment is confirmed when a ``confirm`` event names its
    current version, ``how`` "editor" (``seconds``: how long it was on that person's
    screen) or "xliff" (a final unit of a file they imported); "bulk" marks the approvals
    the old whole-article approval made without anyone confirming them, which do not
    count.  An edit makes a new version, so a confirmation lapses by itself.
    """

    __tablename__ = "review_events"
    __table_args__ = (Index("ix_review_events_job", "job_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the command line
    actor: Mapped[str] = mapped_column(String(200))  # user name, or "cli:<login>"
    action: Mapped[str] = mapped_column(String(32))
    version: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    how: Mapped[str | None] = mapped_column(String(16))
    seconds: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PublicationRow(Base):
    """A published translation, frozen: the three renderings and the audit record."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("job_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, then 2 for a corrected republication
    actor: Mapped[str] = mapped_column(String(200))
    markdown: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    json: Mapped[str] = mapped_column(Text)
    audit: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A withdrawn story's publications are kept, marked (relais withdraw).
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


# --------------------------------------------------------------------------- memory


class TmOrigin:
    REVIEW = "review"  # approved by a person in Relais
    IMPORT = "import"  # brought in from a TMX file or an XLIFF job


class TmSupportRow(Base):
    """A publication that supports a memory entry: the entry is used while at least one
    publication of a job not reopened since supports it (or it was imported)."""

    __tablename__ = "tm_support"
    __table_args__ = (UniqueConstraint("entry_id", "publication_id"), Index("ix_tm_support_job", "job_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("tm_entries.id", ondelete="CASCADE"))
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="SET NULL"))
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_off_by: Mapped[str | None] = mapped_column(String(200))
    draft_text: Mapped[str | None] = mapped_column(Text)  # the machine draft the person's text replaced
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TmEntryRow(Base):
    """One human-approved translation unit.  Machine output never comes here.

    ``source_key`` is the source text normalised for matching (``memory/normalise.py``).
    On SQLite fuzzy candidates come from the word-feature index (``TmFeatureRow``, see
    ``memory/tm.py``) and concordance search from FTS5 trigram tables (``tm_fts``,
    ``tm_fts_target``, created by migrations); on PostgreSQL a pg_trgm GIN index serves both.
    """

    __tablename__ = "tm_entries"
    __table_args__ = (
        UniqueConstraint("source_lang", "target_lang", "source_key", "target_text"),
        Index("ix_tm_exact", "source_lang", "target_lang", "source_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_lang: Mapped[str] = mapped_column(String(16))
    target_lang: Mapped[str] = mapped_column(String(16))
    source_text: Mapped[str] = mapped_column(Text)  # with inline placeholders, as segments hold them
    target_text: Mapped[str] = mapped_column(Text)
    source_key: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(16))
    # Provenance: where and by whom it was approved, and the machine draft it replaced.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="SET NULL"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    draft_text: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    # How the inline codes looked in the file the entry came from, per side ("source",
    # "target"): {"pairs": {placeholder: {"open": code, "close": code}}, "anchored":
    # [{"at": offset in the text, **code}], "space": [lead, trail]}, a code being {"el",
    # "attrs", "inner"} (and "part" for a container's open/close), "space" the whitespace
    # the text lost at its ends.  None for the review's entries.  The text
    # keeps Relais's placeholders; only exports read this (memory/interchange.py).
    codes: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# On SQLite an INTEGER (64-bit) key: "BIGINT PRIMARY KEY" would not be the rowid.
FEATURE = BigInteger().with_variant(Integer(), "sqlite")


class TmFeatureRow(Base):
    """A posting of the memory's word-feature index (SQLite): entry ``entry_id`` holds the
    feature ``feature``, a 48-bit hash of one word or adjacent word pair of its
    ``source_key`` (``memory/tm.py``, ``features``).  Written by ``add_entry``; deleted
    with the entry (cascade), and a trigger from migration 0005 decrements the df."""

    __tablename__ = "tm_features"
    __table_args__ = (Index("ix_tm_features_entry", "entry_id"), {"sqlite_with_rowid": False})

    feature: Mapped[int] = mapped_column(FEATURE, primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("tm_entries.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )


class TmFeatureDfRow(Base):
    """How many memory entries hold a feature (its document frequency): lookup reads the
    rarest features' postings only."""

    __tablename__ = "tm_feature_df"

    feature: Mapped[int] = mapped_column(FEATURE, primary_key=True, autoincrement=False)
    df: Mapped[int] = mapped_column(Integer)


class TermType:
    PERSON = "person"
    PLACE = "place"
    ORGANISATION = "organisation"
    TERM = "term"

    ALL = (PERSON, PLACE, ORGANISATION, TERM)


class TermStatus:
    PROPOSED = "proposed"
    APPROVED = "approved"


class TermRow(Base):
    """One entity or term of the source language (a person, a place, an organisation,
    a term), with its renderings per target language."""

    __tablename__ = "terms"
    __table_args__ = (UniqueConstraint("source_lang", "source_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_lang: Mapped[str] = mapped_column(String(16))
    source_term: Mapped[str] = mapped_column(Text)  # "Sergei Lavrov"
    source_key: Mapped[str] = mapped_column(Text)  # normalised for lookup
    type: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    renderings: Mapped[list[TermRenderingRow]] = relationship(
        back_populates="term", cascade="all, delete-orphan", order_by="TermRenderingRow.id"
    )


class TermRenderingRow(Base):
    """How a term is written in one target language ("Sergueï Lavrov" in French), with
    the variants that must not be used.  Proposed renderings wait for an editor."""

    __tablename__ = "term_renderings"
    __table_args__ = (UniqueConstraint("term_id", "lang", "text"), Index("ix_term_renderings_lang", "lang", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    forbidden: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=TermStatus.PROPOSED)
    note: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[str | None] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))  # where it was proposed
    # the publication whose text it was learnt from (proposals from a review)
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    term: Mapped[TermRow] = relationship(back_populates="renderings")


class ApiTokenRow(Base):
    """A token of a system (a CMS, a feed reader) for the HTTP API.  Only the SHA-256 of
    the token is stored; it is shown once when made.  Scopes: ``ingest``, ``read``,
    ``drafts``; ``languages`` (empty: all) limits the target languages it may ask for.
    A revoked token keeps its row (the journal and the access log name it)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiAccessRow(Base):
    """One call of the HTTP API: when, who (``token:NAME`` or the user's name), method,
    path and the status answered."""

    __tablename__ = "api_access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    who: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(2000))
    status: Mapped[int] = mapped_column(Integer)


class ApiWriteRow(Base):
    """A write through the API: who (``token:NAME`` or a user), what (``ingest``), the
    article and jobs it made, and, when the call carried one, its ``Idempotency-Key``
    with the answer given (a retry with the same key gets that answer again)."""

    __tablename__ = "api_writes"
    __table_args__ = (UniqueConstraint("who", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    who: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict] = mapped_column(JSON, default=dict)


class DeliveryStatus:
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookRow(Base):
    """A subscriber: deliveries of the ``events`` it names go to ``url``, signed with
    ``secret`` (a Standard Webhooks ``whsec_…`` secret; relais/store/events.py)."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDeliveryRow(Base):
    """One event for one webhook (the outbox): written in the transaction of the change it
    reports, sent by a deliverer that leases it (``lease_owner`` until ``lease_until``),
    with the answer of its last attempt.  ``msg_id`` is the Standard Webhooks
    ``webhook-id``, the same on every retry."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
                      Index("ix_webhook_deliveries_webhook", "webhook_id"))  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    msg_id: Mapped[str] = mapped_column(String(64), unique=True)
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)  # the exact JSON body sent (and signed)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(Integer)  # HTTP status of the last answer
    last_body: Mapped[str | None] = mapped_column(Text)  # its first 1,000 characters
    last_error: Mapped[str | None] = mapped_column(Text)  # connection error, timeout …
    last_seconds: Mapped[float | None] = mapped_column(Float)
    log: Mapped[list] = mapped_column(JSON, default=list)  # every attempt: at, status, error, seconds
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FeedRow(Base):
    """A feed ``relais watch`` follows (``relais.feeds``): its URL, the languages its
    items are queued for, the validators of its last full answer, the guids it listed
    then, and the last poll's error (None when the poll went well)."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    url_digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the URL as given
    targets: Mapped[list] = mapped_column(JSON, default=list)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_guids: Mapped[list] = mapped_column(JSON, default=list)
    last_polled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FeedItemRow(Base):
    """One version of one feed item, claimed by the watcher that ingests it.  The unique
    key (feed, guid, content hash) is what makes a version ingested once however many
    watchers poll the feed: the row is inserted in the transaction that stores the
    article.  ``article_id`` None: the item's content was refused (``error`` says why);
    ``queued_at`` None: its jobs are still to be queued."""

    __tablename__ = "feed_items"
    __table_args__ = (UniqueConstraint("feed_id", "guid_digest", "content_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(Text)
    guid_digest: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
