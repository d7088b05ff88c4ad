"""Where Relais keeps its state and how it is configured.

All state lives under one data directory: ``$RELAIS_HOME`` when set, otherwise the
platform's user data directory.  Configuration is read from ``config.toml`` in that
directory, then environment variables override it (see README, "Configuration").
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from relais.errors import RelaisError

DEFAULT_ENGINE = "llama"

# How each machine draft's meaning risk is scored after translation (docs/checks.md):
# back-translation into the source language compared by chrF, an LLM judge, or the
# rule checks alone.  Both engine methods use the job's own engine.
RISK_METHODS = ("back-translation", "judge", "rules")
DEFAULT_RISK_METHOD = "back-translation"

# Which segments the MQM judge (relais/checks/judge.py) reads when a judge engine is
# configured ([checks] judge_engine): the prominent ones and the risky ones, or all.
JUDGE_SCOPES = ("risky", "all")
DEFAULT_JUDGE_SCOPE = "risky"

# Environment variable → (section path, key, type).  Kept in one table so the README
# and the code cannot drift apart (tests/test_config.py checks the README lists them).
ENV_OVERRIDES: dict[str, tuple[tuple[str, ...], str, type]] = {
    "RELAIS_ENGINE": ((), "engine", str),
    "RELAIS_DATABASE_URL": ((), "database_url", str),
    "RELAIS_MAX_WORDS": (("limits",), "max_words", int),
    "RELAIS_MAX_BYTES": (("limits",), "max_bytes", int),
    "RELAIS_RISK_METHOD": (("checks",), "risk", str),
    "RELAIS_JUDGE_ENGINE": (("checks",), "judge_engine", str),
    "RELAIS_JUDGE": (("checks",), "judge", str),
    "RELAIS_LLAMA_MODEL": (("engines", "llama"), "model_path", str),
    "RELAIS_LLAMA_THREADS": (("engines", "llama"), "threads", int),
    "RELAIS_LLAMA_CTX": (("engines", "llama"), "n_ctx", int),
    "RELAIS_OPENAI_BASE_URL": (("engines", "openai"), "base_url", str),
    "RELAIS_OPENAI_MODEL": (("engines", "openai"), "model", str),
    "RELAIS_OPENAI_API_KEY": (("engines", "openai"), "api_key", str),
    "RELAIS_OPENAI_TIMEOUT": (("engines", "openai"), "timeout", float),
    "RELAIS_OPENAI_CONCURRENCY": (("engines", "openai"), "concurrency", int),
    "RELAIS_OPENAI_RETRIES": (("engines", "openai"), "max_retries", int),
    "RELAIS_TM_THRESHOLD": (("memory",), "fuzzy_threshold", float),
    "RELAIS_TM_LIMIT": (("memory",), "fuzzy_limit", int),
    "RELAIS_QUEUE_ATTEMPTS": (("queue",), "attempts", int),
    "RELAIS_QUEUE_RETRY_WAIT": (("queue",), "retry_wait", float),
    "RELAIS_QUEUE_HEARTBEAT": (("queue",), "heartbeat", float),
    "RELAIS_QUEUE_STALLED_AFTER": (("queue",), "stalled_after", float),
    "RELAIS_CLAIM_IDLE": (("review",), "claim_idle", float),
    "RELAIS_FETCH_ALLOW_HOSTS": (("fetch",), "allow_hosts", str),
    "RELAIS_FETCH_TIMEOUT": (("fetch",), "timeout", float),
    "RELAIS_FETCH_USER_AGENT": (("fetch",), "user_agent", str),
    "RELAIS_FETCH_CA_FILE": (("fetch",), "ca_file", str),
}


def data_dir() -> Path:
    home = os.environ.get("RELAIS_HOME")
    path = Path(home).expanduser() if home else Path(user_data_dir("relais", appauthor=False))
    return path


@dataclass
class Limits:
    max_bytes: int = 5_000_000  # raw input size
    max_words: int = 20_000  # words of article text after ingest


@dataclass
class Memory:
    """[memory]: translation-memory lookup (relais/memory/tm.py)."""

    fuzzy_threshold: float = 0.75  # lowest similarity (0..1) of a fuzzy match shown
    fuzzy_limit: int = 3  # matches shown per segment

    def __post_init__(self) -> None:
        self.fuzzy_threshold, self.fuzzy_limit = float(self.fuzzy_threshold), int(self.fuzzy_limit)
        if not 0.0 <= self.fuzzy_threshold <= 1.0:
            raise ValueError(f"memory.fuzzy_threshold = {self.fuzzy_threshold} is not between 0 and 1")
        if self.fuzzy_limit < 1:
            raise ValueError(f"memory.fuzzy_limit = {self.fuzzy_limit} is not at least 1")


@dataclass
class Queue:
    """[queue]: the task queue of a PostgreSQL store (relais/jobs/queue.py)."""

    attempts: int = 5  # runs of a job before the queue parks it
    retry_wait: float = 5.0  # seconds before the first retry; doubles for each further one
    max_retry_wait: float = 600.0  # longest wait between two runs
    heartbeat: float = 5.0  # seconds between a worker's signs of life
    stalled_after: float = 30.0  # a worker silent this long is dead: its job runs again elsewhere

    def __post_init__(self) -> None:
        self.attempts = int(self.attempts)
        self.retry_wait, self.max_retry_wait = float(self.retry_wait), float(self.max_retry_wait)
        self.heartbeat, self.stalled_after = float(self.heartbeat), float(self.stalled_after)
        if self.attempts < 1:
            raise ValueError(f"queue.attempts = {self.attempts} is not at least 1")
        if self.retry_wait < 0 or self.max_retry_wait < 0:
            raise ValueError("queue.retry_wait and queue.max_retry_wait cannot be negative")
        if not 0 < self.heartbeat < self.stalled_after:
            raise ValueError(
                f"queue.heartbeat = {self.heartbeat} must be above 0 and below queue.stalled_after = {self.stalled_after}"
            )


@dataclass
class Review:
    """[review]: the review desk's rules (relais/review/workflow.py)."""

    claim_idle: float = 3600.0  # seconds a claimant may be idle before the claim lapses

    def __post_init__(self) -> None:
        self.claim_idle = float(self.claim_idle)
        if self.claim_idle <= 0:
            raise ValueError(f"review.claim_idle = {self.claim_idle} is not above 0")


