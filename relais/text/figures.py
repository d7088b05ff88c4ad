"""Figure reading: every number, date, time, amount and percentage of the source must reach the
target, in the target locale's form.

Figures are compared by VALUE, not by string: "$1.2 billion" is 1 200 000 000 whether the
translation writes "1,2 milliard de dollars", "1 200 millions" or "1,2 Mrd. Dollar".
Each side is read into ``Figure`` objects, each carrying a set of comparable *keys*
(``("n", 1.2e9)`` for a quantity, ``("t", 570)`` for 9:30 on a 12-hour dial); two
figures agree when their keys intersect.  Figures written in words ("three", "trois",
"la moitié", "XVIIe") are *soft*: they may stand for a figure of the other side but are
never reported themselves, because translators move freely between words and digits.

Locale knowledge is data: decimal and group symbols, month names and the percent pattern
come from Babel/CLDR; scale words, number words, ordinal suffixes, clock patterns and
units live in each language pack's ``figures.toml`` (``relais/locales/<code>/``) (with compound number words,
fractions of a word — "un quart de siècle" —, measurements in two units — "17 pounds 1
ounce" —, degrees Celsius and figures that belong to names).

One analysis per segment pair (``analyse``, cached) is shared by the five checks of
``relais.checks.figures``, so running them all costs one pass.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from babel import Locale as BabelLocale
from babel import numbers as babel_numbers
from text_to_num import text2num

from relais.locales import Pack, derived, get_pack


_SPACES = " \u00a0\u202f\u2009"
# One run of digits with inner separators.  A space joins digits only before a group of
# exactly three ("4 200 000" but not "2019 300" nor "06 12 34").
# A leading (?=\d) lets the regex engine skip to the next digit: 2-3 times faster scans.
_NUMBER = re.compile(r"(?=\d)(?<![\d])(?<!&#)\d+(?:(?:[.,'’]|[ \u00a0\u202f\u2009](?=\d{3}(?!\d)))\d+)*")
# Phone numbers: compared as digit strings, never as quantities.
_PHONE = re.compile(
    r"(?=[+(\d])(?<![\w+])(?:\+\d{1,3}[ .\-]?\(?\d{1,4}\)?(?:[ .\-]?\d{2,4}){2,}"
    r"|\(?\d{3}\)?[ .\-]\d{3}[ .\-]\d{4}|0\d(?:[ .\-]\d{2}){4})(?!\d)"
)
_ROMAN = re.compile(r"(?=[MDCLXVI])\b(?=[MDCLXVI]{2,}|[XV]\b)(M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3}))(?:e|er|ème|es|\.|º|°)?\b")
_ROMAN_VALUES = {"M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1}
_CURRENCY_BEFORE = re.compile(r"(US\$|A\$|C\$|R\$|\$|£|€|¥)\s?$")
_CURRENCY_AFTER = re.compile(r"^[\s\u00a0\u202f]?(?:\$|£|€|¥)")
_DIGIT = re.compile(r"\d")
# "100 feet (30 m)", "40 mph (64 kph)": the bracketed figure restates the first one, and
# translators often keep only one of the two.
_RESTATED = re.compile(r"^[^()\d]{0,30}\(\s*(?:about|approx\.?|around|c\.|~|ca\.)?\s*$", re.I)
_RANGE_TO = re.compile(r"^\s?(?:-|–|to|and|or|à|a|au|et|ou|bis|und|oder|y|o|e|ou|até)\s?\d[\d.,\u00a0\u202f ]*", re.I)
# "CO2", "mm2", "H2O": a single digit glued after letters is a subscript or part of a name
_GLUED_DIGIT = re.compile(r"[^\W\d_]$")
_NAME_BEFORE = re.compile(r"[^\W\d_]-?$")
_CURRENCY_WORD_AFTER = re.compile(r"^\s?(?:de |d['’])?\s?(?:dollars?|euros?|livres?|pounds?|Dollar|Euro|Pfund|dólares|libras|dollari|sterline|reais|ienes|yens?)", re.I)
_YEAR_BEFORE = re.compile(r"(\d{2})\d{2}[\-–/]\s?$")
_DECADE_BEFORE = re.compile(r"(?:années|anni|años|anos|Jahre)\s?$", re.I)
_UTC_AFTER = re.compile(r"^\s?(?:UTC|GMT)\b")
_COMMA_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")
_DECADE = re.compile(r"^[’']?s\b")
# "4x4", "2×2": a vehicle or a format more often than two figures
_TIMES_AFTER = re.compile(r"^[x×]\d")
_TIMES_BEFORE = re.compile(r"\d[x×]$")
# "a quarter to a half mile", "3 to 5 miles": the unit of the range end is shared
_UNIT_RANGE = re.compile(r"^\s?(?:-|–|to|or|and|through)\s(?:the\s|a\s)?$|^\s?[-–]\s?$", re.I)


def _key(value: float) -> float:
    """Floats that differ only by binary noise compare equal (1.2 * 1e9)."""
    return float(f"{value:.9g}")


def _roman(text: str) -> int:
    total = 0
    for a, b in zip(text, text[1:] + " "):
        v = _ROMAN_VALUES[a]
        total += -v if b != " " and _ROMAN_VALUES[b] > v else v
    return total


def _values(raw) -> list[float]:
    return [float(v) for v in (raw if isinstance(raw, list) else [raw])]


def _alternation(words, case_sensitive_upper: bool = False) -> str:
    """Regex alternation, longest first; entries with capitals stay case-sensitive."""
    parts = []
    for word in sorted(words, key=len, reverse=True):
        escaped = re.escape(word) if not word.startswith("(") else word
        if case_sensitive_upper and any(c.isupper() for c in word):
            parts.append(f"(?-i:{escaped})")
        else:
            parts.append(escaped)
    return "|".join(parts)


# --------------------------------------------------------------------------- locale data


@dataclass
class FigureLocale:
    """How one language writes figures: CLDR symbols plus the data file."""

    code: str
    decimal: str
    groups: frozenset[str]
    percent_space: bool
    comma_grouping: bool  # "55,000" may be the English grouping (es-419), not 55
    scale_re: re.Pattern | None
    scale_values: dict[str, list[float]]
    currency_scale_re: re.Pattern | None
    currency_scale_values: dict[str, list[float]]
    scale_names: dict[float, list[str]]
    scale_prefix: dict[str, float]
    currencies: dict[str, str]  # symbol or word → ISO code (the source side: en.toml)
    money_names: dict[str, list[str]]  # ISO code → [singular, plural] (the target side)
    money_after_scale: str  # "de " in "48,2 millions de livres"
    money_elide: bool  # "de " → "d’" before a vowel
    percent_re: re.Pattern
    ordinal_re: re.Pattern
    ordinal_in_figure: bool  # False: the suffix is punctuation left to the sentence ("am 5. Mai")
    time_res: list[re.Pattern]
    time_format: str
    time_format_hour: str
    day_month_re: re.Pattern | None  # number … month name
    month_day_re: re.Pattern | None  # month name … number (English)
    months: dict[str, int]
    month_names: dict[int, str]
    date_format: str
    date_first: str
    words_re: re.Pattern | None
    words: dict[str, list[float]]
    compound_re: re.Pattern | None
    tens: dict[str, int]
    units: dict[str, int]
    unit_re: re.Pattern | None
    unit_factors: list[list]

    def unit_after(self, text: str) -> list:
        """Conversion factors of the unit at the start of ``text`` ([] if none)."""
        m = self.unit_re.match(text) if self.unit_re else None
        return self.unit_factors[m.lastindex - 1] if m and m.lastindex else []
    stems: dict[float, re.Pattern]  # value → start of its number word inside a longer word
    percent_example: str
    inner_re: re.Pattern | None = None  # number words at the end of a compound ("Monatsersten")
    product_re: re.Pattern | None = None  # between a fraction word and what it divides ("cuarto de siglo")
    name_before_re: re.Pattern | None = None  # a figure that is part of a name: "rugby a 15"
    name_after_re: re.Pattern | None = None  # ... or of an address: "12, rue des Lilas"
    celsius_re: re.Pattern | None = None  # degrees Celsius after a target figure
    compound_units: list = field(default_factory=list)  # (major, minor, per): "17 pounds 1 ounce"

    @classmethod
    def load(cls, code: str, data: dict) -> FigureLocale:
        """The figure locale of ``code`` from its pack's ``figures.toml`` (``data``)."""
        babel = BabelLocale.parse(code)
        decimal = babel_numbers.get_decimal_symbol(code)
        groups = {babel_numbers.get_group_symbol(code), *data.get("numbers", {}).get("extra_groups", [])}
        flags = re.IGNORECASE
        after = r"^[\s\u00a0\u202f]?(?:-\s?)?(?:de\s|d[’'])?\s?"

        scale_values = {k.lower(): _values(v) for k, v in data.get("scale", {}).items()}
        scale_re = re.compile(after + f"({_alternation(data.get('scale', {}), True)})(?![\\w])\\.?", flags) if scale_values else None
        cscale = {k.lower(): _values(v) for k, v in data.get("scale_after_currency", {}).items()}
        cscale_re = re.compile(r"^\s?(" + _alternation(cscale) + r")(?![\w])", flags) if cscale else None

        date = data.get("date", {})
        months: dict[str, int] = {}
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in babel.months[context][width].items():
                    months[name.lower().rstrip(".")] = number
        for name, number in date.get("more_months", {}).items():  # press forms CLDR lacks
            months.setdefault(name.lower(), number)
        month_alt = _alternation(months)
        day_month_re = re.compile(r"^(?:" + date["day_month"] + r")(" + month_alt + r")\b\.?", flags) if "day_month" in date else None
        month_day_re = (
            re.compile(r"\b(" + month_alt + r")\b" + date["month_day"] + r"$", flags) if date.get("month_day") else None
        )

        words = {k.lower(): _values(v) for k, v in data.get("words", {}).items()}
        wopt = data.get("words_options", {})
        # German glues number words into compounds: "zweistündig", "das Neunzigfache"
        word_end = "" if wopt.get("compounds") else wopt.get("end", r"(?![\w\-])")
        # After a hyphen too: "top-ten", "a best-of-three" (not inside a compound: _words)
        words_re = re.compile(r"(?<![\w])(" + _alternation(words) + r")" + wopt.get("suffix", "") + word_end, flags) if words else None
        compound_re = re.compile(r"(?<![\w\-])" + wopt["compound"] + r"(?![\w\-])", flags) if "compound" in wopt else None

        # one regex for every unit: group i+1 is unit i
        units = list(data.get("units", {}).items())
        unit_re = re.compile(r"^[\s\u00a0\-]?(?:" + "|".join(f"({p})" for p, _ in units) + r")(?![\w])", flags) if units else None
        unit_factors = [factors for _, factors in units]

        time = data.get("time", {})
        names = data.get("names", {})
        return cls(
            code=code,
            decimal=decimal,
            groups=frozenset(groups),
            percent_space=data.get("numbers", {}).get("percent_space", False),
            comma_grouping=data.get("numbers", {}).get("comma_grouping", False),
            scale_re=scale_re,
            scale_values=scale_values,
            currency_scale_re=cscale_re,
            currency_scale_values=cscale,
            scale_names={float(k): v for k, v in data.get("scale_names", {}).items()},
            scale_prefix={k.lower(): float(v) for k, v in data.get("scale_prefix", {}).items()},
            currencies=dict(data.get("currency", {})),
            money_names={k: list(v) for k, v in data.get("money", {}).get("names", {}).items()},
            money_after_scale=data.get("money", {}).get("after_scale", ""),
            money_elide=bool(data.get("money", {}).get("elide_before_vowel", False)),
            percent_re=re.compile("^" + data["percent"]["pattern"], flags),
            ordinal_re=re.compile("^" + data["ordinal"]["suffix"], flags),
            ordinal_in_figure=bool(data["ordinal"].get("in_figure", True)),
            time_res=[re.compile(r"(?=\d)(?<![\d.,])(?:" + p + r")(?!\d)", flags) for p in time.get("patterns", [])],
            time_format=time.get("format", "{h}:{mm}"),
            time_format_hour=time.get("format_hour", "{h}:00"),
            day_month_re=day_month_re,
            month_day_re=month_day_re,
            months=months,
            month_names=dict(babel.months["format"]["wide"]),
            date_format=date.get("format", "{d} {month}"),
            date_first=date.get("first", "1"),
            words_re=words_re,
            words=words,
            compound_re=compound_re,
            tens={k.lower(): v for k, v in wopt.get("tens", {}).items()},
            units={k.lower(): v for k, v in wopt.get("units", {}).items()},
            unit_re=unit_re,
            unit_factors=unit_factors,
            stems=_stems(words),
            percent_example=babel_numbers.format_percent(0.5, locale=code),
            inner_re=re.compile(wopt["inner"], flags) if "inner" in wopt else None,
            product_re=re.compile("^(?:" + wopt["product"] + ")$", flags) if "product" in wopt else None,
            name_before_re=re.compile("(?:" + names["before"] + ")$", flags) if "before" in names else None,
            name_after_re=re.compile("^(?:" + names["after"] + ")", flags) if "after" in names else None,
            celsius_re=re.compile("^(?:" + data["numbers"]["celsius"] + ")", flags) if "celsius" in data.get("numbers", {}) else None,
            compound_units=[
                (re.compile(r"^[\s\u00a0]?(?:" + c["major"] + r")[\s\u00a0,]+(?:and\s)?$", flags), re.compile(r"^[\s\u00a0]?(?:" + c["minor"] + r")(?![\w])", flags), float(c["per"]))
                for c in data.get("compound_units", [])
            ],
        )


