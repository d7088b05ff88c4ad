"""One rule for text entering the store (relais/document/text.py), at every entry point
outside the web app — the review service, ``relais terms add`` and ``users add``, TMX,
TBX and XLIFF imports, an engine's output through a real engine — then every export
(``relais xliff export``, ``relais tm export``, ``relais terms export``) working after
them; and migration 0007 cleaning rows stored the old way.  SQLite or PostgreSQL
(RELAIS_TEST_BACKEND)."""

from __future__ import annotations

import copy
import json
import re

import pytest
from sqlalchemy import select, text

from relais.document.text import person_text
from relais.errors import InputError
from relais.memory import tm
from relais.review import accounts, service
from relais.store.actors import Actor
from relais.store.db import open_store
from relais.store.models import RevisionRow, TermRenderingRow, TermRow, TmEntryRow
from tests.engines.replay_server import RECORDINGS, ReplayServer, source_of
from tests.exports import all_text, export_everything
from tests.helpers import RelaisHome, at_revision, assert_one_line_error, query, relais_env, run_relais
from tests.stores import on_postgres

BOATS = "Les bateaux de pêche sont restés au port pendant trois semaines."
# What the rule removes or changes, anywhere in stored text (tab and LF stay legal).
NOT_STORED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _clean(value: str | None) -> bool:
    return value is None or not NOT_STORED.search(value)


# --------------------------------------------------------------------------- the review service


@pytest.mark.parametrize(
    "typed, outcome",
    [
        ("Les bateaux\x00 de pêche.", "U+0000 (NUL) at character 12 is not allowed in text"),
        ("Les bateaux\x01 de pêche.", "U+0001 (SOH) at character 12 is not allowed in text"),
        ("Les bateaux\x0bde pêche.\r\n", "saved: Les bateaux\nde pêche."),
        ("\u2066Les bateaux\u2069 de\tpêche.", "saved: Les bateaux de pêche."),
    ],
)
def test_the_review_service_applies_the_rule(seeded_url: str, seeded_job, typed: str, outcome: str) -> None:
    store = open_store(seeded_url)
    try:
        with store.read() as s:
            tina = Actor.of(accounts.get_user(s, "tina"))
        seg = seeded_job.segment_ids[4]
        if outcome.startswith("saved: "):
            with store.write() as s:
                view = service.save_segment(s, tina, seeded_job.job_id, seg, typed, 0)
            assert view.text == outcome.removeprefix("saved: ")
        else:
            with pytest.raises(InputError, match=re.escape(outcome)), store.write() as s:
                service.save_segment(s, tina, seeded_job.job_id, seg, typed, 0)
            with store.read() as s:
                assert s.scalars(select(RevisionRow)).all() == []
    finally:
        store.close()


# --------------------------------------------------------------------------- the command line


def test_relais_terms_add_refuses_or_cleans_then_the_exports_work(seeded_home: RelaisHome, seeded_job, tmp_path) -> None:
    refused = [
        (("Port\x1bSévrac", "--lang", "fr", "--target", "Port-Sévrac"), "u+001b (esc) at character 5 is not allowed in the source term"),
        (("Port-Sévrac", "--lang", "fr", "--target", "Port\x07Sévrac"), "u+0007 (bel) at character 5 is not allowed in the rendering"),
        (("Port-Sévrac", "--lang", "fr", "--target", "Port-Sévrac", "--forbid", "Port\x9bSevrac"), "u+009b (csi) at character 5"),
        (("Port-Sévrac", "--lang", "fr", "--target", "Port-Sévrac", "--note", "a\x7f"), "u+007f (del) at character 2 is not allowed in the note"),
    ]  # fmt: skip
    for args, needle in refused:
        assert_one_line_error(run_relais(seeded_home, "terms", "add", *args), needle)
    assert query(seeded_home.db_url, "SELECT count(*) FROM terms") == [(0,)]
    proc = run_relais(seeded_home, "terms", "add", "Port\u2028Sévrac", "--lang", "fr", "--target", "\u202ePort-Sévrac\u202c",
                      "--forbid", "Port\x0bSevrac", "--note", "soft\x0bbreak\r\nthen\ttab", "--type", "place")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert query(seeded_home.db_url, "SELECT source_term, note FROM terms") == [("Port Sévrac", "soft\nbreak\nthen tab")]
    assert query(seeded_home.db_url, "SELECT text FROM term_renderings") == [("Port-Sévrac",)]
    roots = export_everything(seeded_home, [seeded_job.job_id], tmp_path / "exports")
    assert "Port Sevrac" in all_text(roots["tbx"]) and "soft\nbreak\nthen tab" in all_text(roots["tbx"])