@dataclass
class Publish:
    """[publish]: what a publication says.  ``disclosure``: the line that ends every
    published translation, per target language (the locale's line when not given)."""

    disclosure: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for lang, line in self.disclosure.items():
            if not isinstance(line, str) or not line.strip() or "\n" in line:
                raise ValueError(f"publish.disclosure.{lang} must be one line of text")
        self.disclosure = {str(k).lower(): " ".join(v.split()) for k, v in self.disclosure.items()}


@dataclass
class Judge:
    """[checks] judge_engine and judge: the MQM judge (docs/checks.md, "MQM judge").

    ``engine`` is the name of an engine (``[engines.NAME]``; checked against the engine
    registry where it is used, ``relais.desk``); None, the default, runs no judge at all.
    ``scope`` says which segments it reads (``JUDGE_SCOPES``)."""

    engine: str | None = None
    scope: str = DEFAULT_JUDGE_SCOPE

    def __post_init__(self) -> None:
        if self.engine is not None:
            self.engine = str(self.engine).strip() or None  # judge_engine = "": no judge
        self.scope = str(self.scope)
        if self.scope not in JUDGE_SCOPES:
            raise ValueError(f"checks.judge = {self.scope!r} is not a judge scope (use one of: {', '.join(JUDGE_SCOPES)})")


@dataclass
class Api:
    """[api]: the HTTP API under /api/v1 (relais/web/routes/api_v1.py).  ``rate_per_minute``:
    requests a token may make per minute (a token bucket of that size, refilled evenly);
    0 turns the limit off."""

    rate_per_minute: int = 600

    def __post_init__(self) -> None:
        self.rate_per_minute = int(self.rate_per_minute)
        if self.rate_per_minute < 0:
            raise ValueError(f"api.rate_per_minute = {self.rate_per_minute} cannot be negative")


@dataclass
class Webhooks:
    """[webhooks]: delivering events to subscribers (relais/jobs/webhooks.py)."""

    timeout: float = 10.0  # seconds for one delivery attempt (connect and answer)
    attempts: int = 8  # attempts before a delivery is marked failed
    backoff: float = 5.0  # seconds before the first retry; doubles for each further one
    max_backoff: float = 3600.0  # longest wait between two attempts
    poll: float = 1.0  # seconds between two looks for due deliveries

    def __post_init__(self) -> None:
        self.timeout, self.backoff = float(self.timeout), float(self.backoff)
        self.max_backoff, self.poll, self.attempts = float(self.max_backoff), float(self.poll), int(self.attempts)
        if self.attempts < 1:
            raise ValueError(f"webhooks.attempts = {self.attempts} is not at least 1")
        if self.timeout <= 0 or self.backoff < 0 or self.poll <= 0:
            raise ValueError("webhooks.timeout and webhooks.poll must be above 0, webhooks.backoff at least 0")


