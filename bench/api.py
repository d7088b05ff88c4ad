"""Ingest requests per second through the HTTP API on loopback (``POST /api/v1/articles``).

The real app under uvicorn in a thread on 127.0.0.1, on a fresh SQLite store (or the
store of ``RELAIS_DATABASE_URL``), one token with the ``ingest`` scope, and one httpx
client sending distinct short articles (each is ingested, segmented, stored as a story
and queued into French) one after another.  No job runs: this measures the API and the
store, not the engine.  Prints each run and the median of the runs.

    python bench/api.py [--requests 200] [--runs 3]

Then webhook delivery latency on loopback, p50 / p95 (``bench/webhooks.py``: ``--events``,
``--poll``; ``--events 0`` leaves it out).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from webhooks import latency  # bench/webhooks.py, beside this script

from relais.config import load_config
from relais.desk import Desk
from relais.web.app import create_app

PARAGRAPH = ("The harbour committee met on {day} to discuss article {n}, and the members agreed to publish "
             "the minutes of the meeting before the end of the week.")  # fmt: skip


def serve(app) -> tuple[uvicorn.Server, int]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, port


def body(run: int, n: int) -> dict:
    text = f"Committee notes {run}-{n}\n\n" + "\n\n".join(PARAGRAPH.format(day=d, n=f"{run}-{n}") for d in ("Monday", "Tuesday"))
    return {"content": text, "format": "text", "targets": ["fr"], "external_id": f"bench-{run}-{n}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=200, help="webhook events delivered (0: none)")
    parser.add_argument("--poll", type=float, default=0.05, help="the deliverer's poll interval, seconds")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="relais-bench-api-"))
    (home / "config.toml").write_text("[api]\nrate_per_minute = 0\n")  # the limit off: this measures throughput
    desk = Desk(load_config(home))
    token = desk.add_token("bench", ["ingest"])
    server, port = serve(create_app(desk.store, desk=desk))
    rates = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"authorization": f"Bearer {token}"}) as http:
            http.post("/api/v1/articles", json=body(-1, 0)).raise_for_status()  # warm up
            for run in range(args.runs):
                start = time.perf_counter()
                for n in range(args.requests):
                    http.post("/api/v1/articles", json=body(run, n)).raise_for_status()
                rate = args.requests / (time.perf_counter() - start)
                rates.append(rate)
                print(f"run {run + 1}: {args.requests} ingest requests, {rate:.1f} requests/s")
    finally:
        server.should_exit = True
        desk.close()
    print(f"ingest through POST /api/v1/articles on loopback ({desk.store.display_url.split(':')[0]}): "
          f"median {statistics.median(rates):.1f} requests/s over {args.runs} runs")  # fmt: skip
    if args.events:
        print(latency(args.events, args.poll))


if __name__ == "__main__":
    main()
