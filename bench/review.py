"""Speed of the review desk, measured over HTTP against a running server.

Times, from the client, (1) rendering the editor page for a 60-segment article and (2)
saving an edit to a segment (which stores a revision and re-checks the segment), and
prints p50 and p95 over --requests of each (targets: render at most 150 ms p95, save at
most 30 ms p95).

By default it seeds a fresh data directory with a 60-segment French draft of our own
and an account, starts `relais serve` on a free loopback port, and measures that.
To measure a server you already run, give --url, --user, --password and --job.

With --concurrent, several reviewers save at once instead (--clients, default 4, each
with its own session and its own segment, --requests saves each, default 200), on the
SQLite store and on a PostgreSQL store (--admin-url, or RELAIS_TEST_POSTGRES: a role
that may create databases; --stores picks them).  It prints save p50/p95 and every
answer that was not 2xx: 409 conflicts (someone saved the same segment first) apart
from the rest, which should be none.

    .venv/bin/python bench/review.py [--segments 60] [--requests 200]
    .venv/bin/python bench/review.py --concurrent [--clients 4] [--requests 200] [--stores sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import threading
import uuid
from collections import Counter
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


def start_server(segments: int, db_url: str | None = None) -> tuple[subprocess.Popen, str, int, list[int], tempfile.TemporaryDirectory]:
    """Seed a store (SQLite in a fresh data directory, or ``db_url``) and start
    ``relais serve`` on it; (process, URL, job id, segment ids, data directory)."""
    from relais.review import accounts
    from relais.store.db import open_store
    from tests.review.seed import seed_job

    home = tempfile.TemporaryDirectory(prefix="relais-bench-review-")
    db_url = db_url or f"sqlite:///{Path(home.name) / 'relais.db'}"
    store = open_store(db_url)
    with store.write() as s:
        accounts.add_user(s, "bench", "bench password 123", "translator", ["fr"])
    job = seed_job(store, story=story(segments), links={})
    store.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")} | {"RELAIS_HOME": home.name,
                                                                                   "RELAIS_DATABASE_URL": db_url}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "relais", "--quiet", "serve", "--port", str(port)],
        # The server's log goes to a file: a pipe nobody reads would fill up with the
        # tracebacks of failing requests and stall the server.
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(Path(home.name) / "server.log", "wb"),
    )  # fmt: skip
    proc.log_path = Path(home.name) / "server.log"
    return proc, f"http://127.0.0.1:{port}", job.job_id, job.segment_ids, home


def server_log(proc: subprocess.Popen) -> str:
    """The end of a server's log (start_server writes it beside the store)."""
    path = getattr(proc, "log_path", None)
    return path.read_text(errors="replace")[-2000:] if path and path.exists() else ""


def wait_until_up(client: httpx.Client, proc: subprocess.Popen | None) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            raise SystemExit("error: the server did not start" + (f": {server_log(proc)}" if proc else ""))
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


# --------------------------------------------------------------------------- --concurrent


SIGN_IN = threading.Lock()


def reviewer(url: str, job_id: int, segment_id: int, source_fr: str, saves: int, results: list, start: threading.Barrier) -> None:
    """One reviewer: signs in with a session of their own, then saves their segment
    ``saves`` times, alternating two texts, each on top of the version they last saw."""
    texts = [source_fr, source_fr.removesuffix(".") + ", selon la mairie."]
    with httpx.Client(base_url=url, timeout=60) as client:
        try:
            with SIGN_IN:  # one at a time: the saves are what is measured
                csrf = sign_in(client, "bench", "bench password 123")
            job = client.get(f"/api/v1/jobs/{job_id}/review").json()
            base = next(seg["version"] for b in job["blocks"] for seg in b["segments"] if seg["id"] == segment_id)
        except (SystemExit, Exception) as exc:  # counted, and the others still start
            results.append((0.0, "sign-in or first read failed", str(exc)[:200]))
            start.wait()
            return
        start.wait()
        for i in range(saves):
            body = {"text": texts[(base + 1) % 2], "base_version": base, "active_seconds": 1.0}
            t = time.perf_counter()
            try:
                r = client.put(f"/api/v1/jobs/{job_id}/segments/{segment_id}", json=body, headers={"X-CSRF-Token": csrf})
            except httpx.TransportError as exc:
                results.append((time.perf_counter() - t, f"connection: {exc.__class__.__name__}", ""))
                continue
            elapsed = time.perf_counter() - t
            results.append((elapsed, r.status_code, r.text[:200] if r.status_code >= 300 else ""))
            if r.status_code == 200:
                base = r.json()["version"]
            elif r.status_code == 409:
                base = r.json()["conflict"]["version"]


