"""The figures checks: numbers.missing, numbers.extra, numbers.mismatch, numbers.format
and numbers.converted.

Reading figures (numbers, dates, times, amounts, percentages) and pairing source with
target is ``relais.text.figures``; this module holds the checks.
"""

from __future__ import annotations

from babel import numbers as babel_numbers

from relais.document.inline import strip_placeholders
from relais.checks.base import CheckContext, Finding, PackLocales, SegmentCheck, SegmentPair, Severity
from relais.text.figures import Figure, has_figures, Outcome, amount_extent, analyse, currency_of, localise, localise_amount


# --------------------------------------------------------------------------- checks


class _FiguresCheck(SegmentCheck):
    locales = PackLocales(has_figures)

    def outcome(self, pair: SegmentPair, ctx: CheckContext) -> tuple[Outcome, list[Figure]]:
        return analyse(pair.source_plain, pair.target_plain, ctx.source_lang, pair.target_lang)

    def span(self, pair: SegmentPair, figure: Figure) -> tuple[int, int]:
        return pair.target_span(figure.start, figure.end)

    def amount_span(self, pair: SegmentPair, figure: Figure) -> tuple[int, int]:
        """The target span of the whole amount (currency and scale included)."""
        return pair.target_span(*amount_extent(pair.target_plain, figure))

    def whole_amount(self, pair: SegmentPair, figure: Figure, source: Figure) -> str:
        """The replacement for the whole amount around ``figure``: the value of
        ``source`` in the target's form, with the source's currency named."""
        return localise_amount(figure, pair.target_lang, currency_of(pair.source_plain, source, "en"))


class MissingFigure(_FiguresCheck):
    """A figure of the source is nowhere in the translation.

    id ``numbers.missing``, critical, fr de es it pt.  Example: "The fire destroyed 27
    homes." → "L'incendie a détruit des maisons." (the finding covers the whole target
    segment; the suggestion is the figure in the target's form, "27").  Figures written
    in words ("vingt-sept", "trois", "la moitié", "XVIIe") count as present.
    """

    id = "numbers.missing"
    severity = Severity.CRITICAL
    description = "A number, date, time, amount or percentage of the source is missing from the translation."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        outcome, _ = self.outcome(pair, ctx)
        return [
            self.finding(
                pair, 0, len(pair.target), f"“{s.text}” in the source is missing from the translation", localise(s, pair.target_lang),
                # part of a name ("COVID-19", "Airbus A380"): the names check owns names
                Severity.MINOR if s.name_like else None,
            )
            for s in outcome.missing
        ]


class ExtraFigure(_FiguresCheck):
    """A figure in the translation that the source does not have.

    id ``numbers.extra``, critical, fr de es it pt.  Example: "Dozens were hurt." →
    "35 personnes ont été blessées."  Figures the source writes in words ("three",
    "half", "a dozen", "four dozen", "half a century") are not extra, nor a conversion the
    translator added ("90 °F (32 °C)").  A figure that is part of a name or an address
    ("rugby a 15", "1, rue …", "Hauptstraße 5") is minor: the names check owns names.
    """

    id = "numbers.extra"
    severity = Severity.CRITICAL
    description = "A number in the translation has no counterpart in the source."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        outcome, _ = self.outcome(pair, ctx)
        return [
            self.finding(
                pair, *self.span(pair, t), f"“{t.text}” is not in the source", None,
                # part of a name or an address ("rugby a 15", "1, rue …"): the names check owns names
                Severity.MINOR if t.name_like else None,
            )
            for t in outcome.extra
        ]


class ChangedFigure(_FiguresCheck):
    """A figure of the source appears changed in the translation.

    id ``numbers.mismatch``, critical, fr de es it pt.  Compares values, not strings:
    "$1.2 billion" = "1,2 milliard de dollars", but "12 millions" is a change.  Also a
    number valid in the target locale that means something else ("1,200" in French is
    1.2) and a date whose month changed ("2 April" → "2 mai").  Example: "27 people" →
    "72 personnes" (suggestion "27").
    """

    id = "numbers.mismatch"
    severity = Severity.CRITICAL
    description = "A figure was changed in translation (compared by value, in the target's number format)."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        outcome, _ = self.outcome(pair, ctx)
        findings = []
        for s, t in outcome.mismatched:
            what = f"“{t.text}” here but “{s.text}” in the source"
            if s.month and t.month and s.month != t.month:
                what = f"“{t.text}”: the source's month is different (“{s.text}”)"
            findings.append(self.finding(pair, *self.amount_span(pair, t), what, self.whole_amount(pair, s, s), replaces=True))
        return findings