def _stems(words: dict[str, list[float]]) -> dict[float, re.Pattern]:
    """Number words glued into other words: Italian "sedicenne" (16), "ventunenne" (21)."""
    by_value: dict[float, list[str]] = {}
    for word, values in words.items():
        if len(word) >= 5 and " " not in word and values[0] >= 10:
            by_value.setdefault(values[0], []).append(re.escape(word[:-1]))
    return {v: re.compile(r"\b(?:" + "|".join(stems) + ")", re.IGNORECASE) for v, stems in by_value.items()}


@derived
def figure_locale(code: str) -> FigureLocale | None:
    """How ``code`` writes figures, or None when its pack has no ``figures.toml``."""
    pack = get_pack(code)
    if pack is None or pack.figures is None:
        return None
    return FigureLocale.load(pack.code, pack.figures)


def has_figures(pack: Pack) -> bool:
    """Whether a pack says how its language writes figures (the figures checks need it)."""
    return pack.figures is not None


# --------------------------------------------------------------------------- figures


@dataclass
class Figure:
    start: int  # into the plain text
    end: int
    text: str
    kind: str  # number | percent | money | time | date | ordinal | phone | word
    keys: frozenset
    value: float | None = None  # the quantity (scale applied), for messages and pairing
    number: float | None = None  # as written, before the scale word
    scale: float = 1.0
    hard: bool = True  # False: written in words, may stand in for a figure, never reported
    localised: bool = True  # False: written in another locale's form (numbers.format)
    month: int | None = None
    hour: int | None = None
    minute: int | None = None
    unit_factors: list = field(default_factory=list)
    decimals: int = 0
    name_like: bool = False  # glued to letters: "COVID-19", "F-16", "A380"
    foreign_keys: frozenset = frozenset()  # another reading of an ambiguous form ("55,000" in Spanish)
    values: tuple = ()  # every reading of a word figure ("quarter": 4, 25, 0.25)
    celsius: bool = False  # target figure in degrees Celsius: may convert a Fahrenheit figure
    whole: Figure | None = field(default=None, repr=False, compare=False)  # "17 pounds" of "17 pounds 1 ounce"
    parts: tuple = field(default=(), repr=False, compare=False)  # and the other way round
    alternatives: list = field(default_factory=list, repr=False, compare=False)  # restated in brackets

    @property
    def significant(self) -> int:
        digits = re.sub(r"\D", "", self.text.split("%")[0])
        return len(digits.strip("0")) or 1