def test_relais_users_add_refuses_a_final_line_feed(relais_home: RelaisHome) -> None:
    proc = run_relais(relais_home, "users", "add", "fritz\n", "--password-stdin", input=b"a long enough password\n")
    assert_one_line_error(proc, "invalid user name 'fritz\\n'")
    assert query(relais_home.db_url, "SELECT count(*) FROM users") in ([(0,)], None)


# --------------------------------------------------------------------------- imports

TMX_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="test" creationtoolversion="1" '
            'segtype="sentence" o-tmf="test" adminlang="en" srclang="en" datatype="plaintext"/><body>')  # fmt: skip


def _tmx(*units: tuple[str, str, str]) -> bytes:
    body = "".join(f'<tu tuid="{tuid}"><tuv xml:lang="en"><seg>{en}</seg></tuv><tuv xml:lang="fr"><seg>{fr}</seg></tuv></tu>'
                   for tuid, en, fr in units)  # fmt: skip
    return (TMX_HEAD + body + "</body></tmx>").encode()


GOOD_UNITS = [
    ("ref", "The quay will reopen&#x0B;in June.", "Le quai rouvrira&#11;en juin."),  # VT as Trados writes it
    ("raw", "The wall\x0bwill hold.", "La digue\x0ctiendra."),  # raw VT and FF bytes
    ("bidi", "The \u202emayor\u202c spoke.", "Le \u2067maire\u2069 a parlé.\u2028"),
    ("nel", "The port&#x85;reopened.", "Le port&#x2029;a rouvert."),
]


@pytest.mark.parametrize(
    "units, needles",
    [
        ([GOOD_UNITS[0], ("c1", "The harbour.", "Le&#x9B; port.")],
         ["tmx unit 2 (tuid c1)", "u+009b (csi) at character 3 is not allowed in the target text"]),
        ([("del", "The\x7f harbour.", "Le port.")], ["tmx unit 1 (tuid del)", "u+007f (del) at character 4", "source text"]),
        ([GOOD_UNITS[1], ("nul", "The harbour.", "Le&#0; port.")], ["not a well-formed tmx file", "invalid xmlchar value 0"]),
        ([("esc", "The \x1b harbour.", "Le port.")], ["not a well-formed tmx file"]),
    ],
)  # fmt: skip
def test_a_tmx_import_with_a_control_character_is_refused_whole(relais_home: RelaisHome, tmp_path, units, needles) -> None:
    path = tmp_path / "bad.tmx"
    path.write_bytes(_tmx(*units))
    assert_one_line_error(run_relais(relais_home, "tm", "import", str(path)), *needles)
    assert query(relais_home.db_url, "SELECT count(*) FROM tm_entries") == [(0,)]  # all or nothing


