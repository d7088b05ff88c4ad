"""Where the time goes when Relais translates the example web page.

Runs the whole job as the CLI does (ingest, store, segment, translate, score meaning risk,
check, render) with the configured default engine, in a fresh data directory each repeat,
and prints: wall time, time inside the engine (translation and meaning-risk scoring),
their ratio (target: everything that is not the engine costs at most 5 % of wall time),
translation throughput (source words/s, generated tokens/s) and peak memory.  Medians
over --repeat runs.

    .venv/bin/python bench/pipeline.py [--article examples/story.html] [--to fr] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from relais.config import load_config
from relais.desk import Desk
from relais.jobs.executor import EnginePool
from relais.store import translation

ROOT = Path(__file__).resolve().parent.parent


def one_run(article: Path, target: str, engine_name: str | None, models_dir: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as home:
        home_path = Path(home)
        # Share the assembled model between runs: assembling it is a first-use cost, not a per-article one.
        (home_path / "models").symlink_to(models_dir, target_is_directory=True)
        config = load_config(home_path)
        if engine_name:
            config.engine = engine_name
        engines = EnginePool(config)
        t_load = time.perf_counter()
        engines.get(config.engine).warm_up()
        load_seconds = time.perf_counter() - t_load

        desk = Desk(config)
        t0 = time.perf_counter()
        ingested = desk.ingest(article.read_bytes(), name=article.name)
        job_ids = desk.queue(ingested.article_id, [target], config.engine)
        outcomes = desk.run(job_ids, desk.executor(engines))
        text = desk.render(job_ids[0], "md")
        wall = time.perf_counter() - t0
        with desk.store.write() as s:
            drafts = translation.load(s, job_ids[0], current=False)
        desk.close()
        engines.close()
        out_tokens = sum((seg.provenance or {}).get("output_tokens", 0) for b in drafts.blocks for seg in b.segments)
        engine_seconds = sum(o.engine_seconds for o in outcomes)
        risk_seconds = sum(o.risk_seconds for o in outcomes)
        return {
            "wall": wall,
            "engine": engine_seconds + risk_seconds,
            "translate": engine_seconds,
            "risk": risk_seconds,
            "load": load_seconds,
            "words": ingested.words,
            "segments": ingested.segments,
            "tokens": out_tokens,
            "failed": drafts.draft_counts["failed"],
            "chars": len(text),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--article", type=Path, default=ROOT / "examples" / "story.html")
    parser.add_argument("--to", default="fr")
    parser.add_argument("--engine", default=None, help="engine name (default: configured default)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    config = load_config()
    models_dir = config.home / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    runs = []
    for i in range(args.repeat):
        r = one_run(args.article, args.to, args.engine, models_dir)
        runs.append(r)
        print(
            f"run {i + 1}: wall {r['wall']:.2f} s, engine {r['engine']:.2f} s (translate {r['translate']:.2f} s, "
            f"meaning risk {r['risk']:.2f} s), model load {r['load']:.2f} s, "
            f"{r['segments']} segments, {r['failed']} failed",
            file=sys.stderr,
        )

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    wall, engine = med("wall"), med("engine")
    overhead = statistics.median((r["wall"] - r["engine"]) / r["wall"] for r in runs)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"article              {args.article.name}: {runs[0]['words']} words, {runs[0]['segments']} segments -> {args.to}")
    print(f"runs                 {len(runs)} (medians below)")
    print(f"wall time            {wall:.2f} s  (ingest + store + translate + render; model load excluded)")
    print(f"engine time          {engine:.2f} s  (translation {med('translate'):.2f} s + meaning risk {med('risk'):.2f} s)")
    print(f"non-engine share     {overhead * 100:.2f} %  (target <= 5 %)")
    print(f"model load           {med('load'):.2f} s  (once per process)")
    translate = med("translate")
    print(f"throughput           {runs[0]['words'] / translate:.1f} source words/s, {med('tokens') / translate:.1f} generated tokens/s (translation)")
    print(f"peak memory (RSS)    {peak_mib:.0f} MiB")
    print(f"failed segments      {med('failed'):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