def _parse(token: str, decimal: str, groups) -> float | None:
    """The value of ``token`` written with ``decimal`` and one of ``groups``, or None."""
    integer, fraction = token, ""
    if decimal in token:
        integer, _, fraction = token.rpartition(decimal)
        if not fraction.isdigit() or decimal in integer:
            return None
    if not integer.isdigit():
        separators = {c for c in integer if not c.isdigit()}
        if len(separators) != 1 or not separators <= groups:
            return None
        sep = separators.pop()
        parts = integer.split(sep)
        if not (1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])):
            return None
        integer = "".join(parts)
    return float(integer + ("." + fraction if fraction else ""))


_ENGLISH = (".", frozenset({","}))
_FOREIGN_FORMS = ((",", frozenset({".", " ", "\u00a0", "\u202f", "\u2009", "'", "’"})), (".", frozenset({",", " ", "\u00a0", "\u202f", "\u2009", "'", "’"})))


def _interpret(token: str, loc: FigureLocale, source: bool) -> tuple[list[float], bool]:
    """Candidate values of a digit token and whether they are the locale's own form.

    A token that is valid in the locale has only that reading ("1,200" in French is 1.2,
    whatever the source meant).  Otherwise every foreign reading is a candidate and the
    figure is flagged as not localised.
    """
    if source:
        value = _parse(token, *_ENGLISH)
        if value is not None:
            return [value], True
    else:
        value = _parse(token, loc.decimal, loc.groups)
        if value is not None:
            return [value], True
    readings = []
    for form in ((_ENGLISH,) if not source else ()) + _FOREIGN_FORMS:
        value = _parse(token, *form)
        if value is not None and value not in readings:
            readings.append(value)
    return readings, False


