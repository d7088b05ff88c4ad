"""A loopback stand-in for a hosted OpenAI-compatible API, answering with recorded responses.

The real llama.cpp server covers the happy path; a hosted API's rate limits, outages and
chatty models cannot be produced by it, so this server replays the recorded answers in
``recordings/openai.json``: either a scripted sequence, or one chosen per request.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RECORDINGS: dict[str, Any] = json.loads((Path(__file__).parent / "recordings" / "openai.json").read_text())


class ReplayServer:
    def __init__(self) -> None:
        self.script: deque[str] = deque()  # recording names, one per chat request, in order
        self.choose: Callable[[dict[str, Any]], str] | None = None  # or: pick one per request
        self.delay = 0.0  # seconds before each chat answer, to overlap concurrent requests
        self.requests: list[dict[str, Any]] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, path: str, headers: dict[str, str], body: dict[str, Any] | None) -> tuple[int, dict, Any]:
        with self._lock:
            self.requests.append({"path": path, "headers": headers, "body": body})
        if path.endswith("/models"):
            name = "models"
        else:
            with self._lock:
                self._in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self._in_flight)
                name = self.script.popleft() if self.script else self.choose(body) if self.choose else "server_error"
            time.sleep(self.delay)
            with self._lock:
                self._in_flight -= 1
        recording = RECORDINGS[name]
        return recording["status"], recording.get("headers", {}), recording["body"]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._reply(*replay._answer(self.path, dict(self.headers), None))

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                self._reply(*replay._answer(self.path, dict(self.headers), body))

            def _reply(self, status: int, headers: dict[str, str], body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

        return Handler


def source_of(body: dict[str, Any]) -> str:
    """The segment text inside <source>…</source> of a chat request."""
    user = body["messages"][-1]["content"]
    return user[user.index("<source>\n") + len("<source>\n") : user.index("\n</source>")]
