"""API tokens: systems (a CMS, a feed reader) calling the HTTP API, never people.

A token is ``relais_`` + 43 URL-safe characters, shown once when made; only its SHA-256
is stored (``ApiTokenRow``).  Its scopes are a subset of ``SCOPES``: ``ingest`` (send
stories), ``read`` (status and publications), ``drafts`` (unreviewed drafts too); its
languages (none: all) limit the target languages it may ask for.  A token acts as an
``Actor`` whose role is ``token``: the review rules give that role no review right, so
no token can claim, confirm, approve, sign off or publish, whatever route it reaches.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from relais.errors import InputError, NotFound
from relais.store.actors import Actor
from relais.store.models import ApiAccessRow, ApiTokenRow, ApiWriteRow, utcnow

SCOPES = ("ingest", "read", "drafts")
TOKEN_ROLE = "token"
PREFIX = "relais_"
NAME = re.compile(r"[A-Za-z0-9._@-]{1,100}")


def token_hash(token: str) -> str:
    """The SHA-256 (hex) stored in place of a secret token: an API token's, or a browser
    session's (``accounts``)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Token:
    """A token as the API sees it (never the secret itself)."""

    id: int
    name: str
    scopes: tuple[str, ...]
    languages: tuple[str, ...]
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used: datetime | None = None

    @classmethod
    def of(cls, row: ApiTokenRow) -> Token:
        return cls(row.id, row.name, tuple(row.scopes or ()), tuple(row.languages or ()), row.created_at,
                   row.revoked_at, row.last_used)  # fmt: skip

    @property
    def actor(self) -> Actor:
        """The token as the one acting: named ``token:NAME``, with no review right."""
        return Actor(None, f"token:{self.name}", TOKEN_ROLE, self.languages)

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    def allows_language(self, language: str) -> bool:
        return not self.languages or language in self.languages


def parse_scopes(text: str) -> list[str]:
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise InputError(f"unknown scope {', '.join(unknown) or '(none)'}: use some of {', '.join(SCOPES)}")
    return sorted(set(scopes), key=SCOPES.index)


def add(session: Session, name: str, scopes: list[str], languages: list[str] = ()) -> str:
    """Make a token; returns the secret (stored only as its hash)."""
    if not NAME.fullmatch(name):
        raise InputError(f"{name!r} is not a token name (letters, digits and . _ @ -, up to 100)")
    if session.scalar(select(ApiTokenRow.id).where(ApiTokenRow.name == name)) is not None:
        raise InputError(f"a token named {name!r} exists already (revoke it or choose another name)")
    secret = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiTokenRow(name=name, token_hash=token_hash(secret), scopes=list(scopes), languages=list(languages)))
    session.flush()
    return secret


def all_tokens(session: Session) -> list[Token]:
    return [Token.of(r) for r in session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.name))]


def revoke(session: Session, name: str) -> None:
    row = session.scalar(select(ApiTokenRow).where(ApiTokenRow.name == name))
    if row is None:
        raise NotFound(f"no token named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def find(session: Session, secret: str) -> Token | None:
    """The live token with this secret, or None (unknown or revoked)."""
    row = session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash(secret)))
    return None if row is None or row.revoked_at is not None else Token.of(row)


def touch(session: Session, token_id: int) -> None:
    session.execute(update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(last_used=utcnow()))


def log_calls(session: Session, calls: list[dict]) -> None:
    """Append API calls (``at``, ``who``, ``method``, ``path``, ``status``) to the access log."""
    if calls:
        session.execute(insert(ApiAccessRow), calls)


def access_log(session: Session, limit: int = 100) -> list[ApiAccessRow]:
    return list(session.scalars(select(ApiAccessRow).order_by(ApiAccessRow.id.desc()).limit(limit)))


def earlier_answer(session: Session, who: str, key: str) -> ApiWriteRow | None:
    """The write ``who`` made with this ``Idempotency-Key``, if any."""
    return session.scalar(select(ApiWriteRow).where(ApiWriteRow.who == who, ApiWriteRow.idempotency_key == key))


def record_write(session: Session, who: str, action: str, status: int, response: dict, *, article_id: int | None,
                 key: str | None) -> None:  # fmt: skip
    """Record a write made through the API, with its answer (the journal of API writes)."""
    session.add(ApiWriteRow(who=who, action=action, idempotency_key=key, article_id=article_id, status=status,
                            response=response))  # fmt: skip
    session.flush()
