"""The review rules: may this person do this to this job (or story) now, and if not, why.

Every review action is decided here and only here: the service asks before it acts, the
web pages ask which buttons to show, the command line and the publisher ask through the
service.  Authentication only says who is asking (``Actor``); this module says what
they may do, from a ``Situation``: a snapshot of the job that ``relais.review.service``
reads from the store.  Withdrawing is decided for the whole story (``decide_withdrawal``,
from a ``StorySituation``), not job by job.

The rules, as docs/review.md states them:

- **Who works on a language.** Translators work on their languages; editors and admins
  on all.  Only a signed-in person (not the bare command line) claims, edits, confirms,
  approves, signs off or publishes.
- **A claim reserves the job.** While a claim is live only the claimant edits, confirms
  and approves; another translator is refused; an editor may take the job over (a new
  claim, recorded in the journal).  The claimant or an editor may release it.  A claim
  lapses after the claimant has been idle for ``claim_idle`` (``[review] claim_idle``).
- **Editing** (edit, confirm) is open while the job's machine draft is done and it is a
  draft or in review; an approved, signed-off or published job must be reopened first.
- **Approving the article** needs every segment's current text confirmed by a person
  (and none empty); the refusal names the segments.
- **Four eyes.** Signing off and publishing need an editor who neither edited, confirmed
  nor approved anything in this review round (since the job was last reopened).
- **Reopen** takes an approved, signed-off or published job back into review (editors).
- **Withdrawing** a story (every version, every language) is for an editor, signed in,
  with a reason; a story is withdrawn once, and a withdrawn job takes no action any more.
- **Superseded** jobs (a newer version of the story arrived before they were published,
  ``relais.store.updates``) take no action: the newer version's job carries their work.
- **Importing an XLIFF file** (its final units confirm segments) is for the claimant,
  or an editor (who takes the job over); a translator must claim the job first.
- Signing off and publishing also need every segment confirmed: an article approved
  before confirmations were recorded one by one must be reopened and confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from relais.errors import InputError, RelaisError
from relais.store.actors import Actor, PermissionDenied
from relais.store.models import JobStatus, ReviewStatus
from relais.store.stories import withdrawn_note

EDITABLE = (ReviewStatus.DRAFT, ReviewStatus.IN_REVIEW)
REOPENABLE = (ReviewStatus.APPROVED, ReviewStatus.SIGNED_OFF, ReviewStatus.PUBLISHED)
DEFAULT_CLAIM_IDLE = 3600.0  # seconds a claimant may be idle before the claim lapses


class InvalidState(RelaisError):
    """The job is not at a stage where this can be done."""


class Action(StrEnum):
    CLAIM = "claim"
    RELEASE = "release"
    EDIT = "edit"
    CONFIRM = "confirm"
    APPROVE = "approve"
    SIGN_OFF = "sign_off"
    REOPEN = "reopen"
    PUBLISH = "publish"
    IMPORT = "import"  # an XLIFF file's edits and confirmations
    WITHDRAW = "withdraw"  # the whole story, every language: decide_withdrawal, not decide


@dataclass(frozen=True)
class Rules:
    """The installation's review settings (``[review]`` in config.toml)."""

    claim_idle: float = DEFAULT_CLAIM_IDLE  # seconds


DEFAULT_RULES = Rules()


@dataclass(frozen=True)
class Claim:
    user_id: int
    name: str


@dataclass(frozen=True)
class Situation:
    """What the rules need to know about a job, read in one place (service.situation)."""

    job_id: int
    language: str  # target language
    machine_status: str  # jobs.status: the machine draft's progress
    review_status: str
    claim: Claim | None  # a live claim (a lapsed one is None)
    round_workers: frozenset[int] = frozenset()  # people who edited, confirmed or approved in this round
    unconfirmed: tuple[str, ...] = ()  # segments whose current text no person confirmed ("block 2, segment 1")
    empty: tuple[str, ...] = ()  # segments without any text


@dataclass(frozen=True)
class StorySituation:
    """What the withdrawal rule needs to know about a story (service.story_situation)."""

    story_id: int
    withdrawn_at: datetime | None = None  # when it was withdrawn, if it was
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None


@dataclass(frozen=True)
class Decision:
    action: Action
    allowed: bool
    reason: str = ""  # why not (one line, for a person)
    refusal: type[RelaisError] = PermissionDenied  # what ``require`` raises

    def require(self) -> None:
        """Raise the refusal (``PermissionDenied``, ``InvalidState``, ``InputError``) unless allowed."""
        if not self.allowed:
            raise self.refusal(self.reason)


def _yes(action: Action) -> Decision:
    return Decision(action, True)


def _denied(action: Action, reason: str) -> Decision:
    return Decision(action, False, reason, PermissionDenied)


def _not_now(action: Action, reason: str) -> Decision:
    return Decision(action, False, reason, InvalidState)


def _state_label(status: str) -> str:
    return status.replace("_", " ")


