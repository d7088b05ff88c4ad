"""TMX, TBX and XLIFF interchange, against files written by hand to the standards
(``fixtures/``), not produced by Relais itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import create_engine, func, inspect, select

from relais.errors import InputError
from relais.memory import interchange as ic
from relais.memory.tm import add_entry
from relais.review import accounts, service, xliff
from relais.store.actors import Actor, PermissionDenied
from relais.store.db import open_store
from relais.store.models import ReviewEventRow, RevisionRow, TermRenderingRow, TermRow, TmEntryRow

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def store(store_url):
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def seeded(seeded_url, seeded_job):
    """A copy of the seeded store (tests/review/seed.py) and its French job."""
    store = open_store(seeded_url)
    yield store, seeded_job
    store.close()


def tm_entries(session) -> set[tuple]:
    return {
        (e.source_lang, e.target_lang, e.source_text, e.target_text, e.approved_by,
         e.approved_at.replace(tzinfo=UTC) if e.approved_at and e.approved_at.tzinfo is None else e.approved_at, e.note)
        for e in session.scalars(select(TmEntryRow))
    }  # fmt: skip


def termbase(session) -> set[tuple]:
    return {
        (t.source_term, t.type, t.note, r.lang, r.text, r.status, tuple(r.forbidden or []), r.note)
        for t in session.scalars(select(TermRow))
        for r in t.renderings
    }


# --------------------------------------------------------------------------- TMX


def test_tmx_import_reads_units_languages_tags_and_provenance(store):
    with store.write() as s:
        report = ic.import_tmx(s, fixture("memory.tmx"))
        assert (report.units, report.added, report.duplicates, report.languages) == (4, 5, 0, ["de", "fr"])
        rows = {(e.target_lang, e.source_text): e for e in s.scalars(select(TmEntryRow))}
    council = rows[("fr", "The council approved the plan by 7 votes to 2.")]
    assert council.origin == "import" and council.approved_by == "marie"
    assert council.approved_at.replace(tzinfo=UTC) == datetime(2024, 3, 2, 10, 15, tzinfo=UTC)
    assert council.note == 'Council style: "conseil municipal", not "conseil de ville".'
    linked = rows[("fr", "Repairs will start in <a1>the spring</a1>, the <b1>mayor</b1> said.")]
    assert linked.target_text == "Les travaux commenceront au <a1>printemps</a1>, a déclaré le <b1>maire</b1>."
    assert linked.approved_at.replace(tzinfo=UTC) == datetime(2024, 3, 5, 16, 0, tzinfo=UTC)  # changedate wins
    # one unit, two target languages; the tuv's own attributes and notes win over the tu's
    boats_fr = rows[("fr", "Fishing boats stayed in port for three weeks.")]
    boats_de = rows[("de", "Fishing boats stayed in port for three weeks.")]
    assert boats_fr.approved_by == "marie" and boats_de.approved_by == "hans"
    assert boats_de.note == "Checked against the print edition."
    # HTML native code in bpt (another tool's convention) becomes numbered placeholders
    papers = rows[("fr", "Read <i1>Le Monde</i1> & <b1>Die Zeit</b1> daily.")]
    assert papers.target_text == "Lisez <i1>Le Monde</i1> et <b1>Die Zeit</b1> chaque jour."


def segs(data: bytes) -> list[list[bytes]]:
    """Each unit's <seg> elements, in canonical XML (C14N 2.0)."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    return [[etree.tostring(seg, method="c14n2") for seg in tu.iter("seg")] for tu in root.iter("tu")]


def test_tmx_round_trip_gives_the_same_entries(new_store_url, store):
    with store.write() as s:
        ic.import_tmx(s, fixture("memory.tmx"))
        first = tm_entries(s)
        exported = ic.export_tmx(s)
        again = ic.import_tmx(s, exported)
        assert again.added == 0 and again.duplicates == 5
    # every seg comes back out with the file's own inline codes (unit 3 has two targets)
    original = segs(fixture("memory.tmx"))
    assert segs(exported) == [original[0], original[1], original[2][:2], original[2][::2], original[3]]
    assert b'creationid="marie"' in exported
    assert b'creationtool="Relais"' in exported and b'<tmx version="1.4">' in exported
    other = open_store(new_store_url("other"))
    try:
        with other.write() as s:
            ic.import_tmx(s, exported)
            assert tm_entries(s) == first
            only_de = ic.export_tmx(s, target_lang="de")
        assert b'xml:lang="de"' in only_de and b'xml:lang="fr"' not in only_de
    finally:
        other.close()