def concurrent_run(db_url: str | None, label: str, clients: int, saves: int, segments: int) -> dict:
    segments = max(segments, clients + 2)
    drafts = [fr for _, _, fr in story(segments)]  # one segment per block, in order
    proc, url, job_id, segment_ids, home = start_server(segments, db_url)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            wait_until_up(client, proc)
        results: list[tuple[float, object, str]] = []
        start = threading.Barrier(clients)
        threads = [
            threading.Thread(target=reviewer, args=(url, job_id, segment_ids[1 + k], drafts[1 + k], saves, results, start))
            for k in range(clients)
        ]  # one segment each: paragraphs 1..clients (segment 0 is the headline)
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        home.cleanup()
    statuses = Counter(status for _, status, _ in results)
    ok = sum(n for st, n in statuses.items() if isinstance(st, int) and 200 <= st < 300)
    p50, p95 = percentiles([elapsed for elapsed, _, _ in results])
    bad = [(st, body) for _, st, body in results if not (isinstance(st, int) and (200 <= st < 300 or st == 409))]
    return {"store": label, "saves": len(results), "ok": ok, "conflicts": statuses.get(409, 0), "other": len(bad),
            "p50": p50, "p95": p95, "wall": wall, "examples": bad[:3], "statuses": statuses}  # fmt: skip


def postgres_database(admin_url: str):
    """A fresh database on the server of ``admin_url``: (its URL, a function that drops it)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"relais_bench_review_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def main_concurrent(args) -> int:
    stores = [x.strip() for x in args.stores.split(",") if x.strip()]
    unknown = set(stores) - {"sqlite", "postgres"}
    if unknown:
        print(f"error: unknown store {', '.join(sorted(unknown))} (use sqlite, postgres)", file=sys.stderr)
        return 2
    if "postgres" in stores and not args.admin_url:
        print("error: give --admin-url (or set RELAIS_TEST_POSTGRES) for the PostgreSQL store, or --stores sqlite",
              file=sys.stderr)  # fmt: skip
        return 2
    rows = []
    for label in stores:
        if label == "sqlite":
            rows.append(concurrent_run(None, "SQLite", args.clients, args.requests, args.segments))
        else:
            url, drop = postgres_database(args.admin_url)
            try:
                rows.append(concurrent_run(url, "PostgreSQL", args.clients, args.requests, args.segments))
            finally:
                drop()
    print(f"{args.clients} reviewers saving at once, {args.requests} saves each, each on a segment of their own")
    print(f"{'store':12}{'saves':>7}{'2xx':>7}{'409':>6}{'other':>7}{'p50':>10}{'p95':>10}{'saves/s':>9}")
    for r in rows:
        print(f"{r['store']:12}{r['saves']:>7}{r['ok']:>7}{r['conflicts']:>6}{r['other']:>7}"
              f"{r['p50'] * 1000:>8.1f}ms{r['p95'] * 1000:>8.1f}ms{r['saves'] / r['wall']:>9.1f}")  # fmt: skip
        for status, body in r["examples"]:
            print(f"  {r['store']}: {status} {body}")
    return 1 if any(r["other"] for r in rows) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=60)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--url", help="a running server (default: start one on a seeded store)")
    parser.add_argument("--user", default="bench")
    parser.add_argument("--password", default="bench password 123")
    parser.add_argument("--job", type=int, help="job to open (with --url)")
    parser.add_argument("--segment", type=int, help="segment id to edit (with --url)")
    parser.add_argument("--concurrent", action="store_true", help="several reviewers saving at once, on each store")
    parser.add_argument("--clients", type=int, default=4, help="--concurrent: reviewers")
    parser.add_argument("--stores", default="sqlite,postgres", help="--concurrent: sqlite, postgres or both")
    parser.add_argument("--admin-url", default=os.environ.get("RELAIS_TEST_POSTGRES"),
                        help="--concurrent: a PostgreSQL role that may create databases")  # fmt: skip
    args = parser.parse_args()
    if args.concurrent:
        return main_concurrent(args)

    proc = home = None
    if args.url:
        if not (args.job and args.segment):
            print("error: give --job and --segment with --url", file=sys.stderr)
            return 2
        url, job_id, segment_id = args.url.rstrip("/"), args.job, args.segment
    else:
        proc, url, job_id, segment_ids, home = start_server(args.segments)
        segment_id = segment_ids[5]
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
            version = client.get(f"/api/v1/jobs/{job_id}/review").json()
            base = next(s["version"] for b in version["blocks"] for s in b["segments"] if s["id"] == segment_id)
            texts = ["Les enseignants de Paimpol ont demandé {n} salles de classe supplémentaires.",
                     "Les enseignants de Paimpol réclament {n} salles de classe de plus."]  # fmt: skip
            save: list[float] = []
            n = 3 + 7 * 4  # the figure of that paragraph, kept so the text stays a fair translation
            for i in range(args.requests + 5):
                body = {"text": texts[i % 2].format(n=n), "base_version": base, "active_seconds": 1.0}
                t = time.perf_counter()
                r = client.put(f"/api/v1/jobs/{job_id}/segments/{segment_id}", json=body, headers={"X-CSRF-Token": csrf})
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
