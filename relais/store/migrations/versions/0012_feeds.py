"""Feeds that ``relais watch`` follows, and the item versions it has ingested.

- ``feeds``: one row per feed URL (unique by the digest of the URL), with its target
  languages, the ETag and Last-Modified of its last full answer, the guids listed then,
  and the last poll's error.
- ``feed_items``: one row per version of an item, unique on (feed, guid digest, content
  hash): the claim that makes each version ingested once however many watchers run.

This migration imports nothing from the application.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("last_guids", sa.JSON(), nullable=False),
        sa.Column("last_polled_at", TS),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "feed_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("feed_id", sa.Integer(), sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("guid", sa.Text(), nullable=False),
        sa.Column("guid_digest", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id", ondelete="SET NULL")),
        sa.Column("error", sa.Text()),
        sa.Column("queued_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("feed_id", "guid_digest", "content_hash"),
    )


def downgrade() -> None:
    op.drop_table("feed_items")
    op.drop_table("feeds")