def _language(actor: Actor, s: Situation, action: Action) -> Decision | None:
    if not actor.may_review(s.language):
        return _denied(action, f"{actor.name} may not review {s.language} translations")
    return None


def _person(actor: Actor, s: Situation, action: Action) -> Decision | None:
    if actor.user_id is None:
        return _not_now(action, f"{_VERB[action]} is done by a signed-in person (from the command line: --as NAME)")
    return None


def _superseded(s: Situation, action: Action) -> Decision | None:
    if s.review_status == ReviewStatus.WITHDRAWN:
        return _not_now(action, f"job {s.job_id} is withdrawn with its story")
    if s.review_status == ReviewStatus.SUPERSEDED:
        return _not_now(action, f"job {s.job_id} is superseded: a newer version of the story is translated in "
                                "another job (`relais list`)")  # fmt: skip
    return None


def _open(actor: Actor, s: Situation, action: Action) -> Decision | None:
    if (refused := _superseded(s, action)) is not None:
        return refused
    if s.machine_status != JobStatus.DONE:
        return _not_now(action, f"job {s.job_id} is {s.machine_status}: its machine draft is not finished")
    if s.review_status not in EDITABLE:
        return _not_now(action, f"job {s.job_id} is {_state_label(s.review_status)}: an editor must reopen it first")
    return None


def _claimed_by_other(actor: Actor, s: Situation, action: Action) -> Decision | None:
    if s.claim is not None and s.claim.user_id != actor.user_id:
        hint = " (an editor may take it over: claim it)" if actor.is_editor else ""
        return _denied(action, f"job {s.job_id} is claimed by {s.claim.name}: only {s.claim.name} may "
                               f"{_VERB_BARE[action]} it now{hint}")  # fmt: skip
    return None


def _four_eyes(actor: Actor, s: Situation, action: Action) -> Decision | None:
    if not actor.is_editor:
        return _denied(action, f"only an editor can {_VERB_BARE[action]} an article")
    if actor.user_id in s.round_workers:
        return _denied(action, f"{actor.name} edited, confirmed or approved segments of job {s.job_id} in this "
                               f"review round: another editor must {_VERB_BARE[action]} it (four eyes)")  # fmt: skip
    return None


_VERB = {
    Action.CLAIM: "Claiming", Action.RELEASE: "Releasing", Action.EDIT: "Editing", Action.CONFIRM: "Confirming",
    Action.APPROVE: "Approving", Action.SIGN_OFF: "Signing off", Action.REOPEN: "Reopening", Action.PUBLISH: "Publishing",
    Action.IMPORT: "Importing a file",
}  # fmt: skip
_VERB_BARE = {Action.CLAIM: "claim", Action.RELEASE: "release", Action.EDIT: "edit", Action.CONFIRM: "confirm",
              Action.APPROVE: "approve", Action.SIGN_OFF: "sign off", Action.REOPEN: "reopen",
              Action.PUBLISH: "publish", Action.IMPORT: "import into"}  # fmt: skip


def _first(*decisions: Decision | None) -> Decision | None:
    return next((d for d in decisions if d is not None), None)


def _claim(actor: Actor, s: Situation) -> Decision:
    a = Action.CLAIM
    refused = _first(_language(actor, s, a), _person(actor, s, a), _open(actor, s, a))
    if refused:
        return refused
    if s.claim is not None:
        if s.claim.user_id == actor.user_id:
            return _not_now(a, f"{actor.name} has already claimed job {s.job_id}")
        if not actor.is_editor:
            return _denied(a, f"job {s.job_id} is claimed by {s.claim.name}")
    return _yes(a)


def _release(actor: Actor, s: Situation) -> Decision:
    a = Action.RELEASE
    refused = _first(_language(actor, s, a), _person(actor, s, a), _open(actor, s, a))
    if refused:
        return refused
    if s.claim is None:
        return _not_now(a, f"job {s.job_id} is not claimed")
    if s.claim.user_id != actor.user_id and not actor.is_editor:
        return _denied(a, f"job {s.job_id} is claimed by {s.claim.name}: only {s.claim.name} or an editor may release it")
    return _yes(a)


def _edit(action: Action):
    def rule(actor: Actor, s: Situation) -> Decision:
        refused = _first(_language(actor, s, action), _person(actor, s, action), _open(actor, s, action),
                         _claimed_by_other(actor, s, action))  # fmt: skip
        return refused if refused is not None else _yes(action)

    return rule


def _approve(actor: Actor, s: Situation) -> Decision:
    a = Action.APPROVE
    refused = _first(_language(actor, s, a), _person(actor, s, a), _open(actor, s, a), _claimed_by_other(actor, s, a))
    if refused:
        return refused
    if s.empty:
        return _not_now(a, f"cannot approve the article yet: {_some(s.empty)} {_have(s.empty)} no translation")
    if s.unconfirmed:
        return _not_now(a, f"cannot approve the article yet: {_some(s.unconfirmed)} {_is(s.unconfirmed)} not confirmed")
    return _yes(a)


