"""Translation memory: the word-feature index for fuzzy retrieval, and a trigram index
over target text for the concordance.

The feature hash of the backfill is copied here as it was at this revision (it was
``relais.memory.tm.features``), so the migration does not change when the application
does; it imports nothing from the application.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import re
from collections import Counter
from hashlib import blake2b

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FEATURE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# ------------------------------------------------------------------ the hash, frozen here

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+")


def features(key: str) -> list[int]:
    """The feature hashes of a match key: its words and adjacent word pairs, case-folded,
    numbers whole, each the 48-bit BLAKE2b of its UTF-8 bytes; sorted, without repeats."""
    words = [w.casefold() for w in _TOKEN.findall(key)]
    terms = set(words)
    terms.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return sorted({int.from_bytes(blake2b(t.encode(), digest_size=6).digest(), "big") for t in terms})


# SQLite only (PostgreSQL retrieves through pg_trgm and leaves the feature tables empty).
# Before an entry is deleted its features' document frequencies go down by one (rows at
# zero go); its postings then go by the foreign key's cascade.  A second external-content
# FTS5 trigram table indexes target_text for ``search``, kept in step like tm_fts.
SQLITE = [
    """CREATE TRIGGER tm_entries_features_bd BEFORE DELETE ON tm_entries BEGIN
         UPDATE tm_feature_df SET df = df - 1
           WHERE feature IN (SELECT feature FROM tm_features WHERE entry_id = old.id);
         DELETE FROM tm_feature_df
           WHERE df <= 0 AND feature IN (SELECT feature FROM tm_features WHERE entry_id = old.id);
       END""",
    "CREATE VIRTUAL TABLE tm_fts_target USING fts5(target_text, content='tm_entries', content_rowid='id', tokenize='trigram')",
    """CREATE TRIGGER tm_entries_target_ai AFTER INSERT ON tm_entries BEGIN
         INSERT INTO tm_fts_target(rowid, target_text) VALUES (new.id, new.target_text);
       END""",
    """CREATE TRIGGER tm_entries_target_ad AFTER DELETE ON tm_entries BEGIN
         INSERT INTO tm_fts_target(tm_fts_target, rowid, target_text) VALUES ('delete', old.id, old.target_text);
       END""",
    """CREATE TRIGGER tm_entries_target_au AFTER UPDATE OF target_text ON tm_entries BEGIN
         INSERT INTO tm_fts_target(tm_fts_target, rowid, target_text) VALUES ('delete', old.id, old.target_text);
         INSERT INTO tm_fts_target(rowid, target_text) VALUES (new.id, new.target_text);
       END""",
    "INSERT INTO tm_fts_target(tm_fts_target) VALUES ('rebuild')",
]


def upgrade() -> None:
    op.create_table(
        "tm_features",
        sa.Column("feature", FEATURE, primary_key=True, autoincrement=False),
        sa.Column(
            "entry_id", sa.Integer(), sa.ForeignKey("tm_entries.id", ondelete="CASCADE"), primary_key=True,
            autoincrement=False,
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_tm_features_entry", "tm_features", ["entry_id"])
    op.create_table(
        "tm_feature_df",
        sa.Column("feature", FEATURE, primary_key=True, autoincrement=False),
        sa.Column("df", sa.Integer(), nullable=False),
    )
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for statement in SQLITE:
        op.execute(statement)
    # Backfill the features of the entries already stored, in Python (the hash is ours).
    df: Counter[int] = Counter()
    postings = []
    for entry_id, key in bind.execute(sa.text("SELECT id, source_key FROM tm_entries")).all():
        for feature in features(key):
            postings.append({"f": feature, "e": entry_id})
            df[feature] += 1
    if postings:
        bind.execute(sa.text("INSERT INTO tm_features (feature, entry_id) VALUES (:f, :e)"), postings)
        bind.execute(
            sa.text("INSERT INTO tm_feature_df (feature, df) VALUES (:f, :n)"),
            [{"f": f, "n": n} for f, n in df.items()],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("tm_entries_features_bd", "tm_entries_target_ai", "tm_entries_target_ad", "tm_entries_target_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS tm_fts_target")
    op.drop_table("tm_feature_df")
    op.drop_index("ix_tm_features_entry", "tm_features")
    op.drop_table("tm_features")
