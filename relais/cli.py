"""The ``relais`` command line: a thin shell over ``relais.desk``."""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from relais import __version__, feeds
from relais.checks.audit import FAIL_LEVELS
from relais.config import JUDGE_SCOPES, RISK_METHODS, load_config
from relais.desk import Desk
from relais.document import ingest
from relais.document.render import EXTENSIONS, FORMATS
from relais.engines.registry import engine_statuses
from relais.errors import InputError, RelaisError
from relais.jobs.executor import EnginePool
from relais.locales import coverage_table, parse_targets
from relais.publish.outputs import OutputFolder
from relais.review.tokens import parse_scopes
from relais.store.models import JobStatus
from relais.jobs.serve import ServeWorker

# Lazy loads, each for one command: ``relais serve`` imports the web app (FastAPI,
# Jinja, uvicorn) and ``relais worker`` the task queue (procrastinate); the other
# commands start without them.

app = typer.Typer(
    name="relais",
    help="Relais: newsroom translation desk. English article in, reviewed translations out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


class State:
    quiet = False


def _version(value: bool) -> None:
    if value:
        print(f"relais {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only results and errors.")] = False,
) -> None:
    State.quiet = quiet


def _desk() -> Desk:
    return Desk()


def _say(message: str) -> None:
    if not State.quiet:
        err.print(message)