def _all_confirmed(actor: Actor, s: Situation, action: Action) -> Decision | None:
    if s.unconfirmed or s.empty:
        labels = s.unconfirmed + s.empty
        return _not_now(action, f"{_some(labels)} {_is(labels)} not confirmed by a person: reopen job {s.job_id} "
                                "and confirm every segment")  # fmt: skip
    return None


def _sign_off(actor: Actor, s: Situation) -> Decision:
    a = Action.SIGN_OFF
    refused = _first(_person(actor, s, a), _superseded(s, a), _four_eyes(actor, s, a))
    if refused:
        return refused
    if s.review_status != ReviewStatus.APPROVED:
        return _not_now(a, f"job {s.job_id} is {_state_label(s.review_status)}: the translator must approve it first")
    return _first(_all_confirmed(actor, s, a)) or _yes(a)


def _publish(actor: Actor, s: Situation) -> Decision:
    a = Action.PUBLISH
    refused = _first(_person(actor, s, a), _superseded(s, a), _four_eyes(actor, s, a))
    if refused:
        return refused
    if s.review_status != ReviewStatus.SIGNED_OFF:
        return _not_now(a, f"job {s.job_id} is {_state_label(s.review_status)}: it can be published only after an "
                           "editor has signed it off")  # fmt: skip
    return _first(_all_confirmed(actor, s, a)) or _yes(a)


def _import(actor: Actor, s: Situation) -> Decision:
    a = Action.IMPORT
    refused = _first(_language(actor, s, a), _person(actor, s, a), _open(actor, s, a))
    if refused:
        return refused
    if actor.is_editor:
        return _yes(a)  # an editor takes the job over if someone else holds it
    if s.claim is None or s.claim.user_id != actor.user_id:
        holder = f"it is claimed by {s.claim.name}" if s.claim else "claim it first"
        return _denied(a, f"{actor.name} may import a file into job {s.job_id} only as its claimant: {holder}")
    return _yes(a)


def _reopen(actor: Actor, s: Situation) -> Decision:
    a = Action.REOPEN
    if not actor.is_editor:
        return _denied(a, "only an editor can reopen an article")
    refused = _first(_person(actor, s, a), _superseded(s, a))
    if refused:
        return refused
    if s.review_status not in REOPENABLE:
        return _not_now(a, f"job {s.job_id} is already open for review")
    return _yes(a)


def _some(labels: tuple[str, ...]) -> str:
    shown = "; ".join(labels[:3])
    return shown + (f" (and {len(labels) - 3} more)" if len(labels) > 3 else "")


def _is(labels: tuple[str, ...]) -> str:
    return "is" if len(labels) == 1 else "are"


def _have(labels: tuple[str, ...]) -> str:
    return "has" if len(labels) == 1 else "have"


RULES = {
    Action.CLAIM: _claim,
    Action.RELEASE: _release,
    Action.EDIT: _edit(Action.EDIT),
    Action.CONFIRM: _edit(Action.CONFIRM),
    Action.APPROVE: _approve,
    Action.SIGN_OFF: _sign_off,
    Action.REOPEN: _reopen,
    Action.PUBLISH: _publish,
    Action.IMPORT: _import,
}
JOB_ACTIONS = tuple(RULES)  # the actions decided job by job (``decide``, ``offered``)


def decide(actor: Actor, situation: Situation, action: Action | str) -> Decision:
    """May ``actor`` do ``action`` on the job now?  The decision says why not."""
    return RULES[Action(action)](actor, situation)


def offered(actor: Actor, situation: Situation) -> dict[str, bool]:
    """Every job action and whether ``actor`` may do it now (which buttons a page shows)."""
    return {a.value: decide(actor, situation, a).allowed for a in JOB_ACTIONS}


def decide_withdrawal(actor: Actor, story: StorySituation, reason: str | None = None) -> Decision:
    """May ``actor`` withdraw the story (every version, every language) now, with ``reason``?

    ``reason`` None: the reason is not asked for yet (whether a page offers the action;
    its form asks for one); a blank reason is refused.  Who comes first, then the story,
    then the reason: a translator is refused whatever they send."""
    a = Action.WITHDRAW
    if not actor.is_editor:
        return _denied(a, "only an editor can withdraw a story")
    if actor.user_id is None:
        return _denied(a, "withdrawing a story is done by an editor, signed in (from the command line: --as NAME)")
    if story.withdrawn_at is not None:
        return _not_now(a, withdrawn_note(f"story {story.story_id}", story.withdrawn_at, story.withdrawn_by,
                                          story.withdrawn_reason))  # fmt: skip
    if reason is not None and not reason.strip():
        return Decision(a, False, f"say why story {story.story_id} is withdrawn: a reason is required", InputError)
    return _yes(a)
