"""What makes two articles versions of one story: their keys.

A story is known by any of its keys: the canonical URL of the page (front matter
``url``, the page's canonical link), a feed item's guid, the CMS's own id given through
the API.  Any matching key means the same story.  URLs are compared normalised
(``normalise_url``): scheme and host in lower case, no default port, no fragment, no
tracking parameters, and the AMP variant of a page is the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from relais.errors import InputError

URL, GUID, EXTERNAL = "url", "guid", "external"
KINDS = (URL, GUID, EXTERNAL)
MAX_KEY = 2000  # characters: longer keys are refused, not cut

# Query parameters that say where a reader came from, not which page it is.
_TRACKING = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid|_hsenc|_hsmi|"
    r"mkt_tok|ocid|cmpid|at_\w+|ns_\w+|sr_share|ref|ref_src|ref_url|smid|smtyp|xtor|__twitter_impression|"
    r"amp|outputtype|output_type|_ga|_gl|s_cid|wt\.mc_id)$",
    re.IGNORECASE,
)
_AMP_PATH = re.compile(r"/amp/?$|/amp\.html?$|\.amp$|\.amp(?=\.html?$)", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, order=True)
class StoryKey:
    """One key of a story: its kind (url, guid, external) and its normalised value."""

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


def normalise_url(url: str) -> str | None:
    """The form of a page URL two versions of a story share; None for what is no web URL.

    ``HTTPS://Example.COM:443/world/story/amp/?utm_source=x&id=7#top`` →
    ``https://example.com/world/story?id=7``.  The AMP host (``amp.example.com``) and
    path variants (``/amp``, ``.amp``, ``?amp=1``, ``?outputType=amp``) map to the page.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if host.startswith("amp."):
        host = host[4:]
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = _AMP_PATH.sub("", parts.path) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def modified_time(value: str | None) -> str | None:
    """An ISO 8601 time as the page gives it ("2026-11-30T08:05:00+01:00", "…Z", a date
    alone) → UTC, ``2026-11-30T07:05:00+00:00``; None for what is no such time.  A time
    without a zone is taken as UTC."""
    if not value or not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


def story_keys(url: str | None = None, guid: str | None = None, external_id: str | None = None) -> tuple[StoryKey, ...]:
    """The keys of an article: its normalised URL, a feed guid, a CMS id (each if given)."""
    keys = []
    if url and (normal := normalise_url(url)):
        keys.append(StoryKey(URL, normal))
    for kind, value in ((GUID, guid), (EXTERNAL, external_id)):
        if value is not None and value.strip():
            keys.append(StoryKey(kind, value.strip()))
    for key in keys:
        if len(key.value) > MAX_KEY:
            raise InputError(f"story {key.kind} is over {MAX_KEY} characters")
        if any(ord(c) < 32 for c in key.value):
            raise InputError(f"story {key.kind} contains control characters")
    return tuple(keys)
