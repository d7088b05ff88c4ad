"""Speed of the automatic checks: segment pairs checked per second on one core.

Rule checks only (target: at least 2,000 pairs/s), then with the meaning-risk method
(back-translation through the configured engine, compared with the source by chrF).

    .venv/bin/python bench/checks.py --flores ../shared/eval/flores-dev [--lang fr] [--lines 997] [--risk-lines 20]

Times are process CPU time (one core), medians over --repeat runs; the first run also
loads dictionaries and language models, so it is reported apart.  For comparison, the
same pairs go through translate-toolkit's ``pofilter`` checks (its ``StandardChecker``
with the target language set, every filter pofilter runs by default) in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from flores import read_lines  # bench/flores.py (scripts run from bench/ on sys.path)
from relais.checks.base import CheckContext, SegmentPair
from relais.checks.meaning import BackTranslationScorer, segment_risk
from relais.checks.registry import all_checks, run_checks
from relais.config import load_config
from relais.document.model import BlockKind
from relais.engines.registry import create_engine



def pofilter_rate(sources: list[str], targets: list[str], lang: str, repeat: int) -> float:
    """Pairs per second of CPU through translate-toolkit's standard checks (what
    ``pofilter`` runs on each unit by default), the target language set."""
    from translate.filters import checks as tt_checks
    from translate.storage import pypo

    checker = tt_checks.StandardChecker(checkerconfig=tt_checks.CheckerConfig(targetlanguage=lang))
    units = []
    for source, target in zip(sources, targets):
        unit = pypo.pounit(source)
        unit.target = target
        units.append(unit)
    for unit in units[:50]:
        checker.run_filters(unit)  # first use: its language data
    rates = []
    for _ in range(repeat):
        t0 = time.process_time()
        for unit in units:
            checker.run_filters(unit)
        rates.append(len(units) / (time.process_time() - t0))
    return statistics.median(rates)


def toolkit_version() -> str:
    from importlib.metadata import version

    return version("translate-toolkit")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flores", type=Path, default=Path("../shared/eval/flores-dev"))
    parser.add_argument("--lang", default="fr")
    parser.add_argument("--lines", type=int, default=997)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--risk-lines", type=int, default=20, help="pairs to score with back-translation (0: none)")
    parser.add_argument("--engine", default=None)
    args = parser.parse_args()

    folder = args.flores / f"en-{args.lang}"
    if not folder.is_dir():
        print(f"error: {folder} not found (give the FLORES folder with --flores)", file=sys.stderr)
        return 2
    sources = read_lines(folder / "flores-dev.en", args.lines)
    targets = read_lines(folder / f"flores-dev.{args.lang}", args.lines)
    pairs = [SegmentPair(0, i, BlockKind.PARAGRAPH, s, t, "en", args.lang) for i, (s, t) in enumerate(zip(sources, targets))]
    ctx = CheckContext("en", args.lang, machine_output=False)

    t0 = time.process_time()
    all_checks()
    run_checks(pairs[:50], ctx)  # load dictionaries, language identifier, Babel data
    warmup = time.process_time() - t0

    ids = {c.id for c in all_checks() if c.applies_to(args.lang)}
    dictionary_ids = {i for i in ids if i.startswith(("spelling.", "grammar."))}
    rule_ids = ids - dictionary_ids

    def rate(only: set[str]) -> float:
        rates = []
        for _ in range(args.repeat):
            t0 = time.process_time()
            for pair in pairs:
                run_checks([pair], ctx, only=only)
            rates.append(len(pairs) / (time.process_time() - t0))
        return statistics.median(rates)

    print(f"checks registered       {len(all_checks())} ({len(ids)} apply to {args.lang})")
    print(f"pairs                   {len(pairs)} FLORES dev en-{args.lang} (human references)")
    print(f"first-use loading       {warmup:.2f} s CPU")
    print(f"rule checks             {rate(rule_ids):,.0f} pairs/s (median of {args.repeat}; target >= 2,000)")
    print(f"+ spelling and grammar  {rate(ids):,.0f} pairs/s (hunspell; Grammalecte for fr)")
    print(f"pofilter (for scale)    {pofilter_rate(sources, targets, args.lang, args.repeat):,.0f} pairs/s "
          f"(translate-toolkit {toolkit_version()} StandardChecker, same pairs, median of {args.repeat})")

    if args.risk_lines <= 0:
        return 0
    config = load_config()
    engine = create_engine(args.engine or config.engine, config)
    scorer = BackTranslationScorer(engine)
    sample = pairs[: args.risk_lines]
    engine.warm_up()
    t0 = time.perf_counter()
    scores = scorer.scores(sample)
    for pair, score in zip(sample, scores):
        segment_risk(run_checks([pair], ctx, only={"meaning"}), score)
    seconds = time.perf_counter() - t0
    print(f"with meaning risk       {len(sample) / seconds:.2f} pairs/s (back-translation by {engine.name}: {engine.model}; {len(sample)} pairs)")
    engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
