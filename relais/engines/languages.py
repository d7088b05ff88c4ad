"""Language names the prompts and checks use, per ISO 639-1 code.

A language with a pack (``relais.locales``) takes its names and labels from the pack;
the table below covers the languages without one (what a model might answer in); English
names come from ``relais.document.language.language_name`` either way.

The English name goes into prompts ("Translate into French"); the native name and the
usual labels are what a chatty model puts in front of its answer ("Français :"), which
``relais.engines.validate`` recognises as a preamble.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from relais.document.language import language_name
from relais.locales import Pack, packs

__all__ = ["LANGUAGES", "Language", "language", "language_name"]


@dataclass(frozen=True)
class Language:
    code: str
    english: str
    native: str
    # What a model writes before an answer in this language ("Traduction :").
    labels: tuple[str, ...] = ()
    # Scripts where a translation is typically much shorter in characters than English.
    compact_script: bool = False


# code, native name, answer labels, compact script: languages a model may answer in
# that have no pack (their English names come from ``language_name``, when asked).
_TABLE: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("sv", "Svenska", ("översättning",), False),
    ("da", "Dansk", ("oversættelse",), False),
    ("no", "Norsk", ("oversettelse",), False),
    ("fi", "Suomi", ("käännös",), False),
    ("cs", "Čeština", ("překlad",), False),
    ("ro", "Română", ("traducere",), False),
    ("hu", "Magyar", ("fordítás",), False),
    ("el", "Ελληνικά", ("μετάφραση",), False),
    ("tr", "Türkçe", ("çeviri",), False),
    ("ru", "Русский", ("перевод",), False),
    ("uk", "Українська", ("переклад",), False),
    ("ar", "العربية", ("الترجمة",), False),
    ("he", "עברית", ("תרגום",), False),
    ("hi", "हिन्दी", ("अनुवाद",), False),
    ("id", "Bahasa Indonesia", ("terjemahan",), False),
    ("vi", "Tiếng Việt", ("bản dịch",), False),
    ("zh", "中文", ("翻译", "译文"), True),
    ("ja", "日本語", ("翻訳", "訳"), True),
    ("ko", "한국어", ("번역",), True),
)


@cache
def _without_pack() -> dict[str, Language]:
    return {code: Language(code, language_name(code), native, labels, compact) for code, native, labels, compact in _TABLE}


def _from_pack(pack: Pack) -> Language:
    return Language(pack.code, pack.english_name, pack.name, pack.labels, pack.compact_script)


class _Languages(Mapping[str, Language]):
    """Every known language: the packs' (read when asked, so a new pack counts), then the table."""

    def __getitem__(self, code: str) -> Language:
        pack = packs().get(code)
        if pack is not None:
            return _from_pack(pack)
        return _without_pack()[code]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(packs()), **dict.fromkeys(_without_pack())})

    def __len__(self) -> int:
        return len(set(packs()) | set(_without_pack()))


LANGUAGES: Mapping[str, Language] = _Languages()


def language(code: str) -> Language:
    """The language for ``code`` (``"fr"``, ``"pt-BR"``); unknown codes get a neutral entry."""
    base = code.split("-")[0].split("_")[0].lower()
    return LANGUAGES.get(base) or Language(base, language_name(code), code)


