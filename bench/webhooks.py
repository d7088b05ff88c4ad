"""Webhook delivery latency on loopback (``python bench/webhooks.py [--events N]``).

A real receiver on 127.0.0.1 (``tests/webhooks/receiver.py``: every signature checked
with the ``standardwebhooks`` package) subscribes to ``job.done``; N events are written
one per write session, as a job's end writes them, while a ``BackgroundDeliverer``
thread (the one ``relais serve`` and ``relais worker`` run) delivers them.  Latency is
from the commit of the event's transaction to its arrival at the receiver, so it holds
the deliverer's poll interval (``--poll``, default 0.05 s; ``[webhooks] poll`` is 1 s).
Prints p50 / p95 / max in milliseconds.  SQLite in a temporary folder by default, or
``--db URL`` (an empty PostgreSQL database, for instance).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from relais.config import Webhooks  # noqa: E402
from relais.jobs.webhooks import BackgroundDeliverer  # noqa: E402
from relais.store import events  # noqa: E402
from relais.store.db import open_store  # noqa: E402
from tests.webhooks.receiver import running_receiver  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--poll", type=float, default=0.05)
    parser.add_argument("--db", help="store URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    print(latency(args.events, args.poll, args.db))


def latency(n_events: int = 200, poll: float = 0.05, db: str | None = None) -> str:
    """Deliver ``n_events`` to a loopback receiver; one line: deliveries, p50, p95, max."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(db or f"sqlite:///{Path(tmp) / 'relais.db'}")
        secret = events.new_secret()
        committed: dict[int, float] = {}
        with running_receiver(secret) as receiver:
            with store.write() as s:
                events.add_webhook(s, receiver.url, [events.JOB_DONE], secret)
            deliverer = BackgroundDeliverer(store, Webhooks(poll=poll, timeout=10)).start()
            try:
                for n in range(n_events):
                    with store.write() as s:
                        events.emit(s, events.JOB_DONE, {"job": n})
                    committed[n] = time.time()
                    time.sleep(poll / 3)  # events arrive spread out, as jobs end
                got = receiver.wait_for(n_events, timeout=120)
            finally:
                deliverer.stop()
        store.close()
    bad = sum(not r.verified for r in got)
    ms = sorted((r.at - committed[r.body["data"]["job"]]) * 1000 for r in got)
    q = statistics.quantiles(ms, n=100)
    return (f"webhook delivery latency: {len(got)} deliveries ({bad} with a bad signature), poll {poll * 1000:.0f} ms: "
            f"p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, max {ms[-1]:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
