"""Per-language knowledge kept as data: one TOML file per target language.

Adding a language is adding ``<code>.toml`` here; nothing in the code lists languages.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from relais.errors import RelaisError


@dataclass(frozen=True)
class Locale:
    code: str
    name: str  # in the language itself
    english_name: str
    disclosure: dict[str, str]  # source language code → disclosure line (publications only)
    unreviewed: str  # the visible line that ends an unreviewed machine draft

    def disclosure_from(self, source_lang: str) -> str:
        try:
            return self.disclosure[source_lang]
        except KeyError:
            raise RelaisError(
                f"no disclosure line for {self.english_name} translated from '{source_lang}'"
            ) from None


@cache
def available() -> tuple[str, ...]:
    files = resources.files(__package__)
    return tuple(sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".toml")))


@cache
def get_locale(code: str) -> Locale:
    code = code.strip().lower()
    if code not in available():
        raise RelaisError(
            f"no locale data for target language '{code}' (available: {', '.join(available())})"
        )
    data = tomllib.loads(resources.files(__package__).joinpath(f"{code}.toml").read_text("utf-8"))
    return Locale(code, data["name"], data["english_name"], dict(data["disclosure"]), data["unreviewed"])


def parse_targets(spec: str) -> list[str]:
    """``"fr,de, es"`` → ``["fr", "de", "es"]``, each checked, duplicates removed."""
    codes: list[str] = []
    for part in spec.split(","):
        code = part.strip().lower()
        if not code:
            continue
        get_locale(code)
        if code not in codes:
            codes.append(code)
    if not codes:
        raise RelaisError("no target language given (use --to fr or --to fr,de,es)")
    return codes
