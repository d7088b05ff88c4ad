"""Events for webhooks, written as an outbox.

``emit(session, type, data)`` adds one delivery row per active webhook subscribed to
``type``, in the caller's session: the event commits or rolls back with the change it
reports, so an event is never lost and never sent for a change that did not happen.
Sending is the deliverer's (``relais.jobs.webhooks``); this module also holds the
store side of it: the subscribers, leasing due deliveries and recording answers.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from relais.errors import InputError, NotFound
from relais.store.models import ArticleRow, DeliveryStatus, JobRow, PublicationRow, WebhookDeliveryRow, WebhookRow

JOB_DONE = "job.done"
ARTICLE_APPROVED = "article.approved"
ARTICLE_PUBLISHED = "article.published"
STORY_OUTDATED = "story.outdated"
STORY_WITHDRAWN = "story.withdrawn"
EVENTS = (JOB_DONE, ARTICLE_APPROVED, ARTICLE_PUBLISHED, STORY_OUTDATED, STORY_WITHDRAWN)

SECRET_PREFIX = "whsec_"
BODY_SNIPPET = 1000  # characters of an answer's body kept
MAX_LOG = 50  # attempts kept in a delivery's log


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def job_url(job_id: int) -> str:
    return f"/api/v1/jobs/{job_id}"


def story_url(story_id: int) -> str:
    return f"/api/v1/stories/{story_id}"


def job_data(session: Session, job: JobRow, **extra) -> dict:
    """The ids, language, story, version and API URLs of a job, for an event's data."""
    article = session.get(ArticleRow, job.article_id)
    return {
        "job": job.id, "article": job.article_id, "story": article.story_id, "version": article.version,
        "language": job.target_language, "status": job.status, "review_status": job.review_status,
        "urls": {"job": job_url(job.id), "translation": f"{job_url(job.id)}/translation",
                 "story": story_url(article.story_id)},
        **extra,
    }  # fmt: skip


def emit(session: Session, type: str, data: dict) -> int:
    """Write the event ``type`` with ``data`` as one pending delivery per active webhook
    that subscribed to it, in ``session`` (it commits with the caller's change).
    Returns how many deliveries were written."""
    if type not in EVENTS:
        raise ValueError(f"unknown event {type!r}")
    hooks = [h for h in session.scalars(select(WebhookRow).where(WebhookRow.active.is_(True))) if type in (h.events or [])]
    if not hooks:
        return 0
    now = _now()
    body = json.dumps({"type": type, "timestamp": _iso(now), "data": data}, ensure_ascii=False, separators=(",", ":"))
    for hook in hooks:
        session.add(WebhookDeliveryRow(
            webhook_id=hook.id, msg_id=f"msg_{uuid.uuid4().hex}", event=type, payload=body,
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, log=[], created_at=now,
        ))  # fmt: skip
    session.flush()
    return len(hooks)


def story_outdated(session: Session, article: ArticleRow) -> int:
    """A new version ``article`` of its story: ``story.outdated`` when translations of an
    earlier version are published (and not withdrawn), naming each language, the
    version published and its job."""
    rows = session.execute(
        select(JobRow.id, JobRow.target_language, ArticleRow.version, func.max(PublicationRow.number))
        .join(ArticleRow, ArticleRow.id == JobRow.article_id)
        .join(PublicationRow, PublicationRow.job_id == JobRow.id)
        .where(ArticleRow.story_id == article.story_id, ArticleRow.version < article.version,
               PublicationRow.withdrawn_at.is_(None))
        .group_by(JobRow.id, JobRow.target_language, ArticleRow.version)
        .order_by(ArticleRow.version, JobRow.id)
    ).all()  # fmt: skip
    if not rows:
        return 0
    latest: dict[str, tuple] = {}
    for job_id, lang, version, number in rows:
        latest[lang] = (job_id, version, number)  # the newest published version per language
    outdated = [{"language": lang, "job": job_id, "published_version": version, "publication": number,
                 "url": job_url(job_id)} for lang, (job_id, version, number) in sorted(latest.items())]  # fmt: skip
    return emit(session, STORY_OUTDATED, {
        "story": article.story_id, "version": article.version, "article": article.id,
        "languages": [o["language"] for o in outdated], "outdated": outdated, "urls": {"story": story_url(article.story_id)},
    })  # fmt: skip


# ------------------------------------------------------------------------- subscribers


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret (its base64 part, decoded)."""
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError:
        raise InputError("the secret is not a whsec_ secret (whsec_ then base64)") from None


def parse_events(text: str | list[str]) -> list[str]:
    """``job.done,article.published`` → the list; an unknown name is a one-line error."""
    items = text.split(",") if isinstance(text, str) else [e for part in text for e in part.split(",")]
    names = list(dict.fromkeys(e.strip() for e in items if e.strip()))
    if not names:
        raise InputError(f"no event given (use some of: {', '.join(EVENTS)})")
    for name in names:
        if name not in EVENTS:
            raise InputError(f"unknown event '{name}' (use some of: {', '.join(EVENTS)})")
    return names


def check_url(url: str) -> str:
    """An http(s) URL with a host, else a one-line error."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise InputError(f"'{url}' is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"'{url}' is not an http:// or https:// URL")
    return url.strip()