def test_a_tmx_import_gets_the_store_s_line_breaks_then_the_exports_work(seeded_home: RelaisHome, seeded_job, tmp_path) -> None:
    path = tmp_path / "trados.tmx"
    path.write_bytes(_tmx(*GOOD_UNITS))
    proc = run_relais(seeded_home, "tm", "import", str(path))
    assert proc.returncode == 0 and "4 added" in proc.stderr, proc.stderr
    rows = query(seeded_home.db_url, "SELECT source_text, target_text FROM tm_entries ORDER BY id")
    assert rows == [
        ("The quay will reopen\nin June.", "Le quai rouvrira\nen juin."),
        ("The wall\nwill hold.", "La digue\ntiendra."),
        ("The mayor spoke.", "Le maire a parlé."),
        ("The port\nreopened.", "Le port\na rouvert."),
    ]
    store = open_store(seeded_home.db_url)
    try:
        with store.read() as s:  # the memory finds them by their text as stored
            assert [m.target_text for m in tm.lookup(s, "en", "fr", "The quay will reopen in June.")] == ["Le quai rouvrira\nen juin."]
            assert [r.source_text for r in tm.search(s, "wall will\x00 hold")] == ["The wall\nwill hold."]
    finally:
        store.close()
    roots = export_everything(seeded_home, [seeded_job.job_id], tmp_path / "exports")
    assert "Le quai rouvrira\nen juin." in all_text(roots["tmx"])


def _tbx(*entries: tuple[str, str, str]) -> bytes:
    body = "".join(
        f'<termEntry id="{eid}"><descrip type="entityType">place</descrip>'
        f'<langSet xml:lang="en"><tig><term>{en}</term></tig></langSet>'
        f'<langSet xml:lang="fr"><tig><term>{fr}</term></tig><note>{note}</note></langSet></termEntry>'
        for eid, en, fr, note in entries
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><martif type="TBX-Basic" xml:lang="en"><martifHeader><fileDesc>'
            f'<sourceDesc><p>test</p></sourceDesc></fileDesc></martifHeader><text><body>{body}</body></text></martif>').encode()  # fmt: skip


def test_a_tbx_import_refuses_or_cleans_then_the_exports_work(seeded_home: RelaisHome, seeded_job, tmp_path) -> None:
    bad = tmp_path / "bad.tbx"
    bad.write_bytes(_tbx(("t1", "Talheim", "Talheim", "ok"), ("t2", "Port-Sévrac", "Port&#x80;Sévrac", "")))
    assert_one_line_error(run_relais(seeded_home, "terms", "import", str(bad)),
                          "tbx entry 2 (id t2)", "u+0080 (pad) at character 5 is not allowed in the fr term")  # fmt: skip
    bad.write_bytes(_tbx(("t3", "Talheim", "Talheim", "note\x9c")))
    assert_one_line_error(run_relais(seeded_home, "terms", "import", str(bad)), "tbx entry 1 (id t3)", "u+009c (st)", "a note")
    assert query(seeded_home.db_url, "SELECT count(*) FROM terms") == [(0,)]
    good = tmp_path / "good.tbx"
    good.write_bytes(_tbx(("t4", "Port\u202e-Sévrac", "Port-\u2066Sévrac\u2069", "soft&#x0B;break")))
    proc = run_relais(seeded_home, "terms", "import", str(good))
    assert proc.returncode == 0, proc.stderr
    assert query(seeded_home.db_url, "SELECT text, note FROM term_renderings") == [("Port-Sévrac", "soft\nbreak")]
    assert query(seeded_home.db_url, "SELECT source_term FROM terms") == [("Port-Sévrac",)]
    roots = export_everything(seeded_home, [seeded_job.job_id], tmp_path / "exports")
    assert "soft\nbreak" in all_text(roots["tbx"])


def _import_as_eddie(home: RelaisHome, path):
    """``relais xliff import`` as an editor (who may import into any job), with his password."""
    from tests.review.seed import PASSWORD

    return run_relais(home, "xliff", "import", str(path), "--as", "eddie", "--password-stdin", input=PASSWORD.encode() + b"\n")