def _format_for(output: str | None, fmt: str | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise RelaisError(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")
        return fmt
    if output and not output.endswith(os.sep):
        ext = Path(output).suffix.lstrip(".").lower()
        for name, extension in EXTENSIONS.items():
            if ext == extension or (ext == "markdown" and name == "md") or (ext == "htm" and name == "html"):
                return name
    return "md"


def _output_folder(desk, folder: Path) -> OutputFolder:
    return OutputFolder(folder, desk.store)


def _claim(folder, name: str | None, article_id: int, targets: list[str]):
    """The names of an article's files in ``folder`` (relais.publish.outputs), with a
    note when they differ from its file name's."""
    claim = folder.claim(name, article_id, targets)
    if claim.note:
        err.print(f"[yellow]note:[/yellow] {escape(claim.note)}")
    return claim


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("segments"),
        TimeElapsedColumn(),
        console=err,
        disable=State.quiet,
        transient=False,
    )


def _run_jobs(desk, job_ids: list[int], labels: dict[int, str], overall: str | None = None) -> list:
    """Run jobs in this process with a progress bar per job, or one ``overall`` bar."""
    def announce(engine) -> None:
        note = engine.notice()
        if note:
            _say(f"[yellow]note:[/yellow] {note}")

    engines = EnginePool(desk.config, on_create=announce)
    try:
        desk.check_engine(engines, job_ids)
        with _progress() as progress:
            tasks: dict[int, int] = {}
            counts: dict[int, tuple[int, int]] = {}
            whole = progress.add_task(overall, total=None) if overall else None

            def callback_for(job_id: int):
                def update(done: int, total: int) -> None:
                    if whole is not None:
                        counts[job_id] = (done, total)
                        progress.update(
                            whole, completed=sum(d for d, _ in counts.values()), total=sum(t for _, t in counts.values())
                        )
                        return
                    if job_id not in tasks:
                        tasks[job_id] = progress.add_task(labels.get(job_id, f"job {job_id}"), total=total)
                    progress.update(tasks[job_id], completed=done, total=total)

                return update

            return desk.run(job_ids, desk.executor(engines, progress=callback_for))
    finally:
        engines.close()


def _wait_for_workers(desk, job_ids: list[int], labels: dict[int, str]) -> tuple[list[int], list]:
    """Follow jobs the workers run (``Desk.follow``).  Returns (jobs to run here, []) as
    soon as some must run here because no worker is left, else ([], their summaries)
    once each is done or parked, after saying how each ended."""
    with _progress() as progress:
        bar = progress.add_task(f"{len(job_ids)} job(s) on the workers", total=None)

        def show(states) -> None:
            ended = sum(r.job.status in JobStatus.ENDED for r in states)
            progress.update(
                bar,
                completed=sum(r.drafted for r in states),
                total=sum(r.segments for r in states),
                description=f"{ended}/{len(states)} job(s) ended",
            )

        mine = desk.follow(job_ids, on_poll=show)
    if mine:
        _say(f"no worker is alive: running {len(mine)} job(s) here (`relais worker` was stopped or stopped answering)")
        return mine, []
    states = desk.job_states(job_ids)
    for r in sorted(states, key=lambda r: r.job.id):
        label = labels.get(r.job.id, f"job {r.job.id}")
        if r.job.status == JobStatus.PARKED:
            _say(f"{label}: job {r.job.id} [red]parked[/red] after {r.job.attempts} attempt(s): {escape(r.job.error or '')}")
            continue
        msg = f"{label}: job {r.job.id} done by a worker, {r.drafted - r.failed}/{r.segments} segments translated"
        if r.failed:
            msg += f", [red]{r.failed} failed[/red] (marked ⟦…⟧ in the draft)"
        _say(msg)
        if r.job.error:
            _say(f"  [yellow]note:[/yellow] {escape(r.job.error)}")
    return [], states


def _execute(desk, job_ids: list[int], labels: dict[int, str], wait: bool = True, overall: str | None = None) -> list[int]:
    """Run jobs here, or leave them to the workers (and follow them when ``wait``; jobs
    whose worker died with no worker left are then run here).  Returns the jobs parked
    by the workers."""
    if not wait and desk.task_queue is not None:
        idle = "" if desk.live_workers() else "; no worker is running yet (start one with `relais worker`)"
        _say(f"queued {len(job_ids)} job(s) for the workers{idle}; `relais jobs` shows where they stand")
        return []
    mine, theirs = desk.dispatch(job_ids)
    states: list = []
    while mine or theirs:
        if mine:
            _report(_run_jobs(desk, mine, labels, overall), labels)
            theirs = [j for j in theirs if j not in mine]
        if not theirs:
            break
        mine, states = _wait_for_workers(desk, theirs, labels)
        if not mine:
            break
    return [r.job.id for r in states if r.job.status == JobStatus.PARKED]


def _report(outcomes, labels: dict[int, str]) -> int:
    failed_segments = 0
    for o in outcomes:
        failed_segments += o.failed
        msg = f"{labels.get(o.job_id, f'job {o.job_id}')}: job {o.job_id} {o.status}, {o.translated} translated"
        if o.skipped:
            msg += f", {o.skipped} already done"
        if o.failed:
            msg += f", [red]{o.failed} failed[/red] (marked ⟦…⟧ in the draft)"
        if o.findings:
            msg += (
                f"; checks: {o.findings['critical']} critical, {o.findings['major']} major, "
                f"{o.findings['minor']} minor (`relais check {o.job_id}`)"
            )
        _say(msg)
        if o.error:
            _say(f"  [yellow]note:[/yellow] {escape(o.error)}")
    return failed_segments


def _input_format(name: str | None) -> str | None:
    """The format named by ``--input-format``, as ingest names it (``ingest.FORMATS``,
    or one of ``ingest.FORMAT_ALIASES``); None to detect it."""
    try:
        return ingest.format_named(name)
    except InputError:
        raise RelaisError(
            f"unknown input format '{name}' (use {', '.join(ingest.FORMATS[:-1])} or {ingest.FORMATS[-1]})"
        ) from None


def article_files(directory: Path) -> list[Path]:
    """The files of ``directory`` that ingest reads as articles (``ingest.SUFFIXES``), by name."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in ingest.SUFFIXES)


@app.command()
def translate(
    source: Annotated[str, typer.Argument(help="Article file (.html, .md, .txt), - for standard input, or a directory of articles.")],
    to: Annotated[str, typer.Option("--to", "-t", help="Target language(s), comma-separated: fr or fr,de,es.")] = "fr",
    output: Annotated[str | None, typer.Option("--output", "-o", help="Output file, or directory (for several targets or articles).")] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="md, html or json (default: from -o, else md).")] = None,
    input_format: Annotated[str | None, typer.Option("--input-format", help="html, markdown or text (default: detect).")] = None,
    engine: Annotated[str | None, typer.Option("--engine", "-e", help="Engine name (see `relais engines`).")] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="Translate again even if a draft exists.")] = False,
    update: Annotated[
        int | None,
        typer.Option("--update", help="Store the article as the next version of this story (see `relais show ID --format json`).",
                     min=1),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="For a directory on a PostgreSQL store: return when every job is done or parked, not once queued "
            "(a single article is always waited for; on SQLite every job runs here).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only results and errors.")] = False,
) -> None:
    """Ingest English articles, translate them, store the drafts and print or write them.

    Jobs run in this process, or on the `relais worker` processes of a PostgreSQL store
    when any is running."""
    State.quiet = State.quiet or quiet
    targets = parse_targets(to)
    fmt = _format_for(output, fmt)
    input_format = _input_format(input_format)
    directory = source != "-" and Path(source).is_dir()
    out_dir: Path | None = None
    if output and (directory or len(targets) > 1 or output.endswith(os.sep) or Path(output).is_dir()):
        out_dir = Path(output)
        if out_dir.exists() and not out_dir.is_dir():
            raise RelaisError(f"{output}: several targets or articles need a directory for -o, not a file")
        out_dir.mkdir(parents=True, exist_ok=True)

    desk = _desk()
    try:
        if directory:
            if update is not None:
                raise RelaisError("--update names the story of one article, not of a directory")
            _translate_directory(desk, Path(source), targets, out_dir, fmt, input_format, engine, fresh, wait)
            return
        data, name = desk.read_source(source)
        ingested = desk.ingest(data, name=name, fmt=input_format, story=update)
        _say(
            f"article {ingested.article_id}{'' if ingested.created else ' (already stored)'}, "
            f"story {ingested.story_id} version {ingested.version}: "
            f"{escape(ingested.title or '(untitled)')} — {ingested.blocks} blocks, {ingested.segments} segments, {ingested.words} words"
        )
        job_ids = desk.queue(ingested.article_id, targets, engine, fresh=fresh)
        labels = {j: f"{t}" for j, t in zip(job_ids, targets)}
        parked = _execute(desk, job_ids, labels, wait=True)
        written = [(job_id, target) for job_id, target in zip(job_ids, targets) if job_id not in parked]
        if out_dir is not None and written:
            claim = _claim(_output_folder(desk, out_dir), name, ingested.article_id, [t for _, t in written])
        for job_id, target in written:
            text = desk.render(job_id, fmt)
            if out_dir is not None:
                _write(claim.path(out_dir, target, f".{EXTENSIONS[fmt]}"), text)
            elif output:
                _write(Path(output), text)
            else:
                sys.stdout.write(text)
        if parked:
            raise RelaisError(f"{len(parked)} job(s) parked by the workers (`relais jobs --status parked`)")
    finally:
        desk.close()


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise RelaisError(f"cannot write {path}: {exc.strerror or exc}") from None
    _say(f"wrote {escape(str(path))}")


def _translate_directory(desk, directory: Path, targets, out_dir, fmt, input_format, engine, fresh, wait) -> None:
    """Every article of ``directory`` into every target: queued at once, then run here
    or followed on the workers.  A file that cannot be read is reported and skipped."""
    files = article_files(directory)
    if not files:
        raise RelaisError(f"{directory}: no article files ({', '.join(ingest.SUFFIXES)})")
    job_ids: list[int] = []
    labels: dict[int, str] = {}
    names: dict[int, tuple[str, int, str]] = {}  # job → (file name, article id, target)
    skipped = 0
    for path in files:
        try:
            data, name = desk.read_source(str(path))
            ingested = desk.ingest(data, name=name, fmt=input_format)
            ids = desk.queue(ingested.article_id, targets, engine, fresh=fresh)
        except RelaisError as exc:
            skipped += 1
            err.print(f"[yellow]skipped[/yellow] {escape(str(exc))}")
            continue
        for job_id, target in zip(ids, targets):
            job_ids.append(job_id)
            labels[job_id] = f"{path.name} → {target}"
            names[job_id] = (name, ingested.article_id, target)
    _say(f"{len(files) - skipped} article(s) × {len(targets)} language(s): {len(job_ids)} job(s)")
    parked = _execute(desk, job_ids, labels, wait=wait, overall=f"{len(job_ids)} job(s)") if job_ids else []
    states = {r.job.id: r for r in desk.job_states(job_ids)}
    if out_dir is not None:
        done: dict[tuple[str, int], list[tuple[int, str]]] = {}  # (file name, article) → its done jobs
        for job_id in job_ids:
            if states[job_id].job.status == JobStatus.DONE:
                name, article_id, target = names[job_id]
                done.setdefault((name, article_id), []).append((job_id, target))
        folder = _output_folder(desk, out_dir)
        for (name, article_id), jobs in done.items():
            claim = _claim(folder, name, article_id, [target for _, target in jobs])
            for job_id, target in jobs:
                _write(claim.path(out_dir, target, f".{EXTENSIONS[fmt]}"), desk.render(job_id, fmt))
    table = Table("job", "article", "file", "to", "status", "done")
    for job_id in job_ids:
        r = states[job_id]
        table.add_row(
            str(job_id), str(r.job.article_id), escape(names[job_id][0] or ""), r.job.target_language, r.job.status,
            f"{r.drafted}/{r.segments}",
        )  # fmt: skip
    out.print(table)
    problems = []
    if parked:
        problems.append(f"{len(parked)} job(s) parked by the workers (`relais jobs --status parked`)")
    if skipped:
        problems.append(f"{skipped} file(s) skipped")
    if problems:
        raise RelaisError("; ".join(problems))


def _review_cell(review: str, standing) -> str:
    """The job's review status and its story's standing in that language
    ("in review; published v1, out of date (v2)"); "withdrawn" is said once, not twice."""
    parts = [review, standing.label if standing else ""]
    return "; ".join(dict.fromkeys(p for p in parts if p))


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="Only jobs with this status.")] = None,
) -> None:
    """List stored translations (one per article and target language)."""
    desk = _desk()
    try:
        rows = desk.jobs(status)
        standings = desk.standings()
        table = Table()
        for name, width in (("id", None), ("story", None), ("title", 12), ("to", None), ("engine", None),
                            ("status", None), ("done", None), ("review", 10), ("created", 10)):
            # ids, names and counts stay whole; titles, review notes and dates wrap
            table.add_column(name, no_wrap=width is None, min_width=width)
        for row in rows:
            job = row.job
            title = escape((job.article.title or job.article.source_name or "")[:60])
            standing = standings.get((job.article.story_id, job.target_language))
            review = _review_cell(job.review_status.replace("_", " "), standing)
            done = f"{row.drafted}/{row.segments}" + (f", {row.failed} failed" if row.failed else "")
            table.add_row(
                str(job.id), f"{job.article.story_id} v{job.article.version}", title, job.target_language, job.engine,
                job.status, done, review,
                job.created_at.strftime("%Y-%m-%d %H:%M"),
            )  # fmt: skip
        if rows:
            out.print(table)
        else:
            _say("no translations yet (try `relais translate examples/story.html --to fr`)")
    finally:
        desk.close()


@app.command("jobs")
def jobs_(
    status: Annotated[str | None, typer.Option(help="Only jobs with this status (queued, running, done, failed, parked).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """List translation jobs with their status, attempts and last error (json: for scripts and monitoring)."""
    if fmt not in ("text", "json"):
        raise RelaisError(f"unknown format '{fmt}' (use text or json)")
    desk = _desk()
    try:
        rows = desk.jobs(status)
    finally:
        desk.close()
    records = [
        {
            "id": r.job.id, "article": r.job.article_id, "target": r.job.target_language, "status": r.job.status,
            "attempts": r.job.attempts, "error": r.job.error, "engine": r.job.engine,
            "segments": r.segments, "drafted": r.drafted, "failed": r.failed, "review_status": r.job.review_status,
            "created_at": r.job.created_at.isoformat(timespec="seconds"),
            "finished_at": r.job.finished_at.isoformat(timespec="seconds") if r.job.finished_at else None,
        }
        for r in rows
    ]  # fmt: skip
    if fmt == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("id", "article", "to", "status", "attempts", "done", "error")
    for rec in records:
        table.add_row(
            str(rec["id"]), str(rec["article"]), rec["target"], rec["status"], str(rec["attempts"]),
            f"{rec['drafted']}/{rec['segments']}", escape((rec["error"] or "")[:80]),
        )  # fmt: skip
    out.print(table)


@app.command()
def show(
    job_id: Annotated[int, typer.Argument(help="Translation id (see `relais list`).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="md, html or json.")] = "md",
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    """Print a stored translation draft."""
    fmt = _format_for(None, fmt)
    desk = _desk()
    try:
        text = desk.render(job_id, fmt)
    finally:
        desk.close()
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@app.command()
def resume(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only results and errors.")] = False,
) -> None:
    """Finish interrupted, failed or parked jobs, without translating finished segments again."""
    State.quiet = State.quiet or quiet
    desk = _desk()
    try:
        job_ids = desk.resumable_jobs()
        if not job_ids:
            _say("nothing to resume")
            return
        desk.requeue(job_ids)
        parked = _execute(desk, job_ids, desk.job_labels(job_ids), wait=True)
        if parked:
            raise RelaisError(f"{len(parked)} job(s) parked by the workers (`relais jobs --status parked`)")
    finally:
        desk.close()


@app.command()
def watch(
    feed_url: Annotated[str, typer.Argument(help="The RSS or Atom feed's URL.")],
    to: Annotated[str, typer.Option("--to", "-t", help="Target languages of its items, comma-separated: fr,de.")],
    every: Annotated[str, typer.Option("--every", help="Time between polls: 30s, 5m, 1h.")] = "5m",
    once: Annotated[bool, typer.Option("--once", help="Poll once and stop.")] = False,
) -> None:
    """Follow a feed: each new item becomes a story, each changed item a new version, queued for --to.

    Jobs are queued, not run here: `relais worker` (PostgreSQL) or `relais resume` runs them.
    Any number of watchers may follow one feed on one store: each item version is ingested once."""
    targets = parse_targets(to)
    seconds = feeds.parse_every(every)
    desk = _desk()

    def log(line: str) -> None:
        out.print(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {escape(line)}")

    try:
        report = feeds.watch(desk, feed_url, targets, seconds, once=once, log=log)
        if once and report.status == "failed":
            raise typer.Exit(1)
    except KeyboardInterrupt:
        _say("stopped")
    finally:
        desk.close()


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, help="Jobs run at once by this process.")] = 1,
    to: Annotated[str | None, typer.Option("--to", "-t", help="Only jobs into these languages (default: all).")] = None,
    exit_when_empty: Annotated[bool, typer.Option("--exit-when-empty", help="Stop when no job is waiting.")] = False,
    name: Annotated[str | None, typer.Option("--name", help="Name in the logs (default: host:pid).")] = None,
) -> None:
    """Run queued translation jobs (PostgreSQL store).  SIGTERM finishes the job in hand, then stops."""
    from relais.jobs.queue import run_worker  # lazy: procrastinate (see the imports)

    targets = parse_targets(to) if to else None
    desk = _desk()
    try:
        if desk.task_queue is None:
            raise RelaisError(
                "`relais worker` needs a PostgreSQL store (RELAIS_DATABASE_URL=postgresql+psycopg://…); "
                "on SQLite, `relais translate` runs the jobs itself"
            )
        logging.basicConfig(
            level=logging.WARNING if State.quiet else logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per engine request drowns the job lines
        _say(f"worker on {desk.store.display_url}, languages: {', '.join(targets) if targets else 'all'}")
        run_worker(desk.config, desk.store, concurrency=concurrency, targets=targets, exit_when_empty=exit_when_empty, name=name)
    finally:
        desk.close()


@app.command()
def check(
    first: Annotated[str, typer.Argument(help="A stored translation id, or the source document.")],
    second: Annotated[str | None, typer.Argument(help="The translated document (when FIRST is a source).")] = None,
    to: Annotated[str | None, typer.Option("--to", "-t", help="Target language of the translated document.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    fail_on: Annotated[str, typer.Option("--fail-on", help="Exit non-zero at or above: critical, major, minor, none.")] = "critical",
    risk: Annotated[bool, typer.Option("--risk", help="Score meaning risk again with the engine (method: checks.risk).")] = False,
    risk_method: Annotated[str | None, typer.Option("--risk-method", help="back-translation, judge or rules (implies --risk).")] = None,
    engine: Annotated[str | None, typer.Option("--engine", "-e", help="Engine for --risk (default: the configured one).")] = None,
    judge_engine: Annotated[str | None, typer.Option("--judge-engine", help="Run the MQM judge with this engine (default: checks.judge_engine; none: no judge).")] = None,
    judge: Annotated[str | None, typer.Option("--judge", help="Segments the MQM judge reads: risky or all (default: checks.judge).")] = None,
) -> None:
    """Check a translation: a stored draft (ID) or any two documents (SOURCE TARGET --to LANG).

    With a judge engine (--judge-engine, or checks.judge_engine) the MQM judge reads the
    headline, standfirst, subheadings and risky segments (all with --judge all); without
    one, a stored draft shows the judge findings its job stored."""
    if fail_on not in FAIL_LEVELS:
        raise RelaisError(f"unknown --fail-on level '{fail_on}' (use one of: {', '.join(FAIL_LEVELS)})")
    if fmt not in ("text", "json"):
        raise RelaisError(f"unknown format '{fmt}' (use text or json)")
    if risk_method is not None and risk_method not in RISK_METHODS:
        raise RelaisError(f"unknown --risk-method '{risk_method}' (use one of: {', '.join(RISK_METHODS)})")
    if judge is not None and judge not in JUDGE_SCOPES:
        raise RelaisError(f"unknown --judge '{judge}' (use one of: {', '.join(JUDGE_SCOPES)})")
    desk = _desk()
    engines = None
    try:
        risk_engine = None
        if risk or risk_method:
            risk_method = risk_method or desk.config.risk_method
        judge_name = desk.judge_engine(judge_engine, "--judge-engine")
        if (risk_method is not None and risk_method != "rules") or judge_name:
            engines = EnginePool(desk.config)
        if risk_method is not None and risk_method != "rules":
            risk_engine = engines.get(engine or desk.config.engine)
        judging = {"judge_engine": engines.get(judge_name) if judge_name else None, "judge_scope": judge}
        if second is None:
            if not first.isdigit():
                raise RelaisError("give a stored translation id, or a source and a target document with --to")
            report = desk.check_translation(int(first), risk_engine=risk_engine, risk_method=risk_method, **judging)
        else:
            if not to:
                raise RelaisError("checking two documents needs the target language: --to fr")
            target_lang = parse_targets(to)[0]
            source, source_name = desk.read_source(first)
            target, target_name = desk.read_source(second)
            report = desk.check_documents(
                source, target, target_lang, risk_engine=risk_engine, risk_method=risk_method,
                source_name=source_name, target_name=target_name, **judging,
            )  # fmt: skip
    finally:
        if engines is not None:
            engines.close()
        desk.close()
    for note in report.notes:
        _say(f"[yellow]note:[/yellow] {escape(note)}")
    if fmt == "json":
        sys.stdout.write(report.to_json())
    else:
        _print_report(report)
    if report.fails(fail_on):
        raise typer.Exit(1)


_SEVERITY_STYLE = {"critical": "bold red", "major": "yellow", "minor": "cyan"}


def _print_report(report) -> None:
    summary = report.summary()
    current_block = None
    for f in report.findings:
        if f.block != current_block:
            current_block = f.block
            out.print(f"[bold]block {f.block}[/bold]")
        style = _SEVERITY_STYLE[f.severity.value]
        where = f"segment {f.segment}" if f.segment is not None else "block"
        span = f" “{escape(f.text)}”" if f.text else ""
        hint = f" → {escape(f.suggestion)}" if f.suggestion else ""
        out.print(f"  [{style}]{f.severity.value:8}[/{style}] {f.check:24} {where} [{f.start}:{f.end}]{span}: {escape(f.message)}{hint}")
    out.print(f"{summary['critical']} critical, {summary['major']} major, {summary['minor']} minor")


@app.command()
def engines() -> None:
    """List the engines, whether each is configured and reachable, and the default."""
    table = Table("engine", "default", "configured", "reachable", "detail")
    for st in engine_statuses(load_config()):
        table.add_row(st.name, "yes" if st.is_default else "", _yes(st.configured), _yes(st.reachable), st.detail)
    out.print(table)


def _yes(flag: bool) -> str:
    return "[green]yes[/green]" if flag else "[red]no[/red]"

# --------------------------------------------------------------------------- review


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    secure_cookies: Annotated[
        bool, typer.Option("--secure-cookies", help="Mark cookies Secure (when served over HTTPS by a proxy).")
    ] = False,
) -> None:
    """Start the review web app on the same store as the command line."""
    import uvicorn  # lazy: the web app (see the imports)

    from relais.web.app import create_app

    try:  # a clear message before uvicorn's own log lines
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise RelaisError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    desk = _desk()
    try:
        app_ = create_app(desk.store, secure_cookies=secure_cookies, rules=desk.rules,
                          disclosures=desk.config.publish.disclosure, desk=desk,
                          webhooks=desk.config.webhooks)  # fmt: skip
        _say(f"Relais review desk on http://{host}:{port}/ (store: {desk.store.display_url}); Ctrl+C to stop")
        # On SQLite the jobs the API queues run here, one at a time; on PostgreSQL `relais worker` runs them.
        jobs_here = ServeWorker(desk) if desk.task_queue is None else None
        if jobs_here is not None:
            app_.state.on_queued = jobs_here.wake
            jobs_here.start()
        try:
            uvicorn.run(app_, host=host, port=port, log_level="warning" if State.quiet else "info",
                        access_log=not State.quiet)  # fmt: skip
        finally:
            if jobs_here is not None:
                jobs_here.stop(timeout=30)
            app_.state.access_log.flush()
    finally:
        desk.close()


webhooks_app = typer.Typer(help="Webhooks: signed event deliveries to a CMS or another system.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("add")
def webhooks_add(
    url: Annotated[str, typer.Argument(help="Where to POST the events (http:// or https://).")],
    events: Annotated[str, typer.Option("--events", "-e", help="Comma-separated: job.done, article.approved, "
                                        "article.published, story.outdated, story.withdrawn.")],  # fmt: skip
    secret: Annotated[str | None, typer.Option("--secret", help="A whsec_ secret (default: a new one, printed once).")] = None,
) -> None:
    """Subscribe a URL to events; prints the signing secret once."""
    desk = _desk()
    try:
        hook = desk.add_webhook(url, events, secret)
    finally:
        desk.close()
    _say(f"webhook {hook['id']}: {hook['url']} ({', '.join(hook['events'])})")
    if secret is None:
        _say("signing secret (shown once; keep it with the receiver):")
        print(hook["secret"])
    else:
        print(hook["id"])


@webhooks_app.command("list")
def webhooks_list() -> None:
    """List the webhooks."""
    desk = _desk()
    try:
        rows = desk.webhooks()
    finally:
        desk.close()
    table = Table("id", "url", "events", "active", "created")
    for w in rows:
        table.add_row(str(w["id"]), escape(w["url"]), ", ".join(w["events"]), "yes" if w["active"] else "no",
                      f"{w['created']:%Y-%m-%d %H:%M}")  # fmt: skip
    out.print(table)


@webhooks_app.command("remove")
def webhooks_remove(webhook_id: Annotated[int, typer.Argument(help="The webhook's id (relais webhooks list).")]) -> None:
    """Remove a webhook and its deliveries."""
    desk = _desk()
    try:
        desk.remove_webhook(webhook_id)
    finally:
        desk.close()
    _say(f"webhook {webhook_id} removed")


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    webhook: Annotated[int | None, typer.Option("--webhook", help="Only this webhook's deliveries.")] = None,
) -> None:
    """The latest deliveries: event, status, attempts, last HTTP status or error."""
    desk = _desk()
    try:
        rows = desk.webhook_deliveries(webhook)
    finally:
        desk.close()
    table = Table("id", "webhook", "event", "status", "attempts", "last answer", "message id", "created")
    for d in rows:
        answer = str(d["last_status"]) if d["last_status"] is not None else (d["last_error"] or "")
        table.add_row(str(d["id"]), str(d["webhook"]), d["event"], d["status"], str(d["attempts"]), escape(answer[:60]),
                      d["msg_id"], f"{d['created']:%Y-%m-%d %H:%M:%S}")  # fmt: skip
    out.print(table)


@webhooks_app.command("deliver")
def webhooks_deliver(
    once: Annotated[bool, typer.Option("--once", help="Send what is due now, then stop (for cron).")] = False,
) -> None:
    """Send due webhook deliveries (relais serve and relais worker do this themselves)."""
    desk = _desk()
    try:
        while True:
            done = desk.deliver_webhooks()
            if done.leased:
                _say(f"{done.delivered} delivered, {done.retried} to retry, {done.failed} failed")
            elif once:
                break  # --once: everything due when it started has been tried
            else:
                time.sleep(desk.config.webhooks.poll)
    except KeyboardInterrupt:
        pass
    finally:
        desk.close()


users_app = typer.Typer(help="Accounts of the review desk: admins, editors, translators.", no_args_is_help=True)
app.add_typer(users_app, name="users")
tokens_app = typer.Typer(help="Tokens of the HTTP API (/api/v1), for systems: a CMS, a feed reader.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")


@tokens_app.command("add")
def tokens_add(
    name: Annotated[str, typer.Argument(help="The token's name (the system it is for).")],
    scope: Annotated[str, typer.Option("--scope", help="Comma-separated: ingest, read, drafts.")] = "ingest,read",
    lang: Annotated[str | None, typer.Option("--lang", help="Only these target languages (default: all).")] = None,
) -> None:
    """Make a token and print it once (only its hash is kept)."""
    scopes = parse_scopes(scope)
    languages = parse_targets(lang) if lang else []
    desk = _desk()
    try:
        secret = desk.add_token(name, scopes, languages)
    finally:
        desk.close()
    _say(f"token {name} ({', '.join(scopes)}; languages: {', '.join(languages) or 'all'}); shown once, keep it safe:")
    print(secret)


@tokens_app.command("list")
def tokens_list() -> None:
    """Every token: scopes, languages, created, last used, revoked."""
    desk = _desk()
    try:
        rows = desk.tokens()
    finally:
        desk.close()
    table = Table("name", "scopes", "languages", "created", "last used", "revoked")
    for t in rows:
        table.add_row(t.name, ",".join(t.scopes), ",".join(t.languages) or "all", _when(t.created_at),
                      _when(t.last_used), _when(t.revoked_at))  # fmt: skip
    out.print(table)


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@tokens_app.command("revoke")
def tokens_revoke(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token: every later call with it answers 401."""
    desk = _desk()
    try:
        desk.revoke_token(name)
    finally:
        desk.close()
    _say(f"token {name} revoked")


def _read_password(from_stdin: bool, confirm: bool = True) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    else:
        raise RelaisError("no terminal to ask for the password: pipe it with --password-stdin")
    if not password:
        raise RelaisError("empty password")
    return password


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[str, typer.Option(help="admin, editor or translator.")] = "translator",
    lang: Annotated[list[str] | None, typer.Option("--lang", "-l", help="A target language the translator works on (repeat, or fr,de).")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
) -> None:
    """Add a person who can sign in to the review desk."""
    languages = [code.strip() for item in (lang or []) for code in item.split(",") if code.strip()]
    password = _read_password(password_stdin)
    desk = _desk()
    try:
        desk.add_user(name, password, role, languages)
    finally:
        desk.close()
    _say(f"added {role} {name}" + (f" ({', '.join(languages)})" if languages else ""))


@users_app.command("list")
def users_list() -> None:
    """List the accounts."""
    desk = _desk()
    try:
        rows = desk.users()
    finally:
        desk.close()
    table = Table("name", "role", "languages", "active")
    for u in rows:
        table.add_row(escape(u["name"]), u["role"], ", ".join(u["languages"]), "yes" if u["active"] else "no")
    out.print(table)


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="Sign-in name.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
) -> None:
    """Set a new password (signs the person out everywhere)."""
    password = _read_password(password_stdin)
    desk = _desk()
    try:
        desk.set_password(name, password)
    finally:
        desk.close()
    _say(f"password of {name} changed")