def add_webhook(session: Session, url: str, events: str | list[str], secret: str | None = None) -> WebhookRow:
    """Subscribe ``url`` to ``events`` (a new secret when none is given)."""
    url, names = check_url(url), parse_events(events)
    secret = secret.strip() if secret else new_secret()
    if not secret.startswith(SECRET_PREFIX) or len(secret_key(secret)) < 16:
        raise InputError("the secret must be whsec_ then base64 of at least 16 bytes")
    row = WebhookRow(url=url, events=names, secret=secret, active=True, created_at=_now())
    session.add(row)
    session.flush()
    return row


def webhooks(session: Session) -> list[WebhookRow]:
    return list(session.scalars(select(WebhookRow).order_by(WebhookRow.id)))


def remove_webhook(session: Session, webhook_id: int) -> None:
    """Remove a subscriber and its deliveries."""
    row = session.get(WebhookRow, webhook_id)
    if row is None:
        raise NotFound(f"no webhook {webhook_id}")
    for d in session.scalars(select(WebhookDeliveryRow).where(WebhookDeliveryRow.webhook_id == webhook_id)):
        session.delete(d)
    session.delete(row)


def deliveries(session: Session, webhook_id: int | None = None, limit: int = 200) -> list[WebhookDeliveryRow]:
    """The newest deliveries first (of one webhook if given)."""
    q = select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id.desc()).limit(limit)
    if webhook_id is not None:
        if session.get(WebhookRow, webhook_id) is None:
            raise NotFound(f"no webhook {webhook_id}")
        q = q.where(WebhookDeliveryRow.webhook_id == webhook_id)
    return list(session.scalars(q))


# ------------------------------------------------------------------------- delivering


@dataclass(frozen=True)
class Leased:
    """A delivery leased to one deliverer: what to send, where, signed with what."""

    id: int
    msg_id: str
    url: str
    secret: str
    payload: str
    attempts: int  # attempts before this one


def lease_due(session: Session, owner: str, lease_seconds: float, limit: int = 10) -> list[Leased]:
    """Lease up to ``limit`` pending deliveries that are due and not leased (or whose
    lease ran out) to ``owner``, in the caller's write session.  The rows are read
    ``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite the write session holds the
    database's write lock, so two deliverers never lease one delivery at once."""
    now = _now()
    rows = session.scalars(
        select(WebhookDeliveryRow)
        .where(
            WebhookDeliveryRow.status == DeliveryStatus.PENDING,
            WebhookDeliveryRow.next_attempt_at <= now,
            or_(WebhookDeliveryRow.lease_until.is_(None), WebhookDeliveryRow.lease_until < now),
        )
        .order_by(WebhookDeliveryRow.next_attempt_at, WebhookDeliveryRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    leased = []
    for row in rows:
        hook = session.get(WebhookRow, row.webhook_id)
        row.lease_owner, row.lease_until = owner, now + timedelta(seconds=lease_seconds)
        leased.append(Leased(row.id, row.msg_id, hook.url, hook.secret, row.payload, row.attempts))
    session.flush()
    return leased


@dataclass(frozen=True)
class Answer:
    """What one attempt got: an HTTP status and the start of the body, or an error."""

    status: int | None
    body: str | None
    error: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def record_attempt(session: Session, delivery_id: int, owner: str, answer: Answer, *, attempts: int,
                   backoff: float, max_backoff: float) -> str | None:  # fmt: skip
    """Record one attempt of a delivery ``owner`` leased: delivered on a 2xx, else
    pending again after ``backoff`` × 2^(n-1) seconds (at most ``max_backoff``), or
    failed after ``attempts`` attempts.  Returns the new status, or None (nothing
    recorded) when the lease was lost to another deliverer meanwhile."""
    row = session.get(WebhookDeliveryRow, delivery_id, with_for_update=True)
    if row is None or row.lease_owner != owner or row.status != DeliveryStatus.PENDING:
        return None
    now = _now()
    row.attempts += 1
    row.last_status, row.last_error, row.last_seconds = answer.status, answer.error, round(answer.seconds, 4)
    row.last_body = answer.body[:BODY_SNIPPET] if answer.body is not None else None
    entry = {"at": _iso(now), "status": answer.status, "error": answer.error, "seconds": round(answer.seconds, 4)}
    row.log = [*(row.log or []), entry][-MAX_LOG:]
    row.lease_owner, row.lease_until = None, None
    if answer.ok:
        row.status, row.delivered_at = DeliveryStatus.DELIVERED, now
    elif row.attempts >= attempts:
        row.status = DeliveryStatus.FAILED
    else:
        row.next_attempt_at = now + timedelta(seconds=min(max_backoff, backoff * 2 ** (row.attempts - 1)))
    return row.status
