"""The desk: the library the command line drives, one facade over the layers below.

It wires configuration, the store, ingest, jobs and rendering together; each of those
knows nothing of the others' internals.  Its methods are grouped by concern: reading
and ingesting articles, jobs (queue, dispatch, run, follow), checks, drafts, people,
review and publishing, memory and termbase.  It decides nothing about who may do what:
the review rules do (``relais.review.workflow``, through the service and the
publisher), for the command line exactly as for the web app (``relais.web``), which
calls the same library functions.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from functools import cached_property

from relais.checks import audit
from relais.checks.judge import MqmJudge
from relais.config import Config, load_config
from relais.document.ingest import ingest_bytes
from relais.document.story import story_keys
from relais.document.render import render
from relais.document.translation import Translation
from relais.engines.types import EngineCapabilityError, EngineUnavailable
from relais.engines.registry import ENGINES
from relais.errors import InputError, RelaisError
from relais.jobs.executor import EnginePool, Executor, InProcessExecutor
from relais.jobs.runner import JobOutcome, MemorySettings, owner_alive
from relais.jobs.webhooks import Deliverer, Round
from relais.locales import get_locale
from relais.memory import interchange, termbase, tm
from relais.publish import publisher
from relais.review import accounts, service, terms, tokens, xliff
from relais.review.workflow import Rules
from relais.store import events, repo, stories, translation, updates
from relais.store.actors import Actor, PermissionDenied
from relais.store.db import Store, open_store
from relais.store.models import JobStatus

# One lazy load: the task queue (procrastinate), only on a PostgreSQL store
# (``Desk.task_queue``, ``Desk.owner_alive``).


@dataclass
class IngestResult:
    article_id: int
    created: bool
    title: str | None
    blocks: int
    segments: int
    words: int
    story_id: int = 0
    version: int = 1


class Desk:
    def __init__(self, config: Config | None = None, store: Store | None = None):
        self.config = config or load_config()
        if store is not None:  # a store opened already (the web app's): used instead of config.db_url
            self.__dict__["store"] = store
        # Jobs this desk knew done (when it queued them, or because it ran them): run again
        # if asked to (``executor``).  Any other job found done when claimed was finished
        # by another process meanwhile, and is not run twice.
        self._again: set[int] = set()

    @cached_property
    def store(self) -> Store:
        return open_store(self.config.db_url)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()

    # -- ingest ---------------------------------------------------------------
    def read_source(self, source: str) -> tuple[bytes, str | None]:
        """The bytes of an article file, or of standard input for "-", within the size limit.

        The limit is checked before reading, so a huge file is refused without loading it.
        """
        limit = self.config.limits.max_bytes
        if source == "-":
            data = sys.stdin.buffer.read(limit + 1)
            if len(data) > limit:
                raise InputError(f"standard input is over the limit of {limit:,} bytes (limits.max_bytes)")
            return data, None
        path = Path(source)
        try:
            if path.is_dir():
                raise RelaisError(f"{source}: is a directory (give an article file, or - for standard input)")
            if path.stat().st_size > limit:
                raise InputError(
                    f"{source}: {path.stat().st_size:,} bytes is over the limit of {limit:,} bytes (limits.max_bytes)"
                )
            return path.read_bytes(), path.name
        except FileNotFoundError:
            raise RelaisError(f"{source}: no such file") from None
        except OSError as exc:
            raise RelaisError(f"{source}: cannot read ({exc.strerror or exc})") from None

    def ingest(
        self,
        data: bytes,
        *,
        name: str | None = None,
        fmt: str | None = None,
        story: int | None = None,
        guid: str | None = None,
        external_id: str | None = None,
        url: str | None = None,
        claim=None,
    ) -> IngestResult:
        """Store an article as a version of its story: ``story`` if given, else the story
        its canonical URL (``url``, else the page's own), feed ``guid`` or CMS
        ``external_id`` names, else a new one.

        ``claim(session)``, if given, runs first in the transaction that stores the
        article (a feed watcher's claim on the item, ``relais.feeds``); if it raises,
        nothing is stored.  What it returns, if callable, is called with the stored
        article row before the commit."""
        article = ingest_bytes(data, name=name, fmt=fmt, limits=self.config.limits)
        keys = story_keys(url or article.url, guid, external_id)
        with self.store.write() as s:
            then = claim(s) if claim is not None else None
            row, created = repo.save_article(s, article, data, name, keys=keys, story_id=story)
            if callable(then):
                then(row)
            n_segments = len(repo.article_segments(s, row.id))
            return IngestResult(row.id, created, row.title, len(row.blocks), n_segments, row.word_count,
                                row.story_id, row.version)  # fmt: skip

    # -- jobs -----------------------------------------------------------------
    @cached_property
    def task_queue(self):
        """The task queue of a PostgreSQL store (``relais.jobs.queue.TaskQueue``); None on SQLite."""
        from relais.jobs.queue import TaskQueue, uses_queue  # the lazy load (see the imports)

        return TaskQueue(self.config) if uses_queue(self.store) else None

    def queue(self, article_id: int, targets: list[str], engine: str | None = None, fresh: bool = False) -> list[int]:
        """One job per target language.  An existing job for the same article and
        language is reused (and resumed if unfinished) unless ``fresh``.  With a task
        queue, every job not done yet is queued in the same transaction.  A job already
        done may be run again by this desk (it translates nothing, and checks the draft
        again).  An engine that lacks what the configured meaning-risk method needs (the
        judge: raw completion) is refused here with one line, and so is a configured MQM
        judge engine that is not an engine or cannot complete a prompt (``judge_engine``)."""
        engine = engine or self.config.engine
        if engine not in ENGINES:
            raise RelaisError(f"unknown engine '{engine}' (known: {', '.join(ENGINES)})")
        if self.config.risk_method == "judge":
            ENGINES[engine].require("completion")  # before any job exists, not as a failed job
        self.judge_engine()
        for target in targets:
            get_locale(target)
        with self.store.write() as s:
            article = repo.get_article(s, article_id)
            jobs = []
            for target in targets:
                job = None if fresh else repo.latest_job(s, article_id, target)
                if job is None or job.engine != engine:
                    # An update of a story carries from the job of its earlier version,
                    # which is superseded if it was not published (relais.store.updates).
                    base = updates.base_for(s, article, target)
                    job = repo.create_job(s, article_id, target, engine, base.id if base else None)
                    if base is not None:
                        updates.supersede(base, job)
                jobs.append(job)
            if self.task_queue is not None:
                self.task_queue.defer(s, [j for j in jobs if j.status != JobStatus.DONE])
            ids = [j.id for j in jobs]
            self._again.update(j.id for j in jobs if j.status == JobStatus.DONE)
        return ids

    def requeue(self, job_ids: list[int]) -> None:
        """Queue these jobs again (``relais resume`` on a PostgreSQL store); parked and
        failed jobs go back to ``queued`` with their last error kept for the record."""
        if self.task_queue is None:
            return
        with self.store.write() as s:
            jobs = [repo.get_job(s, j) for j in job_ids]
            for job in jobs:
                if job.status in (JobStatus.PARKED, JobStatus.FAILED):
                    job.status = JobStatus.QUEUED
            self.task_queue.defer(s, jobs)

    def dispatch(self, job_ids: list[int]) -> tuple[list[int], list[int]]:
        """Split jobs into (run here now, left to others).  On SQLite every job runs here.
        On PostgreSQL, while any worker is alive, every job is left to the workers (they
        also put back the jobs of a worker that died).  With no live worker this process
        takes the jobs back from the queue (``TaskQueue.take_back``): waiting ones, and
        ones held by a worker silent for ``[queue] stalled_after`` seconds, which resume
        from their stored drafts; a job another live process runs is left to it."""
        if self.task_queue is None:
            return list(job_ids), []
        if self.live_workers():
            return [], list(job_ids)
        with self.store.write() as s:
            mine = self.task_queue.take_back(s, job_ids, self.owner_alive)
        return mine, [j for j in job_ids if j not in mine]

    def follow(self, job_ids: list[int], on_poll=None, poll: float = 1.0) -> list[int]:
        """Wait while others run these jobs, until each has ended (done or parked):
        returns [].  Returns early, with the jobs taken back, when some must run here
        because no worker is left alive (``dispatch``): the caller runs them, then
        follows the rest again.  So it never waits without end for a worker that died:
        at most ``[queue] stalled_after`` seconds after the last one stopped answering.
        ``on_poll(states)`` sees the jobs' summaries at every look (each ``poll`` seconds)."""
        while True:
            states = self.job_states(job_ids)
            if on_poll:
                on_poll(states)
            pending = [r.job.id for r in states if r.job.status not in JobStatus.ENDED]
            if not pending:
                return []
            mine, _ = self.dispatch(pending)
            if mine:
                return mine
            time.sleep(poll)

    def live_workers(self) -> int:
        """Workers with a fresh heartbeat (0 without a task queue)."""
        if self.task_queue is None:
            return 0
        with self.store.read() as s:
            return self.task_queue.live_workers(s)

    def owner_alive(self, owner: str | None) -> bool:
        """Whether the process a job's ``owner`` names still runs: a worker while its
        heartbeat is fresh, another process of this machine while its pid exists (one of
        another machine is taken to be alive)."""
        if self.task_queue is None:
            return owner_alive(owner)
        from relais.jobs.queue import owner_alive_on  # the lazy load (see the imports)

        return owner_alive_on(self.store, self.config.queue.stalled_after)(owner)

    def job_states(self, job_ids: list[int]) -> list[repo.JobSummary]:
        with self.store.read() as s:
            return repo.list_jobs(s, job_ids=job_ids)

    def resumable_jobs(self) -> list[int]:
        """Jobs left queued, running in a process that died (or a worker whose heartbeat
        stopped), failed for want of an engine, or parked by the task queue."""
        with self.store.read() as s:
            unfinished = repo.unfinished_jobs(s)
            ids = [j.id for j in unfinished if j.status == JobStatus.QUEUED]
            running = [(j.id, j.owner) for j in unfinished if j.status != JobStatus.QUEUED]
            for status in (JobStatus.FAILED, JobStatus.PARKED):
                ids += [row.job.id for row in repo.list_jobs(s, status=status)]
        ids += [job_id for job_id, owner in running if not self.owner_alive(owner)]
        return sorted(set(ids))

    def judge_engine(self, name: str | None = None, setting: str = "checks.judge_engine") -> str | None:
        """The MQM judge's engine: ``name`` if given (from ``setting``), else the
        configured one (``[checks] judge_engine``); None when there is none (or it is
        "none"), and then no judge runs.  Refused in one line when it is not an engine (``RelaisError``) or
        cannot complete a raw prompt (``EngineCapabilityError``), before anything runs."""
        if name is None:
            name, setting = self.config.judge.engine, "checks.judge_engine"
        if not name or name == "none":
            return None
        if name not in ENGINES:
            raise RelaisError(f"{setting} = '{name}' is not an engine (known engines: {', '.join(ENGINES)})")
        if not ENGINES[name].capabilities.completion:
            raise EngineCapabilityError(f"{setting} = '{name}': engine '{name}' cannot complete a raw prompt, which the MQM judge needs")
        return name

    def executor(self, engines: EnginePool, progress=None) -> Executor:
        """Runs jobs here.  A job found running is left to its owner while that owner
        lives (``owner_alive``); one found done is run again only if this desk knew it
        done (it was done when ``queue`` returned it, or ``run`` ran it), never when
        another process finished it meanwhile."""
        memory = MemorySettings(self.config.memory.fuzzy_threshold, self.config.memory.fuzzy_limit)
        return InProcessExecutor(
            self.store, engines, progress=progress, risk_method=self.config.risk_method, memory=memory,
            alive=self.owner_alive, again=self._again.__contains__, judge=self.config.judge,
        )  # fmt: skip

    def check_engine(self, engines: EnginePool, job_ids: list[int]) -> None:
        """Fail fast, with the engine's own words, when a job's engine cannot run."""
        with self.store.read() as s:
            names = {repo.get_job(s, j).engine for j in job_ids}
        for name in sorted(names):
            engine = engines.get(name)
            status = engine.status()
            if not status.configured or not status.reachable:
                raise EngineUnavailable(f"engine '{name}' is not usable: {status.detail}")

    def run(self, job_ids: list[int], executor: Executor) -> list[JobOutcome]:
        outcomes = []
        for job_id in job_ids:
            outcome = executor.submit(job_id)
            if outcome is not None:
                outcomes.append(outcome)
            self._again.add(job_id)
        return outcomes

    def jobs(self, status: str | None = None) -> list[repo.JobSummary]:
        with self.store.read() as s:
            return repo.list_jobs(s, status=status)

    def standings(self) -> dict[tuple[int, str], stories.Standing]:
        """(story, language) → its latest source version and its published one."""
        with self.store.read() as s:
            return stories.standings(s)

    def job_labels(self, job_ids: list[int]) -> dict[int, str]:
        with self.store.read() as s:
            return {j: f"{repo.get_job(s, j).target_language} (job {j})" for j in job_ids}

    # -- checks ---------------------------------------------------------------
    def check_translation(self, job_id: int, risk_engine=None, risk_method: str | None = None, judge_engine=None,
                          judge_scope: str | None = None):  # fmt: skip
        """Check a stored draft; with ``risk_method`` (and ``risk_engine`` for the engine
        methods) its meaning risk is scored again, else the stored risks are reported.
        With ``judge_engine`` (an engine: ``judge_engine()`` names it) the MQM judge reads
        the draft again (``judge_scope``, default ``[checks] judge``), else the judge
        findings stored with the draft are reported."""
        return audit.check_draft(self.draft(job_id), risk_engine=risk_engine, risk_method=risk_method,
                                 judge=self._judge_request(judge_engine, judge_scope))  # fmt: skip

    def check_documents(self, source: bytes, target: bytes, target_lang: str, risk_engine=None, risk_method=None,
                        judge_engine=None, judge_scope: str | None = None, **names):  # fmt: skip
        """Check any translation against its source; with ``judge_engine``, the MQM judge too."""
        return audit.check_documents(
            source, target, target_lang, limits=self.config.limits, risk_engine=risk_engine, risk_method=risk_method,
            judge=self._judge_request(judge_engine, judge_scope), **names,
        )

    def _judge_request(self, engine, scope: str | None) -> audit.JudgeRequest | None:
        if engine is None:
            return None
        return audit.JudgeRequest(MqmJudge(engine), scope or self.config.judge.scope)

    # -- drafts ---------------------------------------------------------------
    def draft(self, job_id: int) -> Translation:
        with self.store.read() as s:
            return translation.load(s, job_id, current=False)

    def render(self, job_id: int, fmt: str) -> str:
        return render(self.draft(job_id), fmt)

    # -- people ---------------------------------------------------------------
    def add_user(self, name: str, password: str, role: str, languages: list[str]) -> None:
        with self.store.write() as s:
            accounts.add_user(s, name, password, role, languages)

    def users(self) -> list[dict]:
        with self.store.read() as s:
            return [
                {"name": u.name, "role": u.role, "languages": list(u.languages or []), "active": u.active}
                for u in accounts.list_users(s)
            ]

    def set_password(self, name: str, password: str) -> None:
        with self.store.write() as s:
            accounts.set_password(s, name, password)

    def set_user_active(self, name: str, active: bool) -> None:
        with self.store.write() as s:
            accounts.set_active(s, name, active)

    # -- review and publishing (the review rules decide; see the module) ------
    @property
    def rules(self) -> Rules:
        """The review rules' settings of this installation (``[review]``)."""
        return Rules(claim_idle=self.config.review.claim_idle)

    def person(self, name: str | None, password: str | None) -> Actor:
        """The person a command acts as, after their password (``--as NAME``); without a
        name, the bare command line, which the review rules let do no review action."""
        if not name:
            return Actor.command_line()
        with self.store.read() as s:  # Argon2 is slow on purpose: not inside a write
            user = accounts.authenticate(s, name, password or "")
        if user is None:
            raise PermissionDenied(f"wrong name or password for {name}")
        return Actor.of(user)

    def publish(self, job_id: int, actor: Actor, sign_off: bool = False):
        """Publish a signed-off translation as ``actor`` (``person``); with ``sign_off``,
        record that person's sign-off first.  The review rules decide both (four eyes).
        Returns the publication record."""
        with self.store.write() as s:
            if sign_off:
                service.sign_off(s, actor, job_id, self.rules)
            return publisher.publish(s, actor, job_id, self.rules, disclosures=self.config.publish.disclosure)

    def withdraw(self, story_id: int, actor: Actor, reason: str):
        """Withdraw a story as ``actor`` (an editor, ``person``): every publication of
        every language, and what the memory and the termbase learnt only from them."""
        with self.store.write() as s:
            return publisher.withdraw_story(s, actor, story_id, reason)

    def publication(self, job_id: int):
        """The latest publication of a job, to write out again; refused (one line) when
        its story was withdrawn."""
        with self.store.read() as s:
            return publisher.live_publication(s, job_id)

    # -- API tokens -------------------------------------------------------------
    def add_token(self, name: str, scopes: list[str], languages: list[str] = ()) -> str:
        """Make an API token; returns the secret, which is never stored (only its hash)."""
        for lang in languages:
            get_locale(lang)
        with self.store.write() as s:
            return tokens.add(s, name, scopes, list(languages))

    def tokens(self) -> list[tokens.Token]:
        with self.store.read() as s:
            return tokens.all_tokens(s)

    def revoke_token(self, name: str) -> None:
        with self.store.write() as s:
            tokens.revoke(s, name)

    # -- memory, termbase and interchange ------------------------------------
    def _read_interchange(self, source: str) -> bytes:
        path = Path(source)
        try:
            if path.is_dir():
                raise RelaisError(f"{source}: is a directory")
            if path.stat().st_size > interchange.MAX_BYTES:
                raise InputError(f"{source}: {path.stat().st_size:,} bytes is over the limit of {interchange.MAX_BYTES:,} bytes")
            return path.read_bytes()
        except FileNotFoundError:
            raise RelaisError(f"{source}: no such file") from None
        except OSError as exc:
            raise RelaisError(f"{source}: cannot read ({exc.strerror or exc})") from None

    def tm_import(self, source: str, source_lang: str = "en"):
        """Import a TMX file into the memory: all of it, or nothing."""
        data = self._read_interchange(source)
        with self.store.write() as s:
            return interchange.import_tmx(s, data, source_lang=source_lang)

    def tm_export(self, target_lang: str | None = None) -> bytes:
        with self.store.read() as s:
            return interchange.export_tmx(s, target_lang=target_lang)

    def tm_stats(self) -> list[dict]:
        with self.store.read() as s:
            return [asdict(row) for row in tm.stats(s)]

    def terms_import(self, source: str, proposed: bool = False):
        """Import a TBX file into the termbase: all of it, or nothing."""
        data = self._read_interchange(source)
        with self.store.write() as s:
            return interchange.import_tbx(s, data, status="proposed" if proposed else "approved")

    def terms_export(self, lang: str | None = None) -> bytes:
        with self.store.read() as s:
            return interchange.export_tbx(s, lang=lang)

    def terms_add(self, source: str, lang: str, target: str, type_: str = "term", forbid: list[str] | None = None,
                  proposed: bool = False, note: str | None = None) -> dict:  # fmt: skip
        """Add a term (``note``: about the term) and its rendering in one language, as the
        desk's terms page does (``review.terms.add_term``): approved unless ``proposed``."""
        with self.store.write() as s:
            term, row = terms.add_term(s, Actor.command_line(), source, lang, target, type_=type_,
                                       forbidden=forbid or [], term_note=note, proposed=proposed)  # fmt: skip
            return {"term": term.source_term, "type": term.type, "lang": row.lang, "text": row.text,
                    "status": row.status, "forbidden": list(row.forbidden or [])}  # fmt: skip

    def terms_list(self, lang: str | None = None) -> list[dict]:
        with self.store.read() as s:
            return [
                {"term": t.source_term, "type": t.type, "lang": r.lang, "text": r.text, "status": r.status,
                 "forbidden": list(r.forbidden or [])}
                for t in termbase.list_terms(s, lang) for r in t.renderings if lang is None or r.lang == lang
            ]  # fmt: skip

    def xliff_export(self, job_id: int, version: str = "1.2") -> bytes:
        with self.store.read() as s:
            return interchange.export_xliff(s, job_id, version)

    def xliff_import(self, source: str, actor: Actor):
        """Bring back a job edited in another CAT tool, as the edits and confirmations of
        ``actor`` (``person``: the job's claimant or an editor)."""
        data = self._read_interchange(source)
        with self.store.write() as s:
            return xliff.import_xliff(s, actor, data, self.rules)

    # -- webhooks (relais/store/events.py, relais/jobs/webhooks.py) ------------
    def add_webhook(self, url: str, events_: str | list[str], secret: str | None = None) -> dict:
        """Subscribe ``url`` to some events; the answer holds the secret (shown once)."""
        with self.store.write() as s:
            row = events.add_webhook(s, url, events_, secret)
            return {"id": row.id, "url": row.url, "events": list(row.events), "secret": row.secret}

    def webhooks(self) -> list[dict]:
        with self.store.read() as s:
            return [{"id": w.id, "url": w.url, "events": list(w.events), "active": w.active, "created": w.created_at}
                    for w in events.webhooks(s)]  # fmt: skip

    def remove_webhook(self, webhook_id: int) -> None:
        with self.store.write() as s:
            events.remove_webhook(s, webhook_id)

    def webhook_deliveries(self, webhook_id: int | None = None) -> list[dict]:
        with self.store.read() as s:
            return [{"id": d.id, "webhook": d.webhook_id, "msg_id": d.msg_id, "event": d.event, "status": d.status,
                     "attempts": d.attempts, "last_status": d.last_status, "last_error": d.last_error,
                     "created": d.created_at, "next_attempt": d.next_attempt_at, "log": list(d.log or [])}
                    for d in events.deliveries(s, webhook_id)]  # fmt: skip

    def deliver_webhooks(self) -> Round:
        """One look at the outbox: send what is due now."""
        with Deliverer(self.store, self.config.webhooks) as deliverer:
            return deliverer.deliver_once()
