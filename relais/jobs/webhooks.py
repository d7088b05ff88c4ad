"""Delivering webhook events (the outbox of ``relais.store.events``).

A ``Deliverer`` leases due deliveries in a short write session, POSTs each one signed
per the Standard Webhooks specification (``webhook-id``, ``webhook-timestamp``,
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``) outside any
session, then records the answer: delivered on a 2xx, else retried with exponential
backoff until ``[webhooks] attempts``, then failed.  Jobs never wait for it: they only
write outbox rows.  It runs in a thread of ``relais serve``, in every ``relais worker``
and in ``relais webhooks deliver``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import threading
import time
from dataclasses import dataclass

import httpx

from relais.config import Webhooks as Settings
from relais.jobs.runner import owner_id
from relais.store import events
from relais.store.db import Store
from relais.store.events import Answer, Leased

log = logging.getLogger(__name__)

USER_AGENT = "Relais-Webhooks/1"


def signed_headers(secret: str, msg_id: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The Standard Webhooks headers of ``body``: ``v1,`` and the base64 HMAC-SHA256 of
    ``{id}.{timestamp}.{body}`` keyed with the decoded ``whsec_`` secret (the tests check
    it with the ``standardwebhooks`` package, an independent implementation)."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(events.secret_key(secret), f"{msg_id}.{ts}.{body}".encode(), hashlib.sha256).digest()
    signature = "v1," + base64.b64encode(mac).decode()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


@dataclass
class Round:
    """What one look at the outbox did."""

    leased: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0


class Deliverer:
    """Sends due deliveries of ``store``; ``deliver_once`` is one look, ``run`` loops."""

    def __init__(self, store: Store, settings: Settings | None = None, owner: str | None = None, batch: int = 10):
        self.store = store
        self.settings = settings or Settings()
        self.owner = owner or f"{owner_id()}/webhooks-{threading.get_ident()}"
        self.batch = batch
        self.client = httpx.Client(timeout=self.settings.timeout, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Deliverer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _lease(self) -> list[Leased]:
        # A lease outlives the longest round it covers: each attempt takes at most the timeout.
        lease = self.settings.timeout * (self.batch + 1) + 30
        with self.store.write() as s:
            return events.lease_due(s, self.owner, lease, self.batch)

    def send(self, item: Leased) -> Answer:
        """One POST of a leased delivery (no session held)."""
        headers = signed_headers(item.secret, item.msg_id, item.payload)
        start = time.perf_counter()
        try:
            resp = self.client.post(item.url, content=item.payload.encode(), headers=headers)
            body = resp.text[: events.BODY_SNIPPET]
            return Answer(resp.status_code, body, None if resp.is_success else f"HTTP {resp.status_code}",
                          time.perf_counter() - start)  # fmt: skip
        except httpx.HTTPError as exc:
            return Answer(None, None, f"{type(exc).__name__}: {exc}"[:500], time.perf_counter() - start)

    def deliver_once(self) -> Round:
        """Lease what is due, send it, record every answer; what one look did."""
        done = Round()
        for item in self._lease():
            done.leased += 1
            answer = self.send(item)
            with self.store.write() as s:
                status = events.record_attempt(
                    s, item.id, self.owner, answer, attempts=self.settings.attempts,
                    backoff=self.settings.backoff, max_backoff=self.settings.max_backoff,
                )  # fmt: skip
            if status == "delivered":
                done.delivered += 1
            elif status == "failed":
                done.failed += 1
                log.warning("webhook delivery %s failed after %s attempts: %s", item.msg_id, item.attempts + 1,
                            answer.error)  # fmt: skip
            elif status is not None:
                done.retried += 1
        return done

    def run(self, stop: threading.Event) -> None:
        """Look for due deliveries every ``poll`` seconds until ``stop`` is set; an error
        of one look (the store away for a moment) is logged, and the loop goes on."""
        while not stop.is_set():
            try:
                busy = self.deliver_once().leased > 0
            except Exception:  # noqa: BLE001 (a background loop must outlive one bad look)
                log.exception("webhook delivery round failed")
                busy = False
            if not busy:
                stop.wait(self.settings.poll)


class BackgroundDeliverer:
    """A ``Deliverer`` in a daemon thread: ``start()``, then ``stop()`` (waits for it)."""

    def __init__(self, store: Store, settings: Settings | None = None):
        self.store, self.settings = store, settings or Settings()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> BackgroundDeliverer:
        def loop() -> None:
            with Deliverer(self.store, self.settings) as deliverer:
                deliverer.run(self._stop)

        self._thread = threading.Thread(target=loop, name="relais-webhooks", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout if timeout is not None else self.settings.timeout + 5)
