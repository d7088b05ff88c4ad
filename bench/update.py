"""Story updates, measured: what an update costs against translating it from scratch.

A story of about 1,000 words (written here, from templates) is translated into French,
confirmed, signed off and published as version 1.  Then, for 1, 3 and 10 changed
sentences (a figure and a word changed in each), version 2 arrives as an update of the
story (same canonical URL), in a copy of that data directory.  The same version 2 is
also translated from scratch, in a fresh data directory (no story, no memory).  For
each it prints: engine calls (segments sent to the engine), engine seconds, and the
segments a reviewer must confirm.

    .venv/bin/python bench/update.py [--engine llama] [--model PATH.gguf] [--changes 1,3,10]

The default engine is the configured one (the shipped demo model out of the box);
``--model`` runs the in-process engine on another GGUF file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path

URL = "https://www.sennetcourier.example/news/2026/04/estuary-barrier-review"
TOWNS = ["Sennet", "Ardley", "Holmcross", "Wexburn", "Carrow", "Pellham", "Ostrey", "Bramling", "Tiverne", "Lowmoor", "Fenwick"]
TEMPLATES = [
    "The council in {town} said on Tuesday that {n} homes had been checked for damage since the storm.",
    "Engineers in {town} found {n} metres of sea wall that will need repairs before the winter.",
    "Residents of {town} asked for {n} more sandbags at the depot near the harbour.",
    "The ferry from {town} carried {n} passengers last week, fewer than in the same week last year.",
    "A survey in {town} counted {n} businesses that closed for at least one day.",
]


def story(paragraphs: list[list[str]], headline: str = "Estuary towns ask for a review of the flood barrier") -> bytes:
    body = "".join("<p>" + " ".join(p) + "</p>" for p in paragraphs)
    return (f'<!doctype html><html><head><title>{headline}</title><link rel="canonical" href="{URL}"></head>'
            f"<body><article><h1>{headline}</h1>{body}</article></body></html>").encode()  # fmt: skip


def sentences(words: int = 1000) -> list[str]:
    out, i = [], 0
    while sum(len(s.split()) for s in out) < words:
        town = TOWNS[i % len(TOWNS)]
        out.append(TEMPLATES[i % len(TEMPLATES)].format(town=town, n=120 + 37 * i))
        i += 1
    return out


def paragraphs_of(lines: list[str], size: int = 4) -> list[list[str]]:
    return [lines[i : i + size] for i in range(0, len(lines), size)]


def changed(lines: list[str], k: int) -> list[str]:
    """``k`` sentences changed, spread over the story: a figure and a word each."""
    out = list(lines)
    step = max(1, len(lines) // k)
    for n in range(k):
        i = (n * step + step // 2) % len(lines)
        out[i] = out[i].replace(" said ", " confirmed ").replace(" found ", " reported ").replace(" asked ", " called ")
        out[i] = out[i].replace(str(120 + 37 * i), str(121 + 37 * i))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", default=None)
    parser.add_argument("--model", type=Path, default=None, help="a GGUF file for the in-process engine")
    parser.add_argument("--changes", default="1,3,10")
    args = parser.parse_args()
    if args.model:
        os.environ["RELAIS_LLAMA_MODEL"] = str(args.model.resolve())

    from relais.config import load_config
    from relais.desk import Desk
    from relais.jobs.executor import EnginePool
    from relais.publish.publisher import publish
    from relais.review import accounts, service
    from relais.store import translation
    from relais.store.actors import Actor
    from relais.store.updates import CARRIED_ENGINE

    shared_models = load_config().home / "models"
    shared_models.mkdir(parents=True, exist_ok=True)  # the homes below link to it: assembled once

    def open_desk(home: Path):
        config = load_config(home)
        config.risk_method = "rules"  # measures translation, not risk scoring
        if args.engine:
            config.engine = args.engine
        return Desk(config), EnginePool(config)

    def translate(desk, engines, data: bytes) -> tuple[int, dict]:
        ingested = desk.ingest(data, name="barrier.html")
        (job_id,) = desk.queue(ingested.article_id, ["fr"])
        (outcome,) = desk.run([job_id], desk.executor(engines))
        with desk.store.read() as s:
            view = translation.load(s, job_id)
        engine_segments = [seg for seg in view.segments if seg.provenance and seg.provenance["engine"] not in (CARRIED_ENGINE, "memory")]
        return job_id, {
            "engine calls": len(engine_segments),
            "engine seconds": outcome.engine_seconds,
            "to confirm": sum(not seg.confirmed for seg in view.segments),
            "segments": len(view.segments),
        }

    def new_home(root: Path, name: str) -> Path:
        home = root / name
        home.mkdir()
        (home / "models").symlink_to(shared_models, target_is_directory=True)
        return home

    lines = sentences()
    words = sum(len(s.split()) for s in lines)
    ks = [int(k) for k in args.changes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="relais-update-") as tmp:
        root = Path(tmp)
        base = new_home(root, "base")
        desk, engines = open_desk(base)
        with desk.store.write() as s:
            tina = Actor.of(accounts.add_user(s, "tina", "update bench 1", "translator", ["fr"]))
            eddie = Actor.of(accounts.add_user(s, "eddie", "update bench 2", "editor", []))
        first, v1 = translate(desk, engines, story(paragraphs_of(lines)))
        with desk.store.write() as s:
            service.claim(s, tina, first)
            for seg in service.job_view(s, first).segments:
                version = seg.version
                if not seg.text.strip():
                    version = service.save_segment(s, tina, first, seg.id, "Texte revu.", seg.version).version
                service.confirm_segment(s, tina, first, seg.id, version, seconds=1.0)
            service.approve_article(s, tina, first)
            service.sign_off(s, eddie, first)
            publish(s, eddie, first)
        engines.close()
        desk.close()
        print(f"version 1: {v1['segments']} segments, {words} words; {v1['engine calls']} engine calls, "
              f"{v1['engine seconds']:.1f} engine seconds")  # fmt: skip
        for k in ks:
            data = story(paragraphs_of(changed(lines, k)))
            home = root / f"update-{k}"
            shutil.copytree(base, home, symlinks=True)
            desk, engines = open_desk(home)
            _, update = translate(desk, engines, data)
            engines.close()
            desk.close()
            desk, engines = open_desk(new_home(root, f"scratch-{k}"))
            _, scratch = translate(desk, engines, data)
            engines.close()
            desk.close()
            rows.append((k, update, scratch))

    print()
    print(f"{'changed':>7}  {'':8}  {'engine calls':>12}  {'engine s':>9}  {'to confirm':>10}")
    for k, update, scratch in rows:
        for label, r in (("update", update), ("scratch", scratch)):
            print(f"{k if label == 'update' else '':>7}  {label:8}  {r['engine calls']:>12}  {r['engine seconds']:>9.1f}  {r['to confirm']:>10}")
    ratios = [u["engine seconds"] / s["engine seconds"] for _, u, s in rows if s["engine seconds"]]
    if ratios:
        print(f"\nengine seconds, update / scratch: median {statistics.median(ratios):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
