"""Speed of the review desk, measured over HTTP against a running server.

Times, from the client, (1) rendering the editor page for a 60-segment article and (2)
saving an edit to a segment (which stores a revision and re-checks the segment), and
prints p50 and p95 over --requests of each (targets: render at most 150 ms p95, save at
most 30 ms p95).

By default it seeds a fresh data directory with a 60-segment French draft of our own
and an account, starts `relais serve` on a free loopback port, and measures that.
To measure a server you already run, give --url, --user, --password and --job.

    .venv/bin/python bench/review.py [--segments 60] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.review.seed builds the seeded job

# Our own sentences (English source, French draft); numbers and places vary per paragraph.
TEMPLATES = [
    ("The council approved {n} new homes in {place} on Monday.",
     "Le conseil a approuvé {n} nouveaux logements à {place} lundi."),
    ("Residents of {place} waited {n} minutes for the first bus.",
     "Les habitants de {place} ont attendu {n} minutes le premier bus."),
    ("The harbour master said {n} boats had left {place} before the storm.",
     "Le capitaine du port a déclaré que {n} bateaux avaient quitté {place} avant la tempête."),
    ("Repairs to the bridge at {place} will cost about {n} thousand euros.",
     "Les réparations du pont de {place} coûteront environ {n} mille euros."),
    ("Teachers in {place} asked for {n} more classrooms.",
     "Les enseignants de {place} ont demandé {n} salles de classe supplémentaires."),
]  # fmt: skip
PLACES = ["Kerlouan", "Pornic", "Audierne", "Paimpol", "Roscoff", "Camaret"]


def story(segments: int):
    from relais.document.model import BlockKind

    rows = [(BlockKind.HEADLINE, "Coastal towns plan for a wetter decade", "Les villes côtières se préparent à une décennie plus humide")]
    for i in range(segments - 1):
        en, fr = TEMPLATES[i % len(TEMPLATES)]
        values = {"n": 3 + 7 * i, "place": PLACES[i % len(PLACES)]}
        kind = BlockKind.SUBHEADING if i % 12 == 11 else BlockKind.PARAGRAPH
        rows.append((kind, en.format(**values), fr.format(**values)))
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(segments: int) -> tuple[subprocess.Popen, str, int, int, tempfile.TemporaryDirectory]:
    from relais.review import accounts
    from relais.store.db import open_store
    from tests.review.seed import seed_job

    home = tempfile.TemporaryDirectory(prefix="relais-bench-review-")
    store = open_store(f"sqlite:///{Path(home.name) / 'relais.db'}")
    with store.write() as s:
        accounts.add_user(s, "bench", "bench password 123", "translator", ["fr"])
    job = seed_job(store, story=story(segments), links={})
    store.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")} | {"RELAIS_HOME": home.name}
    proc = subprocess.Popen(
        [sys.executable, "-m", "relais", "--quiet", "serve", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    return proc, f"http://127.0.0.1:{port}", job.job_id, job.segment_ids[5], home


def wait_until_up(client: httpx.Client, proc: subprocess.Popen | None) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            raise SystemExit("error: the server did not start" + (f": {proc.stderr.read().decode()}" if proc else ""))
        time.sleep(0.2)


def sign_in(client: httpx.Client, user: str, password: str) -> str:
    client.get("/login")
    token = client.cookies.get("relais_login_csrf")
    r = client.post("/login", data={"name": user, "password": password, "csrf_token": token},
                    headers={"Accept": "application/json"})  # fmt: skip
    if r.status_code != 200:
        raise SystemExit(f"error: cannot sign in as {user}: {r.status_code} {r.text[:200]}")
    return r.json()["csrf_token"]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=60)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--url", help="a running server (default: start one on a seeded store)")
    parser.add_argument("--user", default="bench")
    parser.add_argument("--password", default="bench password 123")
    parser.add_argument("--job", type=int, help="job to open (with --url)")
    parser.add_argument("--segment", type=int, help="segment id to edit (with --url)")
    args = parser.parse_args()

    proc = home = None
    if args.url:
        if not (args.job and args.segment):
            print("error: give --job and --segment with --url", file=sys.stderr)
            return 2
        url, job_id, segment_id = args.url.rstrip("/"), args.job, args.segment
    else:
        proc, url, job_id, segment_id, home = start_server(args.segments)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            wait_until_up(client, proc)
            csrf = sign_in(client, args.user, args.password)
            page = client.get(f"/jobs/{job_id}")
            segments_shown = page.text.count("data-segment-id=")
            for _ in range(5):  # warm up: templates compiled, dictionaries loaded
                client.get(f"/jobs/{job_id}")
            render: list[float] = []
            for _ in range(args.requests):
                t = time.perf_counter()
                r = client.get(f"/jobs/{job_id}")
                render.append(time.perf_counter() - t)
                r.raise_for_status()
            version = client.get(f"/api/jobs/{job_id}").json()
            base = next(s["version"] for b in version["blocks"] for s in b["segments"] if s["id"] == segment_id)
            texts = ["Les enseignants de Paimpol ont demandé {n} salles de classe supplémentaires.",
                     "Les enseignants de Paimpol réclament {n} salles de classe de plus."]  # fmt: skip
            save: list[float] = []
            n = 3 + 7 * 4  # the figure of that paragraph, kept so the text stays a fair translation
            for i in range(args.requests + 5):
                body = {"text": texts[i % 2].format(n=n), "base_version": base, "active_seconds": 1.0}
                t = time.perf_counter()
                r = client.put(f"/api/jobs/{job_id}/segments/{segment_id}", json=body, headers={"X-CSRF-Token": csrf})
                elapsed = time.perf_counter() - t
                if r.status_code != 200:
                    raise SystemExit(f"error: save failed: {r.status_code} {r.text[:300]}")
                base = r.json()["version"]
                if i >= 5:
                    save.append(elapsed)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        if home is not None:
            home.cleanup()

    r50, r95 = percentiles(render)
    s50, s95 = percentiles(save)
    print(f"server: {url}  job {job_id}: {segments_shown} segments in the editor, {args.requests} requests each")
    print(f"{'measure':34}{'p50':>10}{'p95':>10}{'target p95':>12}")
    print(f"{'render the editor (GET /jobs/ID)':34}{r50 * 1000:>8.1f}ms{r95 * 1000:>8.1f}ms{'150 ms':>12}")
    print(f"{'save an edit (PUT …/segments/ID)':34}{s50 * 1000:>8.1f}ms{s95 * 1000:>8.1f}ms{'30 ms':>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
