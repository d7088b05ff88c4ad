"""A reviewable French job: an English article of our own, a machine draft replayed
as an engine returned it (with the kinds of mistakes engines make), and real findings
from the real checks.  Used by the review tests and by bench/review.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from relais.document.model import Article, Block, BlockKind
from relais.engines.types import Provenance, SegmentResult
from relais.jobs.runner import check_job
from relais.review import accounts
from relais.store import repo
from relais.store.db import Store, open_store
from relais.store.models import JobStatus, SegmentRow

PASSWORD = "correct horse battery"

# (kind, English source, French machine draft).  Block 3 changes a figure (4,200 → 4 300):
# the figures check must flag it and the translator fixes it.  Block 5 keeps an English
# fragment.  The rest is a fair draft.
STORY = [
    (BlockKind.HEADLINE, "Harbour town votes to rebuild its flooded quay",
     "La ville portuaire vote la reconstruction de son quai inondé"),
    (BlockKind.KEY_POINT, "The council approved the plan by 7 votes to 2.",
     "Le conseil a approuvé le plan par 7 voix contre 2."),
    (BlockKind.SUBHEADING, "A costly winter", "Un hiver coûteux"),
    (BlockKind.PARAGRAPH, "The storm damaged 4,200 metres of sea wall in January.",
     "La tempête a endommagé 4 300 mètres de digue en janvier."),
    (BlockKind.PARAGRAPH, "Fishing boats stayed in port for three weeks.",
     "Les bateaux de pêche sont restés au port pendant trois semaines."),
    (BlockKind.PARAGRAPH, "Repairs will start in <a1>the spring</a1>, the mayor said.",
     "Les travaux commenceront au <a1>printemps</a1>, a déclaré the mayor said."),
]
LINKS = {5: {"a1": {"href": "https://example.org/plan"}}}


@dataclass
class SeededJob:
    job_id: int
    article_id: int
    segment_ids: list[int]  # in reading order


def seed_job(store: Store, story=STORY, links=LINKS, target: str = "fr", title: str | None = None, *,
             story_id: int | None = None) -> SeededJob:
    """A job with ``story``'s machine draft, checked; with ``story_id``, of the next
    version of that story (``story`` then differs from its latest version)."""
    blocks = [Block(kind, src, dict(links.get(i, {}))) for i, (kind, src, _) in enumerate(story)]
    article = Article(blocks=blocks, title=title or story[0][1], source_format="markdown")
    prov = Provenance("llama", "recorded-draft", "0" * 12, "3")
    with store.write() as s:
        row, _ = repo.save_article(s, article, "\n\n".join(src for _, src, _ in story).encode(), "story.md",
                                   story_id=story_id)  # fmt: skip
        job = repo.create_job(s, row.id, target, "llama")
        segs = [seg for seg, _ in repo.article_segments(s, row.id)]
        by_block: dict[int, list[SegmentRow]] = {}
        for seg, block in repo.article_segments(s, row.id):
            by_block.setdefault(block.position, []).append(seg)
        results = []
        for i, (_, _, draft) in enumerate(story):
            seg = by_block[i][0]  # one sentence per block in these stories
            results.append((seg.id, SegmentResult(str(seg.id), draft, prov)))
        repo.save_drafts(s, job.id, results)
        job.status = JobStatus.DONE
        job_id, article_id, ids = job.id, row.id, [seg.id for seg in segs]
    check_job(store, job_id)
    return SeededJob(job_id, article_id, ids)


USERS = {
    "tina": ("translator", ["fr"]),
    "dora": ("translator", ["de"]),
    "eddie": ("editor", []),
    "ada": ("admin", []),
}


def seed_users(store: Store) -> None:
    with store.write() as s:
        for name, (role, langs) in USERS.items():
            accounts.add_user(s, name, PASSWORD, role, langs)


SEEDED = "review"  # the seeded template's name (tests/conftest.py: seeded_job, seeded_url)


def seed_review(url: str) -> SeededJob:
    """Seed the template every ``seeded_url`` copies, once per test session (hashing four
    passwords with Argon2 takes seconds; copying a database does not)."""
    store = open_store(url)
    try:
        seed_users(store)
        return seed_job(store)
    finally:
        store.close()  # SQLite: the last connection checkpoints the WAL; PostgreSQL: no session left on the template