@users_app.command("disable")
def users_disable(name: Annotated[str, typer.Argument(help="Sign-in name.")]) -> None:
    """Stop someone from signing in (their work stays attributed to them)."""
    desk = _desk()
    try:
        desk.set_user_active(name, False)
    finally:
        desk.close()
    _say(f"{name} can no longer sign in")


@users_app.command("enable")
def users_enable(name: Annotated[str, typer.Argument(help="Sign-in name.")]) -> None:
    """Let a disabled account sign in again."""
    desk = _desk()
    try:
        desk.set_user_active(name, True)
    finally:
        desk.close()
    _say(f"{name} can sign in again")


@app.command()
def publish(
    job_id: Annotated[int, typer.Argument(help="Translation id (see `relais list`).")],
    as_name: Annotated[str | None, typer.Option("--as", help="The editor who publishes (asks for their password).")] = None,
    sign_off: Annotated[bool, typer.Option("--sign-off", help="Record that editor's sign-off first.")] = False,
    sign_off_as: Annotated[
        str | None, typer.Option("--sign-off-as", help="The same as --as NAME --sign-off.")
    ] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Folder for the published files.")] = Path("published"),
) -> None:
    """Publish an approved, signed-off translation as an editor who did not work on it:
    HTML, Markdown, JSON and the audit record."""
    if sign_off_as and as_name and sign_off_as != as_name:
        raise RelaisError("--as and --sign-off-as name two people: the command acts as one (sign off on the desk)")
    name = as_name or sign_off_as
    desk = _desk()
    try:
        actor = desk.person(name, _read_password(password_stdin, confirm=False) if name else None)
        pub = desk.publish(job_id, actor, sign_off=sign_off or bool(sign_off_as))
        _write_publication(desk, job_id, pub, output_dir)
    finally:
        desk.close()