# One row per kind of inline code: the source and target <seg> content of a unit written
# as another tool writes it, and the texts the memory keeps (Relais's placeholders only).
INLINE_CASES = [
    ("bold bpt/ept",
     'A <bpt i="1">&lt;b&gt;</bpt>bold<ept i="1">&lt;/b&gt;</ept> move.',
     'Un geste <bpt i="1">&lt;b&gt;</bpt>audacieux<ept i="1">&lt;/b&gt;</ept>.',
     "A <b1>bold</b1> move.", "Un geste <b1>audacieux</b1>."),
    ("link with attributes",
     'Read <bpt i="1" x="1" type="link">&lt;a href="https://example.org/r?id=4&amp;amp;p=2" title="Report"&gt;</bpt>'
     'the report<ept i="1">&lt;/a&gt;</ept>.',
     'Lisez <bpt i="1" x="1" type="link">&lt;a href="https://example.org/r?id=4&amp;amp;p=2" title="Rapport"&gt;</bpt>'
     'le rapport<ept i="1">&lt;/a&gt;</ept>.',
     "Read <a1>the report</a1>.", "Lisez <a1>le rapport</a1>."),
    ("ph",
     'First line.<ph x="1" type="lb">&lt;br/&gt;</ph> Second line.',
     'Première ligne.<ph x="1" type="lb">&lt;br/&gt;</ph> Deuxième ligne.',
     "First line. Second line.", "Première ligne. Deuxième ligne."),
    ("it begin/end",
     '<it pos="begin" x="1">&lt;i&gt;</it>the speech went on',
     'le discours a continué<it pos="end" x="1">&lt;/i&gt;</it>',
     "the speech went on", "le discours a continué"),
    ("ut",
     r"Price: <ut>{\b}</ut>10 euros<ut>{\b0}</ut>.",
     r"Prix : <ut>{\b}</ut>10 euros<ut>{\b0}</ut>.",
     "Price: 10 euros.", "Prix : 10 euros."),
    ("hi without a placeholder",
     'The <hi type="x-term" x="1">sea wall</hi> broke.',
     'La <hi type="x-term" x="1">digue</hi> a cédé.',
     "The sea wall broke.", "La digue a cédé."),
    ("hi as bold",
     'A <hi type="bold">strong</hi> wind.',
     'Un vent <hi type="bold">fort</hi>.',
     "A <b1>strong</b1> wind.", "Un vent <b1>fort</b1>."),
    ("nested pairs",
     '<bpt i="1">&lt;strong&gt;</bpt>Very <bpt i="2">&lt;em&gt;</bpt>big<ept i="2">&lt;/em&gt;</ept> news'
     '<ept i="1">&lt;/strong&gt;</ept> today.',
     '<bpt i="1">&lt;strong&gt;</bpt>Une <bpt i="2">&lt;em&gt;</bpt>grande<ept i="2">&lt;/em&gt;</ept> nouvelle'
     '<ept i="1">&lt;/strong&gt;</ept> aujourd’hui.',
     "<b1>Very <i1>big</i1> news</b1> today.", "<b1>Une <i1>grande</i1> nouvelle</b1> aujourd’hui."),
    ("targets paired by x",
     '<bpt i="1" x="1">&lt;b&gt;</bpt>Ann<ept i="1">&lt;/b&gt;</ept> met <bpt i="2" x="2">&lt;b&gt;</bpt>Bo'
     '<ept i="2">&lt;/b&gt;</ept>.',
     '<bpt i="1" x="2">&lt;b&gt;</bpt>Bo<ept i="1">&lt;/b&gt;</ept> a vu <bpt i="2" x="1">&lt;b&gt;</bpt>Ann'
     '<ept i="2">&lt;/b&gt;</ept>.',
     "<b1>Ann</b1> met <b2>Bo</b2>.", "<b2>Bo</b2> a vu <b1>Ann</b1>."),
    ("bpt/ept Relais has no placeholder for, overlapping a pair",
     'See <bpt i="1">&lt;span class="x"&gt;</bpt>the <bpt i="2">&lt;b&gt;</bpt>map<ept i="1">&lt;/span&gt;</ept>'
     ' here<ept i="2">&lt;/b&gt;</ept>.',
     'Voir <bpt i="1">&lt;span class="x"&gt;</bpt>la <bpt i="2">&lt;b&gt;</bpt>carte<ept i="1">&lt;/span&gt;</ept>'
     ' ici<ept i="2">&lt;/b&gt;</ept>.',
     "See the <b1>map here</b1>.", "Voir la <b1>carte ici</b1>."),
    ("sub, codes side by side and at the ends",
     '<ph x="1">&lt;img alt="<sub>A harbour at dawn</sub>"/&gt;</ph><bpt i="1">&lt;i&gt;</bpt>'
     '<ph x="2">{1}</ph>Dawn<ept i="1">&lt;/i&gt;</ept><ph x="3">{2}</ph>',
     '<ph x="1">&lt;img alt="<sub>Un port à l’aube</sub>"/&gt;</ph><bpt i="1">&lt;i&gt;</bpt>'
     '<ph x="2">{1}</ph>Aube<ept i="1">&lt;/i&gt;</ept><ph x="3">{2}</ph>',
     "<i1>Dawn</i1>", "<i1>Aube</i1>"),
    ("whitespace at the ends",
     ' <bpt i="1">&lt;b&gt;</bpt>Spaced<ept i="1">&lt;/b&gt;</ept> out <ph x="1">&lt;br/&gt;</ph>\n',
     '<ph x="1">&lt;br/&gt;</ph> <bpt i="1">&lt;b&gt;</bpt>Espacé<ept i="1">&lt;/b&gt;</ept> ',
     "<b1>Spaced</b1> out", "<b1>Espacé</b1>"),
    ("Relais's own earlier convention",
     'Repairs in <bpt i="1" type="link">&lt;a2&gt;</bpt>spring<ept i="1">&lt;/a2&gt;</ept>.',
     'Travaux au <bpt i="1" type="link">&lt;a2&gt;</bpt>printemps<ept i="1">&lt;/a2&gt;</ept>.',
     "Repairs in <a2>spring</a2>.", "Travaux au <a2>printemps</a2>."),
]


