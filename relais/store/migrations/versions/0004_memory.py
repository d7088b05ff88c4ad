"""Translation memory (with a trigram index for fuzzy lookup) and termbase.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

# SQLite: an external-content FTS5 table with the trigram tokenizer over tm_entries.source_key,
# kept in step by triggers.  PostgreSQL: pg_trgm and a GIN index on the same column.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE tm_fts USING fts5(source_key, content='tm_entries', content_rowid='id', tokenize='trigram')",
    """CREATE TRIGGER tm_entries_ai AFTER INSERT ON tm_entries BEGIN
         INSERT INTO tm_fts(rowid, source_key) VALUES (new.id, new.source_key);
       END""",
    """CREATE TRIGGER tm_entries_ad AFTER DELETE ON tm_entries BEGIN
         INSERT INTO tm_fts(tm_fts, rowid, source_key) VALUES ('delete', old.id, old.source_key);
       END""",
    """CREATE TRIGGER tm_entries_au AFTER UPDATE OF source_key ON tm_entries BEGIN
         INSERT INTO tm_fts(tm_fts, rowid, source_key) VALUES ('delete', old.id, old.source_key);
         INSERT INTO tm_fts(rowid, source_key) VALUES (new.id, new.source_key);
       END""",
]
POSTGRES_TRGM = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_tm_trgm ON tm_entries USING gin (source_key gin_trgm_ops)",
]


def upgrade() -> None:
    op.create_table(
        "tm_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_lang", sa.String(16), nullable=False),
        sa.Column("target_lang", sa.String(16), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("target_text", sa.Text(), nullable=False),
        sa.Column("source_key", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("jobs.id", ondelete="SET NULL")),
        sa.Column("segment_id", sa.Integer(), sa.ForeignKey("segments.id", ondelete="SET NULL")),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id", ondelete="SET NULL")),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("approved_at", TS),
        sa.Column("draft_text", sa.Text()),
        sa.Column("note", sa.Text()),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("source_lang", "target_lang", "source_key", "target_text"),
    )
    op.create_index("ix_tm_exact", "tm_entries", ["source_lang", "target_lang", "source_key"])
    op.create_table(
        "terms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_lang", sa.String(16), nullable=False),
        sa.Column("source_term", sa.Text(), nullable=False),
        sa.Column("source_key", sa.Text(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("source_lang", "source_key"),
    )
    op.create_table(
        "term_renderings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("term_id", sa.Integer(), sa.ForeignKey("terms.id", ondelete="CASCADE"), nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("forbidden", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("proposed_by", sa.String(200)),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("jobs.id", ondelete="SET NULL")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("approved_at", TS),
        sa.UniqueConstraint("term_id", "lang", "text"),
    )
    op.create_index("ix_term_renderings_lang", "term_renderings", ["lang", "status"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == "sqlite" else POSTGRES_TRGM if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("tm_entries_ai", "tm_entries_ad", "tm_entries_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS tm_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_tm_trgm")
    op.drop_index("ix_term_renderings_lang", "term_renderings")
    op.drop_table("term_renderings")
    op.drop_table("terms")
    op.drop_index("ix_tm_exact", "tm_entries")
    op.drop_table("tm_entries")
