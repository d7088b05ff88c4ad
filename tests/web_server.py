"""A real HTTP server on loopback for fetch and feed tests: routes are plain functions.

``with WebServer() as server:`` serves on ``127.0.0.1`` on a free port in a thread;
``server.routes["/path"] = handler`` where ``handler(request)`` returns a ``Reply``
(or writes to ``request.wfile`` itself and returns None).  ``server.requests`` records
(path, headers) of every request.  ``server.release`` is set on exit, so a handler that
stalls on it ends with the test.  ``WebServer(tls=context)`` serves https.
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class WebServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(path)
                reply = route(self) if route else Reply(404, b"not here")
                if reply is None:
                    return
                self.send_response(reply.status)
                headers = {"Content-Type": "text/html; charset=utf-8", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.scheme = "http"
        if tls is not None:  # https: the names clients asked for (SNI) are in server.sni
            self.sni: list[str | None] = []
            tls.sni_callback = lambda sock, name, context: self.sni.append(name)
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def __enter__(self) -> WebServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
