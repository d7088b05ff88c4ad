"""The review commands as a user runs them: users, publish, published, serve."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import httpx
import pytest

from relais.review import accounts, service
from relais.store.actors import Actor
from relais.store.db import open_store
from tests.helpers import ROOT, RelaisHome, assert_one_line_error, relais_env, run_relais
from tests.llama_server import free_port
from tests.review.seed import PASSWORD, SeededJob


def test_users_add_list_and_bad_input(relais_home):
    proc = run_relais(relais_home, "users", "add", "tina", "--role", "translator", "--lang", "fr,de", "--password-stdin",
                      input=b"a long enough password\n")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "added translator tina (fr, de)" in proc.stderr
    listed = run_relais(relais_home, "users", "list")
    assert "tina" in listed.stdout and "translator" in listed.stdout and "de, fr" in listed.stdout
    again = run_relais(relais_home, "users", "add", "tina", "--role", "editor", "--password-stdin", input=b"another password!\n")
    assert_one_line_error(again, "already exists")
    short = run_relais(relais_home, "users", "add", "sam", "--role", "editor", "--password-stdin", input=b"short\n")
    assert_one_line_error(short, "at least 10")
    no_tty = run_relais(relais_home, "users", "add", "sam", "--role", "editor", input=b"")
    assert_one_line_error(no_tty, "--password-stdin")
    missing = run_relais(relais_home, "users", "disable", "nobody")
    assert_one_line_error(missing, "no user named")


def _approve_as_translator(home: RelaisHome, job: SeededJob) -> SeededJob:
    store = open_store(home.db_url)
    with store.write() as s:
        tina = Actor.of(accounts.get_user(s, "tina"))
        service.save_segment(s, tina, job.job_id, job.segment_ids[3], "La tempête a endommagé 4 200 mètres de digue en janvier.", 0)
        for seg in service.job_view(s, job.job_id).segments:
            service.confirm_segment(s, tina, job.job_id, seg.id, seg.version)
        service.approve_article(s, tina, job.job_id)
    store.close()
    return job


def test_publish_from_the_command_line(seeded_home, seeded_job, tmp_path):
    job = _approve_as_translator(seeded_home, seeded_job)
    password = PASSWORD.encode() + b"\n"
    nobody = run_relais(seeded_home, "publish", str(job.job_id))
    assert_one_line_error(nobody, "--as NAME")  # the bare command line publishes nothing
    no_password = run_relais(seeded_home, "publish", str(job.job_id), "--sign-off-as", "eddie", input=b"")
    assert_one_line_error(no_password, "--password-stdin")
    wrong = run_relais(seeded_home, "publish", str(job.job_id), "--sign-off-as", "eddie", "--password-stdin",
                       input=b"not eddie's password\n")  # fmt: skip
    assert_one_line_error(wrong, "wrong name or password")
    not_signed = run_relais(seeded_home, "publish", str(job.job_id), "--as", "eddie", "--password-stdin", input=password)
    assert_one_line_error(not_signed, "signed it off")
    translator = run_relais(seeded_home, "publish", str(job.job_id), "--sign-off-as", "tina", "--password-stdin",
                            input=password)  # fmt: skip
    assert_one_line_error(translator, "only an editor")
    out = tmp_path / "pub"
    proc = run_relais(seeded_home, "publish", str(job.job_id), "--sign-off-as", "eddie", "--password-stdin", "-o", str(out),
                      input=password)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == ["story.fr.audit.json", "story.fr.html", "story.fr.json", "story.fr.md"]
    md = (out / "story.fr.md").read_text("utf-8")
    assert "4 200 mètres" in md and "UNREVIEWED" not in md and md.rstrip().endswith("par un traducteur local.")
    audit = json.loads((out / "story.fr.audit.json").read_text("utf-8"))
    assert audit["signed_off"]["by"] == "eddie" and audit["approved"]["by"] == "tina"
    assert audit["published_by"] == "eddie"
    twice = run_relais(seeded_home, "publish", str(job.job_id), "--as", "eddie", "--password-stdin", input=password)
    assert_one_line_error(twice, "published")
    again = run_relais(seeded_home, "published", str(job.job_id), "-o", str(tmp_path / "again"))
    assert again.returncode == 0
    assert (tmp_path / "again" / "story.fr.md").read_text("utf-8") == md
    assert_one_line_error(run_relais(seeded_home, "published", "999"), "no translation with id 999")


def test_published_refuses_a_withdrawn_publication(seeded_home, seeded_job, tmp_path):
    """`relais withdraw` as an editor; then `relais published` writes nothing and says
    when, by whom and why; `relais list` shows the job withdrawn."""
    job = _approve_as_translator(seeded_home, seeded_job)
    password = PASSWORD.encode() + b"\n"
    proc = run_relais(seeded_home, "publish", str(job.job_id), "--sign-off-as", "eddie", "--password-stdin",
                      "-o", str(tmp_path / "pub"), input=password)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    store = open_store(seeded_home.db_url)
    with store.read() as s:
        story = str(service.job_view(s, job.job_id).story_id)
    store.close()
    blank = run_relais(seeded_home, "withdraw", story, "--reason", "  ", "--as", "eddie", "--password-stdin", input=password)
    assert_one_line_error(blank, f"say why story {story} is withdrawn")
    translator = run_relais(seeded_home, "withdraw", story, "--reason", "legal", "--as", "tina", "--password-stdin",
                            input=password)  # fmt: skip
    assert_one_line_error(translator, "only an editor can withdraw a story")
    done = run_relais(seeded_home, "withdraw", story, "--reason", "a legal complaint", "--as", "eddie",
                      "--password-stdin", input=password)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"story {story} withdrawn: 1 publication(s) of 1 job(s) marked" in done.stderr

    out = tmp_path / "again"
    refused = run_relais(seeded_home, "published", str(job.job_id), "-o", str(out))
    assert_one_line_error(refused, f"publication 1 of job {job.job_id} was withdrawn on", "by eddie (a legal complaint)")
    assert not out.exists() or not any(out.iterdir())  # nothing written
    twice = run_relais(seeded_home, "withdraw", story, "--reason", "again", "--as", "eddie", "--password-stdin",
                       input=password)  # fmt: skip
    assert_one_line_error(twice, f"story {story} was withdrawn on", "by eddie (a legal complaint)")
    listed = run_relais(seeded_home, "list")
    assert listed.returncode == 0 and "withdrawn" in listed.stdout and "withdrawn; withdrawn" not in listed.stdout


def test_serve_starts_the_review_app_on_the_same_store(seeded_home):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "relais", "serve", "--port", str(port)],
        env=relais_env(seeded_home), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"relais serve did not start: {proc.stdout.read().decode()}")
                time.sleep(0.3)
        assert response.status_code == 200
        assert "default-src 'none'" in response.headers["content-security-policy"]
        queue = httpx.get(f"http://127.0.0.1:{port}/api/v1/queue", timeout=5)
        assert queue.status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_refuses_a_port_in_use(relais_home):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_relais(relais_home, "serve", "--port", str(port), timeout=60)
    assert_one_line_error(proc, "port")