@app.command()
def withdraw(
    story: Annotated[int, typer.Argument(help="Story id (`relais show ID --format json`: article.story).")],
    reason: Annotated[str, typer.Option("--reason", help="Why the story is withdrawn (kept in the journal).")],
    as_name: Annotated[str | None, typer.Option("--as", help="The editor who withdraws it (asks for their password).")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
) -> None:
    """Withdraw a story: every publication of every language is marked withdrawn (and
    kept), and the memory and the termbase forget what only they taught them."""
    desk = _desk()
    try:
        actor = desk.person(as_name, _read_password(password_stdin, confirm=False) if as_name else None)
        done = desk.withdraw(story, actor, reason)
    finally:
        desk.close()
    _say(done.summary())


@app.command()
def published(
    job_id: Annotated[int, typer.Argument(help="Translation id (see `relais list`).")],
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Folder for the published files.")] = Path("published"),
) -> None:
    """Write out the latest publication of a translation again, with its audit record
    (refused when its story was withdrawn)."""
    desk = _desk()
    try:
        _write_publication(desk, job_id, desk.publication(job_id), output_dir)
    finally:
        desk.close()


def _write_publication(desk, job_id: int, pub, output_dir: Path) -> None:
    audit = pub.audit
    source, target = audit["source"], audit["target_language"]
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        claim = _claim(_output_folder(desk, output_dir), source.get("name"), source["article"], [target])
        files = {
            claim.path(output_dir, target, ".md"): pub.markdown,
            claim.path(output_dir, target, ".html"): pub.html,
            claim.path(output_dir, target, ".json"): pub.json,
            claim.path(output_dir, target, ".audit.json"): json.dumps(audit, ensure_ascii=False, indent=2) + "\n",
        }
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise RelaisError(f"cannot write to {output_dir}: {exc.strerror}") from None
    effort = audit["effort"]
    _say(
        f"job {job_id}: publication {pub.number} by {escape(pub.actor)}; HTER {effort['hter']:.3f}, "
        f"{effort['segments_edited']}/{effort['segments']} segments edited"
    )
    for path in files:
        out.print(str(path))


# --------------------------------------------------------------------------- memory, termbase, XLIFF

tm_app = typer.Typer(help="The translation memory: TMX import and export, statistics.", no_args_is_help=True)
terms_app = typer.Typer(help="The termbase: people, places, organisations and terms; TBX import and export.",
                        no_args_is_help=True)  # fmt: skip
xliff_app = typer.Typer(help="A translation job out to another CAT tool (XLIFF 1.2 or 2.0) and back.", no_args_is_help=True)
app.add_typer(tm_app, name="tm")
app.add_typer(terms_app, name="terms")
app.add_typer(xliff_app, name="xliff")


def _write_bytes(output: Path, data: bytes) -> None:
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
    except OSError as exc:
        raise RelaisError(f"cannot write {output}: {exc.strerror or exc}") from None
    _say(f"wrote {escape(str(output))}")


def _print_import(report) -> None:
    _say(escape(report.summary()))
    for unit, note in report.notes:
        out.print(f"note on unit {escape(unit)}: {escape(note)}")


@tm_app.command("import")
def tm_import(
    file: Annotated[str, typer.Argument(help="A TMX file.")],
    source_lang: Annotated[str, typer.Option("--from", help="Source language of the units.")] = "en",
) -> None:
    """Import a TMX file into the memory (all of it, or nothing if it is malformed)."""
    desk = _desk()
    try:
        _print_import(desk.tm_import(file, source_lang))
    finally:
        desk.close()


@tm_app.command("export")
def tm_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="The TMX file to write.")],
    to: Annotated[str | None, typer.Option("--to", "-t", help="Only this target language.")] = None,
) -> None:
    """Write the memory as TMX 1.4b."""
    desk = _desk()
    try:
        data = desk.tm_export(to)
    finally:
        desk.close()
    _write_bytes(output, data)


