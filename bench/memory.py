"""Speed of translation-memory lookup on a large memory.

Builds a synthetic memory of --size en→fr segments (default 1,000,000) in a temporary
SQLite store, generated from our own word lists and templates (names, places,
organisations, numbers, dates), then times ``relais.memory.tm.lookup`` for --queries
queries, a third each of: exact copies of stored sentences, near copies (one or two
words changed) and unrelated sentences.  Prints the build time, lookup latency p50 and
p95 per kind and overall (targets: p50 at most 5 ms, p95 at most 20 ms), how often the
expected entry was found, peak RSS and the database size.

    .venv/bin/python bench/memory.py [--size 1000000] [--queries 300] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from relais.memory.normalise import match_key  # noqa: E402
from relais.memory.tm import features, lookup  # noqa: E402
from relais.store.db import open_store  # noqa: E402

FIRST = (
    "Anna Ben Carla David Elena Farid Grace Hugo Ines Jonas Karin Leo Maria Nadia Omar Paula Rafael Sofia "
    "Tomas Ursula Victor Wendy Yusuf Zoe Amira Bruno Chloe Dmitri Emma Felix Giulia Hamid Ida Jakob Lena "
    "Marco Nora Oskar Priya Quentin Rosa Stefan Tara Ugo Vera William Xavier Yara Zain Adele Boris Clara "
    "Dario Edith Fatima Goran Helen Ivan Julia Kofi Lucia Mehdi Nina Olga Pierre Rania Samuel Theo"
).split()
LAST = (
    "Adams Bauer Costa Dubois Eriksen Fischer Garcia Hansen Ivanova Jensen Kowalski Lambert Moreau Novak "
    "Okafor Petrov Quinn Rossi Schmidt Tanaka Ueda Varga Weber Xu Yilmaz Zimmermann Almeida Brennan Cohen "
    "Delgado Evans Ferrari Gallagher Horvath Iqbal Jovanovic Keller Lindqvist Mensah Nakamura Oliveira "
    "Popescu Ramos Santos Thompson Urban Vasquez Walsh Young Zhang Abbott Becker Carvalho Diallo Engel "
    "Fontaine Gruber Haddad Ito Janssen Kaplan Leroy Martens Nilsen Ortiz Pires Renard Sauer Toure Vidal"
).split()
PLACES = (
    "Lyon Marseille Bordeaux Nantes Lille Toulouse Rennes Grenoble Strasbourg Dijon Brest Nice Metz Reims "
    "Amiens Tours Caen Rouen Limoges Poitiers Perpignan Bayonne Annecy Calais Dunkirk Valence Avignon "
    "Manchester Leeds Bristol Glasgow Cardiff Belfast Dublin Cork Antwerp Ghent Rotterdam Utrecht Hamburg "
    "Bremen Leipzig Dresden Munich Zurich Geneva Basel Turin Genoa Naples Bologna Seville Valencia Bilbao "
    "Porto Lisbon Krakow Gdansk Brno Vienna Graz Ljubljana Zagreb Split Athens Thessaloniki Izmir Tunis "
    "Algiers Dakar Abidjan Nairobi Accra Lagos Montreal Quebec Toronto Halifax Boston Denver Portland"
).split()
ORGS = [
    "the city council", "the regional authority", "the health ministry", "the transport agency",
    "the national railway", "the port authority", "the central bank", "the teachers' union",
    "the farmers' association", "the water company", "the energy regulator", "the police",
    "the fire service", "the university hospital", "the chamber of commerce", "the football club",
    "the environment agency", "the housing office", "the election commission", "the weather service",
]
ORGS_FR = [
    "le conseil municipal", "l'autorité régionale", "le ministère de la santé", "l'agence des transports",
    "la compagnie ferroviaire nationale", "l'autorité portuaire", "la banque centrale", "le syndicat des enseignants",
    "l'association des agriculteurs", "la compagnie des eaux", "le régulateur de l'énergie", "la police",
    "les pompiers", "le centre hospitalier universitaire", "la chambre de commerce", "le club de football",
    "l'agence de l'environnement", "l'office du logement", "la commission électorale", "le service météorologique",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DAYS_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = "January February March April May June July August September October November December".split()
MONTHS_FR = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
THINGS = [
    ("homes", "logements"), ("jobs", "emplois"), ("beds", "lits"), ("buses", "bus"), ("trees", "arbres"),
    ("classrooms", "salles de classe"), ("flats", "appartements"), ("nurses", "infirmières"),
    ("charging points", "bornes de recharge"), ("parking spaces", "places de stationnement"),
    ("solar panels", "panneaux solaires"), ("cycle lanes", "pistes cyclables"), ("wind turbines", "éoliennes"),
]
# (English, French) templates; {p} person, {q} second person, {c} place, {o} organisation,
# {d} day, {m} month, {n} {k} numbers, {t} thing.
TEMPLATES = [
    ("{o_cap} approved {n} new {t} in {c} on {d}.", "{o_fr_cap} a approuvé {n} nouveaux {t} à {c} {d}."),
    ("{p}, the mayor of {c}, said the plan would cost {n} million euros.",
     "{p}, maire de {c}, a déclaré que le plan coûterait {n} millions d'euros."),
    ("Police in {c} arrested {k} people after clashes on {d} night.",
     "La police de {c} a arrêté {k} personnes après des affrontements {d} soir."),
    ("{p} told reporters that {o} had not been consulted.",
     "{p} a déclaré aux journalistes que {o_fr} n'avait pas été consulté."),
    ("The storm left {n} households in {c} without power for {k} hours.",
     "La tempête a privé {n} foyers de {c} d'électricité pendant {k} heures."),
    ("Unemployment in {c} fell to {k}.{j} per cent in {m}, {o} said.",
     "Le chômage à {c} est tombé à {k},{j} % en {m}, selon {o_fr}."),
    ("{p} will succeed {q} as head of {o} in {m}.",
     "{p} succédera à {q} à la tête de {o_fr} en {m}."),
    ("About {n} people marched through {c} on {d} to protest against the reform.",
     "Environ {n} personnes ont défilé à {c} {d} pour protester contre la réforme."),
    ("The trial of {p} is due to open in {c} on {k} {m}.",
     "Le procès de {p} doit s'ouvrir à {c} le {k} {m}."),
    ("{o_cap} said it would build {n} {t} in {c} by {y}.",
     "{o_fr_cap} a annoncé la construction de {n} {t} à {c} d'ici {y}."),
    ("Ticket prices on the {c} line will rise by {k} per cent from {m}.",
     "Le prix des billets sur la ligne de {c} augmentera de {k} % à partir de {m}."),
    ("{p} won the election in {c} with {k}.{j} per cent of the vote.",
     "{p} a remporté l'élection à {c} avec {k},{j} % des voix."),
    ("Firefighters fought the blaze near {c} for {k} hours before bringing it under control.",
     "Les pompiers ont combattu l'incendie près de {c} pendant {k} heures avant de le maîtriser."),
    ("The hospital in {c} has treated {n} patients since {m}, according to {o}.",
     "L'hôpital de {c} a soigné {n} patients depuis {m}, selon {o_fr}."),
    ("{p} and {q} met in {c} on {d} to discuss the budget.",
     "{p} et {q} se sont rencontrés à {c} {d} pour discuter du budget."),
    ("Exports from {c} rose by {k} per cent last year to {n} million euros.",
     "Les exportations de {c} ont augmenté de {k} % l'an dernier pour atteindre {n} millions d'euros."),
    ("A spokesperson for {o} declined to comment on the report about {p}.",
     "Un porte-parole de {o_fr} s'est refusé à tout commentaire sur le rapport concernant {p}."),
    ("The bridge between {c} and {c2} will be closed for {k} weeks from {d}.",
     "Le pont entre {c} et {c2} sera fermé pendant {k} semaines à partir de {d}."),
    ("{p}, {k}, was found guilty of fraud by a court in {c}.",
     "{p}, {k} ans, a été reconnu coupable de fraude par un tribunal de {c}."),
    ("Heavy rain caused flooding in {c} and {c2}, where {n} homes were evacuated.",
     "De fortes pluies ont provoqué des inondations à {c} et à {c2}, où {n} logements ont été évacués."),
    ("The festival in {c} drew {n} visitors over {k} days, organisers said.",
     "Le festival de {c} a attiré {n} visiteurs en {k} jours, selon les organisateurs."),
    ("{o_cap} has asked {p} to explain the delay by {d}.",
     "{o_fr_cap} a demandé à {p} d'expliquer le retard d'ici {d}."),
    ("Shares in the {c} company fell {k} per cent after {p} resigned.",
     "L'action de la société de {c} a chuté de {k} % après la démission de {p}."),
    ("The school in {c} will reopen on {d} after {k} weeks of repairs.",
     "L'école de {c} rouvrira {d} après {k} semaines de travaux."),
]
OPENERS = [("", ""), ("On {d}, ", "{d_cap}, "), ("In {m}, ", "En {m}, "), ("Earlier this year, ", "Plus tôt cette année, "),
           ("According to local media, ", "Selon les médias locaux, ")]  # fmt: skip
# Queries that should find nothing: other subjects, other words.
UNRELATED = [
    "The orchestra rehearsed Mahler's sixth symphony for the first time in {k} years.",
    "Scientists discovered a new species of beetle in a cave near {c}.",
    "The chef's recipe for chocolate soufflé went viral overnight.",
    "Astronomers photographed a comet passing close to Jupiter.",
    "Her novel about a lighthouse keeper won the literary prize in {y}.",
    "Volunteers repainted the old cinema before its centenary screening.",
    "A rare manuscript by a medieval monk was sold at auction for {n} dollars.",
    "Climbers reached the summit despite strong winds and freezing fog.",
    "The zoo welcomed twin panda cubs, its first births in {k} years.",
    "Why do cats purr when they are content?",
    "Quarterly smartphone shipments shrank as buyers waited for cheaper models.",
    "The museum's dinosaur skeleton was moved to a larger hall.",
]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slots(rng: random.Random) -> dict:
    o = rng.randrange(len(ORGS))
    d = rng.randrange(7)
    m = rng.randrange(12)
    t = rng.choice(THINGS)
    c, c2 = rng.sample(PLACES, 2)
    return {
        "p": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "q": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "c": c, "c2": c2, "o": o, "d": d, "m": m, "t": t,
        "n": f"{rng.randrange(12, 99_000):,}", "k": str(rng.randrange(2, 90)), "j": str(rng.randrange(10)),
        "y": str(rng.randrange(2026, 2041)),
    }  # fmt: skip


def _render(template: tuple[str, str], opener: tuple[str, str], s: dict) -> tuple[str, str]:
    en_values = {
        "p": s["p"], "q": s["q"], "c": s["c"], "c2": s["c2"], "o": ORGS[s["o"]], "o_cap": _cap(ORGS[s["o"]]),
        "d": DAYS[s["d"]], "d_cap": DAYS[s["d"]], "m": MONTHS[s["m"]], "t": s["t"][0],
        "n": s["n"], "k": s["k"], "j": s["j"], "y": s["y"],
    }  # fmt: skip
    fr_values = {
        **en_values, "o_fr": ORGS_FR[s["o"]], "o_fr_cap": _cap(ORGS_FR[s["o"]]), "d": DAYS_FR[s["d"]],
        "d_cap": _cap(DAYS_FR[s["d"]]), "m": MONTHS_FR[s["m"]], "t": s["t"][1], "n": s["n"].replace(",", "\u202f"),
    }  # fmt: skip
    en, fr = template[0].format(**en_values), template[1].format(**fr_values)
    if opener[0]:
        # After an opener the sentence goes on in lower case, unless it starts with a name.
        if not en.startswith(s["p"]) and not en.startswith(s["c"]):
            en = en[:1].lower() + en[1:]
        if not fr.startswith(s["p"]) and not fr.startswith(s["c"]):
            fr = fr[:1].lower() + fr[1:]
        en, fr = opener[0].format(**en_values) + en, opener[1].format(**fr_values) + fr
    return en, fr


def sentence(rng: random.Random) -> tuple[tuple[int, int, dict], tuple[str, str]]:
    t, o = rng.randrange(len(TEMPLATES)), rng.choices(range(len(OPENERS)), weights=(6, 1, 1, 1, 1))[0]
    s = _slots(rng)
    return (t, o, s), _render(TEMPLATES[t], OPENERS[o], s)


def near_copy(rng: random.Random, spec: tuple[int, int, dict], changes: int) -> str:
    """The same sentence with ``changes`` slot values (one word each, or a name) replaced."""
    t, o, s = spec
    template = TEMPLATES[t][0] + OPENERS[o][0]
    keys = {"c": "{c}", "c2": "{c2}", "n": "{n}", "k": "{k}", "d": "{d", "m": "{m}", "y": "{y}", "p": "{p}", "o": "{o"}
    used = [k for k, mark in keys.items() if mark in template]
    s = dict(s)
    fresh = _slots(rng)
    for k in rng.sample(used, min(changes, len(used))):
        while fresh[k] == s[k]:
            fresh = _slots(rng)
        s[k] = fresh[k]
    return _render(TEMPLATES[t], OPENERS[o], s)[0]


def build(url: str, size: int, seed: int) -> tuple[list, float]:
    """Fill the store; returns a sample of (spec, english) of stored rows and seconds taken."""
    store = open_store(url)
    rng = random.Random(seed)
    sample: list = []
    start = time.perf_counter()
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        base = datetime(2024, 1, 1, tzinfo=UTC)
        batch: list[tuple] = []
        done = 0
        sql = (
            "INSERT OR IGNORE INTO tm_entries (source_lang, target_lang, source_text, target_text, source_key, origin,"
            " approved_by, approved_at, created_at) VALUES ('en', 'fr', ?, ?, ?, 'review', ?, ?, ?)"
        )
        # Bulk load: the triggers (FTS, feature df) are set aside during the load, the FTS
        # indexes are built in one pass afterwards ('rebuild') and the feature index in bulk
        # (fill_features), then the triggers are put back as they were.
        triggers = cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tm_entries'").fetchall()
        for name, _sql in triggers:
            cur.execute(f"DROP TRIGGER {name}")
        raw.commit()
        while done < size:
            spec, (en, fr) = sentence(rng)
            when = (base + timedelta(minutes=done)).isoformat(sep=" ")
            batch.append((en, fr, match_key(en), rng.choice(FIRST).lower(), when, when))
            if rng.random() < 0.002 and len(sample) < 5000:
                sample.append((spec, en))
            done += 1
            if len(batch) == 50_000 or done == size:
                cur.execute("BEGIN")
                cur.executemany(sql, batch)
                cur.execute("COMMIT")
                batch.clear()
                print(f"\r  {done:,} rows, {time.perf_counter() - start:.0f} s", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        loaded = time.perf_counter() - start
        cur.execute("INSERT INTO tm_fts(tm_fts) VALUES ('rebuild')")
        cur.execute("INSERT INTO tm_fts_target(tm_fts_target) VALUES ('rebuild')")
        raw.commit()
        indexed = time.perf_counter()
        print(f"  rows loaded in {loaded:.0f} s, FTS indexes (source, target) built in {indexed - start - loaded:.0f} s")
        postings = fill_features(cur)
        for _name, sql in triggers:
            cur.execute(sql)
        raw.commit()
        print(f"  feature index ({postings:,} postings) built in {time.perf_counter() - indexed:.0f} s")
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
        store.close()
    return sample, time.perf_counter() - start


def fill_features(cur) -> int:
    """The word-feature index of every stored entry, in bulk: features computed in Python
    (a term → hash cache), postings inserted in big transactions without the foreign-key
    check and with the entry index built afterwards, df counted in a Counter."""
    cur.execute("PRAGMA foreign_keys=OFF")
    cur.execute("PRAGMA cache_size=-1000000")  # 1 GB of page cache for the load
    cur.execute("DROP INDEX ix_tm_features_entry")
    df: Counter[int] = Counter()
    cache: dict[str, int] = {}
    postings = 0
    last = 0
    while True:
        rows = cur.execute("SELECT id, source_key FROM tm_entries WHERE id > ? ORDER BY id LIMIT 100000", (last,)).fetchall()
        if not rows:
            break
        batch = []
        for entry_id, key in rows:
            feats = features(key, cache)
            df.update(feats)
            batch.extend((f, entry_id) for f in feats)
        batch.sort()
        cur.execute("BEGIN")
        cur.executemany("INSERT INTO tm_features (feature, entry_id) VALUES (?, ?)", batch)
        cur.execute("COMMIT")
        postings += len(batch)
        last = rows[-1][0]
        print(f"\r  features of {last:,} entries", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    cur.execute("BEGIN")
    cur.executemany("INSERT INTO tm_feature_df (feature, df) VALUES (?, ?)", sorted(df.items()))
    cur.execute("CREATE INDEX ix_tm_features_entry ON tm_features (entry_id)")
    cur.execute("COMMIT")
    cur.execute("PRAGMA foreign_keys=ON")
    return postings


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the store in this directory and keep it")
    args = parser.parse_args()

    tmp = None
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        path = args.keep / f"tm-{args.size}-{args.seed}.db"
    else:
        tmp = tempfile.TemporaryDirectory(prefix="relais-tm-")
        path = Path(tmp.name) / "relais.db"
    url = f"sqlite:///{path}"
    sample_path = path.with_suffix(".sample")
    if path.exists() and sample_path.exists():
        import pickle

        sample = pickle.loads(sample_path.read_bytes())
        print(f"reusing {path}")
    else:
        print(f"building {args.size:,} en→fr segments in {path}")
        sample, seconds = build(url, args.size, args.seed)
        print(f"build: {seconds:.1f} s ({args.size / seconds:,.0f} rows/s, bulk load, FTS rebuild, feature index)")
        if args.keep:
            import pickle

            sample_path.write_bytes(pickle.dumps(sample))

    rng = random.Random(args.seed + 1)
    queries: list[tuple[str, str, str | None]] = []  # kind, text, expected source text
    for i in range(args.queries):
        kind = ("exact", "near", "unrelated")[i % 3]
        if kind == "unrelated":
            s = _slots(rng)
            text = rng.choice(UNRELATED).format(c=s["c"], k=s["k"], n=s["n"], y=s["y"])
            queries.append((kind, text, None))
            continue
        spec, en = rng.choice(sample)
        if kind == "exact":
            queries.append((kind, en.replace("'", "’"), en))  # a typographic variant: still exact
        else:
            queries.append((kind, near_copy(rng, spec, 1 + (i // 3) % 2), en))
    rng.shuffle(queries)

    store = open_store(url)
    times: dict[str, list[float]] = {"exact": [], "near": [], "unrelated": []}
    found: dict[str, int] = dict.fromkeys(times, 0)
    with store.write() as session:
        for kind, text, expected in queries:
            t0 = time.perf_counter()
            matches = lookup(session, "en", "fr", text)
            times[kind].append((time.perf_counter() - t0) * 1000)
            if kind == "unrelated":
                found[kind] += not matches
            elif kind == "exact":
                found[kind] += bool(matches) and matches[0].exact and matches[0].source_text == expected
            else:
                # Templated sentences have many near neighbours: a hit is a best match at
                # least as similar as the sentence the query was made from.
                best = fuzz.ratio(match_key(text), match_key(expected)) / 100
                found[kind] += bool(matches) and matches[0].score >= best - 1e-4
    store.close()

    print(f"lookup latency over {len(queries)} queries (ms; targets p50 <= 5, p95 <= 20):")
    labels = {"exact": "expected exact match first", "near": "best match at least as good as the original", "unrelated": "no match"}
    for kind, values in [*times.items(), ("all", [v for vs in times.values() for v in vs])]:
        line = f"  {kind:10} n={len(values):4}  p50 {pct(values, 50):6.2f}  p95 {pct(values, 95):6.2f}  max {max(values):6.2f}"
        if kind in found:
            line += f"   {labels[kind]}: {found[kind]}/{len(values)}"
        print(line)
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB; database {size / 1e6:.0f} MB ({path.name}, with -wal/-shm)")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
