"""TMX, TBX and XLIFF interchange, against files written by hand to the standards
(``fixtures/``), not produced by Relais itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from relais.errors import InputError
from relais.memory import interchange as ic
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


def test_tmx_round_trip_gives_the_same_entries(new_store_url, store):
    with store.write() as s:
        ic.import_tmx(s, fixture("memory.tmx"))
        first = tm_entries(s)
        exported = ic.export_tmx(s)
        again = ic.import_tmx(s, exported)
        assert again.added == 0 and again.duplicates == 5
    assert b'<bpt i="1" type="link">&lt;a1&gt;</bpt>' in exported and b'creationid="marie"' in exported
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
    (_tmx(GOOD, TMX_UNIT.format(src='A <ph x="1">&lt;br/&gt;</ph>b', trg="Un b")), "inline tag <ph>"),
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