@tm_app.command("stats")
def tm_stats() -> None:
    """Entries in the memory per language pair and origin."""
    desk = _desk()
    try:
        rows = desk.tm_stats()
    finally:
        desk.close()
    if not rows:
        _say("the memory is empty (approve an article, or `relais tm import FILE.tmx`)")
        return
    table = Table("from", "to", "origin", "entries")
    for r in rows:
        table.add_row(r["source_lang"], r["target_lang"], r["origin"], str(r["entries"]))
    out.print(table)


@terms_app.command("import")
def terms_import(
    file: Annotated[str, typer.Argument(help="A TBX file.")],
    proposed: Annotated[bool, typer.Option("--proposed", help="Import every rendering as proposed (for an editor to approve).")] = False,
) -> None:
    """Import a TBX file into the termbase (all of it, or nothing if it is malformed)."""
    desk = _desk()
    try:
        _print_import(desk.terms_import(file, proposed))
    finally:
        desk.close()


@terms_app.command("export")
def terms_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="The TBX file to write.")],
    lang: Annotated[str | None, typer.Option("--lang", "-l", help="Only this target language.")] = None,
) -> None:
    """Write the termbase as TBX (TBX-Basic)."""
    desk = _desk()
    try:
        data = desk.terms_export(lang)
    finally:
        desk.close()
    _write_bytes(output, data)