def _time_keys(hour: int, minute: int, ampm: str | None) -> tuple[frozenset, int]:
    if ampm:
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    keys = {("t", (hour * 60 + minute) % 720), ("n", _key(hour + minute / 60))}  # "1:30" for "1.5 hours"
    if minute == 0:
        keys |= {("n", float(hour)), ("n", float(hour % 12 or 12))}
    return frozenset(keys), hour


class FigureReader:
    """Reads the figures of one text in one language."""

    def __init__(self, loc: FigureLocale, source: bool):
        self.loc = loc
        self.source = source

    def read(self, text: str) -> tuple[list[Figure], bytearray]:
        """Figures written with digits, and which characters they cover."""
        figures: list[Figure] = []
        taken = bytearray(len(text))  # characters already part of a figure
        if not _DIGIT.search(text):
            return figures, taken

        def take(a: int, b: int) -> bool:
            if any(taken[a:b]):
                return False
            taken[a:b] = b"\x01" * (b - a)
            return True

        for m in _PHONE.finditer(text):
            if m.group(0).count(" ") and not re.search(r"[+\-().]", m.group(0)) and not m.group(0).startswith("0"):
                continue  # "4 200 000" is a number, not a phone
            take(m.start(), m.end())
            figures.append(Figure(m.start(), m.end(), m.group(0), "phone", frozenset({("s", re.sub(r"\D", "", m.group(0)).lstrip("0"))})))
        for pattern in self.loc.time_res:
            for m in pattern.finditer(text):
                if not take(m.start(), m.end()):
                    continue
                hour, minute = int(m.group("h")), int(m.groupdict().get("m") or 0)
                ampm = m.groupdict().get("ampm")
                keys, hour24 = _time_keys(hour, minute, ampm)
                figures.append(Figure(m.start(), m.end(), m.group(0), "time", keys, hour24 * 60 + minute, hour=hour24, minute=minute))
        for m in _NUMBER.finditer(text):
            if any(taken[m.start():m.end()]):
                continue
            figures.extend(self._numbers(text, m, taken))
        figures.sort(key=lambda f: f.start)
        _link_alternatives(figures, text)
        if self.source:
            _share_units(figures, text)
            if self.loc.compound_units:
                figures.extend(self._compound_measures(figures, text))
        return figures, taken

    def _compound_measures(self, figures: list[Figure], text: str) -> list[Figure]:
        """"17 pounds 1 ounce", "5 ft 10 in": one measurement, which a translator may
        write as one figure ("17,1 libbre", "1,78 m")."""
        out = []
        for a, b in zip(figures, figures[1:]):
            if a.value is None or b.value is None or b.kind != "number" or not a.hard:
                continue
            for major, minor, per in self.loc.compound_units:
                if major.match(text[a.end:b.start]) and minor.match(text[b.end:b.end + 12]):
                    value = a.value + b.value / per
                    keys = frozenset(("n", _key(math.floor(value * 10**d + 0.5) / 10**d)) for d in (0, 1, 2))
                    whole = Figure(a.start, b.end, text[a.start:b.end], "word", keys, value, hard=False, unit_factors=a.unit_factors, parts=(a, b))
                    a.whole = b.whole = whole
                    out.append(whole)
                    break
        return out

    def read_words(self, text: str, taken: bytearray) -> list[Figure]:
        """Figures written in words or Roman numerals (read only when needed: slower)."""
        figures = self._words(text, taken)
        for m in _ROMAN.finditer(text):
            if not any(taken[m.start():m.end()]):
                value = float(_roman(m.group(1)))
                figures.append(Figure(m.start(), m.end(), m.group(0), "word", frozenset({("n", value)}), value, hard=False))
        return figures

    def _numbers(self, text: str, m: re.Match, taken: bytearray) -> list[Figure]:
        token = m.group(0)
        values, localised = _interpret(token, self.loc, self.source)
        if not values:
            if any(c in _SPACES for c in token):  # "12 100" joined wrongly: read each part
                out = []
                for part in re.finditer(r"\d+", token):
                    sub = re.match(r"\d+", text[m.start() + part.start():])
                    fake = _SubMatch(sub.group(0), m.start() + part.start())
                    out.extend(self._numbers(text, fake, taken))
                return out
            # a version or an ID ("1.2.3"): compare its digits
            taken[m.start():m.end()] = b"\x01" * (m.end() - m.start())
            return [Figure(m.start(), m.end(), token, "number", frozenset({("s", re.sub(r"\D", "", token))}))]
        start, end = m.start(), m.end()
        loc = self.loc
        kind = "number"
        if len(token) == 1 and start and _GLUED_DIGIT.search(text[start - 1]):
            taken[start:end] = b"\x01"
            return [Figure(start, end, token, "word", frozenset({("n", values[0])}), values[0], hard=False)]
        scale = [1.0]
        before = text[max(0, start - 4):start]
        after = text[end:end + 40]
        currency = _CURRENCY_BEFORE.search(before)
        if currency:
            kind = "money"
        month = None
        unit_factors: list = []
        decimals = len(token.rpartition(loc.decimal if not self.source else ".")[2]) if (loc.decimal if not self.source else ".") in token else 0

        if (o := loc.ordinal_re.match(after)) and o.group(0):
            kind = "ordinal"
            end += len(o.group(0)) if loc.ordinal_in_figure else 0
            after = text[end:end + 40]
        if (p := loc.percent_re.match(after)):
            kind = "percent"
            end += len(p.group(0))
            if (not self.source and loc.percent_space and not p.group(0)[0].isspace() and p.group(0).startswith("%")):
                localised = False
        elif currency and loc.currency_scale_re and (c := loc.currency_scale_re.match(after)):
            scale = loc.currency_scale_values[c.group(1).lower()]
            end += len(c.group(0))
        elif loc.scale_re and (c := loc.scale_re.match(after)):
            scale = loc.scale_values[c.group(1).lower()]
            end += len(c.group(0))
            if _CURRENCY_AFTER.match(text[end:end + 3]) or _CURRENCY_WORD_AFTER.match(text[end:end + 20]):
                kind = "money"
        elif kind == "number" and _CURRENCY_AFTER.match(after):
            kind = "money"
        if self.source:
            unit_factors = loc.unit_after(text[end:end + 25])
        if loc.day_month_re and kind in ("number", "ordinal") and (d := loc.day_month_re.match(text[end:end + 30])):
            month = loc.months.get(d.group(1).lower().rstrip("."))
        elif loc.month_day_re and kind in ("number", "ordinal") and start > 1 and text[start - 2].isalpha() and (d := loc.month_day_re.search(text[max(0, start - 14):start])):
            month = loc.months.get(d.group(1).lower().rstrip("."))
        if month is not None:
            kind = "date"

        keys: set = set()
        for value in values:
            for s in scale:
                keys.add(("n", _key(value * s)))
            if value == int(value) and 0 <= value <= 24 and scale == [1.0]:
                keys.add(("t", int(value) % 12 * 60))
        # "1995-96": the range end also stands for 1996; "the 1990s" / "the 90s"
        if token.isdigit() and len(token) == 2:
            prev = text[max(0, start - 7):start]
            if _YEAR_BEFORE.search(prev):
                century = int(_YEAR_BEFORE.search(prev).group(1))
                keys.add(("n", float(century * 100 + int(token))))
            if _DECADE.match(after) or _DECADE_BEFORE.search(text[max(0, start - 8):start]):
                keys |= {("n", 1900.0 + int(token)), ("n", 2000.0 + int(token))}
        if token.isdigit() and len(token) == 4 and token.endswith("0") and _DECADE.match(after):
            keys.add(("n", float(token[2:])))  # "the 1930s" → "les années 30", "dreißiger Jahre"
        # "340 million to 500 million" → "340 bis 500 Millionen": the scale of the range end
        if scale == [1.0] and loc.scale_re and (r := _RANGE_TO.match(after)):
            if (c := loc.scale_re.match(after[r.end():])):
                for value in values:
                    for s in loc.scale_values[c.group(1).lower()]:
                        keys.add(("n", _key(value * s)))
        if token.isdigit() and len(token) == 4 and _UTC_AFTER.match(after):
            keys.add(("t", int(token[:2]) % 12 * 60 + int(token[2:])))
        value = values[0]
        taken[start:end] = b"\x01" * (end - start)
        figure = Figure(start, end, text[start:end], kind, frozenset(keys), _key(value * scale[0]), value, scale[0], True, localised, month, unit_factors=unit_factors, decimals=decimals)
        if loc.comma_grouping and not self.source and _COMMA_GROUPED.fullmatch(token):
            english = _parse(token, *_ENGLISH)  # Latin American Spanish groups with commas
            figure.foreign_keys = frozenset({("n", _key(english * s)) for s in scale})
        figure.name_like = bool(
            _NAME_BEFORE.search(text[max(0, start - 2):start])
            or _TIMES_AFTER.match(text[end:end + 2])
            or _TIMES_BEFORE.search(text[max(0, start - 2):start])
            or (loc.name_before_re and loc.name_before_re.search(text[max(0, start - 30):start]))
            or (loc.name_after_re and loc.name_after_re.match(text[end:end + 20]))
        )
        if loc.celsius_re and loc.celsius_re.match(text[end:end + 20]):
            figure.celsius = True
        if month is not None:  # the month name may itself stand for "9/11"'s 9
            return [figure, Figure(start, end, text[start:end], "word", frozenset({("n", float(month))}), float(month), hard=False)]
        return [figure]

    def _words(self, text: str, taken: bytearray) -> list[Figure]:
        loc = self.loc
        out = []
        found: list[tuple[int, int, list[float]]] = []
        if loc.compound_re:
            for m in loc.compound_re.finditer(text):
                found.append((m.start(), m.end(), [float(loc.tens[m.group("tens").lower()] + loc.units[m.group("units").lower()])]))
        if loc.words_re:
            compounds = [(s, e) for s, e, _ in found]
            for m in loc.words_re.finditer(text):
                if not any(s <= m.start() < e for s, e in compounds):  # "one" of "twenty-one"
                    found.append((m.start(), m.end(), loc.words[m.group(1).lower()]))
        if loc.inner_re:
            for m in loc.inner_re.finditer(text):
                found.append((m.start(1), m.end(), loc.words[m.group(1).lower()]))
        if loc.scale_prefix and loc.scale_re:
            for word, value in loc.scale_prefix.items():
                for m in re.finditer(r"\b" + word + r"(?=\s)", text, re.I):
                    if loc.scale_re.match(text[m.end():m.end() + 25]):
                        found.append((m.start(), m.end(), [value]))
        found.extend(_spelled_out(text, loc.code, found))
        for start, end, values in found:
            if any(taken[start:end]):
                continue
            scale = [1.0]
            if loc.scale_re and (c := loc.scale_re.match(text[end:end + 30])):
                scale = loc.scale_values[c.group(1).lower()]
                end += len(c.group(0))
            keys = set()
            for v in values:
                for s in scale:
                    keys.add(("n", _key(v * s)))
                if v == int(v) and 0 <= v <= 24:
                    keys.add(("t", int(v) % 12 * 60))
            unit_factors = loc.unit_after(text[end:end + 25]) if self.source else []
            out.append(Figure(start, end, text[start:end], "word", frozenset(keys), _key(values[0] * scale[0]), values[0], scale[0], hard=False, unit_factors=unit_factors, values=tuple(v * scale[0] for v in values)))
        if loc.product_re and len(out) > 1:
            out.extend(_products(out, text, loc.product_re))
        return out


