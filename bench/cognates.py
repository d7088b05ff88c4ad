"""How well the aligner's cognate anchor tells a translation from an unrelated sentence.

For each FLORES-200 dev line, the share of the English sentence's letter 4-grams (of its
long lower-case words) that the human reference holds, against the same share with a
random other line of the reference: the medians, and how often each is above 0.15.  The
share is the aligner's own (``relais.checks.align.cognate_share``).

    .venv/bin/python bench/cognates.py --flores ../shared/eval/flores-dev [--langs fr,de,es,it,pt]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flores import read_lines  # noqa: E402  (bench/flores.py)
from relais.checks.align import cognate_share as share  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flores", type=Path, default=Path("../shared/eval/flores-dev"))
    parser.add_argument("--langs", default="fr,de,es,it,pt")
    parser.add_argument("--lines", type=int, default=997)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{'lang':6}{'pairs':>7}{'true median':>13}{'random median':>15}{'true > 0.15':>13}{'random > 0.15':>15}")
    for lang in args.langs.split(","):
        source = read_lines(args.flores / f"en-{lang}" / "flores-dev.en", args.lines)
        target = read_lines(args.flores / f"en-{lang}" / f"flores-dev.{lang}", args.lines)
        rng = random.Random(args.seed)
        true, false = [], []
        for i, s in enumerate(source):
            t = share(s, target[i])
            if t is None:
                continue
            true.append(t)
            false.append(share(s, target[(i + rng.randint(1, len(target) - 1)) % len(target)]))
        above = lambda xs: 100 * sum(x > 0.15 for x in xs) / len(xs)  # noqa: E731
        print(f"{lang:6}{len(true):>7}{statistics.median(true):>13.3f}{statistics.median(false):>15.3f}"
              f"{above(true):>12.0f}%{above(false):>14.0f}%")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
