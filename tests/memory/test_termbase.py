"""The termbase on a real store: approval rights, one house rendering per
language, lookup (hints, longest first, fast on a big termbase) and proposals from a
review, up to the next article being checked against the approved rendering."""

from __future__ import annotations


import pytest
from sqlalchemy import event
from sqlalchemy import select

from relais.checks.base import CheckContext, SegmentPair
from relais.checks.terms import TermForbiddenCheck, TermViolationCheck
from relais.document.model import BlockKind
from relais.memory import termbase as tb
from relais.review import service
from relais.store.actors import Actor, PermissionDenied
from relais.store import translation
from relais.store.db import open_store
from relais.store.models import TermRenderingRow, TermRow, TermStatus, TermType, UserRow
from tests.review.seed import seed_job

STORY = [
    (BlockKind.HEADLINE, "Lavrov and Blinken meet in Geneva", "Lavrov et Blinken se rencontrent à Genève"),
    (BlockKind.PARAGRAPH, "Sergei Lavrov met Antony Blinken in Geneva on Monday.",
     "Sergei Lavrov a rencontré Antony Blinken à Genève lundi."),
    (BlockKind.PARAGRAPH, "The talks lasted three hours, officials said.",
     "Les discussions ont duré trois heures, ont dit des responsables."),
    (BlockKind.PARAGRAPH, "Officials said Putin did not attend.", "Selon les responsables, Putin n'était pas présent."),
]  # fmt: skip
NEXT_STORY = [
    (BlockKind.HEADLINE, "Ceasefire talks resume", "Reprise des pourparlers de cessez-le-feu"),
    (BlockKind.PARAGRAPH, "Sergei Lavrov said the talks would resume in May.",
     "Sergei Lavrov a déclaré que les pourparlers reprendraient en mai."),
]  # fmt: skip
USERS = {"tina": ("translator", ["fr"]), "dora": ("translator", ["de"]), "eddie": ("editor", []), "ada": ("admin", [])}


TEMPLATE = "termbase"  # the seeded template's name (tests/stores.py)


def _seed(url: str) -> tuple[str, int, list[int]]:
    store = open_store(url)
    try:
        with store.write() as s:
            for name, (role, langs) in USERS.items():
                s.add(UserRow(name=name, password_hash="-", role=role, languages=langs))  # no login needed here
        job = seed_job(store, story=STORY, links={})
    finally:
        store.close()
    return TEMPLATE, job.job_id, job.segment_ids


@pytest.fixture(scope="module")
def template(databases) -> tuple[str, int, list[int]]:
    """One database with the users and a French job whose draft keeps "Sergei Lavrov"."""
    return databases.seeded(TEMPLATE, _seed)


@pytest.fixture
def store(template, new_store_url):
    store = open_store(new_store_url(template=TEMPLATE))
    yield store
    store.close()


@pytest.fixture
def empty(store_url):
    store = open_store(store_url)
    with store.write() as s:
        for name, (role, langs) in USERS.items():
            s.add(UserRow(name=name, password_hash="-", role=role, languages=langs))
    yield store
    store.close()


def actor(session, name: str) -> Actor:
    return Actor.of(session.scalar(select(UserRow).where(UserRow.name == name)))


def propose(session, source: str, lang: str, text: str, forbidden=(), type_=TermType.PERSON) -> TermRenderingRow:
    term = tb.get_or_add_term(session, source, type_)
    return tb.add_rendering(session, term, lang, text, forbidden=list(forbidden), proposed_by="tina")


# --------------------------------------------------------------------------- approval


def test_only_editors_and_admins_approve_or_reject(empty):
    with empty.write() as s:
        row = propose(s, "Putin", "fr", "Poutine")
        with pytest.raises(PermissionDenied):
            tb.approve_rendering(s, actor(s, "tina"), row.id)
        with pytest.raises(PermissionDenied):
            tb.reject_rendering(s, actor(s, "tina"), row.id)
        assert row.status == TermStatus.PROPOSED
        approved = tb.approve_rendering(s, actor(s, "eddie"), row.id)
        assert (approved.status, approved.approved_by) == (TermStatus.APPROVED, "eddie")
        assert approved.approved_at is not None
        other = propose(s, "Sergei Lavrov", "fr", "Sergueï Lavrov")
        assert tb.approve_rendering(s, actor(s, "ada"), other.id).approved_by == "ada"
        assert tb.approve_rendering(s, Actor.command_line(), other.id).status == TermStatus.APPROVED