# Numbers spelled out in full ("un milione e duecentomila", "zweihunderttausend",
# "doscientas mil") are read by text2num, in the languages it knows; the pack's own
# number words above cover the rest (fractions, "dozen", ordinals).
_SPELLED_LANGUAGES = frozenset({"en", "fr", "es", "pt", "de", "it", "nl"})
_SPELLED_TOKEN = re.compile(r"[^\W\d_]+")
_SPELLED_JOIN = re.compile(r"[ \u00a0-]+")
_SPELLED_MAX_WORDS = 8


def _spelled(words: str, lang: str) -> float | None:
    try:
        return float(text2num(words.lower(), lang))
    except ValueError:
        return None


def _spelled_out(text: str, code: str, found: list[tuple[int, int, list[float]]]) -> list[tuple[int, int, list[float]]]:
    """Numbers written in several words or as one long word: (start, end, [value]), the
    longest reading from each word that is a number on its own; not the one-word numbers
    the pack's words already read with the same value."""
    lang = code.split("-")[0].split("_")[0]
    if lang not in _SPELLED_LANGUAGES:
        return []
    tokens = list(_SPELLED_TOKEN.finditer(text))
    known = {(s, e): values for s, e, values in found}
    out = []
    i = 0
    while i < len(tokens):
        first = _spelled(tokens[i].group(), lang)
        if first is None:
            i += 1
            continue
        best, value = i, first
        for j in range(i + 1, min(len(tokens), i + _SPELLED_MAX_WORDS)):
            if not _SPELLED_JOIN.fullmatch(text[tokens[j - 1].end() : tokens[j].start()]):
                break
            if (v := _spelled(text[tokens[i].start() : tokens[j].end()], lang)) is not None:
                best, value = j, v
        start, end = tokens[i].start(), tokens[best].end()
        if best > i or value not in known.get((start, end), ()):
            out.append((start, end, [value]))
        i = best + 1
    return out


