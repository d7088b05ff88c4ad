"""Who is acting, and the refusal when their role does not allow it.

An ``Actor`` is a person on record in the store (a signed-in user) or the command line;
every layer that records or refuses an action names one (the review, the memory and the
termbase, the publisher).  Who may do what is decided by ``relais.review.workflow``;
signing in is ``relais.review.accounts``.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

from relais.errors import RelaisError
from relais.store.models import Role, UserRow


class PermissionDenied(RelaisError):
    """The signed-in person's role does not allow this."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or the command line (which has the database
    file, hence every right)."""

    user_id: int | None
    name: str
    role: str
    languages: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, user: UserRow) -> Actor:
        return cls(user.id, user.name, user.role, tuple(user.languages or ()))

    @classmethod
    def command_line(cls) -> Actor:
        try:
            login = getpass.getuser()
        except Exception:  # no login name in some containers
            login = "unknown"
        return cls(None, f"cli:{login}", Role.ADMIN)

    @property
    def is_editor(self) -> bool:
        return self.role in (Role.EDITOR, Role.ADMIN)

    def may_review(self, language: str) -> bool:
        """Translators work on their languages; editors and admins on all."""
        return self.is_editor or (self.role == Role.TRANSLATOR and language in self.languages)
