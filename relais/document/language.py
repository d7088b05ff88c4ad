"""Language identification with py3langid (offline; model shipped in the package).

``detect_language`` gives the most likely language and its normalised probability.
``confidently_not`` is the guarded verdict ingest uses to refuse an article: a short
text, or English sprinkled with foreign names and quotes, must not be rejected, so it
answers only for texts of some length where the identifier is sure and gives the
expected language next to no chance.
"""

from __future__ import annotations

import copy

import tomllib
from functools import cache
from importlib import resources

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from relais.document.inline import strip_placeholders

UNDETERMINED = "und"
NO_LANGUAGE = "zxx"  # py3langid's label for numbers, symbols, code

# Below this many words the identifier is easily fooled by names ("Ana Ferreira" → pt).
MIN_WORDS_TO_REJECT = 25
# How sure the identifier must be of the other language …
MIN_CONFIDENCE_TO_REJECT = 0.9
# … and how little chance it may leave for the expected one.
MAX_EXPECTED_PROBABILITY = 0.05


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@cache
def restricted_identifier(languages: tuple[str, ...]) -> LanguageIdentifier | None:
    """py3langid limited to ``languages`` (one instance per set), or None when it does not
    know one of them.  A shallow copy shares the loaded model (loading takes a second);
    restricting it rebinds only the copy's own arrays."""
    identifier = copy.copy(_identifier())
    try:
        identifier.set_languages(list(languages))
    except ValueError:
        return None
    return identifier


@cache
def _names() -> dict[str, str]:
    raw = resources.files("relais.document").joinpath("languages.toml").read_text(encoding="utf-8")
    return dict(tomllib.loads(raw)["names"])


def language_name(code: str) -> str:
    """English name for a language code ("fr" → "French"); the code itself if unknown."""
    return _names().get(code, code)


def _letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def detect_language(text: str) -> tuple[str, float]:
    """Most likely language of ``text`` and its probability (0–1).

    Placeholders are ignored.  Text without letters gives ``("und", 0.0)``.
    """
    plain = strip_placeholders(text)
    if not _letters(plain):
        return UNDETERMINED, 0.0
    code, probability = _identifier().classify(plain)
    return code, float(probability)


def language_probabilities(text: str) -> dict[str, float]:
    """Probability of every language the identifier knows (for checks that need more)."""
    plain = strip_placeholders(text)
    if not _letters(plain):
        return {}
    return {code: float(p) for code, p in _identifier().rank(plain)}


def confidently_not(text: str, expected: str = "en") -> tuple[str, float] | None:
    """``(language, probability)`` when ``text`` is clearly in another language than
    ``expected``; None when it is in ``expected``, too short, or the identifier is unsure.
    """
    plain = strip_placeholders(text)
    words = [w for w in plain.split() if _letters(w)]
    if len(words) < MIN_WORDS_TO_REJECT:
        return None
    ranked = language_probabilities(plain)
    if not ranked:
        return None
    code, probability = max(ranked.items(), key=lambda entry: entry[1])
    if code in (expected, NO_LANGUAGE, UNDETERMINED):
        return None
    if probability < MIN_CONFIDENCE_TO_REJECT or ranked.get(expected, 0.0) > MAX_EXPECTED_PROBABILITY:
        return None
    return code, probability