@pytest.mark.parametrize("source,target,source_text,target_text", [c[1:] for c in INLINE_CASES],
                         ids=[c[0] for c in INLINE_CASES])  # fmt: skip
def test_a_tmx_comes_back_out_with_its_own_inline_codes(store, source, target, source_text, target_text):
    data = _tmx(GOOD, TMX_UNIT.format(src=source, trg=target).replace("<tu>", '<tu tuid="u7">'))
    with store.write() as s:
        assert ic.import_tmx(s, data).added == 2
        entry = s.scalar(select(TmEntryRow).where(TmEntryRow.source_text != "One sentence."))
        assert (entry.source_text, entry.target_text) == (source_text, target_text)
        exported = ic.export_tmx(s)
        codes = entry.codes
    assert segs(exported)[1] == segs(data)[1]
    # the same codes through XLIFF 1.2 and 2.0 inline elements, and back
    for mode, ns in (("x12", ic.XLIFF12_NS), ("x20", ic.XLIFF20_NS)):
        for side, text in (("source", source_text), ("target", target_text)):
            el = etree.Element(f"{{{ns}}}source", nsmap={None: ns, "relais": ic.RELAIS_NS})
            ic._write_inline(el, text, mode, ns, codes.get(side))
            back = etree.fromstring(etree.tostring(el))
            assert ic._read_inline(back, mode, "unit") == (text, codes.get(side))


def test_relais_entries_export_as_tmx_tags_and_come_back_with_their_names(store, new_store_url):
    with store.write() as s:
        add_entry(s, "en", "fr", "Read <a1>the report</a1> on <b2>Monday</b2>.", "Lisez <a1>le rapport</a1> <b2>lundi</b2>.")
        exported = ic.export_tmx(s)
    (source, target), = segs(exported)
    assert source == (b'<seg>Read <bpt i="1" type="link" x="1">&lt;a&gt;</bpt>the report<ept i="1">&lt;/a&gt;</ept> on '
                      b'<bpt i="2" type="bold" x="2">&lt;b&gt;</bpt>Monday<ept i="2">&lt;/b&gt;</ept>.</seg>')  # fmt: skip
    assert b'<bpt i="2" type="bold" x="2">&lt;b&gt;</bpt>lundi' in target
    assert b"&lt;b1&gt;" not in exported and b'<prop type="x-relais-tags">a1 b2</prop>' in exported
    other = open_store(new_store_url("other"))
    try:
        with other.write() as s:
            ic.import_tmx(s, exported)
            (e,) = s.scalars(select(TmEntryRow))
            assert (e.source_text, e.target_text) == ("Read <a1>the report</a1> on <b2>Monday</b2>.",
                                                      "Lisez <a1>le rapport</a1> <b2>lundi</b2>.")  # fmt: skip
            assert segs(ic.export_tmx(s)) == segs(exported)
    finally:
        other.close()


