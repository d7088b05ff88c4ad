"""Language identification with py3langid (offline; model shipped in the package).

``detect_language`` gives the most likely language and its normalised probability.
``confidently_not`` is the guarded verdict ingest uses to refuse an article: a short
text, or English sprinkled with foreign names and quotes, must not be rejected, so it
answers only for texts of some length where the identifier gives the expected language
next to no chance and real languages nearly all of it.

Two things make the verdict hold in every script:

* **Length is counted in words of the script.**  Chinese and Japanese put no spaces
  between words, Thai, Lao, Khmer and Burmese put spaces only between phrases, so a
  whole article would count as a handful of "words".  Each Han or Kana character counts
  as one word (a Chinese or Japanese word is one or two characters, so this errs on the
  side of judging), and every ``CHARS_PER_WORD_SOUTHEAST_ASIAN`` letters of Thai, Lao,
  Khmer or Burmese count as one.  Korean separates its words with spaces and is counted
  like English.
* **Scores are summed per macrolanguage** (``[macrolanguages]`` of ``languages.toml``):
  py3langid labels close varieties apart (Croatian / Bosnian / Serbian, Indonesian /
  Malay, Norwegian / Nynorsk, Standard / Moroccan Arabic, Mandarin / Wu), and labels
  some twice (two "sr", two "uz").  The decision itself takes the other languages
  together, so no split between labels, related or not (Norwegian / Danish, Japanese /
  Chinese), can keep a foreign text under the threshold; the language named is the
  group with the highest sum, by its likeliest label.
"""

from __future__ import annotations

import copy
import re
import tomllib
from functools import cache
from importlib import resources

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from relais.document.inline import strip_placeholders
from relais.locales import get_pack

UNDETERMINED = "und"
NO_LANGUAGE = "zxx"  # py3langid's label for numbers, symbols, code

# Below this many words the identifier is easily fooled by names ("Ana Ferreira" → pt).
MIN_WORDS_TO_REJECT = 25
# How much of the text the identifier must give to languages other than the expected one
# (not to "no language") …
MIN_CONFIDENCE_TO_REJECT = 0.9
# … and how little chance it may leave for the expected one.
MAX_EXPECTED_PROBABILITY = 0.05
# Thai, Lao, Khmer and Burmese words average three to four letters (vowel signs aside).
CHARS_PER_WORD_SOUTHEAST_ASIAN = 3

# Scripts written without spaces between words: Han (with its extensions and
# compatibility block), Hiragana, Katakana (with halfwidth forms) …
_HAN_KANA = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]"
)
# … and Thai, Lao, Myanmar, Khmer.
_SOUTHEAST_ASIAN = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")


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
    """English name for a language code ("fr" → "French", "pt-BR" → "Portuguese"): the
    language pack's where there is one, else py3langid's table; the code itself if unknown."""
    pack = get_pack(code)
    if pack is not None:
        return pack.english_name
    return _names().get(code, _names().get(code.split("-")[0].split("_")[0].lower(), code))


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
    """Probability of every language the identifier knows (for checks that need more).
    A label the model holds twice (py3langid 0.4.0 has two "sr" and two "uz") gets the
    sum of both."""
    plain = strip_placeholders(text)
    if not _letters(plain):
        return {}
    totals: dict[str, float] = {}
    for code, p in _identifier().rank(plain):
        totals[code] = totals.get(code, 0.0) + float(p)
    return totals


@cache
def _macrolanguage_of() -> dict[str, str]:
    raw = resources.files("relais.document").joinpath("languages.toml").read_text(encoding="utf-8")
    groups = tomllib.loads(raw)["macrolanguages"]
    return {member: macro for macro, members in groups.items() for member in members}


def macrolanguage(code: str) -> str:
    """The macrolanguage a language label belongs to ("hr" → "sh", "id" → "ms",
    "wuu" → "zh"); the primary subtag itself for any other ("pt-BR" → "pt")."""
    primary = code.split("-")[0].lower()
    return _macrolanguage_of().get(primary, primary)


def word_count(text: str) -> int:
    """Words of ``text`` counted in its own script: space-separated words, plus one per
    Han or Kana character and one per ``CHARS_PER_WORD_SOUTHEAST_ASIAN`` Thai, Lao,
    Khmer or Burmese letters (scripts that do not space their words)."""
    spaced = unspaced = southeast = 0
    for token in text.split():
        han_kana = len(_HAN_KANA.findall(token))
        sea = sum(ch.isalpha() for ch in _SOUTHEAST_ASIAN.findall(token))
        rest = _SOUTHEAST_ASIAN.sub("", _HAN_KANA.sub("", token))
        unspaced += han_kana
        southeast += sea
        spaced += _letters(rest)
    return spaced + unspaced + -(-southeast // CHARS_PER_WORD_SOUTHEAST_ASIAN)


def confidently_not(text: str, expected: str = "en") -> tuple[str, float] | None:
    """``(language, probability)`` when ``text`` is clearly in another language than
    ``expected``; None when it is in ``expected``, too short, or the identifier is unsure.

    Clearly: at least ``MIN_WORDS_TO_REJECT`` words (``word_count``), the expected
    macrolanguage at most ``MAX_EXPECTED_PROBABILITY``, and the other languages together
    at least ``MIN_CONFIDENCE_TO_REJECT``.  The answer names the macrolanguage with the
    highest summed probability by its likeliest label, with that sum.
    """
    plain = strip_placeholders(text)
    if word_count(plain) < MIN_WORDS_TO_REJECT:
        return None
    groups: dict[str, dict[str, float]] = {}
    for code, p in language_probabilities(plain).items():
        if code not in (NO_LANGUAGE, UNDETERMINED):
            groups.setdefault(macrolanguage(code), {})[code] = p
    mine = macrolanguage(expected)
    others = {macro: members for macro, members in groups.items() if macro != mine}
    if not others or sum(groups.get(mine, {}).values()) > MAX_EXPECTED_PROBABILITY:
        return None
    if sum(p for members in others.values() for p in members.values()) < MIN_CONFIDENCE_TO_REJECT:
        return None
    members = max(others.values(), key=lambda group: sum(group.values()))
    return max(members, key=members.__getitem__), min(1.0, sum(members.values()))
