"""The names checks: names.missing, names.misspelt, names.swapped, names.invented,
names.inconsistent, names.stale.

The analysis they share (names found in the English source, located in the target with
the tolerance a translator needs) is ``relais.text.names``; this module holds the checks.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from rapidfuzz import fuzz

from relais.document.inline import strip_placeholders
from relais.checks.base import CheckContext, DocumentCheck, Finding, NearbySource, SegmentCheck, SegmentPair, Severity
from relais.text.names import PARTICLES, WORD_RE, PairAnalysis, SourceName, TargetName, Word, analyse, fold, name_data, loosely_renders, place_anaphor, skeleton, source_names, undoubled, unligature, words_of


def _analysis(pair: SegmentPair) -> PairAnalysis:
    return analyse(pair.source_plain, pair.target_plain, pair.target_lang)


def _swaps(analysis: PairAnalysis) -> list[tuple[SourceName, TargetName, bool]]:
    """Missing source names paired with unexplained target names in their place, and
    whether the pairing is weak (a weak name, or an acronym in place of an acronym)."""
    return analysis.swaps


def _misspelt(pair: SegmentPair, analysis: PairAnalysis) -> list[tuple[SourceName, Word]]:
    """Missing source names with a target word that is the same name misspelt: the same
    letters in another order, or at most two letters apart ("Morakot" → "Mokarot")."""
    if not (analysis.missing or analysis.weak_missing):
        return []
    swapped = {id(s) for s, _, _ in _swaps(analysis)}
    candidates = [w for w in words_of(pair.target_plain) if w.capitalised and len(w.text) >= 4]
    out = []
    for name in (*analysis.missing, *analysis.weak_missing):
        if id(name) in swapped:
            continue
        for source_word in name.distinctive:  # not the translatable words ("National Hurricane Center")
            if len(source_word.text) < 5 or not source_word.capitalised or source_word.acronym:
                continue
            hit = next((w for w in candidates if w.folded != source_word.folded and _looks_misspelt(source_word.folded, w.folded)), None)
            if hit is not None:
                out.append((name, hit))
                break
    return out


def _looks_misspelt(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 2 or a[0] != b[0]:
        return False
    return sorted(a) == sorted(b) or fuzz.ratio(a, b) >= 85


# --------------------------------------------------------------------------- checks


class NameMissingCheck(SegmentCheck):
    """names.missing: a name of the source does not appear in the target.

    Severity major for a full name or a well-known place or acronym, minor for another
    single-word name (human translators drop or adapt those: "Hispaniola", "Uighur") and
    for a name made of ordinary English words or an acronym ("John Grant", "PBS"),
    critical in headlines, subheadings, key points and quotes (major for the latter
    kind); all locales.
    Tolerates accents, transliteration, inflection, exonyms and changed acronyms.
    Example: "Sergei Lavrov met Annalena Baerbock." → "Sergueï Lavrov a rencontré son homologue."
    (Baerbock missing).
    """

    id = "names.missing"
    severity = Severity.MAJOR
    description = "A person, place or organisation named in the source is absent from the target."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        analysis = _analysis(pair)
        swapped = {id(s) for s, _, _ in _swaps(analysis)} | {id(s) for s, _ in _misspelt(pair, analysis)}  # names.misspelt says it
        weak = Severity.MAJOR if pair.prominent else Severity.MINOR
        findings = []
        for name in analysis.missing:
            if id(name) in swapped:
                continue
            severity = _missing_severity(name, pair)
            anaphor = place_anaphor(pair.target_plain, ctx.target_lang) if severity is Severity.MAJOR and _place(name) else None
            if anaphor:
                # "Italy's declaration of war" → "el país declarara la guerra": most likely the
                # name, not repeated; the translator should still look.
                findings.append(self.finding(pair, 0, 0, f"“{name.text}” is not in the translation (perhaps “{anaphor}”)",
                                             severity=Severity.MINOR))  # fmt: skip
            else:
                findings.append(self.finding(pair, 0, 0, f"“{name.text}” is not in the translation", severity=severity))
        return findings + [
            self.finding(pair, 0, 0, f"“{name.text}” may be missing from the translation", severity=weak)
            for name in analysis.weak_missing
            if id(name) not in swapped
        ]


def _place(name: SourceName) -> bool:
    """A well-known place: in the source pack's places or with known renderings."""
    data = name_data()
    return name.key in data.places or name.key in data.renderings


def _missing_severity(name: SourceName, pair: SegmentPair) -> Severity:
    if pair.prominent:
        return Severity.CRITICAL
    data = name_data()
    words = name.distinctive
    # Words joined by hyphens are one part of a name ("Jean-Claude", "Laskhar-e-Taiba").
    parts = {name.text[: w.start - name.words[0].start].count(" ") for w in words}
    well_known = len(parts) >= 2 or any(w.acronym or w.folded in data.places or w.folded in data.renderings for w in words)
    return Severity.MAJOR if well_known else Severity.MINOR


