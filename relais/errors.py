"""Errors a user can act on.

The CLI prints ``RelaisError`` as one line and exits non-zero; anything else is a bug.
"""


class RelaisError(Exception):
    """An error with a message meant for the user."""

    exit_code = 1


class InputError(RelaisError):
    """The input article cannot be used (empty, binary, malformed, too big, wrong language)."""

    exit_code = 2


class NotFound(RelaisError):
    """A stored record that was asked for does not exist."""


class FetchError(RelaisError):
    """A URL could not be fetched, or may not be (``relais.document.fetch``): the reason, on one line."""
