"""The review rules (relais.review.workflow), one table: every role × job situation ×
action, and what is allowed; and one for withdrawing a story (role × story situation ×
reason).  Each refusal also says why, in words a person can act on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from relais.errors import InputError, RelaisError
from relais.store.actors import Actor, PermissionDenied
from relais.review.workflow import (
    JOB_ACTIONS,
    Action,
    Claim,
    InvalidState,
    Situation,
    StorySituation,
    decide,
    decide_withdrawal,
    offered,
)

ADA = Actor(1, "ada", "admin")
EDDIE = Actor(2, "eddie", "editor")
ERIN = Actor(3, "erin", "editor")  # an editor who worked on the article in this round
TINA = Actor(4, "tina", "translator", ("fr",))
TOM = Actor(5, "tom", "translator", ("fr",))
DORA = Actor(6, "dora", "translator", ("de",))
CLI = Actor(None, "cli:root", "admin")
ACTORS = {"ada": ADA, "eddie": EDDIE, "erin": ERIN, "tina": TINA, "tom": TOM, "dora": DORA, "cli": CLI}

WORKED = frozenset({TINA.user_id, ERIN.user_id})
SITUATIONS = {
    "machine running": Situation(7, "fr", "running", "draft", None, unconfirmed=("block 1, segment 1",)),
    "draft": Situation(7, "fr", "done", "draft", None, unconfirmed=("block 1, segment 1",)),
    "claimed by tina": Situation(7, "fr", "done", "in_review", Claim(4, "tina"), WORKED,
                                 unconfirmed=("block 2, segment 1",)),
    "claimed by tina, all confirmed": Situation(7, "fr", "done", "in_review", Claim(4, "tina"), WORKED),
    "claimed by tina, one empty": Situation(7, "fr", "done", "in_review", Claim(4, "tina"), WORKED,
                                            empty=("block 3, segment 2",)),
    "in review, claim lapsed, all confirmed": Situation(7, "fr", "done", "in_review", None, WORKED),
    "approved": Situation(7, "fr", "done", "approved", None, WORKED),
    "signed off": Situation(7, "fr", "done", "signed_off", None, WORKED),
    "published": Situation(7, "fr", "done", "published", None, WORKED),
    "approved in bulk, never confirmed": Situation(7, "fr", "done", "approved", None, WORKED,
                                                   unconfirmed=("block 4, segment 1",)),
    "superseded": Situation(7, "fr", "done", "superseded", None, WORKED),
    "withdrawn": Situation(7, "fr", "done", "withdrawn", None, WORKED),
}  # fmt: skip

EDITING = {"claim", "edit", "confirm"}
TAKE_OVER = {"claim", "release", "import"}  # an editor may take a claimed job over, or import into it
# situation → actor → the actions allowed; every other action is refused.
ALLOWED: dict[str, dict[str, set[str]]] = {
    "machine running": {},
    "draft": {"ada": EDITING | {"import"}, "eddie": EDITING | {"import"}, "erin": EDITING | {"import"}, "tina": EDITING,
              "tom": EDITING},
    "claimed by tina": {"ada": TAKE_OVER, "eddie": TAKE_OVER, "erin": TAKE_OVER,
                        "tina": {"edit", "confirm", "release", "import"}},
    "claimed by tina, all confirmed": {"ada": TAKE_OVER, "eddie": TAKE_OVER, "erin": TAKE_OVER,
                                       "tina": {"edit", "confirm", "release", "approve", "import"}},
    "claimed by tina, one empty": {"ada": TAKE_OVER, "eddie": TAKE_OVER, "erin": TAKE_OVER,
                                   "tina": {"edit", "confirm", "release", "import"}},
    "in review, claim lapsed, all confirmed": {**{who: EDITING | {"approve", "import"} for who in ("ada", "eddie", "erin")},
                                               **{who: EDITING | {"approve"} for who in ("tina", "tom")}},
    "approved": {"ada": {"sign_off", "reopen"}, "eddie": {"sign_off", "reopen"}, "erin": {"reopen"}},
    "signed off": {"ada": {"publish", "reopen"}, "eddie": {"publish", "reopen"}, "erin": {"reopen"}},
    "published": {"ada": {"reopen"}, "eddie": {"reopen"}, "erin": {"reopen"}},
    "approved in bulk, never confirmed": {"ada": {"reopen"}, "eddie": {"reopen"}, "erin": {"reopen"}},
    "superseded": {},  # a newer version's job took its place
    "withdrawn": {},
}  # fmt: skip

CASES = [(s, who, a.value) for s in SITUATIONS for who in ACTORS for a in JOB_ACTIONS]


@pytest.mark.parametrize("situation,who,action", CASES, ids=[f"{s}-{w}-{a}" for s, w, a in CASES])
def test_rules_table(situation: str, who: str, action: str) -> None:
    decision = decide(ACTORS[who], SITUATIONS[situation], action)
    expected = action in ALLOWED[situation].get(who, set())
    assert decision.allowed is expected, decision.reason
    if decision.allowed:
        decision.require()
        return
    assert decision.reason and "\n" not in decision.reason
    assert decision.refusal in (PermissionDenied, InvalidState)
    with pytest.raises(RelaisError, match="."):
        decision.require()


def test_offered_is_the_table_row() -> None:
    for name, situation in SITUATIONS.items():
        for who, actor in ACTORS.items():
            expected = {a.value: a.value in ALLOWED[name].get(who, set()) for a in JOB_ACTIONS}
            assert offered(actor, situation) == expected, (name, who)


REASONS = [
    # (situation, actor, action, refusal, words the reason must contain)
    ("claimed by tina", "tom", "edit", PermissionDenied, "claimed by tina"),
    ("claimed by tina", "eddie", "edit", PermissionDenied, "take it over"),
    ("claimed by tina", "tina", "approve", InvalidState, "block 2, segment 1 is not confirmed"),
    ("claimed by tina, one empty", "tina", "approve", InvalidState, "block 3, segment 2 has no translation"),
    ("claimed by tina", "tina", "claim", InvalidState, "already claimed"),
    ("approved", "erin", "sign_off", PermissionDenied, "four eyes"),
    ("signed off", "erin", "publish", PermissionDenied, "four eyes"),
    ("approved", "tina", "sign_off", PermissionDenied, "only an editor"),
    ("approved", "cli", "sign_off", InvalidState, "--as NAME"),
    ("draft", "dora", "edit", PermissionDenied, "may not review fr"),
    ("machine running", "tina", "edit", InvalidState, "machine draft is not finished"),
    ("approved", "tina", "edit", InvalidState, "reopen it first"),
    ("draft", "eddie", "reopen", InvalidState, "already open"),
    ("draft", "tina", "release", InvalidState, "not claimed"),
    ("claimed by tina", "tom", "release", PermissionDenied, "only tina or an editor"),
    ("draft", "eddie", "publish", InvalidState, "signed it off"),
    ("draft", "tina", "import", PermissionDenied, "claim it first"),
    ("claimed by tina", "tom", "import", PermissionDenied, "claimed by tina"),
    ("approved in bulk, never confirmed", "eddie", "sign_off", InvalidState, "block 4, segment 1 is not confirmed"),
]


@pytest.mark.parametrize("situation,who,action,refusal,words", REASONS)
def test_refusals_say_why(situation, who, action, refusal, words) -> None:
    decision = decide(ACTORS[who], SITUATIONS[situation], action)
    assert not decision.allowed
    assert decision.refusal is refusal
    assert words in decision.reason, decision.reason


def test_many_unconfirmed_segments_are_named_and_counted() -> None:
    labels = tuple(f"block {i}, segment 1" for i in range(1, 8))
    s = Situation(7, "fr", "done", "in_review", Claim(4, "tina"), unconfirmed=labels)
    reason = decide(TINA, s, Action.APPROVE).reason
    assert "block 1, segment 1; block 2, segment 1; block 3, segment 1 (and 4 more) are not confirmed" in reason


def test_withdrawing_is_decided_for_the_story_not_job_by_job() -> None:
    assert Action.WITHDRAW not in JOB_ACTIONS
    assert "withdraw" not in offered(EDDIE, SITUATIONS["published"])


# --------------------------------------------------------------------------- withdrawing a story

WITHDRAWN_AT = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
STORIES = {
    "published": StorySituation(3),
    "already withdrawn": StorySituation(3, WITHDRAWN_AT, "eddie", "legal complaint\nfrom the harbour board"),
}
REASONS_GIVEN = {"a reason": "a legal complaint", "no reason": "  \n ", "not asked yet": None}
# (story, actor, reason) → the refusal and words its one line must contain; None: allowed.
WITHDRAWALS = [
    ("published", "eddie", "a reason", None, ""),
    ("published", "ada", "a reason", None, ""),
    ("published", "erin", "a reason", None, ""),  # four eyes is for publishing, not for withdrawing
    ("published", "eddie", "not asked yet", None, ""),  # the page offers it; its form asks for the reason
    ("published", "tina", "a reason", PermissionDenied, "only an editor can withdraw a story"),
    ("published", "tina", "no reason", PermissionDenied, "only an editor"),  # who comes before the reason
    ("published", "tina", "not asked yet", PermissionDenied, "only an editor"),
    ("published", "dora", "a reason", PermissionDenied, "only an editor"),
    ("published", "cli", "a reason", PermissionDenied, "signed in (from the command line: --as NAME)"),
    ("published", "eddie", "no reason", InputError, "say why story 3 is withdrawn"),
    ("published", "ada", "no reason", InputError, "a reason is required"),
    ("already withdrawn", "eddie", "a reason", InvalidState,
     "story 3 was withdrawn on 2026-03-02 09:15 UTC by eddie (legal complaint from the harbour board)"),
    ("already withdrawn", "ada", "not asked yet", InvalidState, "was withdrawn"),
    ("already withdrawn", "erin", "no reason", InvalidState, "was withdrawn"),
    ("already withdrawn", "tina", "a reason", PermissionDenied, "only an editor"),
    ("already withdrawn", "cli", "a reason", PermissionDenied, "signed in"),
]  # fmt: skip


@pytest.mark.parametrize("story,who,reason,refusal,words", WITHDRAWALS,
                         ids=[f"{s}-{w}-{r}" for s, w, r, *_ in WITHDRAWALS])  # fmt: skip
def test_withdrawal_table(story, who, reason, refusal, words) -> None:
    decision = decide_withdrawal(ACTORS[who], STORIES[story], REASONS_GIVEN[reason])
    assert decision.action is Action.WITHDRAW
    assert decision.allowed is (refusal is None), decision.reason
    if refusal is None:
        decision.require()
        return
    assert decision.refusal is refusal
    assert words in decision.reason and "\n" not in decision.reason, decision.reason
    with pytest.raises(refusal, match="."):
        decision.require()


def test_every_actor_and_story_has_a_withdrawal_row() -> None:
    covered = {(s, w) for s, w, *_ in WITHDRAWALS}
    for story in STORIES:
        for who in ("ada", "eddie", "erin", "tina", "cli"):
            assert (story, who) in covered, (story, who)
