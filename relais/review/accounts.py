"""Accounts, roles and signed-in browsers.

Passwords are hashed with Argon2id (argon2-cffi).  A browser session is a random token
in an HttpOnly cookie; the store keeps only its SHA-256, so a copy of the database does
not let anyone sign in.  Each session has its own CSRF token, which every state-changing
request must echo (form field or ``X-CSRF-Token`` header).
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from relais.errors import InputError, NotFound
from relais.locales import available
from relais.review.tokens import token_hash
from relais.store.models import Role, UserRow, WebSessionRow

SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def add_user(session: Session, name: str, password: str, role: str, languages: list[str] | None = None) -> UserRow:
    if not _NAME.fullmatch(name):  # fullmatch: "$" would let a final newline through
        raise InputError(f"invalid user name {name!r}: letters, digits and . _ @ - only, at most 100")
    if role not in Role.ALL:
        raise InputError(f"unknown role {role!r} (choose from {', '.join(Role.ALL)})")
    langs = sorted({lang.strip().lower() for lang in (languages or []) if lang.strip()})
    unknown = [lang for lang in langs if lang not in available()]
    if unknown:
        raise InputError(f"unknown language {unknown[0]!r} (available: {', '.join(available())})")
    if role == Role.TRANSLATOR and not langs:
        raise InputError("a translator needs at least one language (--lang fr)")
    if session.scalar(select(UserRow).where(UserRow.name == name)) is not None:
        raise InputError(f"user {name!r} already exists")
    user = UserRow(name=name, password_hash=hash_password(password), role=role, languages=langs, active=True)
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.name)))


def get_user(session: Session, name: str) -> UserRow:
    user = session.scalar(select(UserRow).where(UserRow.name == name))
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user


def set_password(session: Session, name: str, password: str) -> None:
    user = get_user(session, name)
    user.password_hash = hash_password(password)
    session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user.id))  # sign out everywhere


def set_active(session: Session, name: str, active: bool) -> None:
    user = get_user(session, name)
    user.active = active
    if not active:
        session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user.id))


# A hash to verify against when the user does not exist, so that a wrong name and a
# wrong password take the same time.
@cache
def _dummy_hash() -> str:
    """A hash to verify against when the name is unknown (same time as a known one);
    made on first use, not when the CLI starts (hashing costs about 0.2 s)."""
    return _hasher.hash(secrets.token_hex(16))


def authenticate(session: Session, name: str, password: str) -> UserRow | None:
    """The active person with this name and password, or None.  Slow by design (Argon2id)
    and read-only: run it in a read session, then ``upgrade_hash`` and ``open_session``
    in a short write session."""
    user = session.scalar(select(UserRow).where(UserRow.name == name))
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user


def upgrade_hash(session: Session, user_id: int, password: str) -> None:
    """Hash a just-verified password again if the stored hash uses older parameters."""
    user = session.get(UserRow, user_id)
    if user is not None and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)


def open_session(session: Session, user: UserRow) -> tuple[str, WebSessionRow]:
    """A new browser session; returns the cookie token (shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now))
    row = WebSessionRow(
        token_hash=token_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32), expires_at=now + SESSION_LIFETIME
    )
    session.add(row)
    session.flush()
    return token, row


def find_session(session: Session, token: str | None) -> WebSessionRow | None:
    if not token:
        return None
    row = session.scalar(
        select(WebSessionRow).where(WebSessionRow.token_hash == token_hash(token)).options(joinedload(WebSessionRow.user))
    )  # one query per request for the session and its person
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)  # SQLite drops the zone
    if expires < datetime.now(UTC) or not row.user.active:
        return None
    return row


def close_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSessionRow).where(WebSessionRow.token_hash == token_hash(token)))


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())


class LoginThrottle:
    """At most ``limit`` failed sign-ins per ``window`` seconds per user name and per
    client address.  In memory: one server process (see docs/review.md)."""

    def __init__(self, limit: int = 5, window: float = 300.0):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def retry_after(self, name: str, address: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.monotonic()
        with self._lock:
            waits = [
                int(q[0] + self.window - now) + 1
                for q in (self._recent(f"user:{name.lower()}", now), self._recent(f"addr:{address}", now))
                if len(q) >= self.limit
            ]
        return max(waits, default=0)

    def failed(self, name: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._failures[f"user:{name.lower()}"].append(now)
            self._failures[f"addr:{address}"].append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{name.lower()}", None)
