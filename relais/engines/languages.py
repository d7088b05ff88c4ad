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


def _table(code: str, native: str, labels: tuple[str, ...], compact_script: bool = False) -> Language:
    return Language(code, language_name(code), native, labels, compact_script)


_WITHOUT_PACK: dict[str, Language] = {
    lang.code: lang
    for lang in (
        _table("sv", "Svenska", ("översättning",)),
        _table("da", "Dansk", ("oversættelse",)),
        _table("no", "Norsk", ("oversettelse",)),
        _table("fi", "Suomi", ("käännös",)),
        _table("cs", "Čeština", ("překlad",)),
        _table("ro", "Română", ("traducere",)),
        _table("hu", "Magyar", ("fordítás",)),
        _table("el", "Ελληνικά", ("μετάφραση",)),
        _table("tr", "Türkçe", ("çeviri",)),
        _table("ru", "Русский", ("перевод",)),
        _table("uk", "Українська", ("переклад",)),
        _table("ar", "العربية", ("الترجمة",)),
        _table("he", "עברית", ("תרגום",)),
        _table("hi", "हिन्दी", ("अनुवाद",)),
        _table("id", "Bahasa Indonesia", ("terjemahan",)),
        _table("vi", "Tiếng Việt", ("bản dịch",)),
        _table("zh", "中文", ("翻译", "译文"), compact_script=True),
        _table("ja", "日本語", ("翻訳", "訳"), compact_script=True),
        _table("ko", "한국어", ("번역",), compact_script=True),
    )
}


def _from_pack(pack: Pack) -> Language:
    return Language(pack.code, pack.english_name, pack.name, pack.labels, pack.compact_script)


class _Languages(Mapping[str, Language]):
    """Every known language: the packs' (read when asked, so a new pack counts), then the table."""

    def __getitem__(self, code: str) -> Language:
        pack = packs().get(code)
        if pack is not None:
            return _from_pack(pack)
        return _WITHOUT_PACK[code]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(packs()), **dict.fromkeys(_WITHOUT_PACK)})

    def __len__(self) -> int:
        return len(set(packs()) | set(_WITHOUT_PACK))


LANGUAGES: Mapping[str, Language] = _Languages()


def language(code: str) -> Language:
    """The language for ``code`` (``"fr"``, ``"pt-BR"``); unknown codes get a neutral entry."""
    base = code.split("-")[0].split("_")[0].lower()
    return LANGUAGES.get(base) or Language(base, language_name(code), code)


