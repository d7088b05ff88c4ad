"""How well the automatic checks do on real translations (FLORES-200 dev).

(a) loud findings (critical or major) per 100 segments on the human references;
(b) errors planted into those references, and the share caught per error type;
(c) the same loud-finding rate on the Google, Microsoft and Bergamot outputs.

    .venv/bin/python bench/eval_checks.py --flores ../shared/eval/flores-dev [--langs fr,de,es,it,pt] [--lines 997]

The FLORES data (CC BY-SA 4.0) is read from the given path and never copied here.
Planting is deterministic (seeded), and a planted case counts only where the
unmodified pair was silent for that error's checks, so that (b) measures the plant.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

from flores import read_lines  # bench/flores.py (scripts run from bench/ on sys.path)
from relais.checks.base import CheckContext, SegmentPair, Severity
from relais.checks.registry import run_checks
from relais.document.model import BlockKind

SYSTEMS = ("google", "microsoft", "bergamot-base-memory", "bergamot-tiny")

# What each planted error must trigger (finding id prefixes).  A plant counts as caught
# when such a finding appears at any severity (the translator sees minor findings too);
# the share caught by a loud (critical or major) finding is printed beside it.
EXPECTED = {
    "figure": ("numbers.",),
    "furniture": ("furniture.",),
    "untranslated": ("untranslated.",),
    "name dropped": ("names.",),
    "name swapped": ("names.",),
    "sentence dropped": ("omission.", "length.", "align."),
    "typography": ("typography.",),
}

_NUMBER = re.compile(r"(?<![\d.,])\d+(?![\d])")
_CAPITALISED = re.compile(r"(?<=\s)([A-ZÀ-Ý][a-zà-ÿ]{3,})(?=[\s,.;:])")
_INVENTED = ("Kaltenbrunn", "Orvieza", "Maelstad", "Tiberon")


def plant_figure(src: str, tgt: str, rng: random.Random) -> str | None:
    numbers = [m for m in _NUMBER.finditer(tgt) if m.group() in src]
    if not numbers:
        return None
    m = rng.choice(numbers)
    value = int(m.group())
    changed = str(value + rng.choice((1, 2, 3, 7, 10)) if value < 1000 else value + 100)
    return tgt[: m.start()] + changed + tgt[m.end() :]


def plant_furniture(src: str, tgt: str, rng: random.Random) -> str | None:
    ui = rng.choice(("Copy link to section", "Share this article", "Read more"))
    return tgt + (" " if rng.random() < 0.5 else "") + ui


def plant_untranslated(src: str, tgt: str, rng: random.Random) -> str | None:
    # Replace the second half of the target with the second half of the source.
    s_words, t_words = src.split(), tgt.split()
    if len(s_words) < 10 or len(t_words) < 6:
        return None
    return " ".join(t_words[: len(t_words) // 2] + s_words[len(s_words) // 2 :])


def _shared_names(src: str, tgt: str) -> list[str]:
    """Whole names of the source that the target repeats verbatim, found without the
    check's own detector: a maximal run of capitalised words of the source ("Jean-Paul
    Sartre", "Ursula von der Leyen", "J. R. R. Tolkien"; a word opening a sentence only
    inside a longer run, and never a function word such as "The" or "In"), reduced to
    its longest part that the target writes exactly so ("President Barack Obama" →
    "Barack Obama" in "le président Barack Obama").  A name is offered only when none of
    its words is left in the target once every occurrence of it is taken out, so that
    dropping or swapping it really removes the name (a word of four letters or more
    counts as left when a word starting with its first four letters is: "Steward" for
    "Stewart", "soviétique" for "Soviet")."""
    import unicodedata

    particles = {"de", "del", "della", "der", "den", "di", "da", "das", "do", "dos", "du", "la", "le", "van", "von", "ten", "ter", "bin", "ibn", "zu", "of"}
    openers = set(
        "A An The This That These Those In On At By For From With After Before During Since Until Under Over As Of To "
        "Into And But Or So If When While Where Why How What Which Who There Here Although Though Because However "
        "Meanwhile Also Then Now Today Yesterday Tomorrow Last Next Some Many Most All Both Each Every No Not Only Even "
        "Like According Despite Following Including Its His Her Their Our It He She They We You I".split()
    )
    # Capitalised in English but names of no person, place or organisation; German writes
    # most of them alike, so they would be "dropped" from German targets.
    not_names = set(
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July "
        "August September October November December Internet".split()
    )
    words = list(re.finditer(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", src))

    def plain(text: str) -> str:  # without accents: "Soviet" stays in "soviétique"
        return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))

    def capitalised(w: re.Match | str) -> bool:
        text = w if isinstance(w, str) else w.group()
        return text[0].isupper() and text not in not_names

    def joined(a: re.Match, b: re.Match) -> bool:
        gap = src[a.end() : b.start()]
        return gap == " " or (gap in (".", ". ") and len(a.group()) == 1)  # "J. R. R. Tolkien"

    def opens_sentence(w: re.Match) -> bool:
        before = src[: w.start()].rstrip(" \"'“‘«(—–-")
        return not before or before[-1] in ".!?:;"

    runs: list[list[re.Match]] = []
    run: list[re.Match] = []
    for w in words + [None]:
        if w is not None and run and joined(run[-1], w) and (capitalised(w) or w.group() in particles):
            run.append(w)
            continue
        while run and not capitalised(run[-1]):
            run.pop()  # particles only inside a name
        if run:
            runs.append(run)
        run = [w] if w is not None and capitalised(w) else []

    names: list[str] = []
    for run in runs:
        if opens_sentence(run[0]):
            if run[0].group() in openers:
                run = run[1:]
            elif len(run) == 1:
                continue  # a lone word opening a sentence may be any word
        texts = [re.sub(r"['’]s?$", "", w.group()) for w in run]  # "Obama's"
        spans = [
            src[run[i].start() : run[j].start() + len(texts[j])]
            for i in range(len(run))
            for j in range(i, len(run))
            if capitalised(run[i]) and capitalised(run[j]) and len(texts[j]) >= 2
        ]
        parts = [t for t in texts if capitalised(t) and len(t) >= 2]  # "Abu" of "Abu Ghraib" must go too
        for name in sorted(set(spans), key=len, reverse=True):
            if not re.search(rf"(?<!\w){re.escape(name)}s?(?!\w)", tgt):
                continue
            rest = re.sub(rf"(?<!\w){re.escape(name)}s?(?!\w)", " ", tgt)
            if not any(re.search(rf"(?<!\w){re.escape(part)}(?!\w)" if len(part) < 4 else rf"(?<!\w){re.escape(plain(part[:4]))}", plain(rest), re.IGNORECASE) for part in parts):
                names.append(name)  # else part of the name would stay behind: not a fair plant
            break
    return list(dict.fromkeys(names))


def plant_name_dropped(src: str, tgt: str, rng: random.Random) -> str | None:
    """Every occurrence of one whole name of the source taken out of the target."""
    names = _shared_names(src, tgt)
    if not names:
        return None
    name = rng.choice(names)
    return re.sub(rf"\s*(?<!\w){re.escape(name)}s?(?!\w)", "", tgt).strip()


def plant_name_swapped(src: str, tgt: str, rng: random.Random) -> str | None:
    """Every occurrence of one whole name of the source replaced by an invented name of
    the same shape (an acronym by an acronym, a full name by a first name and surname)."""
    names = _shared_names(src, tgt)
    if not names:
        return None
    name = rng.choice(names)
    if name.isupper():
        invented = rng.choice(("KVRT", "OZLM", "TRBX"))
    elif len(re.findall(r"[^\W\d_]+", name)) > 1:
        invented = rng.choice(("Oskarine", "Tibald", "Maravel", "Ilvert")) + " " + rng.choice(_INVENTED)
    else:
        invented = rng.choice(_INVENTED)
    return re.sub(rf"(?<!\w){re.escape(name)}s?(?!\w)", invented, tgt)


def plant_typography(src: str, tgt: str, rng: random.Random, lang: str) -> str | None:
    if lang == "fr" and ("’" in tgt or "\u202f" in tgt or "\u00a0" in tgt):
        return tgt.replace("’", "'", 1) if "’" in tgt else tgt.replace("\u202f", "", 1).replace("\u00a0", "", 1)
    # Everywhere: a double space, or straight double quotes around a word.
    words = tgt.split(" ")
    if len(words) < 4:
        return None
    i = rng.randrange(1, len(words) - 1)
    if rng.random() < 0.5:
        words[i] = words[i] + " "
    else:
        words[i] = f'"{words[i]}"'
    return " ".join(words)


def _pair(i: int, src: str, tgt: str, lang: str) -> SegmentPair:
    return SegmentPair(0, i, BlockKind.PARAGRAPH, src, tgt, "en", lang)


def loud_rate(sources: list[str], targets: list[str], lang: str) -> tuple[float, dict[str, int]]:
    ctx = CheckContext("en", lang, machine_output=False)
    loud = 0
    by_check: dict[str, int] = {}
    for i, (s, t) in enumerate(zip(sources, targets)):
        for f in run_checks([_pair(i, s, t, lang)], ctx):
            if f.severity.rank >= Severity.MAJOR.rank:
                loud += 1
                by_check[f.check] = by_check.get(f.check, 0) + 1
    return 100 * loud / len(sources), by_check


def _caught(findings, prefixes: tuple[str, ...], loud_only: bool) -> bool:
    return any(
        f.check.startswith(prefixes) and (not loud_only or f.severity.rank >= Severity.MAJOR.rank) for f in findings
    )


def planted(sources: list[str], targets: list[str], lang: str, seed: int) -> dict[str, tuple[int, int, int]]:
    """Per error type: (caught at any severity, caught by a loud finding, planted)."""
    rng = random.Random(seed)
    ctx = CheckContext("en", lang, machine_output=False)
    planters: dict[str, Callable] = {
        "figure": plant_figure,
        "furniture": plant_furniture,
        "untranslated": plant_untranslated,
        "name dropped": plant_name_dropped,
        "name swapped": plant_name_swapped,
        "typography": lambda s, t, r: plant_typography(s, t, r, lang),
    }
    cases: dict[str, list[tuple[int, str, str, str]]] = {k: [] for k in EXPECTED}
    for kind, plant in planters.items():
        for i, (s, t) in enumerate(zip(sources, targets)):
            broken = plant(s, t, rng)
            if broken is not None and broken != t:
                cases[kind].append((i, s, t, broken))
    # A dropped sentence: two consecutive lines as one segment, the second target sentence removed.
    for i in range(0, len(sources) - 1, 2):
        cases["sentence dropped"].append((i, sources[i] + " " + sources[i + 1], targets[i] + " " + targets[i + 1], targets[i]))
    results: dict[str, tuple[int, int, int]] = {}
    for kind, items in cases.items():
        prefixes = EXPECTED[kind]
        caught = loud = total = 0
        for i, s, t, broken in items:
            if _caught(run_checks([_pair(i, s, t, lang)], ctx), prefixes, False):
                continue  # already flagged before planting: not a measure of the plant
            total += 1
            found = run_checks([_pair(i, s, broken, lang)], ctx)
            caught += _caught(found, prefixes, False)
            loud += _caught(found, prefixes, True)
        results[kind] = (caught, loud, total)
    return results



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flores", type=Path, default=Path("../shared/eval/flores-dev"))
    parser.add_argument("--langs", default="fr,de,es,it,pt")
    parser.add_argument("--lines", type=int, default=997)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--details", action="store_true", help="print which checks were loud")
    args = parser.parse_args()
    langs = [lang.strip() for lang in args.langs.split(",") if lang.strip()]
    if not (args.flores / f"en-{langs[0]}").is_dir():
        print(f"error: {args.flores}/en-{langs[0]} not found (give the FLORES folder with --flores)", file=sys.stderr)
        return 2

    print("(a) loud findings per 100 segments on the human references")
    sources = {lang: read_lines(args.flores / f"en-{lang}" / "flores-dev.en", args.lines) for lang in langs}
    references = {lang: read_lines(args.flores / f"en-{lang}" / f"flores-dev.{lang}", args.lines) for lang in langs}
    for lang in langs:
        rate, by_check = loud_rate(sources[lang], references[lang], lang)
        print(f"  {lang}: {rate:.2f}" + (f"  {by_check}" if args.details else ""))

    print("(b) planted errors caught: any severity / by a loud finding (planted)")
    kinds = list(EXPECTED)
    print("  " + "lang".ljust(6) + "".join(k.ljust(22) for k in kinds))
    for lang in langs:
        res = planted(sources[lang], references[lang], lang, args.seed)
        cells = []
        for k in kinds:
            c, loud, t = res.get(k, (0, 0, 0))
            cells.append((f"{100 * c / t:.0f}% / {100 * loud / t:.0f}% ({t})" if t else "n/a").ljust(22))
        print("  " + lang.ljust(6) + "".join(cells))

    print("(c) loud findings per 100 segments on machine outputs")
    print("  " + "lang".ljust(6) + "human".ljust(10) + "".join(s.ljust(22) for s in SYSTEMS))
    for lang in langs:
        human, _ = loud_rate(sources[lang], references[lang], lang)
        cells = []
        for system in SYSTEMS:
            path = args.flores / f"en-{lang}" / f"flores-dev.{system}.{lang}"
            if not path.exists():
                cells.append("n/a".ljust(22))
                continue
            rate, _ = loud_rate(sources[lang], read_lines(path, args.lines), lang)
            cells.append(f"{rate:.2f}".ljust(22))
        print("  " + lang.ljust(6) + f"{human:.2f}".ljust(10) + "".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
