"""Hunspell dictionaries (chunspell), safe on any word.

Some dictionaries are stored in a legacy encoding (chunspell's own en_US is
ISO-8859-1): asking one about a word its encoding cannot hold ("Poznań", "Łódź", a
Chinese quotation) raises ``UnicodeEncodeError`` inside chunspell.  Such a word is not
in that dictionary, so ``Dictionary`` answers "unknown" (and no suggestions) instead.
"""

from __future__ import annotations

from typing import Any


class Dictionary:
    """One loaded Hunspell dictionary: ``spell`` and ``suggest`` that never raise on text."""

    def __init__(self, hunspell: Any):
        self._hunspell = hunspell

    def spell(self, word: str) -> bool:
        try:
            return bool(self._hunspell.spell(word))
        except UnicodeError:
            return False

    def stems(self, word: str) -> tuple[str, ...]:
        """The dictionary entries the word is a form of; none for a word the dictionary
        accepts only by building a compound ("Rennecke": Renn- + Ecke)."""
        try:
            return tuple(self._hunspell.stem(word))
        except UnicodeError:
            return ()

    def suggest(self, word: str) -> tuple[str, ...]:
        try:
            return tuple(self._hunspell.suggest(word))
        except UnicodeError:
            return ()


def load(name: str, data_dir: str | None = None) -> Dictionary | None:
    """The dictionary ``name`` (from ``data_dir``, else chunspell's own), or None when
    chunspell or the dictionary is missing: a broken install must not stop the checks."""
    try:
        import hunspell  # chunspell
    except ImportError:
        return None
    try:
        loaded = hunspell.Hunspell(name, hunspell_data_dir=data_dir) if data_dir else hunspell.Hunspell(name)
    except Exception:
        return None
    return Dictionary(loaded)
