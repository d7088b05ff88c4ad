"""The learning loop, measured: does post-editing effort fall once Relais has learnt?

Uses the six related articles of examples/series/ (written for this project, each with the
French translation a translator approved).  In a fresh data directory:

1. translates every article with the engine, as the desk would with nothing learnt;
2. reviews and publishes the first half: the approved translation is saved and confirmed
   segment by segment by a translator, who approves the article; another editor signs it
   off and publishes it (which fills the translation memory and proposes the name
   renderings the translator changed for the termbase); an editor approves them;
3. translates the second half again, now with the memory and the termbase;
4. prints, for the second half, the post-editing effort before and after (HTER of the
   machine draft against the approved translation, sacrebleu TER), the segments taken
   from the memory, and the termbase violations left in the drafts (the terms checks run
   with the final termbase on both drafts).

    .venv/bin/python bench/learning.py [--engine llama] [--series examples/series]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def read_series(folder: Path) -> list[tuple[str, bytes, list[str]]]:
    """(name, English Markdown, approved French text per block) for each article."""
    from relais.document.ingest import ingest_bytes

    out = []
    for english in sorted(folder.glob("*.en.md")):
        french = english.with_name(english.name.replace(".en.md", ".fr.md"))
        data = english.read_bytes()
        reference = ingest_bytes(french.read_bytes(), name=french.name, language="fr", strip_ui_text=False)
        out.append((english.name, data, [b.text for b in reference.blocks]))
    return out


def translate(desk, engines, article_id: int, fresh: bool) -> int:
    job_ids = desk.queue(article_id, ["fr"], fresh=fresh)
    desk.run(job_ids, desk.executor(engines))
    return job_ids[0]


def draft_texts(desk, job_id: int) -> list[tuple[int, str | None]]:
    """(segment id, machine draft) in reading order; one segment per block in the series."""
    draft = desk.draft(job_id)
    return [(seg.id, seg.draft) for block in draft.blocks for seg in block.segments]


def review(desk, job_id: int, reference: list[str], translator, editor, publisher) -> tuple[int, int]:
    """The translator saves the approved translation and confirms every segment, then
    approves the article; an editor who did no work signs it off and publishes it (the
    memory and the termbase learn at publication); the first editor approves the
    proposed name renderings.  Returns (TM entries added, renderings approved)."""
    from sqlalchemy import func, select

    from relais.memory.termbase import approve_rendering
    from relais.publish.publisher import publish
    from relais.review import service
    from relais.store.models import TermRenderingRow, TermStatus, TmEntryRow

    with desk.store.write() as s:
        before = s.scalar(select(func.count()).select_from(TmEntryRow))
        view = service.job_view(s, job_id)
        for seg, text in zip(view.segments, reference, strict=True):
            if seg.text != text:
                seg = service.save_segment(s, translator, job_id, seg.id, text, seg.version, active_seconds=5)
            service.confirm_segment(s, translator, job_id, seg.id, seg.version, seconds=5)
        service.approve_article(s, translator, job_id)
        service.sign_off(s, publisher, job_id)
        publish(s, publisher, job_id)
        proposals = list(s.scalars(select(TermRenderingRow).where(
            TermRenderingRow.job_id == job_id, TermRenderingRow.status == TermStatus.PROPOSED)))  # fmt: skip
        for p in proposals:
            approve_rendering(s, editor, p.id)
        added = s.scalar(select(func.count()).select_from(TmEntryRow)) - before
    return added, len(proposals)


def term_violations(desk, job_id: int) -> int:
    """terms.* findings in the machine draft, checked with the termbase as it is now."""
    from relais.checks.base import CheckContext
    from relais.checks.registry import run_checks
    from relais.checks.audit import draft_pairs
    from relais.memory.termbase import termbase_for

    draft = desk.draft(job_id)
    pairs = draft_pairs(draft).pairs
    with desk.store.write() as s:
        termbase = termbase_for(s, draft.target_language, draft.source_language)
        ctx = CheckContext(draft.source_language, draft.target_language, machine_output=True, termbase=termbase)
        return sum(f.check.startswith("terms.") for f in run_checks(pairs, ctx))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=Path, default=ROOT / "examples" / "series")
    parser.add_argument("--engine", default=None, help="engine name (default: the configured one)")
    args = parser.parse_args()

    from relais.config import load_config
    from relais.desk import Desk
    from relais.jobs.executor import EnginePool
    from relais.publish.effort import article_hter
    from relais.review import accounts
    from relais.store.actors import Actor

    series = read_series(args.series)
    if len(series) < 2:
        print(f"error: no article pairs in {args.series}", file=sys.stderr)
        return 2
    half = len(series) // 2
    shared_models = load_config().home / "models"
    shared_models.mkdir(parents=True, exist_ok=True)  # linked below: assembled once
    with tempfile.TemporaryDirectory(prefix="relais-learning-") as home:
        (Path(home) / "models").symlink_to(shared_models, target_is_directory=True)
        config = load_config(Path(home))
        config.risk_method = "rules"  # the loop measures translation, not risk scoring
        if args.engine:
            config.engine = args.engine
        desk = Desk(config)
        engines = EnginePool(config)
        with desk.store.write() as s:
            translator = Actor.of(accounts.add_user(s, "translator", "learning loop 1", "translator", ["fr"]))
            editor = Actor.of(accounts.add_user(s, "editor", "learning loop 2", "editor", []))
            publisher = Actor.of(accounts.add_user(s, "publisher", "learning loop 3", "editor", []))
        t0 = time.perf_counter()
        articles = []
        for name, data, reference in series:
            ingested = desk.ingest(data, name=name)
            job_id = translate(desk, engines, ingested.article_id, fresh=False)
            articles.append((name, ingested.article_id, job_id, reference))
        learnt_tm = learnt_terms = 0
        for name, _, job_id, reference in articles[:half]:
            tm, terms = review(desk, job_id, reference, translator, editor, publisher)
            learnt_tm, learnt_terms = learnt_tm + tm, learnt_terms + terms
        rows = []
        for name, article_id, first_job, reference in articles[half:]:
            second_job = translate(desk, engines, article_id, fresh=True)
            before, after = draft_texts(desk, first_job), draft_texts(desk, second_job)
            with desk.store.write() as s:
                from relais.store.models import DraftRow
                from sqlalchemy import select

                reused = len(s.scalars(select(DraftRow).where(DraftRow.job_id == second_job, DraftRow.engine == "memory")).all())
            rows.append(
                (
                    name,
                    article_hter([(t, r) for (_, t), r in zip(before, reference)]),
                    article_hter([(t, r) for (_, t), r in zip(after, reference)]),
                    reused,
                    len(after),
                    term_violations(desk, first_job),
                    term_violations(desk, second_job),
                )
            )
        seconds = time.perf_counter() - t0
        engines.close()
        desk.close()

    print(f"series: {args.series} ({len(series)} articles); learnt from the first {half}: "
          f"{learnt_tm} memory entries, {learnt_terms} approved name renderings")  # fmt: skip
    print(f"{'article':12}{'HTER before':>13}{'HTER after':>12}{'from memory':>13}{'term violations':>17}")
    for name, hb, ha, reused, total, vb, va in rows:
        print(f"{name:12}{hb:>13.3f}{ha:>12.3f}{f'{reused}/{total}':>13}{f'{vb} -> {va}':>17}")
    mean_b = statistics.mean(r[1] for r in rows)
    mean_a = statistics.mean(r[2] for r in rows)
    print(f"{'mean':12}{mean_b:>13.3f}{mean_a:>12.3f}   effort change {100 * (mean_a - mean_b) / mean_b if mean_b else 0:+.0f} %; "
          f"term violations {sum(r[5] for r in rows)} -> {sum(r[6] for r in rows)}")  # fmt: skip
    print(f"({seconds:.0f} s, engine {config.engine})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
