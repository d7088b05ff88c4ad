"""The native inline codes of imported memory entries.

- ``tm_entries.codes``: nullable JSON, per side (``source``, ``target``), how the inline
  codes of that side looked in the file it came from (TMX ``bpt``/``ept``/``ph``/``it``/
  ``ut``/``hi``): ``pairs`` (placeholder name → its native open and close element) and
  ``anchored`` (codes Relais has no placeholder for, each at a character offset of the
  entry's text).  The entry's text keeps Relais's placeholders; an export rebuilds the
  native codes from this column (``relais/memory/interchange.py``).  Entries stored before
  this revision, and every entry the review adds, have none and export Relais's own.

This migration imports nothing from the application.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tm_entries", sa.Column("codes", sa.JSON()))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): no batch copy, which would drop the
    # FTS5 triggers of tm_entries
    op.drop_column("tm_entries", "codes")
