"""How well the automatic checks do on real translations (FLORES-200 dev).

Sentence level (the default), each FLORES line checked as one segment pair:

(a) loud findings (critical or major) per 100 segments on the human references;
(b) errors planted into those references, and the share caught per error type;
(c) the same loud-finding rate on the Google, Microsoft and Bergamot outputs.

    .venv/bin/python bench/eval_checks.py --flores ../shared/eval/flores-dev [--langs fr,de,es,it,pt] [--lines 997]

Article level (``--articles``), whole articles through the library path of
``relais check SOURCE TARGET --to LANG`` (``bench/articles.py`` says how the articles,
perturbations and plants are made):

(d) loud findings per 100 source segments (the source's segments, as `relais check`
    cuts them) per language, system (human reference and each machine output) and
    perturbation: none, a source paragraph dropped, three target paragraphs added,
    plain text with one line per paragraph.  FLORES lines 20 at a time make the
    articles; the ``addition.block`` a dropped or added paragraph should cause is
    left out of the rate (the rate with it in brackets);
(e) how many of those paragraphs without a counterpart were flagged as such;
(f) the checks behind the loud findings on the human references;
(g) the same for the project's own articles (examples/story.md with our translations
    in bench/data/, the French series in examples/series/);
(h) the target ending with the locale's disclosure line as published, and with
    straight apostrophes: the findings on that line;
(i) errors planted into the human references at article level (an invented place or
    organisation from a held-out list, a changed role, a digit swap inside a figure, a
    flipped connective with an accepted rendering elsewhere in the sentence, quotation
    marks removed) and the share caught by a loud finding in the planted paragraph.

    .venv/bin/python bench/eval_checks.py --articles --flores ../shared/eval/flores-dev [--langs fr] [--lines 200]
        [--systems google,microsoft,bergamot-base-memory,bergamot-tiny] [--rounds 2] [--jobs 2]

The full article-level run (997 lines: 50 FLORES articles a language, the last of 17
lines; five languages, the human references and four machine outputs) checks about
6,000 pairs of documents: 31 minutes with ``--jobs 2`` on a shared 2-core machine (30 min of
CPU).  ``--lines`` bounds it (``--lines 200``, ten articles a language: 7 minutes), and
so does ``--systems ""`` (the human references and the project's articles only, about a
third of the work).  The last line printed gives the run's time.

The FLORES data (CC BY-SA 4.0) is read from the given path and never copied here.
Planting is deterministic (seeded), and a planted case counts only where the
unmodified pair was silent for that error's checks (at article level: where the
unplanted paragraph had no loud finding), so that (b) and (i) measure the plant.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import articles as art  # bench/articles.py (scripts run from bench/ on sys.path)
from flores import read_lines  # bench/flores.py
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



def article_level(args: argparse.Namespace, langs: list[str]) -> int:
    """Sections (d)–(i): whole articles through `relais check` (``bench/articles.py``)."""
    art.assert_held_out()
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    # The human references first: they carry the disclosure and the plants, the longest tasks.
    tasks = [(lang, art.HUMAN) for lang in langs]
    tasks += [(lang, system) for lang in langs for system in systems if art.system_available(args.flores, lang, system)]
    tasks += [(lang, "project") for lang in langs]
    started = time.monotonic()
    calls = [(args.flores, lang, system, args.lines, args.seed, args.rounds) for lang, system in tasks]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(art.run_task, *zip(*calls)))
    else:
        results = [art.run_task(*call) for call in calls]
    by = {(r.lang, r.system): r for r in results}
    n_flores = -(-args.lines // art.ARTICLE_LINES)
    print(f"Article level: FLORES dev lines {art.ARTICLE_LINES} at a time ({n_flores} articles a language, the last one "
          f"shorter when the lines do not divide), plus the project's articles; seed {args.seed}.")  # fmt: skip
    print_rates(by, langs, systems)
    print_perturbation_found(by, langs, systems)
    print_top_checks(by, langs, args.top)
    print_project(by, langs, args.top)
    print_disclosure(by, langs)
    print_plants(by, langs)
    print(f"({len(tasks)} tasks, {time.monotonic() - started:.0f} s with {args.jobs} job(s))")
    return 0


def _cell(tally, kind: str) -> str:
    """``excess`` loud per 100 source segments; with the perturbation's own findings in
    brackets; after a slash, without the hand-checked reference errors (where any)."""
    if not tally.segments:
        return "n/a"
    unlisted = f" / {tally.rate_unlisted():.2f}" if tally.listed else ""
    if kind in ("source dropped", "3 target added"):
        return f"{tally.rate():.2f} ({tally.rate(excess=False):.2f}){unlisted}"
    return f"{tally.rate():.2f}{unlisted}"


def print_rates(by: dict, langs: list[str], systems: list[str]) -> None:
    print("(d) loud findings (critical + major) per 100 source segments, FLORES articles; for a dropped or added")
    print("    paragraph, the addition.block it should cause is left out (every loud finding in brackets); after")
    print("    a slash, the human references without their hand-checked errors (bench/data/flores_reference_errors.tsv)")
    columns = ["human", *systems]
    print("  " + "lang".ljust(6) + "perturbation".ljust(17) + "segments".ljust(10) + "".join(c.ljust(26) for c in columns))
    for lang in langs:
        for kind in art.PERTURBATIONS:
            human = by[(lang, "human")].perturbations[kind] if (lang, "human") in by else None
            cells = [(_cell(by[(lang, c)].perturbations[kind], kind) if (lang, c) in by else "n/a").ljust(26) for c in columns]
            print("  " + lang.ljust(6) + kind.ljust(17) + str(human.segments if human else "").ljust(10) + "".join(cells))


def print_perturbation_found(by: dict, langs: list[str], systems: list[str]) -> None:
    print("(e) paragraphs without a counterpart that were flagged loudly as such (addition.block on that paragraph)")
    columns = ["human", *systems]
    print("  " + "lang".ljust(6) + "perturbation".ljust(17) + "".join(c.ljust(22) for c in columns))
    for lang in langs:
        for kind in ("source dropped", "3 target added"):
            cells = []
            for c in columns:
                t = by[(lang, c)].perturbations[kind] if (lang, c) in by else None
                cells.append((f"{t.found}/{t.expected} ({100 * t.found / t.expected:.0f}%)" if t and t.expected else "n/a").ljust(22))
            print("  " + lang.ljust(6) + kind.ljust(17) + "".join(cells))


def _top(counter, n: int) -> str:
    return ", ".join(f"{k} {v}" for k, v in counter.most_common(n)) or "-"


def print_top_checks(by: dict, langs: list[str], n: int) -> None:
    print(f"(f) the checks behind the loud findings of (d) on the human references (top {n})")
    for lang in langs:
        if (lang, "human") not in by:
            continue
        for kind in art.PERTURBATIONS:
            print(f"  {lang}  {kind.ljust(17)}{_top(by[(lang, 'human')].perturbations[kind].by_check, n)}")


def print_project(by: dict, langs: list[str], n: int) -> None:
    print("(g) the project's articles (examples/story.md and bench/data/story.<lang>.md; the French series):")
    print("    loud findings per 100 source segments as in (d), and their checks")
    for lang in langs:
        r = by.get((lang, "project"))
        if r is None or not r.perturbations["none"].articles:
            print(f"  {lang}  no translation of the project's articles")
            continue
        for kind in art.PERTURBATIONS:
            t = r.perturbations[kind]
            found = f", flagged {t.found}/{t.expected}" if t.expected else ""
            print(f"  {lang}  {kind.ljust(17)}{t.articles} articles, {t.segments} segments: {_cell(t, kind)}{found}; {_top(t.by_check, n)}")


def print_disclosure(by: dict, langs: list[str]) -> None:
    print("(h) the target ending with the locale's disclosure line as published (---, then the line), and the same")
    print("    with straight apostrophes: articles with a finding on the line (loud ones), and the findings")
    for lang in langs:
        for origin in ("human", "project"):
            r = by.get((lang, origin))
            if r is None or not r.disclosure:
                continue
            for variant in art.DISCLOSURES:
                t = r.disclosure[variant]
                if not t.applicable:
                    print(f"  {lang}  {origin.ljust(8)}{variant.ljust(22)}n/a (the line has no apostrophe)")
                    continue
                print(f"  {lang}  {origin.ljust(8)}{variant.ljust(22)}{t.on_line}/{t.applicable} ({t.loud_on_line} loud); {_top(t.by_check, 4)}")


def print_plants(by: dict, langs: list[str]) -> None:
    print("(i) errors planted in the human references (FLORES and project articles), caught by a loud finding in")
    print("    the planted paragraph: caught/cases (%), [applicable paragraphs left out: already loud], catching checks")
    for kind in art.PLANTS:
        pooled = art.PlantTally()
        for lang in langs:
            totals = art.PlantTally()
            for origin in (art.HUMAN, "project"):
                r = by.get((lang, origin))
                if r is not None and r.plants:
                    totals.add(r.plants[kind])
            pooled.add(totals)
            print(f"  {kind.ljust(20)}{lang.ljust(5)}{_plant_cell(totals)}")
        if len(langs) > 1:
            print(f"  {kind.ljust(20)}{'all'.ljust(5)}{_plant_cell(pooled)}")


def _plant_cell(t) -> str:
    share = f"{100 * t.caught / t.cases:.0f}%" if t.cases else "n/a"
    return f"{t.caught}/{t.cases} ({share}) [{t.skipped}]; {_top(t.by_check, 4)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flores", type=Path, default=Path("../shared/eval/flores-dev"))
    parser.add_argument("--langs", default="fr,de,es,it,pt")
    parser.add_argument("--lines", type=int, default=997)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--details", action="store_true", help="print which checks were loud")
    parser.add_argument("--articles", action="store_true", help="article-level evaluation (d)–(i) instead of (a)–(c)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="machine outputs checked at article level")
    parser.add_argument("--rounds", type=int, default=2, help="planting rounds per article (article level)")
    parser.add_argument("--jobs", type=int, default=1, help="processes for the article level")
    parser.add_argument("--top", type=int, default=6, help="check ids listed per row (article level)")
    args = parser.parse_args()
    langs = [lang.strip() for lang in args.langs.split(",") if lang.strip()]
    if not (args.flores / f"en-{langs[0]}").is_dir():
        print(f"error: {args.flores}/en-{langs[0]} not found (give the FLORES folder with --flores)", file=sys.stderr)
        return 2
    if args.articles:
        return article_level(args, langs)

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
