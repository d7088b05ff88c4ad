"""The HTTP API, version 1 (``/api/v1``): what a newsroom's systems call.

The gate (``relais.web.gate``) has already answered ``401`` to an unknown or revoked
token and to a caller with neither a token nor a session, ``429`` to a token over its
rate and ``413`` to a body over ``limits.max_bytes``, before any body was read.  Here,
in order: the scope (``403``), then the body (``422``), then the languages (``403``).
A session (a person at the desk) may call the API too; its writes carry the session's
CSRF token (``X-CSRF-Token``).  Errors are RFC 9457 problem details (``relais.web.app``).
Each operation says what it accepts in its OpenAPI description (``x-relais-auth``:
``relais.web.deps.token_auth``), which ``tests/api/test_route_walk.py`` walks.

Tokens can only send stories and read: there is no route here that claims, confirms,
approves, signs off or publishes, and a token's actor has no review right anyway.  The
desk's own JSON routes under ``/api/v1`` (the editor's data, saving and confirming
segments, the queue, memory, termbase, statistics, people) live with their pages in the
other routers and refuse every token (``relais.web.deps.Person``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from relais.document.fetch import fetch_page
from relais.document.render import render
from relais.errors import FetchError, InputError, NotFound, RelaisError
from relais.locales import get_locale
from relais.publish import publisher
from relais.review import tokens
from relais.store import repo, stories, translation
from relais.store.models import ArticleRow, FindingRow, JobRow, StoryRow
from relais.web.deps import (
    API_V1, ApiProblem, NotSignedIn, check_csrf, json_body_doc, parse_json, problem_json, token_auth, who,
)  # fmt: skip
from relais.web.gate import Who

PREFIX = API_V1
EXPORT_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "json": "application/json"}

router = APIRouter(prefix=PREFIX, tags=["api v1"])


def forbidden(detail: str) -> ApiProblem:
    return ApiProblem(403, "Forbidden", detail)


class ArticleIn(BaseModel):
    """A story to translate: its content (or only its URL, to be fetched), its format, the
    page's URL and the CMS's id (either names the story: the same story makes a new
    version), and the target languages."""

    model_config = {"extra": "forbid"}

    content: str | None = Field(None, description="the article: HTML, Markdown or plain text")
    format: Literal["html", "markdown", "text"] | None = Field(None, description="the content's format (default: detected)")
    url: str | None = Field(None, max_length=2000, description="the article's canonical URL (a story key)")
    targets: list[str] = Field(..., min_length=1, max_length=50, description="target languages, e.g. [\"fr\", \"de\"]")
    external_id: str | None = Field(None, max_length=200, description="the CMS's id of the story (a story key)")


# --------------------------------------------------------------------------- the caller


class Caller:
    """Who is calling (a token or a signed-in person) and what they may ask for."""

    def __init__(self, w: Who):
        self.who = w

    @property
    def name(self) -> str:
        return self.who.actor.name

    def require(self, scope: str) -> None:
        token = self.who.token
        if token is not None:
            if not token.allows(scope):
                raise forbidden(f"token {token.name} lacks the {scope!r} scope")
        elif scope == "ingest" and not self.who.actor.is_editor:
            raise forbidden(f"{self.name} may not send stories (editors and admins may)")

    def require_language(self, language: str) -> None:
        token = self.who.token
        if token is not None:
            if not token.allows_language(language):
                raise forbidden(f"token {token.name} is not for {language} (its languages: {', '.join(token.languages)})")
        elif not self.who.actor.may_review(language):
            raise forbidden(f"{self.name} may not see {language} translations")

    def sees(self, language: str) -> bool:
        try:
            self.require_language(language)
            return True
        except ApiProblem:
            return False


async def _caller(request: Request) -> Caller:
    w = who(request)
    if w is None:
        raise NotSignedIn()
    if w.token is None and request.method not in ("GET", "HEAD", "OPTIONS"):
        check_csrf(request, w, None)
    return Caller(w)


CallerDep = Annotated[Caller, Depends(_caller)]


def _desk(request: Request):
    return request.app.state.desk


# --------------------------------------------------------------------------- articles


ARTICLE_BODY = {**token_auth("ingest"), **json_body_doc(ArticleIn)}


@router.post("/articles", status_code=201, summary="Send a story to translate (scope: ingest)", openapi_extra=ARTICLE_BODY,
             responses={201: {"description": "the article, its story and version, and one job per target language"}})  # fmt: skip
async def post_article(request: Request, caller: CallerDep,
                       idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> Response:  # fmt: skip
    caller.require("ingest")
    article = parse_json(ArticleIn, await request.body())  # already read, within the limit, by the gate
    for target in article.targets:
        caller.require_language(target)
    state = request.app.state
    return await to_thread.run_sync(lambda: _ingest(state, caller, article, idempotency_key))


def _ingest(state, caller: Caller, article: ArticleIn, key: str | None) -> Response:
    desk = state.desk
    store = desk.store
    if key is not None:
        with store.read() as s:
            earlier = tokens.earlier_answer(s, caller.name, key)
        if earlier is not None:
            return JSONResponse(earlier.response, status_code=earlier.status, headers={"idempotent-replay": "true"})
    if article.content is None and not article.url:
        raise ApiProblem(422, "Unprocessable Content", "send the article's content (or its url)")
    targets = [t.strip().lower() for t in article.targets]
    try:
        for target in targets:
            get_locale(target)
    except RelaisError as exc:
        raise ApiProblem(422, "Unprocessable Content", str(exc)) from None
    fmt = article.format
    if article.content is None:  # fetched within the request, bounded by [fetch] timeout and limits.max_bytes
        try:
            data, fmt = fetch_page(article.url, desk.config.fetch)
        except FetchError as exc:
            raise ApiProblem(422, "Unprocessable Content", f"could not fetch the article: {exc}") from None
    else:
        data = article.content.encode("utf-8", "surrogatepass")
    limit = desk.config.limits.max_bytes
    if len(data) > limit:
        raise ApiProblem(413, "Content Too Large", f"the article is over the limit of {limit:,} bytes (limits.max_bytes)")
    try:
        result = desk.ingest(data, fmt=fmt, external_id=article.external_id, url=article.url)
        job_ids = desk.queue(result.article_id, targets)
    except (InputError, RelaisError) as exc:
        raise ApiProblem(422, "Unprocessable Content", str(exc)) from None
    with store.read() as s:
        jobs = [repo.get_job(s, j) for j in job_ids]
        answer = {"article": result.article_id, "story": result.story_id, "version": result.version,
                  "jobs": [{"id": j.id, "target": j.target_language, "status": j.status} for j in jobs]}  # fmt: skip
    try:
        with store.write() as s:
            tokens.record_write(s, caller.name, "ingest", 201, answer, article_id=result.article_id, key=key)
    except IntegrityError:  # the same key at the same time: the first answer stands
        with store.read() as s:
            earlier = tokens.earlier_answer(s, caller.name, key)
        return JSONResponse(earlier.response, status_code=earlier.status, headers={"idempotent-replay": "true"})
    wake = getattr(state, "on_queued", None)
    if wake is not None:
        wake()
    return JSONResponse(answer, status_code=201, headers={"location": f"{PREFIX}/stories/{result.story_id}"})


# --------------------------------------------------------------------------- jobs


@router.get("/jobs/{job_id}", summary="A job: status, counts, findings, review state (scope: read)",
            openapi_extra=token_auth("read"))
def get_job(request: Request, caller: CallerDep, job_id: int) -> dict[str, Any]:
    caller.require("read")
    with _desk(request).store.read() as s:
        job = _job(s, job_id)
        caller.require_language(job.target_language)
        summary = repo.list_jobs(s, job_ids=[job_id])[0]
        article = repo.get_article(s, job.article_id)
        findings = dict(s.execute(select(FindingRow.severity, func.count()).where(FindingRow.job_id == job_id,
                        FindingRow.stage == "draft").group_by(FindingRow.severity)).all())  # fmt: skip
        return {
            "id": job.id, "article": job.article_id, "story": article.story_id, "version": article.version,
            "target": job.target_language, "engine": job.engine, "status": job.status, "error": job.error,
            "attempts": job.attempts, "review": job.review_status,
            "counts": {"segments": summary.segments, "drafted": summary.drafted, "failed": summary.failed},
            "findings": findings,
        }  # fmt: skip


def _job(session, job_id: int) -> JobRow:
    try:
        return repo.get_job(session, job_id)
    except NotFound:
        raise ApiProblem(404, "Not Found", f"no job {job_id}") from None


@router.get("/jobs/{job_id}/translation", openapi_extra=token_auth("read", **{"state=draft": "drafts"}),
            summary="The latest publication of a job (scope: read), or with state=draft its current draft (scope: drafts)")
def get_translation(request: Request, caller: CallerDep, job_id: int,
                    format: Annotated[Literal["md", "html", "json"], Query()] = "md",
                    state: Annotated[Literal["published", "draft"], Query()] = "published") -> Response:  # fmt: skip
    caller.require("drafts" if state == "draft" else "read")
    with _desk(request).store.read() as s:
        job = _job(s, job_id)
        caller.require_language(job.target_language)
        if state == "draft":
            body = render(translation.load(s, job_id, current=True), format)
            return Response(body, media_type=EXPORT_TYPES[format], headers={"relais-review": "unreviewed"})
        try:
            pub = publisher.live_publication(s, job_id)
        except publisher.PublicationWithdrawn as exc:
            raise ApiProblem(410, "Gone", str(exc)) from None
        except NotFound as exc:
            raise ApiProblem(404, "Not Found", str(exc)) from None
        body = {"md": pub.markdown, "html": pub.html, "json": pub.json}[format]
        return Response(body, media_type=EXPORT_TYPES[format], headers={"relais-review": "published",
                                                                        "relais-publication": str(pub.number)})  # fmt: skip


# --------------------------------------------------------------------------- stories


@router.get("/stories/{story_id}", summary="A story: every version and language with its state (scope: read)",
            openapi_extra=token_auth("read"))
def get_story(request: Request, caller: CallerDep, story_id: int) -> dict[str, Any]:
    caller.require("read")
    with _desk(request).store.read() as s:
        story = s.get(StoryRow, story_id)
        if story is None:
            raise ApiProblem(404, "Not Found", f"no story {story_id}")
        standings = {lang: st for (sid, lang), st in stories.standings(s).items() if sid == story_id and caller.sees(lang)}
        versions = []
        for article in s.scalars(select(ArticleRow).where(ArticleRow.story_id == story_id).order_by(ArticleRow.version)):
            jobs = s.scalars(select(JobRow).where(JobRow.article_id == article.id).order_by(JobRow.id))
            versions.append({
                "version": article.version, "article": article.id, "title": article.title,
                "jobs": [{"id": j.id, "target": j.target_language, "status": j.status, "review": j.review_status}
                         for j in jobs if caller.sees(j.target_language)],
            })  # fmt: skip
        return {
            "id": story.id, "withdrawn": story.withdrawn_at is not None, "versions": versions,
            "languages": {lang: {"latest": st.latest, "published": st.published, "behind": st.behind}
                          for lang, st in sorted(standings.items())},
        }  # fmt: skip


__all__ = ["PREFIX", "ApiProblem", "problem_json", "router"]