def test_approving_a_rendering_demotes_the_previous_one_to_a_forbidden_variant(empty):
    with empty.write() as s:
        eddie = actor(s, "eddie")
        old = propose(s, "Putin", "fr", "Putin", forbidden=["Poutin"])
        tb.approve_rendering(s, eddie, old.id)
        german = tb.approve_rendering(s, eddie, propose(s, "Putin", "de", "Putin").id)
        new = propose(s, "Putin", "fr", "Poutine")
        tb.approve_rendering(s, eddie, new.id)
        fr = [r for r in s.scalars(select(TermRenderingRow).where(TermRenderingRow.lang == "fr"))]
        assert [(r.text, r.status, r.forbidden) for r in fr] == [("Poutine", "approved", ["Poutin", "Putin"])]
        assert "Putin" in (new.note or "")
        assert german.status == TermStatus.APPROVED  # another language is another house rendering
        assert tb.termbase_for(s, "fr").renderings("Putin", "fr") == ("Poutine", ["Poutin", "Putin"])
        assert tb.termbase_for(s, "de").renderings("putin", "de") == ("Putin", [])


def test_rejecting_removes_the_proposal_and_an_orphan_term(empty):
    with empty.write() as s:
        row = propose(s, "Sergei Lavrov", "fr", "Sergeï Lavrov")
        tb.reject_rendering(s, actor(s, "eddie"), row.id)
        assert s.scalars(select(TermRow)).all() == []


def test_list_terms_filters_by_language_status_and_text(empty):
    with empty.write() as s:
        eddie = actor(s, "eddie")
        tb.approve_rendering(s, eddie, propose(s, "Putin", "fr", "Poutine").id)
        propose(s, "Sergei Lavrov", "fr", "Sergueï Lavrov")
        propose(s, "climate change", "de", "Klimawandel", type_=TermType.TERM)
        assert [t.source_term for t in tb.list_terms(s)] == ["climate change", "Putin", "Sergei Lavrov"]
        assert [t.source_term for t in tb.list_terms(s, lang="fr")] == ["Putin", "Sergei Lavrov"]
        assert [t.source_term for t in tb.list_terms(s, lang="fr", status="proposed")] == ["Sergei Lavrov"]
        assert [t.source_term for t in tb.list_terms(s, status="approved")] == ["Putin"]
        assert [t.source_term for t in tb.list_terms(s, query="poutine")] == ["Putin"]
        assert [t.source_term for t in tb.list_terms(s, query="LAVROV")] == ["Sergei Lavrov"]


# --------------------------------------------------------------------------- lookup


def test_hints_are_approved_renderings_longest_first(empty):
    with empty.write() as s:
        eddie = actor(s, "eddie")
        tb.approve_rendering(s, eddie, propose(s, "Lavrov", "fr", "Lavrov").id)
        tb.approve_rendering(s, eddie, propose(s, "Sergei Lavrov", "fr", "Sergueï Lavrov", ["Sergei Lavrov"]).id)
        tb.approve_rendering(s, eddie, propose(s, "Putin", "fr", "Poutine", ["Putin"]).id)
        tb.approve_rendering(s, eddie, propose(s, "Turkey", "fr", "Turquie", type_=TermType.PLACE).id)
        tb.approve_rendering(s, eddie, propose(s, "climate change", "fr", "changement climatique", type_=TermType.TERM).id)
        propose(s, "Antony Blinken", "fr", "Antony Blinken")  # proposed only: no hint

        hints = tb.hints_for(s, "Sergei Lavrov met Antony Blinken; Lavrov later praised Putin's plan.", "en", "fr")
        assert hints == [
            tb.TermHint("Sergei Lavrov", "Sergueï Lavrov", "person", ("Sergei Lavrov",)),
            tb.TermHint("Lavrov", "Lavrov", "person", ()),
            tb.TermHint("Putin", "Poutine", "person", ("Putin",)),
        ]
        # "Lavrov" inside "Sergei Lavrov" is the longer term's, not a hint of its own.
        assert [h.source for h in tb.hints_for(s, "SERGEI LAVROV SPEAKS", "en", "fr")] == ["Sergei Lavrov"]
        assert [h.target for h in tb.hints_for(s, "Climate Change is real, Turkey says.", "en", "fr")] == [
            "changement climatique", "Turquie",
        ]
        assert tb.hints_for(s, "The turkey was roasted; Lavrovsky and Putinism.", "en", "fr") == []
        assert tb.hints_for(s, "Sergei Lavrov spoke.", "en", "de") == []


