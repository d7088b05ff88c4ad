"""Short English news articles, made up for the queue tests and bench/scale.py.

Each is a Markdown file with a headline and a few paragraphs; the numbers, names and
places vary with the index so no two articles are the same (the store keeps one copy of
identical articles).
"""

from __future__ import annotations

import random
from pathlib import Path

TOWNS = ["Harwick", "Lowmere", "Castlebury", "Fenton Cross", "Aldridge", "Brookhaven", "Millbank", "Ostrey"]
PEOPLE = ["Ada Whitcombe", "Tomas Brandt", "Leila Farouk", "Owen Pryce", "Marta Kowal", "Ravi Menon", "Ines Duarte"]
BODIES = ["the county council", "the regional water board", "the harbour authority", "the transport agency"]
TOPICS = [
    ("bridge repairs", "the old river bridge", "closed to lorries"),
    ("school meals", "the primary schools", "short of cooks"),
    ("bus routes", "the night buses", "cut back"),
    ("flood defences", "the east embankment", "raised"),
    ("library hours", "the central library", "open on Sundays"),
]


def article(index: int, paragraphs: int = 2) -> str:
    """The Markdown text of article number ``index`` (deterministic)."""
    rng = random.Random(index)
    town, person, body = rng.choice(TOWNS), rng.choice(PEOPLE), rng.choice(BODIES)
    topic, thing, state = TOPICS[index % len(TOPICS)]
    amount = rng.randint(2, 90) * 100_000
    year = 2020 + index % 7
    lines = [f"# {town} plans {topic} for {year} (report {index})", ""]
    sentences = [
        f"{body.capitalize()} said on Tuesday that {thing} in {town} would be {state} from March.",
        f"The work is expected to cost £{amount:,} and to last {rng.randint(3, 30)} weeks.",
        f"{person}, who chairs the committee, said residents had waited {rng.randint(2, 12)} years for a decision.",
        f"About {rng.randint(120, 9000):,} people signed a petition last autumn.",
        f"Officials will meet again on {rng.randint(1, 28)} May to review the plans.",
        "Opponents say the money would be better spent elsewhere.",
    ]
    for p in range(paragraphs):
        lines += [" ".join(sentences[2 * p : 2 * p + 2]), ""]
    return "\n".join(lines)


def write_articles(folder: Path, count: int, paragraphs: int = 2) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"article-{i:03d}.md"
        path.write_text(article(i, paragraphs), encoding="utf-8")
        paths.append(path)
    return paths