def test_a_memory_match_gives_a_draft_only_relais_placeholders(store_url):
    from relais.document.inline import PLACEHOLDER_RE, strip_placeholders
    from relais.document.model import Article, Block, BlockKind
    from relais.jobs.runner import MemorySettings, _requests
    from relais.store import repo

    store = open_store(store_url)
    try:
        with store.write() as s:
            article, _ = repo.save_article(s, Article(blocks=[
                Block(BlockKind.PARAGRAPH, "Read <a1>the report</a1> on the first page and the second one."),
                Block(BlockKind.PARAGRAPH, "Read the report on the first page and the third one."),
            ], title="t", source_format="markdown"), b"x", "a.md")  # fmt: skip
            job_id = repo.create_job(s, article.id, "fr", "llama").id
            ic.import_tmx(s, _tmx(TMX_UNIT.format(
                src='Read <bpt i="1" type="link">&lt;a href="/r"&gt;</bpt>the report<ept i="1">&lt;/a&gt;</ept> on the'
                    ' first page<ph x="1">&lt;br/&gt;</ph> and <ut>{\\b}</ut>the second one.',
                trg='Lisez <bpt i="1" type="link">&lt;a href="/r"&gt;</bpt>le rapport<ept i="1">&lt;/a&gt;</ept> en'
                    ' première page<ph x="1">&lt;br/&gt;</ph> et <ut>{\\b}</ut>la deuxième.')))  # fmt: skip
        pending = _requests(store, job_id, MemorySettings(threshold=0.5, limit=3))
        drafts = [r.text for _, r in pending.reused]
        examples = [text for _, req in pending.requests for pair in req.examples for text in pair]
        assert drafts == ["Lisez <a1>le rapport</a1> en première page et la deuxième."] and examples
        for text in drafts + examples:
            assert "<" not in strip_placeholders(text) and "&" not in text and "{" not in text
            assert all(m.group(2) == "a" for m in PLACEHOLDER_RE.finditer(text))
    finally:
        store.close()


# --------------------------------------------------------------------------- TBX


def test_tbx_import_reads_types_statuses_forbidden_variants_and_notes(store):
    with store.write() as s:
        report = ic.import_tbx(s, fixture("termbase.tbx"))
        assert report.units == 3 and report.languages == ["de", "fr"]
        terms = {t.source_term: t for t in s.scalars(select(TermRow))}
        assert {n: t.type for n, t in terms.items()} == {"Sergei Lavrov": "person", "Kyiv": "place", "sea wall": "term"}
        assert terms["Sergei Lavrov"].note == "Russian foreign minister."
        fr = {r.text: r for t in terms.values() for r in t.renderings if r.lang == "fr"}
        assert fr["Sergueï Lavrov"].status == "approved" and fr["Sergueï Lavrov"].forbidden == ["Sergei Lavrov"]
        assert fr["Sergueï Lavrov"].note == "Transliteration used by AFP."
        assert fr["Kyiv"].forbidden == ["Kiev"]  # normativeAuthorization convention
        assert fr["digue"].status == "proposed"  # admitted, not preferred
        de = [r for r in terms["Sergei Lavrov"].renderings if r.lang == "de"]
        assert [(r.text, r.status) for r in de] == [("Sergej Lawrow", "approved")]


def test_tbx_import_as_proposed_and_round_trip(new_store_url, store):
    with store.write() as s:
        ic.import_tbx(s, fixture("termbase.tbx"))
        first = termbase(s)
        exported = ic.export_tbx(s)
    assert b"deprecatedTerm-admn-sts" in exported and b'<descrip type="entityType">person</descrip>' in exported
    other = open_store(new_store_url("other"))
    try:
        with other.write() as s:
            ic.import_tbx(s, exported)
            assert termbase(s) == first
            fr_only = ic.export_tbx(s, lang="fr")
            assert b'xml:lang="de"' not in fr_only and "Sergueï Lavrov".encode() in fr_only
        with other.write() as s:
            s.execute(TermRenderingRow.__table__.delete())
            s.execute(TermRow.__table__.delete())
        with other.write() as s:
            ic.import_tbx(s, fixture("termbase.tbx"), status="proposed")
            assert {r.status for r in s.scalars(select(TermRenderingRow))} == {"proposed"}
    finally:
        other.close()


# --------------------------------------------------------------------------- XLIFF


def _filled(name: str, job) -> bytes:
    fill = {"job": job.job_id, **{f"s{i}": sid for i, sid in enumerate(job.segment_ids)}}
    return (FIXTURES / name).read_text("utf-8").format(**fill).encode("utf-8")


def _actor(session, name: str) -> Actor:
    return Actor.of(accounts.get_user(session, name))


def _claimant(session, job, name: str = "tina") -> Actor:
    """``name``, who has claimed the job: only the claimant (or an editor) may import into it."""
    person = _actor(session, name)
    try:
        service.claim(session, person, job.job_id)
    except service.InvalidState:  # already theirs
        pass
    return person


