"""Every bad input gets a clear one-line error and a non-zero exit, never a traceback,
and leaves the store usable."""

import socket
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.helpers import EXAMPLES, assert_one_line_error, relais_env, run_relais
from tests.stores import sqlite_only

FRENCH = (
    "Le conseil municipal a adopté mardi soir le budget de la nouvelle digue, après trois heures de débat. "
    "Les habitants du quartier du port attendaient cette décision depuis les inondations de l’an dernier, "
    "qui avaient détruit une trentaine de maisons et fermé l’école pendant deux mois. "
    "La maire a promis que les travaux commenceraient avant la fin de l’année."
)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "name, content, needles",
    [
        ("empty.md", b"", ["empty"]),
        ("blank.txt", b"   \n\n\t  \n", ["empty"]),
        ("image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" + bytes(range(256)) * 20, ["binary"]),
        ("broken.html", b"<html><body><div><<<>>></div><p></body", ["no article text"]),
        ("furniture.html", b"<html><body><nav><a href='/'>Home</a></nav><footer>(c) 2026</footer></body></html>", ["no article text"]),
        ("french.txt", FRENCH.encode(), ["french", "english"]),
    ],
)  # fmt: skip
def test_bad_article(relais_home, tmp_path, name, content, needles):
    path = tmp_path / name
    path.write_bytes(content)
    proc = run_relais(relais_home, "translate", str(path), "--to", "fr")
    assert_one_line_error(proc, *needles)
    assert run_relais(relais_home, "list").returncode == 0


def test_article_over_the_word_limit(relais_home):
    env = relais_env(relais_home, RELAIS_MAX_WORDS="40")
    proc = run_relais(relais_home, "translate", str(EXAMPLES / "story.md"), "--to", "fr", env=env)
    assert_one_line_error(proc, "words", "40")


def test_article_over_the_byte_limit(relais_home):
    env = relais_env(relais_home, RELAIS_MAX_BYTES="1000")
    proc = run_relais(relais_home, "translate", str(EXAMPLES / "story.html"), "--to", "fr", env=env)
    assert_one_line_error(proc, "bytes")


def test_stdin_over_the_byte_limit(relais_home):
    env = relais_env(relais_home, RELAIS_MAX_BYTES="1000")
    proc = run_relais(relais_home, "translate", "-", "--to", "fr", input=b"The council met. " * 200, env=env)
    assert_one_line_error(proc, "standard input", "1,000 bytes")


def test_binary_on_stdin(relais_home):
    proc = run_relais(relais_home, "translate", "-", "--to", "fr", input=b"\x00\x01\x02\xff\xfe" * 100)
    assert_one_line_error(proc, "binary")


@pytest.mark.parametrize(
    "args, needles",
    [
        (["translate", "missing.md", "--to", "fr"], ["no such file"]),
        (["translate", str(EXAMPLES / "story.md"), "--to", "xx"], ["no locale data", "xx"]),
        (["translate", str(EXAMPLES / "story.md"), "--to", "fr", "--engine", "deepl9"], ["unknown engine"]),
        (["translate", str(EXAMPLES / "story.md"), "--to", "fr", "--format", "pdf"], ["unknown format"]),
        (["show", "999"], ["no translation with id 999"]),
    ],
)
def test_bad_arguments(relais_home, args, needles):
    assert_one_line_error(run_relais(relais_home, *args), *needles)


def test_unreachable_engine(relais_home):
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    env = relais_env(relais_home, RELAIS_OPENAI_BASE_URL=url, RELAIS_OPENAI_MODEL="m", RELAIS_OPENAI_RETRIES="1")
    proc = run_relais(relais_home, "translate", str(EXAMPLES / "story.md"), "--to", "fr", "--engine", "openai", env=env)
    assert_one_line_error(proc, "openai", "127.0.0.1")
    # The article is stored and its job waits for the engine; the store is intact.
    listed = run_relais(relais_home, "list", env=env)
    assert listed.returncode == 0 and "openai" in listed.stdout


def test_unconfigured_engine(relais_home):
    proc = run_relais(relais_home, "translate", str(EXAMPLES / "story.md"), "--to", "fr", "--engine", "openai")
    assert_one_line_error(proc, "openai")


def test_corrupt_config(relais_home):
    (relais_home.path / "config.toml").write_text("engine = [\n")
    assert_one_line_error(run_relais(relais_home, "list"), "config.toml")


@sqlite_only("a corrupt database file")
def test_corrupt_database(relais_home):
    Path(make_url(relais_home.db_url).database).write_bytes(b"this is not a database" * 100)
    assert_one_line_error(run_relais(relais_home, "list"), "store")