def _products(words: list[Figure], text: str, join: re.Pattern) -> list[Figure]:
    """A fraction of the word that follows: "a quarter of a century" (25), "medio
    siglo" (50), "un cuarto de milenio" (250)."""
    out = []
    words = sorted(words, key=lambda f: f.start)
    for a, b in zip(words, words[1:]):
        fractions = [v for v in a.values if 0 < v < 1]
        if fractions and b.start > a.end and join.match(text[a.end:b.start]):
            products = [_key(v * w) for v in fractions for w in (b.values or (b.value,)) if w]
            if products:
                out.append(Figure(a.start, b.end, text[a.start:b.end], "word", frozenset(("n", p) for p in products), products[0], hard=False, values=tuple(products)))
    return out


def _share_units(figures: list[Figure], text: str) -> None:
    """"3 to 5 miles", "the quarter to the half mile": the first figure is in miles too."""
    for a, b in reversed(list(zip(figures, figures[1:]))):
        if b.unit_factors and not a.unit_factors and _UNIT_RANGE.match(text[a.end:b.start]):
            a.unit_factors = b.unit_factors


def _link_alternatives(figures: list[Figure], text: str) -> None:
    for first, second in zip(figures, figures[1:]):
        if _RESTATED.match(text[first.end:second.start]):
            first.alternatives.append(second)
            second.alternatives.append(first)


class _SubMatch:
    """Enough of ``re.Match`` for re-reading part of a wrongly joined token."""

    def __init__(self, text: str, start: int):
        self._text, self._start = text, start

    def group(self, _=0) -> str:
        return self._text

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._start + len(self._text)


@derived
def _reader(code: str, source: bool) -> FigureReader | None:
    loc = figure_locale(code)
    return FigureReader(loc, source) if loc else None


# --------------------------------------------------------------------------- comparison


@dataclass
class Outcome:
    """What became of the figures of one segment pair."""

    missing: list[Figure] = field(default_factory=list)  # source figures
    extra: list[Figure] = field(default_factory=list)  # target figures
    mismatched: list[tuple[Figure, Figure]] = field(default_factory=list)  # (source, target)
    misformatted: list[tuple[Figure, Figure]] = field(default_factory=list)
    converted: list[tuple[Figure, Figure]] = field(default_factory=list)


def _literal_in(figure: Figure, text: str) -> bool:
    """A plain integer of one side stands as a whole number in the other side's text,
    where the reader did not take it for a figure (inside a name, a URL, "A1 GP")."""
    if not figure.text.isdigit():
        return False
    return re.search(r"(?<!\d)" + figure.text + r"(?!\d)", text) is not None


def _rounded(source: Figure, target: Figure) -> bool:
    """``target`` is ``source`` rounded: "4,2 millions" for 4,200,000.5, "12,5" for 12.47."""
    if source.value is None or target.value is None or source.value == 0:
        return False
    coarser = target.scale > source.scale or (target.scale == source.scale and target.decimals < source.decimals)
    if not coarser:
        return False
    digits = max(1, target.significant)
    magnitude = math.floor(math.log10(abs(source.value)))
    factor = 10 ** (magnitude - digits + 1)
    return abs(round(source.value / factor) * factor - target.value) < factor / 2