def test_xliff_export_states_tags_and_notes(seeded):
    store, job = seeded
    try:
        with store.write() as s:
            tina = _actor(s, "tina")
            service.save_segment(s, tina, job.job_id, job.segment_ids[1], "Le conseil a adopté le plan par 7 voix contre 2.", 0)
            service.confirm_segment(s, tina, job.job_id, job.segment_ids[0], 0)
            x12 = ic.export_xliff(s, job.job_id, "1.2").decode()
            x20 = ic.export_xliff(s, job.job_id, "2.0").decode()
        assert 'xmlns="urn:oasis:names:tc:xliff:document:1.2"' in x12 and f'relais:job="{job.job_id}"' in x12
        assert 'original="story.md" source-language="en" target-language="fr"' in x12
        assert f'<trans-unit id="{job.segment_ids[0]}"' in x12 and 'approved="yes"' in x12
        assert x12.count('state="final"') == 1 and x12.count('state="translated"') == 1
        assert x12.count('state="needs-review-translation"') == 4
        assert '<g id="a1" ctype="link">printemps</g>' in x12
        assert '<note from="relais" priority="1">critical' in x12
        assert 'version="2.0" srcLang="en" trgLang="fr"' in x20 and f'<file id="job-{job.job_id}"' in x20
        assert x20.count('state="final"') == 1 and x20.count('state="translated"') == 1 and x20.count('state="initial"') == 4
        assert '<pc id="a1" type="link">printemps</pc>' in x20 and '<note category="relais"' in x20
        with pytest.raises(InputError, match="XLIFF version"):
            with store.write() as s:
                ic.export_xliff(s, job.job_id, "1.1")
    finally:
        store.close()


def test_xliff_12_from_a_cat_tool_applies_edit_approval_and_note(seeded):
    store, job = seeded
    try:
        with store.write() as s:
            report = xliff.import_xliff(s, _claimant(s, job), _filled("job-returned-1.2.xlf", job))
        assert (report.edited, report.confirmed, report.unchanged) == (1, 1, 4)
        assert report.notes == [(str(job.segment_ids[5]),
                                 'English left at the end: please ask the desk whether "the mayor" is Ms Le Gall.')]  # fmt: skip
        with store.write() as s:
            view = {seg.id: seg for seg in service.job_view(s, job.job_id).segments}
            edited = view[job.segment_ids[3]]
            assert edited.text == "La tempête a endommagé 4 200 mètres de digue en janvier." and edited.version == 1
            rev = s.scalar(select(RevisionRow).where(RevisionRow.segment_id == job.segment_ids[3]))
            assert rev.user.name == "tina"
            assert view[job.segment_ids[0]].confirmed_by == "tina"
            assert not view[job.segment_ids[3]].confirmed  # "translated", not final
            notes = list(s.scalars(select(ReviewEventRow).where(ReviewEventRow.action == "note")))
            assert [(n.segment_id, n.actor) for n in notes] == [(job.segment_ids[5], "tina")]
        # importing the same file again changes nothing more
        with store.write() as s:
            again = xliff.import_xliff(s, _claimant(s, job), _filled("job-returned-1.2.xlf", job))
            assert (again.edited, again.confirmed) == (0, 0)
    finally:
        store.close()


def test_xliff_20_from_a_cat_tool_applies_edit_approval_and_note(seeded):
    store, job = seeded
    try:
        with store.write() as s:
            report = xliff.import_xliff(s, _actor(s, "eddie"), _filled("job-returned-2.0.xlf", job))
        assert report.kind == "xliff 2.0" and (report.edited, report.confirmed) == (1, 1)
        assert [u for u, _ in report.notes] == [str(job.segment_ids[4])]
        with store.write() as s:
            view = {seg.id: seg for seg in service.job_view(s, job.job_id).segments}
            assert view[job.segment_ids[5]].text == "Les travaux commenceront au <a1>printemps</a1>, a déclaré le maire."
            assert view[job.segment_ids[2]].confirmed_by == "eddie"
    finally:
        store.close()


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_xliff_round_trip_of_our_own_export_with_an_edit(seeded, version):
    store, job = seeded
    try:
        with store.write() as s:
            data = ic.export_xliff(s, job.job_id, version).decode()
        data = data.replace("4 300 mètres", "4 200 mètres")
        if version == "1.2":
            data = data.replace('state="needs-review-translation">Un hiver', 'state="signed-off">Un hiver')
        else:
            data = data.replace('<segment state="initial">\n        <source>A costly', '<segment state="reviewed">\n        <source>A costly')
        with store.write() as s:
            report = xliff.import_xliff(s, _claimant(s, job), data.encode())
            assert (report.edited, report.confirmed, report.notes) == (1, 1, [])
            view = {seg.id: seg for seg in service.job_view(s, job.job_id).segments}
            assert "4 200 mètres" in view[job.segment_ids[3]].text
            assert view[job.segment_ids[2]].confirmed_by == "tina"
            assert view[job.segment_ids[5]].text.count("<a1>") == 1
    finally:
        store.close()


