"""Language names the prompts and checks use, per ISO 639-1 code.

The English name goes into prompts ("Translate into French"); the native name and the
usual labels are what a chatty model puts in front of its answer ("Français :"), which
``relais.engines.validate`` recognises as a preamble.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    english: str
    native: str
    # What a model writes before an answer in this language ("Traduction :").
    labels: tuple[str, ...] = ()
    # Scripts where a translation is typically much shorter in characters than English.
    compact_script: bool = False


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "English", "English", ("translation", "english")),
        Language("fr", "French", "Français", ("traduction", "voici la traduction", "en français")),
        Language("de", "German", "Deutsch", ("übersetzung", "hier ist die übersetzung", "auf deutsch")),
        Language("es", "Spanish", "Español", ("traducción", "aquí está la traducción", "en español")),
        Language("it", "Italian", "Italiano", ("traduzione", "ecco la traduzione", "in italiano")),
        Language("pt", "Portuguese", "Português", ("tradução", "aqui está a tradução", "em português")),
        Language("nl", "Dutch", "Nederlands", ("vertaling", "hier is de vertaling")),
        Language("pl", "Polish", "Polski", ("tłumaczenie",)),
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


def language(code: str) -> Language:
    """The language for ``code`` (``"fr"``, ``"pt-BR"``); unknown codes get a neutral entry."""
    base = code.split("-")[0].split("_")[0].lower()
    return LANGUAGES.get(base) or Language(base, code, code)


def language_name(code: str) -> str:
    return language(code).english