class UnlocalisedFigure(_FiguresCheck):
    """A figure with the right value written in the source language's form.

    id ``numbers.format``, minor, fr de es it pt.  Example: "4,200,000.5" in French
    (suggestion "4 200 000,5"), "50%" in French or German (suggestion "50 %").  A form
    that is valid in the target and means another value ("1,200" in French) is
    ``numbers.mismatch`` instead.
    """

    id = "numbers.format"
    severity = Severity.MINOR
    description = "A figure keeps the source language's number format (separators, percent sign spacing)."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        outcome, _ = self.outcome(pair, ctx)
        findings = []
        for s, t in outcome.misformatted:
            if t.kind == "percent":
                number = t.number if t.number is not None else t.value
                suggestion = babel_numbers.format_percent(number / 100, locale=pair.target_lang, decimal_quantization=False)
                span = self.span(pair, t)
            else:
                suggestion = self.whole_amount(pair, t if s.scale != t.scale else s, s)
                span = self.amount_span(pair, t)
            findings.append(self.finding(pair, *span, f"“{t.text}” is written the source language's way", suggestion,
                                         replaces=True))  # fmt: skip
        return findings


class ConvertedFigure(_FiguresCheck):
    """A measurement converted to another unit; worth a second look, not an error.

    id ``numbers.converted``, minor, fr de es it pt.  Example: "a 5-mile walk" →
    "une marche de 8 km" (5 miles ≈ 8.05 km).  Conversions off by more than 6 % are
    reported as ``numbers.mismatch``.
    """

    id = "numbers.converted"
    severity = Severity.MINOR
    description = "A measurement was converted to another unit (checked within 6 %)."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        outcome, _ = self.outcome(pair, ctx)
        return [
            self.finding(pair, *self.span(pair, t), f"“{t.text}” converts “{s.text}” from the source; check the conversion")
            for s, t in outcome.converted
        ]


class StaleFigure(_FiguresCheck):
    """In the update of a story, the translation of a changed segment still carries a
    figure the source corrected.

    id ``numbers.stale``, critical, fr de es it pt.  Version 1 "The storm damaged 4,200
    metres of sea wall." was corrected to "4,600 metres"; a translation that says
    "4 200 mètres" keeps the old value (suggestion "4 600").  Only for segments that
    changed since the earlier version (``CheckContext.earlier``).
    """

    id = "numbers.stale"
    severity = Severity.CRITICAL
    description = "After a correction in the source, the translation still has the figure's old value."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        old = ctx.earlier.get((pair.block, pair.segment))
        if not old:
            return []
        now, _ = self.outcome(pair, ctx)
        before, _ = analyse(strip_placeholders(old), pair.target_plain, ctx.source_lang, pair.target_lang)
        # A target figure the new source does not account for, that the old source does.
        unexplained = {(t.start, t.end): (s, t) for s, t in now.mismatched} | {(t.start, t.end): (None, t) for t in now.extra}
        old_unmatched = {(t.start, t.end) for t in before.extra} | {(t.start, t.end) for _, t in before.mismatched}
        findings = []
        for where, (source, target) in sorted(unexplained.items()):
            if where in old_unmatched:
                continue
            message = f"“{target.text}” is the value the source corrected"
            suggestion = None
            if source is not None:
                message += f" (now “{source.text}”)"
                suggestion = self.whole_amount(pair, source, source)
            findings.append(self.finding(pair, *self.amount_span(pair, target), message, suggestion, replaces=source is not None))
        return findings


CHECKS = [MissingFigure, ExtraFigure, ChangedFigure, UnlocalisedFigure, ConvertedFigure, StaleFigure]