@dataclass
class Fetch:
    """[fetch]: fetching a URL (an API article's page, a feed, a feed item's page;
    ``relais.document.fetch``).  Addresses on loopback, private, link-local and other
    non-public networks are refused unless the host is in ``allow_hosts`` (names or IP
    literals, case-insensitive; a list or one comma-separated string).  ``timeout``:
    seconds for a whole fetch, redirects included.  ``ca_file``: a PEM file of certificate
    authorities trusted besides the usual ones (a newsroom's own CA for its CMS).
    ``max_bytes`` is not a [fetch]
    setting: it is ``limits.max_bytes`` (``load_config`` copies it here)."""

    allow_hosts: tuple[str, ...] = ()
    timeout: float = 20.0
    user_agent: str = "Relais/0.1 (newsroom translation desk)"
    ca_file: str | None = None
    max_bytes: int = 5_000_000

    def __post_init__(self) -> None:
        hosts = self.allow_hosts.split(",") if isinstance(self.allow_hosts, str) else list(self.allow_hosts)
        self.allow_hosts = tuple(sorted({str(h).strip().lower().strip("[]").rstrip(".") for h in hosts if str(h).strip()}))
        self.timeout, self.max_bytes = float(self.timeout), int(self.max_bytes)
        if self.timeout <= 0:
            raise ValueError(f"fetch.timeout = {self.timeout} is not above 0")
        if not isinstance(self.user_agent, str) or not self.user_agent.strip() or "\n" in self.user_agent:
            raise ValueError("fetch.user_agent must be one line of text")


@dataclass
class Config:
    home: Path
    engine: str = DEFAULT_ENGINE
    database_url: str | None = None
    limits: Limits = field(default_factory=Limits)
    engines: dict[str, dict] = field(default_factory=dict)
    risk_method: str = DEFAULT_RISK_METHOD  # [checks] risk
    judge: Judge = field(default_factory=Judge)  # [checks] judge_engine, judge
    memory: Memory = field(default_factory=Memory)
    queue: Queue = field(default_factory=Queue)
    review: Review = field(default_factory=Review)
    publish: Publish = field(default_factory=Publish)
    api: Api = field(default_factory=Api)
    webhooks: Webhooks = field(default_factory=Webhooks)
    fetch: Fetch = field(default_factory=Fetch)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'relais.db'}"

    def engine_settings(self, name: str) -> dict:
        return dict(self.engines.get(name) or {})


def load_config(home: Path | None = None, environ: dict[str, str] | None = None) -> Config:
    home = home or data_dir()
    env = os.environ if environ is None else environ
    raw: dict = {}
    path = home / "config.toml"
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RelaisError(f"{path}: not valid TOML ({exc})") from None
    for var, (section, key, kind) in ENV_OVERRIDES.items():
        if var in env and env[var] != "":
            node = raw
            for part in section:
                node = node.setdefault(part, {})
            try:
                node[key] = kind(env[var])
            except ValueError:
                raise RelaisError(f"{var}={env[var]!r} is not a valid {kind.__name__}") from None
    if env.get("RELAIS_OPENAI_BASE_URL"):  # one URL or a comma-separated list: replaces the file's base_urls too
        raw["engines"]["openai"].pop("base_urls", None)
    if "api_key" not in raw.get("engines", {}).get("openai", {}) and env.get("OPENAI_API_KEY"):
        raw.setdefault("engines", {}).setdefault("openai", {})["api_key"] = env["OPENAI_API_KEY"]
    limits = raw.get("limits", {})
    fetch = dict(raw.get("fetch", {}))
    if "max_bytes" in fetch:
        raise RelaisError(f"{path}: bad setting (fetch.max_bytes: the fetch size cap is limits.max_bytes)")
    checks = raw.get("checks", {})
    risk_method = str(checks.get("risk", DEFAULT_RISK_METHOD))
    if risk_method not in RISK_METHODS:
        raise RelaisError(f"checks.risk = {risk_method!r} is not a risk method (use one of: {', '.join(RISK_METHODS)})")
    try:
        limits = Limits(**{k: int(v) for k, v in limits.items()})
        return Config(
            home=home,
            engine=str(raw.get("engine", DEFAULT_ENGINE)),
            database_url=raw.get("database_url"),
            limits=limits,
            engines={k: dict(v) for k, v in raw.get("engines", {}).items()},
            risk_method=risk_method,
            judge=Judge(checks.get("judge_engine"), checks.get("judge", DEFAULT_JUDGE_SCOPE)),
            memory=Memory(**raw.get("memory", {})),
            queue=Queue(**raw.get("queue", {})),
            review=Review(**raw.get("review", {})),
            publish=Publish(**raw.get("publish", {})),
            api=Api(**raw.get("api", {})),
            webhooks=Webhooks(**raw.get("webhooks", {})),
            fetch=Fetch(**fetch, max_bytes=limits.max_bytes),
        )
    except (TypeError, ValueError) as exc:
        raise RelaisError(f"{path}: bad setting ({exc})") from None
