"""Furniture strings: cut from block edges, whole furniture blocks recognised, found in translations."""

from __future__ import annotations

import pytest

from relais.document.furniture import (
    class_words,
    find_furniture,
    html_markers,
    is_furniture,
    key_point_label,
    known_languages,
    language_furniture,
    matches_words,
    strip_furniture,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Why it mattersCopy link to section", "Why it matters"),
        ("Why it matters Copy link to section", "Why it matters"),
        ("Why it matters | Copy link", "Why it matters"),
        ("What happens next Copy link to section Copy link", "What happens next"),
        ("AdvertisementThe council said no.", "The council said no."),
        ("Skip to content The council said no.", "The council said no."),
        ("<b1>Title</b1> Copy link", "<b1>Title</b1>"),
        ("<a1>Title Copy link</a1>", "<a1>Title</a1>"),
        ("Share this article: <a1>Council votes</a1>", "<a1>Council votes</a1>"),
        # Real text is left alone.
        ("Shares rose sharply after the vote", "Shares rose sharply after the vote"),
        ("He told me to copy link addresses by hand.", "He told me to copy link addresses by hand."),
        ("The advertisement campaign cost £2m.", "The advertisement campaign cost £2m."),
        ("Advertisement's critics were loud.", "Advertisement's critics were loud."),
        ("Investors chose to Share", "Investors chose to Share"),  # one-word strings are never cut
        ("No furniture here.", "No furniture here."),
    ],
)
def test_strip_furniture(text, expected):
    assert strip_furniture(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Copy link to section", True),
        ("copy link", True),
        ("Share", True),
        ("  • Share |", True),
        ("Share on Facebook | Email | Copy link", True),
        ("<a1>Share</a1>", True),
        ("Comments (3)", True),
        ("Read more", True),
        ("Read more: Why the valley’s river gauges keep failing", True),
        ("<b1>Read more:</b1> <a1>Why the gauges keep failing</a1>", True),
        ("—", True),
        ("", True),
        ("Share prices fell.", False),
        ("Read more about the plan in the council's 40-page report, which sets out every scheme, its cost, "
         "the date work is due to start and the homes each one protects, street by street, across the valley.", False),
        ("The council said no.", False),
        ("Key points", False),
    ],
)  # fmt: skip
def test_is_furniture(text, expected):
    assert is_furniture(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Pourquoi c'est important Copier le lien", "Copier le lien"),
        ("Warum es wichtig istLink kopieren", "Link kopieren"),
        ("Por qué importa Copiar enlace", "Copiar enlace"),
        ("Why it mattersCopy link to section", "Copy link to section"),
        ("AdvertisementThe council said no.", "Advertisement"),
        ("Le conseil a voté mardi.", None),
        ("la publicité en ligne a augmenté", None),  # the word, not the label
        ("Copy links were sent.", None),
    ],
)
def test_find_furniture_across_languages(text, expected):
    assert find_furniture(text) == expected


def test_find_furniture_can_be_limited_to_languages():
    assert find_furniture("Titre Copier le lien", ["en"]) is None
    assert find_furniture("Titre Copier le lien", ["fr"]) == "Copier le lien"


def test_every_language_in_the_data_file_loads():
    assert "en" in known_languages()
    for lang in known_languages():
        entry = language_furniture(lang)
        assert entry.ui_strings, lang
        assert all(s == s.strip() and s for s in entry.ui_strings + entry.standalone), lang


@pytest.mark.parametrize("label", ["Key points", "key points:", "At a glance", "What you need to know", "In brief"])
def test_key_point_labels(label):
    assert key_point_label(label)


def test_key_point_label_is_not_any_heading():
    assert not key_point_label("Key points of disagreement in the council")


@pytest.mark.parametrize(
    "value, words",
    [
        ("ad-slot articleShareBar", [["ad", "slot"], ["article", "share", "bar"]]),
        ("c-read_more__link", [["c", "read", "more", "link"]]),
    ],
)
def test_class_words(value, words):
    assert class_words(value) == words


@pytest.mark.parametrize(
    "value, expected",
    [
        ("share-tools", True),
        ("articleShareBar", True),
        ("shared-content", False),
        ("ad-slot ad-mpu", True),
        ("header loaded shadow", False),
        ("read-more-link", True),
        ("more-reading", False),
        ("cookie-banner", True),
        ("comments", True),
        ("commentary", False),
    ],
)
def test_furniture_class_matching(value, expected):
    assert matches_words(value, html_markers().furniture) is expected
