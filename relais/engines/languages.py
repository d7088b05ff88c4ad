"""Language names the prompts and checks use, per ISO 639-1 code.

A language with a pack (``relais.locales``) takes its names and labels from the pack;
the table below covers the languages without one (what a model might answer in).

The English name goes into prompts ("Translate into French"); the native name and the
usual labels are what a chatty model puts in front of its answer ("Français :"), which
``relais.engines.validate`` recognises as a preamble.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from relais.locales import Pack, packs


@dataclass(frozen=True)
class Language:
    code: str
    english: str
    native: str
    # What a model writes before an answer in this language ("Traduction :").
    labels: tuple[str, ...] = ()
    # Scripts where a translation is typically much shorter in characters than English.
    compact_script: bool = False


_WITHOUT_PACK: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("sv", "Swedish", "Svenska", ("översättning",)),
        Language("da", "Danish", "Dansk", ("oversættelse",)),
        Language("no", "Norwegian", "Norsk", ("oversettelse",)),
        Language("fi", "Finnish", "Suomi", ("käännös",)),
        Language("cs", "Czech", "Čeština", ("překlad",)),
        Language("ro", "Romanian", "Română", ("traducere",)),
        Language("hu", "Hungarian", "Magyar", ("fordítás",)),
        Language("el", "Greek", "Ελληνικά", ("μετάφραση",)),
        Language("tr", "Turkish", "Türkçe", ("çeviri",)),
        Language("ru", "Russian", "Русский", ("перевод",)),
        Language("uk", "Ukrainian", "Українська", ("переклад",)),
        Language("ar", "Arabic", "العربية", ("الترجمة",)),
        Language("he", "Hebrew", "עברית", ("תרגום",)),
        Language("hi", "Hindi", "हिन्दी", ("अनुवाद",)),
        Language("id", "Indonesian", "Bahasa Indonesia", ("terjemahan",)),
        Language("vi", "Vietnamese", "Tiếng Việt", ("bản dịch",)),
        Language("zh", "Chinese", "中文", ("翻译", "译文"), compact_script=True),
        Language("ja", "Japanese", "日本語", ("翻訳", "訳"), compact_script=True),
        Language("ko", "Korean", "한국어", ("번역",), compact_script=True),
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
    return LANGUAGES.get(base) or Language(base, code, code)


def language_name(code: str) -> str:
    return language(code).english
