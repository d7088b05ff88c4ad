"""Translation quality of an engine on FLORES-200 dev, next to public systems.

Translates the first --lines sentences of the FLORES dev set (after --offset of them) with the chosen engine and
prints chrF and BLEU (sacrebleu) against the human reference, side by side with the
Google, Microsoft and Bergamot outputs for the same lines (files next to the data).

    .venv/bin/python bench/quality.py --flores ../shared/eval/flores-dev [--pair en-fr] [--lines 200] [--offset 0] [--engine llama]

The FLORES data (CC BY-SA 4.0) is read from the given path and never copied here.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import sacrebleu

from flores import read_lines  # bench/flores.py (scripts run from bench/ on sys.path)
from relais.config import load_config
from relais.engines.types import SegmentContext, SegmentRequest
from relais.engines.registry import create_engine



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flores", type=Path, default=Path("../shared/eval/flores-dev"), help="folder holding en-xx/")
    parser.add_argument("--pair", default="en-fr")
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument(
        "--offset", type=int, default=0, help="skip this many sentences first (tune on one slice, report on another)"
    )
    parser.add_argument("--engine", default=None, help="engine name (default: configured default)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--context", action="store_true", help="pass neighbouring sentences as context")
    parser.add_argument("--save", type=Path, help="write the engine's output lines to this file")
    args = parser.parse_args()

    src_lang, tgt_lang = args.pair.split("-")
    folder = args.flores / args.pair
    if not folder.is_dir():
        print(f"error: {folder} not found (give the FLORES folder with --flores)", file=sys.stderr)
        return 2
    sources = read_lines(folder / f"flores-dev.{src_lang}", args.lines, args.offset)
    reference = read_lines(folder / f"flores-dev.{tgt_lang}", args.lines, args.offset)

    config = load_config()
    engine = create_engine(args.engine or config.engine, config)
    note = engine.notice()
    if note:
        print(f"note: {note}", file=sys.stderr)
    requests = [
        SegmentRequest(
            key=str(i),
            text=text,
            source_lang=src_lang,
            target_lang=tgt_lang,
            context=SegmentContext(
                previous=sources[i - 1] if args.context and i > 0 else None,
                next=sources[i + 1] if args.context and i + 1 < len(sources) else None,
            ),
        )
        for i, text in enumerate(sources)
    ]
    hypotheses: list[str] = []
    failed = 0
    t0 = time.perf_counter()
    for start in range(0, len(requests), args.batch):
        for result in engine.translate(requests[start : start + args.batch]):
            if result.ok:
                hypotheses.append(result.text)
            else:
                failed += 1
                hypotheses.append("")  # a failed segment scores as an empty translation
        print(f"\r{len(hypotheses)}/{len(requests)} sentences", end="", file=sys.stderr)
    seconds = time.perf_counter() - t0
    print(file=sys.stderr)
    engine.close()
    if args.save:
        args.save.write_text("\n".join(hypotheses) + "\n", encoding="utf-8")

    systems: list[tuple[str, list[str]]] = [(f"relais:{engine.name} ({engine.model})", hypotheses)]
    for name in ("google", "microsoft", "bergamot-base-memory", "bergamot-tiny"):
        path = folder / f"flores-dev.{name}.{tgt_lang}"
        if path.exists():
            systems.append((name, read_lines(path, args.lines, args.offset)))

    where = f"first {len(sources)}" if args.offset == 0 else f"lines {args.offset}-{args.offset + len(sources) - 1},"
    print(f"FLORES-200 dev {args.pair}, {where} sentences; engine time {seconds:.1f} s, {failed} failed")
    print(f"{'system':48} {'chrF':>6} {'BLEU':>6}")
    for name, hyps in systems:
        chrf = sacrebleu.corpus_chrf(hyps, [reference]).score
        bleu = sacrebleu.corpus_bleu(hyps, [reference]).score
        print(f"{name:48} {chrf:6.1f} {bleu:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
