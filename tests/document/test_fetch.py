"""relais.document.fetch against a real HTTP server on loopback (so tests allow 127.0.0.1)."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import ssl
import subprocess

import pytest

from relais.config import Fetch, load_config
from relais.document.fetch import address_problem, fetch
from relais.errors import FetchError, RelaisError
from tests.web_server import Reply, WebServer

LOOPBACK = Fetch(allow_hosts=("127.0.0.1",), timeout=5.0)


@pytest.fixture
def server():
    with WebServer() as running:
        running.routes["/page"] = lambda request: Reply(200, b"<p>Hello</p>", {"ETag": '"v1"'})
        yield running


def test_a_page_is_fetched_with_its_validators_and_user_agent(server):
    settings = Fetch(allow_hosts="127.0.0.1", user_agent="NewsDesk-Relais/7 (+https://desk.example)")
    got = fetch(server.url("/page"), settings)
    assert (got.status, got.content, got.content_type, got.etag) == (200, b"<p>Hello</p>", "text/html", '"v1"')
    assert not got.not_modified
    assert server.requests[-1][1]["user-agent"] == "NewsDesk-Relais/7 (+https://desk.example)"
    assert server.requests[-1][1]["host"] == f"127.0.0.1:{server.port}"


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/page", "http://localhost:{port}/page", "http://[::1]:{port}/page",
                                 "http://[::ffff:127.0.0.1]:{port}/page", "http://0.0.0.0:{port}/page"])
def test_loopback_is_refused_without_allow_hosts(server, url):
    with pytest.raises(FetchError, match="refused: .*allow_hosts"):
        fetch(url.format(port=server.port), Fetch())
    assert server.requests == []


@pytest.mark.parametrize(
    "address, problem",
    [("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.9", "private"), ("172.16.5.5", "private"),
     ("169.254.169.254", "link-local"), ("224.0.0.1", "multicast"), ("0.0.0.0", "unspecified"), ("240.0.0.1", "reserved"),
     ("100.64.0.1", "public"), ("::1", "loopback"), ("fe80::1", "link-local"), ("fc00::1", "private"), ("ff02::1", "multicast"),
     ("::", "unspecified"), ("::ffff:10.0.0.1", "private"), ("::ffff:127.0.0.1", "loopback")],
)  # fmt: skip
def test_non_public_addresses_are_named(address, problem):
    assert problem in address_problem(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::ffff:93.184.215.14"])
def test_public_addresses_pass(address):
    assert address_problem(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/file", "file:///etc/passwd", "gopher://127.0.0.1/", "not a url", "http:///nohost"])
def test_other_schemes_and_non_urls_are_refused(url):
    with pytest.raises(FetchError):
        fetch(url, LOOPBACK)


def test_allow_hosts_comes_from_the_environment(tmp_path):
    config = load_config(tmp_path, environ={"RELAIS_FETCH_ALLOW_HOSTS": "CMS.internal, 127.0.0.1", "RELAIS_FETCH_TIMEOUT": "3",
                                            "RELAIS_MAX_BYTES": "1234"})  # fmt: skip
    assert config.fetch.allow_hosts == ("127.0.0.1", "cms.internal")
    assert (config.fetch.timeout, config.fetch.max_bytes) == (3.0, 1234)
    (tmp_path / "config.toml").write_text('[fetch]\ntimeout = 0\n')
    with pytest.raises(RelaisError, match="fetch.timeout"):
        load_config(tmp_path, environ={})


def test_redirects_are_followed_up_to_five(server):
    for n in range(1, 8):
        server.routes[f"/hop{n}"] = lambda request, n=n: Reply(302, b"", {"Location": "/page" if n == 1 else f"/hop{n - 1}"})
    got = fetch(server.url("/hop5"), LOOPBACK)
    assert (got.url, got.content) == (server.url("/page"), b"<p>Hello</p>")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(server.url("/hop6"), LOOPBACK)


def test_every_redirect_hop_is_checked(server):
    """From an allowed host to one that is not (localhost is loopback too, but not allowed)."""
    server.routes["/away"] = lambda request: Reply(301, b"", {"Location": server.url("/page", host="localhost")})
    with pytest.raises(FetchError, match="refused: localhost"):
        fetch(server.url("/away"), LOOPBACK)
    assert [path for path, _ in server.requests] == ["/away"]


def test_the_size_is_capped(server):
    server.routes["/big"] = lambda request: Reply(200, b"x" * 5000)

    def endless(request):
        request.send_response(200)
        request.send_header("Content-Type", "text/html")
        request.send_header("Connection", "close")
        request.end_headers()
        try:
            while not server.release.is_set():
                request.wfile.write(b"y" * 4096)
        except OSError:
            pass  # the client stopped reading: what the test wants

    server.routes["/endless"] = endless
    small = Fetch(allow_hosts=("127.0.0.1",), max_bytes=1000)
    with pytest.raises(FetchError, match="over the limit of 1,000 bytes"):
        fetch(server.url("/big"), small)
    with pytest.raises(FetchError, match="over the limit of 1,000 bytes"):
        fetch(server.url("/endless"), small)
    assert fetch(server.url("/page"), small).content == b"<p>Hello</p>"


def test_the_cap_is_on_the_decompressed_body(server):
    # A small gzip body that inflates to 20 MB (a "zip bomb"): the cap counts what it
    # inflates to, not the bytes on the wire.
    bomb = gzip.compress(b"<p>" + b"0" * 20_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    server.routes["/bomb"] = lambda request: Reply(200, bomb, {"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="over the limit of 100,000 bytes"):
        fetch(server.url("/bomb"), Fetch(allow_hosts=("127.0.0.1",), max_bytes=100_000))


def test_a_stalled_server_times_out(server):
    def stall(request):
        server.release.wait(30)
        return Reply(200, b"late")

    server.routes["/stall"] = stall
    with pytest.raises(FetchError, match=r"timed out after 0.3 s \(\[fetch\] timeout\)"):
        fetch(server.url("/stall"), Fetch(allow_hosts=("127.0.0.1",), timeout=0.3))


def test_conditional_requests_and_304(server):
    def validated(request):
        if request.headers.get("If-None-Match") == '"v2"' or request.headers.get("If-Modified-Since") == "Tue, 01 Dec 2026 08:00:00 GMT":
            return Reply(304, b"")
        return Reply(200, b"<feed/>", {"ETag": '"v2"', "Last-Modified": "Tue, 01 Dec 2026 08:00:00 GMT"})

    server.routes["/feed"] = validated
    first = fetch(server.url("/feed"), LOOPBACK)
    assert (first.status, first.etag, first.last_modified) == (200, '"v2"', "Tue, 01 Dec 2026 08:00:00 GMT")
    again = fetch(server.url("/feed"), LOOPBACK, etag=first.etag)
    assert again.not_modified and again.content == b""
    assert fetch(server.url("/feed"), LOOPBACK, last_modified=first.last_modified).not_modified
    assert server.requests[-2][1]["if-none-match"] == '"v2"'


def test_an_error_status_is_a_fetch_error(server):
    with pytest.raises(FetchError, match=r"HTTP 404 Not Found"):
        fetch(server.url("/missing"), LOOPBACK)


def test_a_closed_port_is_one_line(server):
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    with pytest.raises(FetchError, match="cannot fetch") as caught:
        fetch(f"http://127.0.0.1:{port}/", LOOPBACK)
    assert "\n" not in str(caught.value)


def test_it_connects_to_the_address_it_checked(server, monkeypatch):
    """DNS rebinding: the name resolves to the (allowed) server once, then to another
    address.  The fetch resolves once and connects to the first answer, sending the
    name as the Host header."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.test":
            asked.append(host)
            address = "127.0.0.1" if len(asked) == 1 else "10.255.255.1"
            return real(address, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    got = fetch(f"http://rebind.test:{server.port}/page", Fetch(allow_hosts=("rebind.test",), timeout=5.0))
    assert got.content == b"<p>Hello</p>"
    assert asked == ["rebind.test"]
    assert server.requests[-1][1]["host"] == f"rebind.test:{server.port}"


def test_a_name_that_resolves_to_a_private_address_is_refused(server, monkeypatch):
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: real("127.0.0.1" if host == "evil.test" else host, port, *a, **k))
    with pytest.raises(FetchError, match="refused: evil.test is 127.0.0.1, a loopback address"):
        fetch(f"http://evil.test:{server.port}/page", LOOPBACK)
    assert server.requests == []