def test_an_xliff_import_refuses_or_cleans_then_the_exports_work(seeded_home: RelaisHome, seeded_job, tmp_path) -> None:
    exported = tmp_path / "job.xlf"
    assert run_relais(seeded_home, "xliff", "export", str(seeded_job.job_id), "-o", str(exported)).returncode == 0
    original = exported.read_text()
    assert BOATS in original
    seg = seeded_job.segment_ids[4]
    for replacement, needles in [
        ("Les bateaux de pêche sont restés au port&#x86;pendant trois semaines.",
         [f"xliff unit {seg}", "u+0086 (ssa) at character 41 is not allowed in the target"]),
        ("Les bateaux de pêche&#x1; sont restés.", ["not a well-formed xliff file"]),
    ]:  # fmt: skip
        exported.write_text(original.replace(BOATS, replacement))
        assert_one_line_error(_import_as_eddie(seeded_home, exported), *needles)
    assert query(seeded_home.db_url, "SELECT count(*) FROM revisions") == [(0,)]
    exported.write_text(original.replace(BOATS, "Les bateaux de pêche&#x0B;sont restés \u202eau port\u202c."))
    proc = _import_as_eddie(seeded_home, exported)
    assert proc.returncode == 0 and "1 edited" in proc.stdout + proc.stderr, proc.stderr
    assert query(seeded_home.db_url, "SELECT text FROM revisions") == [("Les bateaux de pêche\nsont restés au port.",)]
    roots = export_everything(seeded_home, [seeded_job.job_id], tmp_path / "exports")
    assert "Les bateaux de pêche\nsont restés au port." in all_text(roots[f"xliff 2.0 {seeded_job.job_id}"])


# --------------------------------------------------------------------------- engine output

ARTICLE = """# Harbour council approves the new sea wall

The town council approved the new sea wall on Tuesday evening after a long debate.

Work on the wall will start in the spring, the mayor told reporters at the town hall.

Residents of the harbour district had waited for the decision since the winter floods.
"""
# source segment → what the (replayed) engine answers, control characters and all
ANSWERS = {
    "Harbour council approves the new sea wall": "Le conseil portuaire approuve la nouvelle digue\x07",
    "The town council approved the new sea wall on Tuesday evening after a long debate.":
        "Le conseil municipal a approuvé\x00 la nouvelle digue \u202emardi soir\u202c après un long débat.",
    "Work on the wall will start in the spring, the mayor told reporters at the town hall.":
        "Les travaux\x1b commenceront au printemps, a déclaré le maire aux journalistes\x9f à la mairie.",
    # a line break in the middle: the cleaned output is two lines, which validation refuses
    "Residents of the harbour district had waited for the decision since the winter floods.":
        "Les habitants du quartier du port attendaient\x0bcette décision depuis les inondations\x00 de cet hiver.",
}  # fmt: skip


@pytest.fixture
def replay(monkeypatch: pytest.MonkeyPatch):
    server = ReplayServer()
    for n, (source, answer) in enumerate(ANSWERS.items()):
        recording = copy.deepcopy(RECORDINGS["minister_fr"])
        recording["body"]["choices"][0]["message"]["content"] = answer
        monkeypatch.setitem(RECORDINGS, f"control_{n}", recording)
    names = {source: f"control_{n}" for n, source in enumerate(ANSWERS)}
    server.choose = lambda body: names.get(source_of(body), "server_error")
    server.start()
    yield server
    server.stop()


