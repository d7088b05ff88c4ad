"""Fetching a URL safely: the page an API client names, a feed, a feed item's page.

``fetch(url, settings)`` (``settings``: ``Config.fetch``, the ``[fetch]`` section) returns
a ``Fetched`` or raises ``FetchError`` with a one-line reason.  What it guarantees:

- Only ``http`` and ``https`` URLs.
- The host is resolved once; if any of its addresses is not a public one (loopback,
  private, link-local, multicast, reserved, unspecified, shared/CGNAT, documentation…;
  IPv4 and IPv6, an IPv4-mapped IPv6 address judged as its IPv4 address) the URL is
  refused, unless the host is in ``settings.allow_hosts``.
- The connection goes to the very address that was checked: the request is sent to
  the IP, with the original ``Host`` header and, for https, the original name as TLS
  SNI and as the name the certificate must match (httpcore's ``sni_hostname``
  extension).  A DNS answer that changes between the check and the connection (DNS
  rebinding) cannot move the request elsewhere.  No proxy from the environment is used.
- At most ``MAX_REDIRECTS`` (5) redirects, each hop checked as the first.
- At most ``settings.max_bytes`` (``limits.max_bytes``) of body, read as a stream and
  abandoned past the cap; the whole fetch, redirects included, within
  ``settings.timeout`` seconds.
- ``settings.user_agent`` as the User-Agent; certificates checked against certifi's
  authorities and ``settings.ca_file``'s.
- Conditional requests: ``etag`` / ``last_modified`` are sent as ``If-None-Match`` /
  ``If-Modified-Since``; a 304 answer is a ``Fetched`` with ``not_modified`` true and no
  content.  Any other answer that is not 2xx is a ``FetchError``.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin

import certifi
import httpx

from relais.config import Fetch
from relais.errors import FetchError

MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}
_DEFAULT_PORTS = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Fetched:
    """What a fetch brought back: the final URL (after redirects), the status, the body
    (empty for a 304), its media type (``text/html``, without parameters; None if not
    given), and the validators to send next time."""

    url: str
    status: int
    content: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def address_problem(address: IPAddress) -> str | None:
    """Why an address may not be fetched (``"a loopback address"``…), None for a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for test, what in (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    ):
        if getattr(address, test):
            return what
    if not address.is_global:
        return "not a public address"
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses of ``host`` (an IP literal is its own), in the resolver's order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host} ({getattr(exc, 'strerror', None) or exc})") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError(f"cannot resolve {host} (no address)")
    return addresses


def checked_address(host: str, port: int, allow_hosts: tuple[str, ...]) -> IPAddress:
    """The one address to connect to for ``host``: resolved once, every address it has
    checked (unless the host is allowed), the first one used."""
    addresses = resolve(host, port)
    if host.lower().strip("[]").rstrip(".") in allow_hosts:
        return addresses[0]
    for address in addresses:
        if problem := address_problem(address):
            where = f"{host} is {problem}" if host == str(address) else f"{host} is {address}, {problem}"
            raise FetchError(f"refused: {where} (allow it with [fetch] allow_hosts)")
    return addresses[0]


def _media_type(value: str | None) -> str | None:
    kind = (value or "").split(";")[0].strip().lower()
    return kind or None


def _target(url: str) -> tuple[httpx.URL, str, int]:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(f"{url!r} is not a valid URL ({exc})") from None
    if parsed.scheme not in _DEFAULT_PORTS:
        raise FetchError(f"{url}: only http and https URLs are fetched")
    host = parsed.raw_host.decode("ascii")
    if not host:
        raise FetchError(f"{url}: no host")
    return parsed, host, parsed.port or _DEFAULT_PORTS[parsed.scheme]


def _read(response: httpx.Response, url: str, limit: int, deadline: float, timeout: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(f"{url}: {int(declared):,} bytes is over the limit of {limit:,} bytes (limits.max_bytes)")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise FetchError(f"{url}: over the limit of {limit:,} bytes (limits.max_bytes)")
        if time.monotonic() > deadline:
            raise FetchError(f"{url}: timed out after {timeout:g} s ([fetch] timeout)")
        chunks.append(chunk)
    return b"".join(chunks)


def _tls(settings: Fetch) -> ssl.SSLContext:
    """The usual certificate authorities (certifi's, as httpx uses), and ``ca_file``'s."""
    context = ssl.create_default_context(cafile=certifi.where())
    if settings.ca_file:
        try:
            context.load_verify_locations(cafile=settings.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise FetchError(f"[fetch] ca_file {settings.ca_file}: cannot be read ({exc})") from None
    return context


def fetch(url: str, settings: Fetch, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
    """Fetch ``url`` under ``settings`` (``Config.fetch``); see the module docstring."""
    deadline = time.monotonic() + settings.timeout
    headers = {"User-Agent": settings.user_agent}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    with httpx.Client(trust_env=False, follow_redirects=False, verify=_tls(settings)) as client:
        for hop in range(MAX_REDIRECTS + 1):
            parsed, host, port = _target(current)
            address = checked_address(host, port, settings.allow_hosts)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError(f"{url}: timed out after {settings.timeout:g} s ([fetch] timeout)")
            default = port == _DEFAULT_PORTS[parsed.scheme]
            request = client.build_request(
                "GET",
                parsed.copy_with(host=str(address), port=port),
                headers={**headers, "Host": host if default else f"{host}:{port}"},
                timeout=httpx.Timeout(remaining),
                extensions={"sni_hostname": host},
            )
            try:
                response = client.send(request, stream=True)
                try:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        if hop == MAX_REDIRECTS:
                            raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code == 304:
                        content = b""
                    elif 200 <= response.status_code < 300:
                        content = _read(response, current, settings.max_bytes, deadline, settings.timeout)
                    else:
                        raise FetchError(f"{current}: HTTP {response.status_code} {response.reason_phrase}".rstrip())
                finally:
                    response.close()
            except httpx.TimeoutException:
                raise FetchError(f"{url}: timed out after {settings.timeout:g} s ([fetch] timeout)") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{current}: cannot fetch ({type(exc).__name__}: {exc})".replace("\n", " ")) from None
            return Fetched(
                url=current,
                status=response.status_code,
                content=content,
                content_type=_media_type(response.headers.get("content-type")),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )
    raise AssertionError("unreachable")


# What a fetched page's media type says of its format (``relais.document.ingest``'s names);
# a page without a type is left to ingest to recognise.
PAGE_FORMATS = {"text/html": "html", "application/xhtml+xml": "html", "text/markdown": "markdown", "text/plain": "text"}


def fetch_page(url: str, settings: Fetch) -> tuple[bytes, str | None]:
    """An article's page fetched safely (``fetch``): its bytes and format (``PAGE_FORMATS``);
    ``FetchError`` when it is something else (an image, a PDF).  What the API's
    ``{"url": …}`` articles and a feed item without full content read."""
    page = fetch(url, settings)
    fmt = PAGE_FORMATS.get(page.content_type or "")
    if page.content_type and fmt is None:
        raise FetchError(f"{page.url}: {page.content_type} is not a web page")
    return page.content, fmt
