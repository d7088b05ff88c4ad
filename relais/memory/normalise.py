"""The key a source text is matched on: the same sentence typed twice gives the same key.

Whitespace runs become one space, typographic variants fold to one form (’ ' ‘ → ',
« » “ ” „ → ", – — → -, no-break spaces → space, … → ...), Unicode is NFC, and the
inline tags (<a1>, </b1>) are removed, and so is French spacing (inside « », before
; : ! ? %).  Case is kept: "Turkey" and "turkey" are not the
same source.
"""

from __future__ import annotations

import re
import unicodedata

from relais.document.inline import strip_placeholders

_FOLD = str.maketrans(
    {
        "’": "'", "‘": "'", "‚": "'", "ʼ": "'", "′": "'",
        "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "″": '"',
        "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-",
        "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u200b": "",
        "…": "...",
    }
)  # fmt: skip
_SPACE = re.compile(r"\s+")
# A space inside guillemets (« oui ») or before ; : ! ? % is French typography, not
# content.  It is removed before the quotes fold, while an opening guillemet can still be
# told from a closing one: the space after a closing quote separates words and stays.
_TYPO_SPACE = re.compile(r"(?<=[«‹])\s+|\s+(?=[»›;:!?%])")


def match_key(text: str) -> str:
    plain = unicodedata.normalize("NFC", strip_placeholders(text))
    plain = _TYPO_SPACE.sub("", plain).translate(_FOLD)
    return _SPACE.sub(" ", plain).strip()