def test_engine_output_is_cleaned_then_the_exports_work(relais_home: RelaisHome, replay: ReplayServer, tmp_path) -> None:
    article = tmp_path / "sea-wall.md"
    article.write_text(ARTICLE)
    env = relais_env(relais_home, RELAIS_OPENAI_BASE_URL=replay.base_url, RELAIS_OPENAI_MODEL="gpt-4o-mini",
                     RELAIS_OPENAI_API_KEY="sk-test", RELAIS_RISK_METHOD="rules")  # fmt: skip
    proc = run_relais(relais_home, "translate", str(article), "--to", "fr", "--engine", "openai", "-o", str(tmp_path / "out.md"), env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {source_of(r["body"]) for r in replay.chat_requests} == set(ANSWERS)
    drafts = query(relais_home.db_url, "SELECT text, error FROM drafts ORDER BY segment_id")
    assert len(drafts) == 4 and all(_clean(t) and _clean(e) for t, e in drafts), drafts
    texts = [t for t, _ in drafts]
    assert texts[0] == "Le conseil portuaire approuve la nouvelle digue"
    assert texts[1] == "Le conseil municipal a approuvé la nouvelle digue mardi soir après un long débat."
    assert "Les travaux commenceront au printemps" in texts[2] and "journalistes à la mairie." in texts[2]
    assert texts[3] is None and drafts[3][1].startswith("2 lines of output")  # two lines once the VT is a line break: failed, with the reason
    [(job_id,)] = query(relais_home.db_url, "SELECT id FROM jobs")
    roots = export_everything(relais_home, [job_id], tmp_path / "exports")
    assert texts[1] in all_text(roots[f"xliff 1.2 {job_id}"])


# --------------------------------------------------------------------------- migration 0007

# Rows as the old entry points stored them.  PostgreSQL never held NUL (its text type
# refuses it), so the NUL rows are SQLite's only.
NUL = "" if on_postgres() else "\x00"


def _old_tm_entry(source: str, target: str, key: str, note: str | None, by: str | None, when: str) -> list[tuple[str, dict]]:
    """A memory entry as add_entry stored it before 0007: the row, and on SQLite the
    word-feature postings of its (dirty) key."""
    rows = [("INSERT INTO tm_entries (source_lang, target_lang, source_text, target_text, source_key, origin, note, "
             "approved_by, created_at) VALUES ('en', 'fr', :s, :t, :k, 'import', :n, :a, :w)",
             {"s": source, "t": target, "k": key, "n": note, "a": by, "w": when})]  # fmt: skip
    if not on_postgres():
        for f in tm.features(key):
            rows.append(("INSERT INTO tm_features (feature, entry_id) SELECT :f, max(id) FROM tm_entries", {"f": f}))
            rows.append(("INSERT INTO tm_feature_df (feature, df) VALUES (:f, 1) ON CONFLICT (feature) DO UPDATE SET df = df + 1",
                         {"f": f}))  # fmt: skip
    return rows


def test_migration_0007_cleans_what_the_old_entry_points_stored(new_store_url, tmp_path) -> None:
    from tests.review.seed import seed_job, seed_users

    url = new_store_url(migrated=False)
    # The old way, at revision 0006: an article and job seeded (its drafts and revisions
    # then made dirty), memory entries, terms and renderings, with plain SQL.
    store = open_store(url)  # seeded at the head with today's models, then taken back to 0006
    seed_users(store)
    job = seed_job(store)
    store.close()
    at_revision(url, "0006", down=True)
    when = "2026-01-01 00:00:00"
    seg = job.segment_ids
    dirty_source = "Fishing boats stayed\x0bin port for three weeks."
    rows = [
        ("UPDATE blocks SET text = :t WHERE id = (SELECT block_id FROM segments WHERE id = :s)", {"t": f"\u202e{dirty_source}", "s": seg[4]}),
        ("UPDATE segments SET text = :t, start_offset = 1, end_offset = :e WHERE id = :s",
         {"t": dirty_source, "e": 1 + len(dirty_source), "s": seg[4]}),
        ("UPDATE drafts SET text = :t WHERE segment_id = :s", {"t": f"Les bateaux{NUL} de pêche\x0bsont restés au port.", "s": seg[4]}),
        ("UPDATE drafts SET text = NULL, error = :e WHERE segment_id = :s", {"e": "two lines\u2028(output: 'x\x1b')", "s": seg[3]}),
        ("INSERT INTO revisions (job_id, segment_id, version, text, user_id, active_seconds, created_at) "
         "VALUES (:j, :s, 1, :t, 1, 0, :w)", {"j": job.job_id, "s": seg[2], "t": "Un hiver\x0bcoûteux\u202e\x01", "w": when}),
        ("INSERT INTO review_events (job_id, segment_id, user_id, actor, action, version, before, after, created_at) "
         "VALUES (:j, :s, 1, 'tina', 'edit', 1, 'Un hiver coûteux', :t, :w)",
         {"j": job.job_id, "s": seg[2], "t": "Un hiver\x0bcoûteux\u202e\x01", "w": when}),
        # memory: a dirty entry, one that becomes the same unit as a clean one, one left clean
        *[row for s, t, k, n, a in [
            ("The quay\x0bwill reopen\x1b in June.", "Le quai\x0brouvrira\x1f en juin.", "The quay will reopen\x1b in June.",
             "soft\x0bbreak\x07", "tina\x85"),
            ("The storm hit the coast.", "La tempête a frappé la côte.", "The storm hit the coast.", None, None),
            ("The storm\x01 hit the coast.", "La tempête a frappé la côte.", "The storm\x01 hit the coast.", None, None),
            ("Fishing boats stayed home.", "Les bateaux sont restés à quai.", "Fishing boats stayed home.", None, None),
        ] for row in _old_tm_entry(s, t, k, n, a, when)],
        # termbase: a dirty term with a dirty rendering, and one that becomes an existing term
        ("INSERT INTO terms (source_lang, source_term, source_key, type, note, created_at) VALUES "
         "('en', :t, :k, 'place', :n, :w)", {"t": "Port\u202e-Sévrac\x1b", "k": "port-sévrac\x1b", "n": "a\x0bnote", "w": when}),
        ("INSERT INTO term_renderings (term_id, lang, text, forbidden, status, note, proposed_by, created_at) VALUES "
         "((SELECT id FROM terms WHERE source_key = :k), 'fr', :t, :f, 'approved', :n, 'eddie', :w)",
         {"k": "port-sévrac\x1b", "t": "Port-Sévrac\x07", "f": json.dumps(["Port\x0bSevrac", "Port-Sévrac"]), "n": None, "w": when}),
        ("INSERT INTO terms (source_lang, source_term, source_key, type, created_at) VALUES ('en', 'Talheim', 'talheim', 'place', :w)", {"w": when}),
        ("INSERT INTO terms (source_lang, source_term, source_key, type, created_at) VALUES ('en', :t, :k, 'place', :w)",
         {"t": "Tal\u2066heim", "k": "tal\u2066heim", "w": when}),
        ("INSERT INTO term_renderings (term_id, lang, text, forbidden, status, created_at) VALUES "
         "((SELECT id FROM terms WHERE source_key = 'talheim'), 'de', 'Talheim', :f, 'approved', :w)", {"f": json.dumps(["Thalheim"]), "w": when}),
        ("INSERT INTO term_renderings (term_id, lang, text, forbidden, status, created_at) VALUES "
         "((SELECT id FROM terms WHERE source_key = :k), 'de', 'Talheim', :f, 'approved', :w)",
         {"k": "tal\u2066heim", "f": json.dumps(["Tahlheim"]), "w": when}),
        ("INSERT INTO term_renderings (term_id, lang, text, forbidden, status, created_at) VALUES "
         "((SELECT id FROM terms WHERE source_key = :k), 'fr', 'Talheim', '[]', 'approved', :w)", {"k": "tal\u2066heim", "w": when}),
    ]  # fmt: skip
    at_revision(url, "0006", rows)
    home = RelaisHome(tmp_path, url)

    store = open_store(url)  # migrates to head: 0007 cleans
    try:
        with store.read() as s:
            view = service.job_view(s, job.job_id)
            assert view.segments[4].source == "Fishing boats stayed\nin port for three weeks."
            assert view.segments[4].draft == "Les bateaux de pêche\nsont restés au port."
            assert view.segments[2].text == "Un hiver\ncoûteux"
            block_text, start, end = s.execute(text(
                "SELECT b.text, g.start_offset, g.end_offset FROM segments g JOIN blocks b ON b.id = g.block_id WHERE g.id = :s"
            ), {"s": seg[4]}).one()  # fmt: skip
            assert (block_text, start, end) == ("Fishing boats stayed\nin port for three weeks.", 0, len(block_text))
            errors = s.execute(text("SELECT error FROM drafts WHERE segment_id = :s"), {"s": seg[3]}).scalar()
            assert errors == "two lines\n(output: 'x')"
            assert s.execute(text("SELECT after FROM review_events WHERE action = 'edit'")).scalar() == "Un hiver\ncoûteux"

            entries = {e.source_text: e for e in s.scalars(select(TmEntryRow))}
            assert set(entries) == {"The quay\nwill reopen in June.", "The storm hit the coast.", "Fishing boats stayed home."}
            quay = entries["The quay\nwill reopen in June."]
            assert (quay.target_text, quay.source_key, quay.note, quay.approved_by) == (
                "Le quai\nrouvrira en juin.", "The quay will reopen in June.", "soft\nbreak", "tina\n")
            # the memory's indexes follow: exact key, the fuzzy features (SQLite), the concordance
            assert [m.id for m in tm.lookup(s, "en", "fr", "The quay will reopen in June.")][:1] == [quay.id]
            assert [m.id for m in tm.lookup(s, "en", "fr", "The quay will reopen in July.", threshold=0.8)] == [quay.id]
            assert [r.id for r in tm.search(s, "quay will reopen in")] == [quay.id]
            assert [r.id for r in tm.search(s, "rouvrira en")] == [quay.id]
            if not on_postgres():
                postings = {f for (f,) in s.execute(text("SELECT feature FROM tm_features WHERE entry_id = :e"), {"e": quay.id})}
                assert postings == set(tm.features(quay.source_key))
                df = dict(s.execute(text("SELECT feature, df FROM tm_feature_df")).all())
                expected: dict[int, int] = {}
                for e in entries.values():
                    for f in tm.features(e.source_key):
                        expected[f] = expected.get(f, 0) + 1
                assert df == expected  # no df left from the old keys or the removed entry

            terms = {t.source_term: t for t in s.scalars(select(TermRow))}
            assert set(terms) == {"Port-Sévrac", "Talheim"}
            assert (terms["Port-Sévrac"].source_key, terms["Port-Sévrac"].note) == ("port-sévrac", "a\nnote")
            [port] = terms["Port-Sévrac"].renderings
            assert (port.text, port.forbidden) == ("Port-Sévrac", ["Port Sevrac"])
            renderings = sorted((r.lang, r.text, r.forbidden) for r in terms["Talheim"].renderings)
            assert renderings == [("de", "Talheim", ["Tahlheim", "Thalheim"]), ("fr", "Talheim", [])]
            assert s.scalar(select(TermRenderingRow.id).where(TermRenderingRow.term_id.not_in([t.id for t in terms.values()]))) is None

            for table, columns in [("blocks", "text"), ("segments", "text"), ("drafts", "text, error"), ("revisions", "text"),
                                   ("review_events", "before, after"), ("findings", "text, message, suggestion"),
                                   ("tm_entries", "source_text, target_text, source_key, note, approved_by"),
                                   ("terms", "source_term, source_key, note"), ("term_renderings", "text, note")]:  # fmt: skip
                for row in s.execute(text(f"SELECT {columns} FROM {table}")):
                    assert all(_clean(v) for v in row), (table, row)
                    assert all(v is None or person_text(v) == v.replace("\t", " ") for v in row), (table, row)
    finally:
        store.close()
    roots = export_everything(home, [job.job_id], tmp_path / "exports")
    assert "Le quai\nrouvrira en juin." in all_text(roots["tmx"])
    assert "Les bateaux de pêche\nsont restés au port." in all_text(roots[f"xliff 1.2 {job.job_id}"])
