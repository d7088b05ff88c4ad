"""Stored records (SQLAlchemy 2).  Portable types only, so PostgreSQL uses the same models.

Rows are added, not rewritten, along the flow article → blocks → segments → jobs →
drafts.  A draft is unique per (job, segment): that is what makes jobs resumable and
idempotent (a re-run skips segments that already have one).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
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
    FAILED = "failed"

    UNFINISHED = (QUEUED, RUNNING)


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

    Actions: ``claim``, ``edit``, ``approve_segment``, ``approve_article``, ``sign_off``,
    ``reopen``, ``publish``.  A segment is approved when an ``approve_segment`` event names
    its current version; an edit after that makes a new version, so the approval lapses.
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