def _store_state(session) -> tuple:
    return (
        session.scalar(select(func.count()).select_from(RevisionRow)),
        session.scalar(select(func.count()).select_from(ReviewEventRow)),
    )


def test_xliff_import_failing_halfway_changes_nothing(seeded, monkeypatch):
    store, job = seeded
    try:
        with store.write() as s:
            before = _store_state(s)
        calls = []
        real = service.confirm_segment

        def fail_on_approval(*args, **kwargs):  # the edit of s3 has been written by now
            calls.append(args)
            raise service.InvalidState("simulated failure after the first write")

        monkeypatch.setattr(service, "confirm_segment", fail_on_approval)
        data = _filled("job-returned-1.2.xlf", job).replace(
            f'<trans-unit id="{job.segment_ids[0]}" approved="yes">'.encode(), f'<trans-unit id="{job.segment_ids[0]}">'.encode()
        ).replace(b'<target state="final">', b'<target state="translated">')
        data = data.replace(b'state="needs-review-translation">Les travaux', b'state="final">Les travaux')
        with pytest.raises(service.InvalidState):
            with store.write() as s:
                xliff.import_xliff(s, _claimant(s, job), data)
        assert calls, "the failure must come after the edit was saved"
        monkeypatch.setattr(service, "confirm_segment", real)
        with store.write() as s:
            assert _store_state(s) == before
            assert service.job_view(s, job.job_id).segments[3].version == 0
    finally:
        store.close()


XLIFF_REFUSALS = [
    (lambda d, j: d.replace(f'id="{j.segment_ids[4]}"'.encode(), b'id="99999"'), "does not belong to job"),
    (lambda d, j: d.replace(b'<g id="a1" ctype="link">printemps</g>', b'<g id="a2" ctype="link">printemps</g>'),
     "broken inline tags"),
    (lambda d, j: d.replace(b'<g id="a1" ctype="link">printemps</g>', b'<x id="1"/>printemps'), "inline tag <x>"),
    (lambda d, j: d.replace(b'<g id="a1" ctype="link">printemps</g>', b'<g id="a1">printemps</g><ph id="2">&lt;br/&gt;</ph>'),
     "inline tag <ph> is not one Relais can place in a job"),
    (lambda d, j: d.replace(b'<g id="a1" ctype="link">printemps</g>',
                            b'<g id="a1" relais:open="[1]" relais:close="{}">printemps</g>'), "relais: code attribute"),
    (lambda d, j: d.replace(b"<source>Fishing boats stayed in port for three weeks.</source>", b""), "has no <source>"),
    (lambda d, j: d.replace(b' relais:job="' + str(j.job_id).encode() + b'"', b""), "does not name its Relais job"),
    (lambda d, j: d.replace(b'target-language="fr-FR"', b'target-language="de"'), "target language"),
    (lambda d, j: d.replace(b"Fishing boats stayed", b"Fishing boats waited"), "its source is not"),
]


@pytest.mark.parametrize("change,message", XLIFF_REFUSALS)
def test_xliff_refusals_name_the_unit_and_change_nothing(seeded, change, message):
    store, job = seeded
    try:
        with store.write() as s:
            before = _store_state(s)
        data = change(_filled("job-returned-1.2.xlf", job), job)
        with pytest.raises(InputError) as exc:
            with store.write() as s:
                xliff.import_xliff(s, _claimant(s, job), data)
        assert message in str(exc.value) and "\n" not in str(exc.value)
        with store.write() as s:
            assert _store_state(s) == before
    finally:
        store.close()


def test_xliff_import_needs_a_reviewer_of_the_language(seeded):
    store, job = seeded
    try:
        with pytest.raises(PermissionDenied, match="dora may not review fr"):
            with store.write() as s:
                xliff.import_xliff(s, _actor(s, "dora"), _filled("job-returned-1.2.xlf", job))
    finally:
        store.close()