@terms_app.command("add")
def terms_add(
    source: Annotated[str, typer.Argument(help='The term in the source language, e.g. "Sergei Lavrov".')],
    lang: Annotated[str, typer.Option("--lang", "-l", help="Target language of the rendering.")],
    target: Annotated[str, typer.Option("--target", help="How it is written in that language.")],
    type_: Annotated[str, typer.Option("--type", help="person, place, organisation or term.")] = "term",
    forbid: Annotated[list[str] | None, typer.Option("--forbid", help="A variant that must not be used (repeat).")] = None,
    proposed: Annotated[bool, typer.Option("--proposed", help="Propose it (an editor approves it later).")] = False,
    note: Annotated[str | None, typer.Option("--note", help="A note on the term.")] = None,
) -> None:
    """Add a term with its rendering in one language."""
    desk = _desk()
    try:
        row = desk.terms_add(source, lang, target, type_, forbid or [], proposed, note)
    finally:
        desk.close()
    extra = f"; not: {', '.join(row['forbidden'])}" if row["forbidden"] else ""
    _say(escape(f"{row['status']} {row['type']} {row['term']} → {row['lang']} {row['text']}{extra}"))


@terms_app.command("list")
def terms_list(
    lang: Annotated[str | None, typer.Option("--lang", "-l", help="Only this target language.")] = None,
) -> None:
    """List the terms and their renderings."""
    desk = _desk()
    try:
        rows = desk.terms_list(lang)
    finally:
        desk.close()
    if not rows:
        _say("the termbase is empty (try `relais terms add` or `relais terms import FILE.tbx`)")
        return
    table = Table("term", "type", "lang", "rendering", "status", "forbidden")
    for r in rows:
        table.add_row(escape(r["term"]), r["type"], r["lang"], escape(r["text"]), r["status"], escape(", ".join(r["forbidden"])))
    out.print(table)


