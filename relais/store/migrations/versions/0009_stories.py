"""Stories and their versions.

- ``stories``: one row per story; ``story_keys``: what names it (a normalised canonical
  URL, a feed guid, a CMS id), each key naming one story.
- ``articles`` gains ``story_id``, ``version`` and ``modified``; the content hash is no
  longer unique (an update that reverts to earlier text is a new version), a version
  number is unique within its story.
- ``jobs.base_job_id``: the job of an earlier version that a job updates.
- ``publications`` gain ``withdrawn_at``, ``withdrawn_by`` and ``withdrawn_reason``.
- Articles stored before become stories: those with the same normalised URL are the
  versions of one story, in the order they arrived; every other article is a story of
  its own, version 1.

The downgrade refuses, changing nothing, when two articles have the same text (an update
that reverted a story to earlier text): the schema before it held one article per text.

This migration carries its own copy of the URL normalisation of that day and imports
nothing from the application.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from alembic import op
from alembic.util import CommandError

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
# SQLite: the articles table is rebuilt (its constraints change), so this migration runs
# with foreign keys off; a DROP TABLE would otherwise cascade (relais.store.db).
sqlite_rebuilds_tables = True

# Frozen copy of relais.document.story.normalise_url as of this migration.
_TRACKING = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid|_hsenc|_hsmi|"
    r"mkt_tok|ocid|cmpid|at_\w+|ns_\w+|sr_share|ref|ref_src|ref_url|smid|smtyp|xtor|__twitter_impression|"
    r"amp|outputtype|output_type|_ga|_gl|s_cid|wt\.mc_id)$",
    re.IGNORECASE,
)
_AMP_PATH = re.compile(r"/amp/?$|/amp\.html?$|\.amp$|\.amp(?=\.html?$)", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _normalise_url(url):
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if host.startswith("amp."):
        host = host[4:]
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = _AMP_PATH.sub("", parts.path) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def _backfill(bind) -> None:
    articles = bind.execute(sa.text("SELECT id, url, created_at FROM articles ORDER BY id")).all()
    stories: dict[str, tuple[int, int]] = {}  # normalised url → (story id, last version)
    for article in articles:
        key = _normalise_url(article.url) if article.url else None
        if key is not None and len(key) <= 2000 and key in stories:
            story_id, version = stories[key]
            version += 1
        else:
            story_id = bind.execute(
                sa.text("INSERT INTO stories (created_at) VALUES (:at) RETURNING id"), {"at": article.created_at}
            ).scalar_one()
            version = 1
            if key is not None and len(key) <= 2000:
                bind.execute(
                    sa.text("INSERT INTO story_keys (story_id, kind, value, digest, created_at)"
                            " VALUES (:story, 'url', :value, :digest, :at)"),  # fmt: skip
                    {"story": story_id, "value": key, "digest": hashlib.sha256(key.encode()).hexdigest(),
                     "at": article.created_at},  # fmt: skip
                )
        if key is not None:
            stories[key] = (story_id, version)
        bind.execute(
            sa.text("UPDATE articles SET story_id = :story, version = :version WHERE id = :id"),
            {"story": story_id, "version": version, "id": article.id},
        )


def _unique_hash_name(bind) -> str:
    return "articles_content_hash_key" if bind.dialect.name == "postgresql" else "uq_articles_content_hash"


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("withdrawn_at", TS),
        sa.Column("withdrawn_by", sa.String(200)),
        sa.Column("withdrawn_reason", sa.Text()),
    )
    op.create_table(
        "story_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("story_id", sa.Integer(), sa.ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("kind", "digest"),
    )
    op.create_index("ix_story_keys_story", "story_keys", ["story_id"])
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("story_id", sa.Integer()))
        batch.add_column(sa.Column("version", sa.Integer()))
        batch.add_column(sa.Column("modified", sa.String(64)))
    bind = op.get_bind()
    _backfill(bind)
    # The content hash was unique; its constraint has no name on SQLite (the naming
    # convention gives the reflected one a name to drop) and PostgreSQL's own on PostgreSQL.
    unique_hash = _unique_hash_name(bind)
    with op.batch_alter_table(
        "articles", naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"}
    ) as batch:
        batch.drop_constraint(unique_hash, type_="unique")
        batch.alter_column("story_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("version", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_articles_story", "stories", ["story_id"], ["id"], ondelete="CASCADE")
        batch.create_unique_constraint("uq_articles_story_version", ["story_id", "version"])
    op.create_index("ix_articles_content_hash", "articles", ["content_hash"])
    with op.batch_alter_table("publications") as batch:
        batch.add_column(sa.Column("withdrawn_at", TS))
        batch.add_column(sa.Column("withdrawn_by", sa.String(200)))
        batch.add_column(sa.Column("withdrawn_reason", sa.Text()))
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("base_job_id", sa.Integer()))
        batch.create_foreign_key("fk_jobs_base_job", "jobs", ["base_job_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    same = op.get_bind().execute(sa.text(
        "SELECT min(id), max(id) FROM articles GROUP BY content_hash HAVING count(*) > 1 ORDER BY min(id)")).first()  # fmt: skip
    if same is not None:
        raise CommandError(
            f"cannot downgrade below 0009: articles {same[0]} and {same[1]} have the same text (a story update that "
            "went back to earlier text), and the schema before 0009 holds one article per text"
        )
    with op.batch_alter_table("publications") as batch:
        batch.drop_column("withdrawn_reason")
        batch.drop_column("withdrawn_by")
        batch.drop_column("withdrawn_at")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint("fk_jobs_base_job", type_="foreignkey")
        batch.drop_column("base_job_id")
    op.drop_index("ix_articles_content_hash", "articles")
    with op.batch_alter_table("articles") as batch:
        batch.drop_constraint("uq_articles_story_version", type_="unique")
        batch.drop_constraint("fk_articles_story", type_="foreignkey")
        batch.drop_column("modified")
        batch.drop_column("version")
        batch.drop_column("story_id")
        batch.create_unique_constraint(_unique_hash_name(op.get_bind()), ["content_hash"])
    op.drop_index("ix_story_keys_story", "story_keys")
    op.drop_table("story_keys")
    op.drop_table("stories")