# --------------------------------------------------------------------------- malformed files

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE tmx [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<tmx version="1.4"><header srclang="en" segtype="sentence" o-tmf="x" adminlang="en" datatype="plaintext"
 creationtool="x" creationtoolversion="1"/><body><tu><tuv xml:lang="en"><seg>&d;</seg></tuv>
 <tuv xml:lang="fr"><seg>&d;</seg></tuv></tu></body></tmx>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>&x;</seg></tuv>
<tuv xml:lang="fr"><seg>x</seg></tuv></tu></body></tmx>"""

TMX_UNIT = '<tu><tuv xml:lang="en"><seg>{src}</seg></tuv><tuv xml:lang="fr"><seg>{trg}</seg></tuv></tu>'


def _tmx(*units: str, header: str = '<header srclang="en" segtype="sentence" o-tmf="x" adminlang="en" '
         'datatype="plaintext" creationtool="x" creationtoolversion="1"/>') -> bytes:  # fmt: skip
    return f'<?xml version="1.0"?><tmx version="1.4">{header}<body>{"".join(units)}</body></tmx>'.encode()


GOOD = TMX_UNIT.format(src="One sentence.", trg="Une phrase.")
MALFORMED_TMX = [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"This is not XML at all", "not a well-formed TMX"),
    (b"<tmx version='1.4'><body><tu>", "not a well-formed TMX"),
    (BOMB, "entities"),
    (EXTERNAL, "entities"),
    (b"<xliff version='1.2'/>", "root element is <xliff>"),
    (_tmx(), "no translation units"),
    (_tmx(GOOD, '<tu><tuv xml:lang="fr"><seg>Sans source.</seg></tuv></tu>'), "has no en source text"),
    (_tmx(GOOD, '<tu><tuv xml:lang="en"><seg>Alone.</seg></tuv></tu>'), "has no translation"),
    (_tmx(GOOD, '<tu><tuv><seg>No language.</seg></tuv></tu>'), "has no xml:lang"),
    (_tmx(GOOD, TMX_UNIT.format(src='A <bpt i="1">&lt;b1&gt;</bpt>b', trg="Un b")), "broken inline tags"),
    (_tmx(GOOD, '<tu creationdate="yesterday"><tuv xml:lang="en"><seg>A.</seg></tuv><tuv xml:lang="fr"><seg>Un.</seg></tuv></tu>'),
     "not a TMX date"),
]


@pytest.mark.parametrize("data,message", MALFORMED_TMX)
def test_malformed_tmx_is_refused_and_changes_nothing(store, data, message):
    with pytest.raises(InputError) as exc:
        with store.write() as s:
            ic.import_tmx(s, data)
    assert message in str(exc.value) and "\n" not in str(exc.value)
    with store.write() as s:
        assert s.scalar(select(func.count()).select_from(TmEntryRow)) == 0  # not even the good first unit


B_OPEN, B_CLOSE = '<bpt i="1">&lt;b&gt;</bpt>', '<ept i="1">&lt;/b&gt;</ept>'
MALFORMED_INLINE = [
    ("bpt without ept", f"A {B_OPEN}b", "Un b", 'broken inline tags (<bpt i="1"> has no <ept>)'),
    ("ept of an unknown i", "A b", 'Un <ept i="7">&lt;/b&gt;</ept>b', 'broken inline tags (<ept i="7"> has no <bpt>)'),
    ("bpt without i", 'A <bpt>&lt;b&gt;</bpt>b<ept i="1">&lt;/b&gt;</ept>', "Un b", "<bpt> without a unique i"),
    ("i twice", f"{B_OPEN}A{B_OPEN}b{B_CLOSE}", "Un b", "<bpt> without a unique i"),
    ("pairs crossing", f'{B_OPEN}A <bpt i="2">&lt;i&gt;</bpt>b{B_CLOSE} c<ept i="2">&lt;/i&gt;</ept>', "Un b",
     "placeholder </b1> is not properly nested"),
    ("code inside a code", f'A <ph x="1">{B_OPEN}</ph>b', "Un b", "<ph> holds <bpt>, not native code"),
    ("unknown element", "A <b>b</b>", "Un b", "inline tag <b> is not a TMX inline element"),
    ("sub outside a code", "A <sub>b</sub>", "Un b", "<sub> outside a code"),
    ("it without pos", 'A <it x="1">&lt;i&gt;</it>b', "Un b", '<it> needs pos="begin" or "end"'),
    ("a target tag the source lacks", "A b", f"Un {B_OPEN}b{B_CLOSE}", "<b1> is not a tag of the source"),
]


@pytest.mark.parametrize("tuid", [None, "x-9"])
@pytest.mark.parametrize("source,target,message", [c[1:] for c in MALFORMED_INLINE], ids=[c[0] for c in MALFORMED_INLINE])
def test_malformed_inline_markup_names_the_unit_and_imports_nothing(store, tuid, source, target, message):
    unit = TMX_UNIT.format(src=source, trg=target)
    if tuid:
        unit = unit.replace("<tu>", f'<tu tuid="{tuid}">')
    with pytest.raises(InputError) as exc:
        with store.write() as s:
            ic.import_tmx(s, _tmx(GOOD, unit))
    where = "TMX unit 2 (tuid x-9): " if tuid else "TMX unit 2: "
    assert str(exc.value).startswith(where) and message in str(exc.value) and "\n" not in str(exc.value)
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(TmEntryRow)) == 0  # not even the good first unit


def test_the_entity_bomb_is_refused_without_expanding_it(store):
    with pytest.raises(InputError, match="entities, which Relais refuses") as exc:
        with store.write() as s:
            ic.import_tmx(s, BOMB.replace(b"<!DOCTYPE tmx [", b"<!DOCTYPE tmx [\n").replace(b"&d;", b"&d;&d;&d;&d;"))
    assert "\n" not in str(exc.value)
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(TmEntryRow)) == 0


TBX_ENTRY = ('<termEntry><langSet xml:lang="en"><tig><term>{en}</term></tig></langSet>'
             '<langSet xml:lang="fr">{fr}</langSet></termEntry>')  # fmt: skip


def _tbx(*entries: str) -> bytes:
    return f'<martif type="TBX" xml:lang="en"><martifHeader/><text><body>{"".join(entries)}</body></text></martif>'.encode()


GOOD_TBX = TBX_ENTRY.format(en="harbour", fr="<tig><term>port</term></tig>")
MALFORMED_TBX = [
    (b"", "empty"),
    (b"<martif><text><body>", "not a well-formed TBX"),
    (b"<tbx/>", "root element is <tbx>"),
    (_tbx(), "no term entries"),
    (_tbx(GOOD_TBX, '<termEntry><langSet xml:lang="fr"><tig><term>quai</term></tig></langSet></termEntry>'), "has no en term"),
    (_tbx(GOOD_TBX, '<termEntry><langSet xml:lang="en"><tig><term>quay</term></tig></langSet></termEntry>'),
     "no term in another language"),
    (_tbx(GOOD_TBX, TBX_ENTRY.format(en="quay", fr='<tig><term>kai</term><termNote type="administrativeStatus">'
                                     "deprecatedTerm-admn-sts</termNote></tig>")), "all deprecated"),  # fmt: skip
    (_tbx(GOOD_TBX, '<termEntry><descrip type="entityType">animal</descrip>' + TBX_ENTRY[11:].format(
        en="gull", fr="<tig><term>mouette</term></tig>")), "unknown term type"),  # fmt: skip
]


@pytest.mark.parametrize("data,message", MALFORMED_TBX)
def test_malformed_tbx_is_refused_and_changes_nothing(store, data, message):
    with pytest.raises(InputError) as exc:
        with store.write() as s:
            ic.import_tbx(s, data)
    assert message in str(exc.value) and "\n" not in str(exc.value)
    with store.write() as s:
        assert s.scalar(select(func.count()).select_from(TermRow)) == 0


@pytest.mark.parametrize(
    "data,message",
    [(b"", "empty"), (b"not xml", "not a well-formed XLIFF"), (b"<tmx/>", "not an XLIFF file"),
     (b"<xliff version='1.2'/>", "namespace none"),
     (b'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en"><file id="job-1">'
      b'<unit id="1"><segment><source>x</source></segment></unit></file></xliff>', "no target language")],
)  # fmt: skip
def test_malformed_xliff_is_refused(seeded, data, message):
    store, _ = seeded
    try:
        with pytest.raises(InputError, match=message):
            with store.write() as s:
                xliff.import_xliff(s, _actor(s, "tina"), data)
    finally:
        store.close()


def test_migration_0013_adds_the_codes_of_entries_and_takes_them_away(new_store_url):
    from tests.helpers import at_revision

    url = new_store_url(migrated=False)
    at_revision(url, "0012", [("INSERT INTO tm_entries (source_lang, target_lang, source_text, target_text, source_key, "
                               "origin, created_at) VALUES ('en', 'fr', 'A <b1>b</b1>.', 'Un <b1>b</b1>.', 'A b.', "
                               "'import', '2026-01-01 00:00:00')", {})])  # fmt: skip
    at_revision(url, "0013")
    store = open_store(url)
    try:
        with store.write() as s:
            (entry,) = s.scalars(select(TmEntryRow))
            assert entry.codes is None  # an entry from before: Relais's own tags on export
            assert b'<bpt i="1" type="bold" x="1">&lt;b&gt;</bpt>b' in etree.tostring(
                etree.fromstring(ic.export_tmx(s)), method="c14n2")
            entry.codes = {"source": {"anchored": [{"at": 99, "el": "ph", "attrs": {}}]}}  # not fitting its text
        with store.read() as s:
            assert segs(ic.export_tmx(s))[0][0] == (b'<seg>A <bpt i="1" type="bold" x="1">&lt;b&gt;</bpt>b'
                                                    b'<ept i="1">&lt;/b&gt;</ept>.</seg>')  # fmt: skip
    finally:
        store.close()
    at_revision(url, "0012", down=True)
    engine = create_engine(url)
    try:
        assert "codes" not in {c["name"] for c in inspect(engine).get_columns("tm_entries")}
    finally:
        engine.dispose()
    at_revision(url, "0013")