def test_the_termbase_is_reloaded_after_an_approval(empty):
    with empty.write() as s:
        assert tb.hints_for(s, "Putin spoke.", "en", "fr") == []
        row = propose(s, "Putin", "fr", "Poutine")
        assert tb.hints_for(s, "Putin spoke.", "en", "fr") == []
        tb.approve_rendering(s, actor(s, "eddie"), row.id)
        assert [h.target for h in tb.hints_for(s, "Putin spoke.", "en", "fr")] == ["Poutine"]
        tb.approve_rendering(s, actor(s, "eddie"), propose(s, "Putin", "fr", "Poutine V.").id)
        assert [h.target for h in tb.hints_for(s, "Putin spoke.", "en", "fr")] == ["Poutine V."]


def test_a_big_termbase_is_indexed_once(empty):
    with empty.write() as s:
        term_rows = [TermRow(source_lang="en", source_term=f"Person{i} Name{i}", source_key=f"person{i} name{i}", type="person") for i in range(10_000)]
        s.add_all(term_rows)
        s.flush()
        s.add_all(
            TermRenderingRow(term_id=t.id, lang="fr", text=f"Personne{i} Nom{i}", forbidden=[], status="approved", approved_by="eddie")
            for i, t in enumerate(term_rows)
        )  # fmt: skip
        s.flush()
        text = " ".join(["The minister met Person42 Name42 and Person9999 Name9999 in the capital on Monday."] * 4)
        first = tb.hints_for(s, text, "en", "fr")  # builds the index
        statements: list[str] = []
        engine = s.get_bind().engine
        count = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
        event.listen(engine, "before_cursor_execute", count)
        try:
            for _ in range(20):
                assert tb.hints_for(s, text, "en", "fr") == first
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert [h.target for h in first] == ["Personne9999 Nom9999", "Personne42 Nom42"]
        # Indexed once: each later call asks the store only whether the termbase changed
        # (one small stamp query), never for the 10,000 renderings again.
        assert len(statements) == 20, statements[:3]
        assert not any("term_renderings.text" in q and "JOIN" in q.upper() for q in statements), statements[:3]


def test_store_termbase_answers_the_checks_protocol(empty):
    with empty.write() as s:
        tb.approve_rendering(s, actor(s, "eddie"), propose(s, "Putin", "fr", "Poutine", ["Putin"]).id)
        termbase = tb.StoreTermbase.load(s, "fr")
    assert termbase.renderings("Putin", "fr") == ("Poutine", ["Putin"])
    assert termbase.renderings("putin", "fr") == ("Poutine", ["Putin"])
    assert termbase.renderings("Putin", "de") is None
    assert termbase.renderings("Lavrov", "fr") is None


# --------------------------------------------------------------------------- proposals from a review


def edit(session, job_id: int, segment_id: int, text: str, who: str = "tina") -> None:
    version = service.segment_view(session, job_id, segment_id).version
    service.save_segment(session, actor(session, who), job_id, segment_id, text, version)