def _converted(source: Figure, target: Figure) -> bool:
    """``target`` is ``source`` converted to a metric unit (5 miles → 8 km), within 6 %;
    never when its digits are the source's in another order (4.53 t → 4,35 t): that is a
    changed figure, however close."""
    if target.value is None or source.value is None or _digits_swapped(source, target):
        return False
    factors = source.unit_factors + ["fahrenheit"] if target.celsius else source.unit_factors
    for value in source.values or (source.value,):
        for factor in factors:
            expected = (value - 32) * 5 / 9 if factor == "fahrenheit" else value * factor
            if expected and abs(target.value - expected) <= 0.06 * abs(expected) + 0.5:
                return True
    return False


def _digits_swapped(source: Figure, target: Figure) -> bool:
    """The same digits in another order: "453,000" and "435 000", "4.53" and "4,35"."""
    a, b = re.sub(r"\D", "", source.text), re.sub(r"\D", "", target.text)
    return a != b and sorted(a) == sorted(b)


def _pairing_score(source: Figure, target: Figure) -> int:
    """How plausibly ``target`` is a changed ``source`` (0: not at all)."""
    score = 0
    if source.kind == target.kind:
        score += 3
    a, b = re.sub(r"\D", "", source.text), re.sub(r"\D", "", target.text)
    if sorted(a) == sorted(b):  # the same digits (in another order: _digits_swapped)
        score += 3
    if len(a) == len(b):
        score += 1
    if source.value and target.value:
        ratio = max(source.value, target.value) / max(min(source.value, target.value), 1e-9)
        if ratio <= 100:
            score += 2
    return score if score >= 3 else 0


def compare(source: list[Figure], target: list[Figure], target_text: str, source_text: str, source_words=list, target_words=list, target_locale: FigureLocale | None = None) -> Outcome:
    """Pair source and target figures; ``*_words()`` give the figures written in words,
    read only if some digit figure is left without a counterpart."""
    out = Outcome()
    hard_s = [f for f in source if f.hard]
    hard_t = [f for f in target if f.hard]
    used_t: set[int] = set()
    matched: list[tuple[Figure, Figure]] = []
    left_s: list[Figure] = []
    # 1. same value, the target's own form first
    for want_localised in (True, False):
        remaining = []
        for s in (hard_s if want_localised else left_s):
            for i, t in enumerate(hard_t):
                keys = t.keys if t.localised == want_localised else (t.foreign_keys if not want_localised else frozenset())
                if i not in used_t and s.keys & keys:
                    used_t.add(i)
                    matched.append((s, t))
                    if not want_localised:
                        out.misformatted.append((s, t))
                    break
            else:
                remaining.append(s)
        left_s = remaining
    left_t = [t for i, t in enumerate(hard_t) if i not in used_t]
    matched_t = [t for i, t in enumerate(hard_t) if i in used_t]
    # right day, wrong month: "2 April" → "2 mai"
    for s, t in matched:
        if s.month and t.month and s.month != t.month:
            out.mismatched.append((s, t))
    if not left_s and not left_t:
        return out
    soft_t = [f for f in target if not f.hard] + matched_t  # a repeated figure may be written once
    soft_s = [f for f in source if not f.hard] + [s for s, _ in matched]
    if left_s:
        soft_t += target_words()
    words_s: list[Figure] = []
    if left_t:
        words_s = source_words()
        soft_s += words_s
    # 2. written in words on the other side, or repeated
    left_s = [s for s in left_s if not any(s.keys & t.keys for t in soft_t)]
    explained: set[int] = set()  # measurements in two units ("8 pounds 4 ounces") written as one
    remaining = []
    for t in left_t:
        by = next((s for s in soft_s if t.keys & s.keys), None)
        if by is None:
            remaining.append(t)
        elif by.parts:
            explained.add(id(by))
    left_t = remaining
    # ... or a measurement in words converted ("a quarter mile" → "400 mètres")
    # 3. rounded or converted
    for s in list(left_s):
        for t in left_t:
            if _rounded(s, t):
                left_s.remove(s)
                left_t.remove(t)
                break
            if (s.unit_factors or t.celsius) and _converted(s, t):
                out.converted.append((s, t))
                left_s.remove(s)
                left_t.remove(t)
                break
    if left_t:  # a conversion the translator added: "90 °F (32 °C)", "a quarter mile" → "400 m"
        if words_s:
            _share_units(sorted(source + words_s, key=lambda f: f.start), source_text)
        converters = [f for f in source if f.unit_factors] + [f for f in words_s if f.unit_factors]
        celsius = [f for f in source + words_s if f.value is not None] if any(t.celsius for t in left_t) else []
        remaining = []
        for t in left_t:
            by = next((s for s in converters if _converted(s, t)), None)
            if by is None and t.celsius:
                by = next((s for s in celsius if _converted(s, t)), None)
            if by is None:
                remaining.append(t)
            elif by.parts:
                explained.add(id(by))
        left_t = remaining
    # 4. changed: pair what is left, most plausible first
    candidates = sorted(((_pairing_score(s, t), i, j) for i, s in enumerate(left_s) for j, t in enumerate(left_t)), reverse=True)
    paired_s, paired_t = set(), set()
    for score, i, j in candidates:
        if score and i not in paired_s and j not in paired_t:
            paired_s.add(i)
            paired_t.add(j)
            out.mismatched.append((left_s[i], left_t[j]))
    converted_s = {id(s) for s, _ in out.converted}
    found_s = {id(s) for s, _ in matched} | converted_s
    target_stems = target_locale.stems if target_locale else {}
    for i, s in enumerate(left_s):
        if i in paired_s or _literal_in(s, target_text):
            continue
        if s.value in target_stems and target_stems[s.value].search(target_text):
            continue  # written in a compound word
        if any(id(a) in found_s for a in s.alternatives):
            continue  # "100 feet (30 m)" → "30 mètres"
        if s.whole is not None and (id(s.whole) in explained or any(id(p) in converted_s for p in s.whole.parts)):
            continue  # "8 pounds 4 ounces" → "8,25 livres", "3,7 kg"
        if not any(m.text == s.text for m in out.missing):
            out.missing.append(s)
    for j, t in enumerate(left_t):
        if j not in paired_t and not _literal_in(t, source_text):
            out.extra.append(t)
    out.mismatched.sort(key=lambda st: st[1].start)
    return out


