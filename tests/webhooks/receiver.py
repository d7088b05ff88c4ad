"""A webhook receiver on loopback for the tests and bench/webhooks.py: a real HTTP server
in a thread that checks every delivery's signature with the ``standardwebhooks``
package (an implementation independent of Relais's) and answers the statuses it is
given in turn (then 200)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    msg_id: str
    verified: bool
    body: dict | None
    answered: int
    at: float  # time.time() when it arrived


@dataclass
class Receiver:
    secret: str
    statuses: list[int] = field(default_factory=list)  # answered first, in turn; then 200
    received: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.arrived = threading.Condition(self.lock)

    def wait_for(self, n: int, timeout: float = 30.0) -> list[Received]:
        """Block until ``n`` deliveries have arrived (a deadline, not a timed assertion)."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= n, timeout)
            return list(self.received)


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                Webhook(receiver.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
            with receiver.lock:
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if not verified:
                    status = 401
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = None
                receiver.received.append(Received(headers.get("webhook-id", ""), verified, parsed, status, time.time()))
                receiver.arrived.notify_all()
            answer = b"ok" if status < 300 else b"try again later"
            self.send_response(status)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    return Handler


@contextmanager
def running_receiver(secret: str, statuses: list[int] | None = None) -> Iterator[Receiver]:
    receiver = Receiver(secret, list(statuses or []))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/relais"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