def test_a_name_corrected_in_review_is_proposed(store, template):
    _, job_id, segs = template
    with store.write() as s:
        edit(s, job_id, segs[1], "Sergueï Lavrov a rencontré Antony Blinken à Genève lundi.")
        rows = tb.propose_from_review(s, actor(s, "tina"), translation.load(s, job_id))
        got = [(r.term.source_term, r.term.type, r.lang, r.text, r.forbidden, r.status, r.proposed_by, r.job_id) for r in rows]
        assert got == [("Sergei Lavrov", "person", "fr", "Sergueï Lavrov", ["Sergei Lavrov"], "proposed", "tina", job_id)]
        again = tb.propose_from_review(s, actor(s, "tina"), translation.load(s, job_id))
        assert [r.id for r in again] == [rows[0].id]  # nothing new the second time
        assert len(s.scalars(select(TermRenderingRow)).all()) == 1


def test_a_one_word_name_is_proposed_among_other_edits(store, template):
    _, job_id, segs = template
    with store.write() as s:
        edit(s, job_id, segs[3], "Selon des responsables, Poutine n'était pas présent.")
        rows = tb.propose_from_review(s, actor(s, "tina"), translation.load(s, job_id))
        assert [(r.term.source_term, r.text, r.forbidden) for r in rows] == [("Putin", "Poutine", ["Putin"])]


def test_ordinary_edits_are_not_proposed(store, template):
    _, job_id, segs = template
    with store.write() as s:
        edit(s, job_id, segs[1], "Sergei Lavrov a vu Antony Blinken à Genève ce lundi.")
        edit(s, job_id, segs[2], "Les pourparlers ont duré trois heures, selon des responsables.")
        edit(s, job_id, segs[3], "Selon les responsables, le président n'était pas présent.")  # the name replaced by a title, not re-spelled
        assert tb.propose_from_review(s, actor(s, "tina"), translation.load(s, job_id)) == []


def test_an_approved_rendering_is_not_proposed_again(store, template):
    _, job_id, segs = template
    with store.write() as s:
        tb.approve_rendering(s, actor(s, "eddie"), propose(s, "Sergei Lavrov", "fr", "Sergueï Lavrov").id)
        edit(s, job_id, segs[1], "Sergueï Lavrov a rencontré Antony Blinken à Genève lundi.")
        assert tb.propose_from_review(s, actor(s, "tina"), translation.load(s, job_id)) == []


def test_proposing_needs_the_right_to_review_the_language(store, template):
    _, job_id, _ = template
    with store.write() as s, pytest.raises(PermissionDenied):
        tb.propose_from_review(s, actor(s, "dora"), translation.load(s, job_id))


def test_proposed_approved_then_the_next_article_is_checked_and_hinted(store, template):
    """Issue 5's "done when", as far as the termbase goes: a reviewer's correction is
    proposed, an editor approves it, and the next article's draft that keeps the old
    spelling is flagged with the approved rendering, which is also its glossary hint."""
    _, job_id, segs = template
    with store.write() as s:
        edit(s, job_id, segs[1], "Sergueï Lavrov a rencontré Antony Blinken à Genève lundi.")
        (row,) = tb.propose_from_review(s, actor(s, "tina"), translation.load(s, job_id))
        tb.approve_rendering(s, actor(s, "eddie"), row.id)
    nxt = seed_job(store, story=NEXT_STORY, links={}, title="Next")
    with store.write() as s:
        view = service.job_view(s, nxt.job_id)
        seg = view.segments[1]
        assert [(h.source, h.target) for h in tb.hints_for(s, seg.source, "en", "fr")] == [("Sergei Lavrov", "Sergueï Lavrov")]
        termbase = tb.termbase_for(s, "fr")
    pair = SegmentPair(seg.block, seg.index, BlockKind(seg.kind), seg.source, seg.draft, "en", "fr")
    ctx = CheckContext("en", "fr", termbase=termbase)
    found = [f for check in (TermViolationCheck(), TermForbiddenCheck()) for f in check.run(pair, ctx)]
    assert [(f.check, seg.draft[f.start : f.end], f.suggestion) for f in found] == [("terms.forbidden", "Sergei Lavrov", "Sergueï Lavrov")]
