"""Every unusable input raises InputError with a clear one-line message."""

from __future__ import annotations

import pytest

from relais.config import Limits
from relais.document.ingest import ingest_bytes, ingest_path, sniff_format
from relais.errors import InputError
from tests.helpers import EXAMPLES

# Written for these tests: a short French news paragraph about a dyke budget.
FRENCH = (
    "Le conseil municipal de Port-Sévrac a adopté mardi soir le budget de la nouvelle digue, après un débat "
    "de près de quatre heures. Les habitants du quartier du port attendaient cette décision depuis les "
    "inondations de l’hiver dernier, qui avaient endommagé une quarantaine de maisons et fermé l’école "
    "pendant six semaines. La maire a promis que les travaux commenceraient avant la fin de l’année."
)
GERMAN = (
    "Der Gemeinderat von Talheim hat am Dienstagabend nach einer langen Debatte den Haushalt für den neuen "
    "Hochwasserschutz beschlossen. Die Anwohner am Hafen hatten seit dem Hochwasser im vergangenen Winter "
    "auf diese Entscheidung gewartet, weil damals viele Keller überflutet und die Schule wochenlang geschlossen war."
)
ENGLISH = (
    "The town council approved the budget for the new flood wall on Tuesday evening after a debate of almost "
    "four hours. Residents of the harbour district had been waiting for the decision since last winter's floods, "
    "which damaged about forty homes and closed the school for six weeks."
)


def error_for(data: bytes, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        ingest_bytes(data, **kwargs)
    message = str(info.value)
    assert "\n" not in message and message.strip() == message
    return message.lower()


@pytest.mark.parametrize(
    "data, fmt, needles",
    [
        (b"", None, ["empty"]),
        (b"   \n\n\t \r\n", None, ["empty", "whitespace"]),
        (b"\xef\xbb\xbf  \n", None, ["empty"]),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, None, ["binary", "png"]),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", None, ["binary", "pdf"]),
        (b"Some text\x00with a NUL byte in the middle of it", None, ["binary", "nul"]),
        (b"".join(bytes([i % 9 + 1]) for i in range(400)) + b" words", None, ["binary", "control"]),
        (b"Caf\xe9 society returns to the high street", None, ["not utf-8", "0xe9"]),
        (b"<meta charset='utf-8'><p>Caf\xe9 society</p>", None, ["not utf-8"]),
        (b"<html><body><div><<<>>>", None, ["no article text"]),
        (b"<html><body><div><<<>>></div><p></body", "html", ["no article text"]),
        (b"<html><head><title>Only a title</title></head><body></body></html>", None, ["no article text"]),
        (
            b"<html><body><nav><a href='/'>Home</a><a href='/news'>News</a></nav><div class='cookie-banner'>"
            b"We use cookies to improve your experience.</div><footer>(c) 2026 Valley Post</footer></body></html>",
            None,
            ["no article text"],
        ),
        (b"<p>Share</p><p>Copy link</p><p>Advertisement</p>", "html", ["no article text"]),
        (b"Advertisement\n\nShare this article\n\nCopy link", "text", ["no article text"]),
        (FRENCH.encode(), None, ["french (fr)", "english"]),
        (("# Budget de la digue\n\n" + FRENCH).encode(), "markdown", ["french (fr)"]),
        (f"<html><body><article><h1>Hochwasserschutz</h1><p>{GERMAN}</p></article></body></html>".encode(), None, ["german (de)"]),
        (b"Some text", "pdf", ["unknown format", "pdf"]),
    ],
)
def test_bad_input(data, fmt, needles):
    message = error_for(data, fmt=fmt)
    for needle in needles:
        assert needle in message, message


def test_the_file_name_prefixes_the_message():
    assert error_for(b"", name="story.md").startswith("story.md: ")


def test_over_the_byte_limit_is_refused_before_parsing():
    message = error_for(b"<p>" + b"x" * 2000 + b"</p>", limits=Limits(max_bytes=1000))
    assert "2,007 bytes" in message and "1,000 bytes" in message


def test_over_the_word_limit():
    message = error_for((EXAMPLES / "story.md").read_bytes(), name="story.md", limits=Limits(max_words=40))
    assert "words" in message and "40" in message


def test_path_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        ingest_path(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="directory"):
        ingest_path(tmp_path)
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 1000)
    with pytest.raises(InputError, match="over the limit"):
        ingest_path(big, limits=Limits(max_bytes=100))


@pytest.mark.parametrize(
    "text",
    [
        "Council backs plan",  # too short to judge
        "Jean-Pierre Dupont and María José González met François Hollande in Saint-Étienne.",
        ENGLISH + ' Outside, a banner read "Non à la digue, oui à la rivière", and one resident, Amélie Roussel, said: '
        '"C’est trop tard pour nous." ' + ENGLISH,
        "Brackwater Quay, Lowmoor, Ashcombe, Ostrey, Kelmsby and Hollin Cross all voted for the plan on Tuesday.",
    ],
)
def test_english_is_never_refused(text):
    article = ingest_bytes(text.encode(), fmt="text")
    assert article.source_language == "en"


def test_other_encodings_that_are_declared_or_marked():
    html = "<html><head><meta charset='iso-8859-1'></head><body><article><h1>Café reopens</h1><p>{}</p></article></body></html>"
    article = ingest_bytes(html.format(ENGLISH).encode("latin-1"))
    assert article.blocks[0].text == "Café reopens"
    utf16 = ("Café reopens\n\n" + ENGLISH).encode("utf-16")  # with BOM
    assert ingest_bytes(utf16, fmt="text").blocks[0].text == "Café reopens"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("<!DOCTYPE html><title>x</title>", "html"),
        ("<div><p>a</p><p>b</p><p>c</p></div>", "html"),
        ("# Headline\n\nText.", "markdown"),
        ("Headline\n========\n\nText.", "markdown"),
        ("Read the [report](https://x.example/r).", "markdown"),
        ("A **bold** claim.", "markdown"),
        ("Headline\n\n- a point\n- another\n\nText.", "text"),
        ("Just a few lines of text.\nNothing more.", "text"),
    ],
)
def test_sniff_format(text, expected):
    assert sniff_format(text) == expected


@pytest.mark.parametrize(
    "name, fmt", [("a.html", "html"), ("a.HTM", "html"), ("a.md", "markdown"), ("a.markdown", "markdown"), ("a.txt", "text")]
)
def test_format_from_file_name_wins_over_content(name, fmt):
    # "# " would sniff as Markdown; the extension decides.
    article = ingest_bytes(b"# Not a heading in this file\n\n" + ENGLISH.encode(), name=name)
    assert article.source_format == fmt