class NameMisspeltCheck(SegmentCheck):
    """names.misspelt: a name of the source is written wrongly in the target — its letters
    reordered or one or two of them changed, where no known rendering explains it.

    Severity major; all locales.  Suggestion: the source's spelling.
    Example: "the eye of Morakot" → "l’œil du Mokarot".
    """

    id = "names.misspelt"
    severity = Severity.MAJOR
    description = "A name of the source is misspelt in the target (letters reordered or changed)."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        return [
            self.finding(pair, *pair.target_span(word.start, word.end), f"“{word.text}” looks like a misspelling of “{name.text}”",
                         suggestion=next((w.text for w in name.words if _looks_misspelt(w.folded, word.folded)), name.text), replaces=True)  # fmt: skip
            for name, word in _misspelt(pair, _analysis(pair))
        ]


class NameSwappedCheck(SegmentCheck):
    """names.swapped: a different name stands where the source's name should be.

    Severity critical; minor when the evidence is weak: the missing name is made of
    ordinary English words or is an unknown acronym ("Garden City", "PBS"), one
    acronym stands for another (translators translate those: ADD → TDA), or ordinary
    words of the target language that are neither a person nor a known place stand in
    its place (a translated code name: "Operation Sealion" → "Operación León Marino");
    all locales.
    Example: "Sergei Lavrov said…" → "Jean-Claude Laporte a déclaré…".
    """

    id = "names.swapped"
    severity = Severity.CRITICAL
    description = "The target names someone or somewhere else in place of a source name."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        return [
            self.finding(
                pair, *pair.target_span(run.start, run.end), f"“{pair.target_plain[run.start:run.end]}” stands where the source has “{name.text}”",
                suggestion=name.text, severity=Severity.MINOR if weak else None, replaces=True,
            )
            for name, run, weak in _swaps(_analysis(pair))
        ]


class NameInventedCheck(DocumentCheck):
    """names.invented: the target names a person or place the source does not mention.

    Severity critical; minor where the source names it in another segment of the block
    or of the two blocks before (a pronoun the translator spelled out, sentences merged
    or reordered: "It is spoken…" → "Hindi wird…"); all locales.  Reported for unexplained runs of two or more
    capitalised words (a person), for known places, and for a lone capitalised word the
    target dictionary does not know (not opening a sentence); in German, which
    capitalises nouns, only for one that is short, without a noun ending and no compound
    the dictionary's words make ("Slipanlage"), or that follows a noun ("Stiftung …").
    Example: "The minister spoke." → "Le ministre Jean-Claude Laporte a parlé à Helsinki."
    """

    id = "names.invented"
    severity = Severity.CRITICAL
    description = "A name in the target has no counterpart in the source (likely invented)."

    def run_document(self, pairs: list[SegmentPair], ctx: CheckContext) -> list[Finding]:
        findings: list[Finding] = []
        source_words = NearbySource(pairs, lambda text: (w.folded for w in words_of(text) if len(w.folded) >= 3))
        for pair in pairs:
            analysis = _analysis(pair)
            if not analysis.invented:
                continue
            in_swaps = {id(run) for _, run, _ in _swaps(analysis)}
            approved = _approved_words(pair, ctx)
            for run in analysis.invented:
                if id(run) in in_swaps or any(w.folded in approved for w in run.words):
                    continue
                nearby = source_words.around(pair)
                text = pair.target_plain[run.start : run.end]
                span = pair.target_span(run.start, run.end)
                if all(w.folded in PARTICLES or any(loosely_renders(s, w.folded) for s in nearby) for w in run.words):
                    findings.append(self.finding(pair, *span, f"“{text}” has no counterpart in this segment's source (the source names it just before)",
                                                 severity=Severity.MINOR))  # fmt: skip
                else:
                    findings.append(self.finding(pair, *span, f"“{text}” has no counterpart in the source"))
        return findings