def _certificate(folder, name: str):
    """A self-signed certificate for ``name`` (openssl), and a server context using it."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context


@pytest.fixture
def news_test(monkeypatch):
    """news.test and other.test resolve to 127.0.0.1."""
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo",
                        lambda host, port, *a, **k: real("127.0.0.1" if host.endswith(".test") else host, port, *a, **k))  # fmt: skip


def test_https_to_the_checked_address_with_the_name_as_sni(tmp_path, news_test):
    cert, context = _certificate(tmp_path, "news.test")
    with WebServer(tls=context) as server:
        server.routes["/page"] = lambda request: Reply(200, b"<p>Secure</p>")
        settings = Fetch(allow_hosts=("news.test", "other.test"), ca_file=str(cert), timeout=5.0)
        got = fetch(server.url("/page", host="news.test"), settings)
        assert got.content == b"<p>Secure</p>"
        assert server.sni == ["news.test"]
        assert server.requests[-1][1]["host"] == f"news.test:{server.port}"
        # the certificate must match the name asked for, not the address connected to
        with pytest.raises(FetchError, match="Hostname mismatch"):
            fetch(server.url("/page", host="other.test"), settings)
        with pytest.raises(FetchError, match="certificate verify failed"):  # not trusted without ca_file
            fetch(server.url("/page", host="news.test"), Fetch(allow_hosts=("news.test",), timeout=5.0))


def test_a_server_that_drips_is_stopped_at_the_total_time(server):
    """Each byte arrives in time for a read timeout; the whole fetch still has one deadline."""

    def drip(request):
        request.send_response(200)
        request.send_header("Content-Length", "100000")
        request.end_headers()
        try:
            while not server.release.wait(0.05):
                request.wfile.write(b"z")
                request.wfile.flush()
        except OSError:
            pass

    server.routes["/drip"] = drip
    with pytest.raises(FetchError, match=r"timed out after 0.4 s"):
        fetch(server.url("/drip"), Fetch(allow_hosts=("127.0.0.1",), timeout=0.4))