@lru_cache(maxsize=4096)
def analyse(source_text: str, target_text: str, source_lang: str, target_lang: str) -> tuple[Outcome, list[Figure]]:
    source_reader = _reader(source_lang, True)
    target_reader = _reader(target_lang, False)
    if source_reader is None or target_reader is None:
        return Outcome(), []
    source, source_taken = source_reader.read(source_text)
    if not source and not _DIGIT.search(target_text):
        return Outcome(), []
    target, target_taken = target_reader.read(target_text)
    outcome = compare(
        source, target, target_text, source_text,
        lambda: source_reader.read_words(source_text, source_taken),
        lambda: target_reader.read_words(target_text, target_taken),
        target_reader.loc,
    )
    return outcome, target


# --------------------------------------------------------------------------- suggestions


def localise(figure: Figure, code: str) -> str:
    """``figure`` as the target locale writes it (Babel/CLDR symbols, data-file words)."""
    loc = figure_locale(code)
    if figure.kind == "phone" or figure.value is None:
        return figure.text
    if figure.kind == "time" and figure.hour is not None:
        template = loc.time_format if figure.minute else loc.time_format_hour
        return template.format(h=figure.hour, mm=f"{figure.minute:02d}")
    number = figure.number if figure.number is not None else figure.value
    if figure.kind == "percent":
        text = babel_numbers.format_percent(number / 100, locale=code, decimal_quantization=False)
        return text
    if figure.kind == "date" and figure.month:
        day = loc.date_first if number == 1 else babel_numbers.format_decimal(number, locale=code)
        return loc.date_format.format(d=day, month=loc.month_names[figure.month])
    # years and other four-digit whole numbers are written without grouping
    group = number >= 10000 or bool(re.search(r"\d[,.\s\u00a0\u202f]\d{3}", figure.text))
    text = babel_numbers.format_decimal(number, locale=code, group_separator=group, decimal_quantization=False)
    if figure.scale != 1.0 and figure.scale in loc.scale_names:
        singular, plural = loc.scale_names[figure.scale]
        text += " " + (singular if number < 2 else plural)
    return text


# The whole written amount around a figure, for a suggestion that replaces all of it:
# "£48.2m" in a French draft is replaced as a whole by "48,2 millions de livres", never
# as "£48,2 millionsm".
_SYMBOL_BEFORE = re.compile(r"(?:US\$|A\$|C\$|R\$|\$|£|€|¥)[\s\u00a0\u202f]?$")
_SYMBOL_AFTER = re.compile(r"^[\s\u00a0\u202f]?(?:US\$|\$|£|€|¥)")
_SHORT_SCALE_AFTER = re.compile(r"^(?:m|bn|tn|k|b)(?![\w])")  # English forms after a currency: "£48.2m"


def amount_extent(plain: str, figure: Figure) -> tuple[int, int]:
    """Plain offsets of the whole written amount of ``figure``: a currency symbol before
    it, an English short scale glued after a currency ("£48.2m"), and a currency symbol
    or word after it ("4 200 €", "48,2 millions de livres")."""
    start, end = figure.start, figure.end
    before = _SYMBOL_BEFORE.search(plain[max(0, start - 4) : start])
    if before:
        start -= len(before.group(0))
        if glued := _SHORT_SCALE_AFTER.match(plain[end:]):
            end += len(glued.group(0))
    if after := (_SYMBOL_AFTER.match(plain[end:]) or _CURRENCY_WORD_AFTER.match(plain[end:])):
        end += len(after.group(0))
    return start, end


def currency_of(plain: str, figure: Figure, code: str = "en") -> str | None:
    """The ISO code of the currency written around ``figure`` in ``plain`` (a symbol
    before or after it, or a currency word after it), from the locale's ``[currency]``."""
    loc = figure_locale(code)
    if loc is None or not loc.currencies:
        return None
    start, end = amount_extent(plain, figure)
    around = plain[start : figure.start] + " " + plain[figure.end : end]
    for token in sorted(loc.currencies, key=len, reverse=True):
        if re.search(r"(?<![\w$])" + re.escape(token) + r"(?![\w])" if token.isalpha() else re.escape(token), around, re.I):
            return loc.currencies[token]
    return None


def localise_amount(figure: Figure, code: str, currency: str | None) -> str:
    """``figure`` as the target writes a whole amount: ``localise``, then the currency's
    name in the target language when the source figure is money ("48,2 millions de
    livres", "4 200 euros", "48,2 Millionen Pfund")."""
    text = localise(figure, code)
    loc = figure_locale(code)
    if currency is None or loc is None or currency not in loc.money_names:
        return text
    singular, plural = loc.money_names[currency]
    number = figure.number if figure.number is not None else figure.value or 0
    name = singular if figure.scale == 1.0 and number < 2 else plural
    if figure.scale != 1.0 and loc.money_after_scale:
        link = loc.money_after_scale
        if loc.money_elide and name[:1].lower() in "aeiouéèêhy" and link.strip() == "de":
            return f"{text} d’{name}"
        return f"{text} {link}{name}"
    return f"{text} {name}"
