"""A story's actions on the desk: an editor withdraws it (every version, every language).

The same path as ``relais withdraw``: ``relais.publish.publisher.withdraw_story``, which
asks the review rules (``workflow.decide_withdrawal``) before it changes anything.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from relais.publish import publisher
from relais.web.deps import Config, FormWriter, done

router = APIRouter()


@router.post("/stories/{story_id}/withdraw", tags=["actions"],
             summary="Withdraw a story: every publication of every version and language (editor, with a reason)")  # fmt: skip
def withdraw(request: Request, config: Config, w: FormWriter, story_id: int,
             reason: Annotated[str, Form(description="why the story is withdrawn (kept in the journal)")] = "") -> Response:  # fmt: skip
    # The reason is not required by the form: the review rules refuse a blank one, after
    # who is asking (a translator is refused whatever they send).
    request.state.back = "/"
    with config.store.write() as s:
        withdrawal = publisher.withdraw_story(s, w.actor, story_id, reason)
    message = withdrawal.summary()
    return done(request, "/", f"{message[:1].upper()}{message[1:]}.", dataclasses.asdict(withdrawal))