class NameConsistencyCheck(DocumentCheck):
    """names.inconsistent: one source name is rendered differently across the article.

    Severity major; minor where one spelling is the English one and the other an exonym
    of the same consonant outline ("Falloujah" and "Fallujah", "Hawaï" and "Hawaii"), a
    ligature ("Æthelred") or a Latin ending adapted ("Herostrato" for "Herostratus"), or
    where the two spellings differ only by a doubled letter and accents (Spanish
    "Velociráptor" and "Velocirráptor"); all locales.  Suggestion: the rendering used
    most often.
    Example: "Sergei Lavrov" → "Sergueï Lavrov" in one paragraph, "Sergej Lavrov" in another.
    """

    id = "names.inconsistent"
    severity = Severity.MAJOR
    description = "The same source name is spelled differently in different segments."

    def run_document(self, pairs: list[SegmentPair], ctx: CheckContext) -> list[Finding]:
        # source word → [(pair, target word)]
        seen: dict[str, list[tuple[SegmentPair, Word]]] = defaultdict(list)
        for pair in pairs:
            for _name, hit in _analysis(pair).located:
                for source_word, target_word in hit.pairs:
                    if len(source_word) >= 3 and target_word.capitalised and not target_word.acronym:
                        seen[source_word].append((pair, target_word))
        findings: list[Finding] = []
        for source_word, uses in seen.items():
            spellings = {self._spelling(t, uses) for _, t in uses}
            if len(spellings) < 2:
                continue
            counts = Counter(self._spelling(t, uses) for _, t in uses)
            majority = max(counts, key=lambda s: (counts[s], -min(i for i, (_, t) in enumerate(uses) if self._spelling(t, uses) == s)))
            suggestion = next(t.text for _, t in uses if self._spelling(t, uses) == majority)
            # The English form kept beside an exonym of the same outline (Falloujah and
            # Fallujah, Hawaï and Hawaii) is a matter of style, not a wrong name.
            variants = len(spellings) == 2 and (
                (source_word.lower() in spellings and any(_adapted(fold(source_word), fold(s)) for s in spellings if s != source_word.lower()))
                or len({undoubled(fold(s)) for s in spellings}) == 1)
            for pair, word in uses:
                if self._spelling(word, uses) != majority:
                    findings.append(self.finding(pair, *pair.target_span(word.start, word.end), f"“{word.text}” here, “{suggestion}” elsewhere in the article",
                                                 suggestion=suggestion, severity=Severity.MINOR if variants else None, replaces=True))  # fmt: skip
        return findings

    @staticmethod
    def _spelling(word: Word, uses: list[tuple[SegmentPair, Word]]) -> str:
        """Case-insensitive spelling, a German genitive ``s`` folded onto its base form."""
        spelling = word.text.lower()
        if spelling.endswith("s") and any(t.text.lower() == spelling[:-1] for _, t in uses):
            return spelling[:-1]
        return spelling


def _adapted(english: str, other: str) -> bool:
    """A spelling that adapts the English one to the target language: the same consonant
    outline ("fallujah" / "falloujah"), a ligature ("ethelred" / "aethelred"), or a Latin
    ending adapted ("herostratus" / "herostrato", "herostrate")."""
    if skeleton(english) == skeleton(other) or english == unligature(other):
        return True
    stem = re.sub(r"(?:us|um|os|es)$", "", english)
    return len(stem) >= 4 and stem != english and other.startswith(stem) and len(other) - len(stem) <= 1


def _approved_words(pair: SegmentPair, ctx: CheckContext) -> frozenset[str]:
    """Words of the termbase's approved renderings of the source's names: a name written
    as the termbase says is not an invention (the termbase checks are in terms.py)."""
    if ctx.termbase is None:
        return frozenset()
    words: set[str] = set()
    done: set[str] = set()
    for name in source_names(pair.source_plain):
        candidates = [name.text] + ([w.text for w in name.distinctive] if len(name.words) > 1 else [])
        for term in candidates:
            if fold(term) in done:
                continue
            entry = ctx.termbase.renderings(term, pair.target_lang)
            if entry is None:
                continue
            done.add(fold(term))
            words.update(fold(w) for w in WORD_RE.findall(entry[0]))
    return frozenset(words)


# The termbase checks (terms.violation, terms.forbidden) live in relais/checks/terms.py.
class NameStaleCheck(SegmentCheck):
    """names.stale: in the update of a story, the translation of a changed segment still
    spells a name the way the source corrected.

    Severity critical; all locales.  Version 1 "Mayor Anna Kowalska opened the quay."
    was corrected to "Mayor Anna Kowalski…"; a translation that still says "Kowalska" keeps
    the old name (suggestion "Kowalski" where the corrected name has as many words).
    Only the distinctive words of a name the new source no longer has, found as written
    (accents aside) in the target and nowhere in the new source; only for segments that
    changed since the earlier version (``CheckContext.earlier``).
    """

    id = "names.stale"
    severity = Severity.CRITICAL
    description = "After a correction in the source, the translation still has a name's old spelling."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        old = ctx.earlier.get((pair.block, pair.segment))
        if not old:
            return []
        new_names = source_names(pair.source_plain)
        kept = {n.key for n in new_names}
        now_in_source = {w.folded for w in words_of(pair.source_plain)}
        old_names = source_names(strip_placeholders(old))
        gone = [n for n in old_names if n.key not in kept]
        if not gone:
            return []
        old_keys = {n.key for n in old_names}
        added = [n for n in new_names if n.key not in old_keys]
        target_words = words_of(pair.target_plain)
        findings = []
        for name in gone:
            replacement = _replacement(name, added)
            for i, word in enumerate(name.words):
                if word not in name.distinctive or word.folded in now_in_source:
                    continue
                for t in target_words:
                    if t.folded != word.folded:
                        continue
                    new_word = replacement.words[i].text if replacement is not None else None
                    message = f"“{t.text}” is the name the source corrected" + (f" (now “{replacement.text}”)" if replacement else "")
                    findings.append(self.finding(pair, *pair.target_span(t.start, t.end), message, new_word, replaces=new_word is not None))
        return findings


def _replacement(name: SourceName, added: list[SourceName]) -> SourceName | None:
    """The name of the new source that took ``name``'s place: the one added name, when it
    has as many words."""
    if len(added) == 1 and len(added[0].words) == len(name.words):
        return added[0]
    return None


CHECKS = [NameMissingCheck, NameMisspeltCheck, NameSwappedCheck, NameInventedCheck, NameConsistencyCheck, NameStaleCheck]