@xliff_app.command("export")
def xliff_export(
    job_id: Annotated[int, typer.Argument(help="Translation id (see `relais list`).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The XLIFF file to write.")],
    xliff_version: Annotated[str, typer.Option("--xliff-version", help="1.2 or 2.0.")] = "1.2",
) -> None:
    """Write a translation job as XLIFF for another CAT tool (Trados, memoQ, OmegaT)."""
    desk = _desk()
    try:
        data = desk.xliff_export(job_id, xliff_version)
    finally:
        desk.close()
    _write_bytes(output, data)


@xliff_app.command("import")
def xliff_import(
    file: Annotated[str, typer.Argument(help="An XLIFF 1.2 or 2.0 file exported by `relais xliff export`.")],
    as_name: Annotated[str, typer.Option("--as", help="Whose edits these are: the job's claimant or an editor (asks for their password).")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
) -> None:
    """Bring back a job done in another CAT tool: edits, final units (confirmed by that
    person) and notes, all or nothing."""
    desk = _desk()
    try:
        actor = desk.person(as_name, _read_password(password_stdin, confirm=False))
        _print_import(desk.xliff_import(file, actor))
    finally:
        desk.close()


@app.command("languages")
def languages() -> None:
    """Show every language pack: what it provides (names, notices, typography, figures,
    meaning, spelling, examples…) and what it lacks."""
    print(coverage_table(), end="")


def main() -> None:
    try:
        app(prog_name="relais")
    except RelaisError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted; run `relais resume` to finish unfinished jobs")
        sys.exit(130)
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("RELAIS_DEBUG"):
            raise
        err.print(f"[red]internal error:[/red] {exc.__class__.__name__}: {escape(str(exc))} (set RELAIS_DEBUG=1 for a traceback)")
        sys.exit(70)
