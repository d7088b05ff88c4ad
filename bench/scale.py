"""Throughput of the task queue with 1, 2 and 4 `relais worker` processes.

For each worker count: a fresh PostgreSQL database, --articles made-up English articles
(tests/articles.py) queued into --languages, then that many workers started with
``--exit-when-empty`` against the same engine server.  Throughput is segments drafted
per second between the first job starting and the last one ending (process start-up
is not counted), median of --repeat runs.

Where the time goes is read from the store: each draft records the seconds its engine
request took, so "engine busy" is the summed engine time over the wall time — about 1.0
means one request was always in flight at the server; "in engine" is the share of the
workers' time spent waiting for the engine (the rest is the checks, the memory lookup
and the database).

The engine is a llama.cpp server (``python -m llama_cpp.server``) on loopback serving
the tiny random-weight model of the tests (fast; its text is noise), or any
OpenAI-compatible server with --base-url.

    .venv/bin/python bench/scale.py --admin-url postgresql+psycopg://relais_test:relais_test@127.0.0.1:5432/postgres \
        [--workers 1,2,4] [--articles 40] [--languages fr,de] [--repeat 3] [--base-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.articles import write_articles  # noqa: E402
from tests.gguf_factory import write_tiny_gguf  # noqa: E402
from tests.llama_server import running_llama_server  # noqa: E402


def relais(env: dict[str, str], *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "relais", *args], env=env, cwd=ROOT, **kw)


def one_run(admin_url: str, base_url: str, workers: int, articles: Path, languages: str, home: Path) -> dict:
    name = f"relais_scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELAIS_", "OPENAI_"))}
    env.update(
        RELAIS_HOME=str(home), RELAIS_DATABASE_URL=url, RELAIS_ENGINE="openai", RELAIS_OPENAI_BASE_URL=base_url,
        RELAIS_RISK_METHOD="rules", RELAIS_QUEUE_HEARTBEAT="2", RELAIS_QUEUE_STALLED_AFTER="20",
    )  # fmt: skip
    try:
        queued = relais(env, "translate", str(articles), "--to", languages, "-q", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if queued.wait() != 0:
            raise SystemExit(f"queueing failed: {queued.stderr.read().decode()}")
        logs = [home / f"worker-{i}.log" for i in range(workers)]
        procs = []
        for log in logs:  # to files: a pipe nobody reads would fill up and block the worker
            with log.open("wb") as f:
                procs.append(relais(env, "-q", "worker", "--exit-when-empty", stdout=subprocess.DEVNULL, stderr=f))
        for p, log in zip(procs, logs):
            if p.wait() != 0:
                raise SystemExit(f"a worker failed: {log.read_text()[-2000:]}")
        store = create_engine(url)
        with store.connect() as conn:
            first, last, done, jobs = conn.execute(
                text("SELECT min(started_at), max(finished_at), count(*) FILTER (WHERE status = 'done'), count(*) FROM jobs")
            ).one()
            segments, engine_seconds = conn.execute(text("SELECT count(*), coalesce(sum(seconds), 0) FROM drafts")).one()
        store.dispose()
        if done != jobs:
            raise SystemExit(f"only {done} of {jobs} jobs done")
        wall = (last - first).total_seconds()
        return {"wall": wall, "segments": segments, "engine": engine_seconds}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default=os.environ.get("RELAIS_TEST_POSTGRES"), help="a PostgreSQL role that may create databases")
    parser.add_argument("--base-url", help="an OpenAI-compatible server (default: a llama.cpp server on the tiny model)")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--languages", default="fr,de")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=1, help="engine requests in flight per worker (engines.openai.concurrency)")
    parser.add_argument("--servers", type=int, default=1, help="llama.cpp servers started (an engine pool of that many endpoints)")
    parser.add_argument(
        "--prompt-cache", action=argparse.BooleanOptionalAction, default=True,
        help="llama.cpp servers with a RAM prompt cache (--cache True), so requests from several workers, interleaved, "
        "keep their evaluated prefixes; without it one server's single cache is thrashed and more workers are slower",
    )  # fmt: skip
    args = parser.parse_args()
    if not args.admin_url:
        raise SystemExit("give --admin-url (or set RELAIS_TEST_POSTGRES), e.g. postgresql+psycopg://relais_test:relais_test@127.0.0.1:5432/postgres")
    counts = [int(n) for n in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        write_articles(tmp_path / "articles", args.articles)
        (tmp_path / "home").mkdir()
        (tmp_path / "home" / "config.toml").write_text(
            f"[engines.openai]\nmax_tokens = 8\nconcurrency = {args.concurrency}\n", encoding="utf-8"
        )
        if args.base_url:
            results = run_all(args, counts, tmp_path, args.base_url)
            engine_name = args.base_url
        else:
            model = write_tiny_gguf(tmp_path / "tiny.gguf")
            with contextlib.ExitStack() as stack:
                urls = [
                    stack.enter_context(
                        running_llama_server(model, tmp_path / f"server-{i}.log", ("--cache", "True") if args.prompt_cache else ())
                    )
                    for i in range(args.servers)
                ]
                results = run_all(args, counts, tmp_path, ",".join(urls))
            engine_name = (
                f"{args.servers} llama.cpp server(s), tiny random model, 1 thread each (python -m llama_cpp.server"
                + (" --cache True)" if args.prompt_cache else ")")
            )
    print(f"engine: {engine_name}")
    print(
        f"work: {args.articles} articles x {len(args.languages.split(','))} languages; "
        f"{args.concurrency} engine request(s) in flight per worker; median of {args.repeat} run(s)\n"
    )
    print(f"{'workers':>7} {'segments':>8} {'wall s':>7} {'seg/s':>7} {'speed-up':>8} {'engine busy':>11} {'in engine':>9}")
    base = None
    rows = []
    for n in counts:
        runs = results[n]
        wall = statistics.median(r["wall"] for r in runs)
        rate = statistics.median(r["segments"] / r["wall"] for r in runs)
        busy = statistics.median(r["engine"] / r["wall"] for r in runs)
        in_engine = statistics.median(r["engine"] / (r["wall"] * n) for r in runs)
        base = base or rate
        rows.append((n, rate, busy, in_engine))
        print(f"{n:>7} {runs[0]['segments']:>8} {wall:>7.1f} {rate:>7.1f} {rate / base:>7.2f}x {busy:>11.2f} {in_engine:>8.0%}")
    print(f"\nbottleneck: {bottleneck(rows, 1 if args.base_url else args.servers)}")
    print(
        "\nengine busy: summed engine request time / wall time (average requests in flight; a one-thread"
        "\n  llama.cpp server answers one at a time, so above 1.0 requests queue at the server);"
        "\nin engine: share of the workers' time spent waiting for the engine."
    )


def bottleneck(rows: list[tuple[int, float, float, float]], servers: int) -> str:
    """Name what stops throughput growing, from the last two worker counts."""
    if len(rows) < 2:
        return "(needs at least two worker counts)"
    (n0, r0, _, _), (n1, r1, busy, in_engine) = rows[-2], rows[-1]
    gain = r1 / r0
    if in_engine >= 0.5 and busy >= 0.9 * servers:
        return (
            f"the engine: from {n0} to {n1} workers throughput x{gain:.2f}, the server(s) had "
            f"{busy:.1f} requests in flight on average and workers spent {in_engine:.0%} of their time waiting "
            "for it; more engine endpoints (engines.openai.base_urls), not more workers, raise it"
        )
    return (
        f"the workers: from {n0} to {n1} workers throughput x{gain:.2f}, workers spent only {in_engine:.0%} "
        "of their time in the engine (the rest: checks, memory lookup, database); more workers or cores raise it"
    )


def run_all(args, counts: list[int], tmp_path: Path, base_url: str) -> dict[int, list[dict]]:
    results: dict[int, list[dict]] = {n: [] for n in counts}
    for _ in range(args.repeat):
        for n in counts:
            results[n].append(one_run(args.admin_url, base_url, n, tmp_path / "articles", args.languages, tmp_path / "home"))
            print(f"  {n} worker(s): {results[n][-1]['segments']} segments in {results[n][-1]['wall']:.1f} s", file=sys.stderr)
    return results


if __name__ == "__main__":
    main()
