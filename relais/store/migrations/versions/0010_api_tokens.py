"""The HTTP API: tokens, the access log and the writes made through it.

- ``api_tokens``: name (unique), SHA-256 of the token (unique), scopes, languages,
  created, revoked, last used.
- ``api_access_log``: time, who, method, path, status of every API call.
- ``api_writes``: every write through the API (who, what, the article), with its
  ``Idempotency-Key`` and the answer given, unique per (who, key).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
        sa.Column("last_used", TS),
    )
    op.create_table(
        "api_access_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("who", sa.String(200)),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.String(2000), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
    )
    op.create_table(
        "api_writes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(200)),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="SET NULL")),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.UniqueConstraint("who", "idempotency_key"),
    )


def downgrade() -> None:
    op.drop_table("api_writes")
    op.drop_table("api_access_log")
    op.drop_table("api_tokens")
