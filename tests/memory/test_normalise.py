"""The match key: typographic variants, whitespace and tags fold away; case and words stay."""

import pytest

from relais.memory.normalise import match_key


@pytest.mark.parametrize(
    "text, key",
    [
        ("The mayor’s plan", "The mayor's plan"),
        ("The mayor‘s plan", "The mayor's plan"),
        ("“Yes,” she said.", '"Yes," she said.'),
        ("« Oui », a-t-elle dit.", '"Oui", a-t-elle dit.'),
        ("„Ja“, sagte sie.", '"Ja", sagte sie.'),
        ("2010–2020", "2010-2020"),
        ("Wait — no.", "Wait - no."),
        ("And then…", "And then..."),
        ("  The   council\tmet\non Monday.  ", "The council met on Monday."),
        ("12\u00a0000 people", "12 000 people"),
        ("Pourquoi\u202f?", "Pourquoi?"),
        ("Pourquoi ?", "Pourquoi?"),
        ("Taux\u00a0: 5\u00a0%", "Taux: 5%"),
        ("zero\u200bwidth", "zerowidth"),
        ("Read <a1>the report</a1> on <b1>Monday</b1>.", "Read the report on Monday."),
        ("<i1>Le Monde</i1> reported", "Le Monde reported"),
        ("Turkey", "Turkey"),  # case is kept
        ("turkey", "turkey"),
        ("e\u0301te\u0301", "été"),  # NFC
        ("", ""),
        ("   ", ""),
    ],
)
def test_match_key(text, key):
    assert match_key(text) == key


@pytest.mark.parametrize(
    "a, b",
    [
        ("The mayor’s plan “works”.", "The mayor's plan \"works\"."),
        ("Read <a1>the report</a1>.", "Read the report."),
        ("Il a dit : « non ».", "Il a dit: \"non\"."),
        ("one  two\u00a0three", "one two three"),
    ],
)
def test_variants_share_a_key(a, b):
    assert match_key(a) == match_key(b)


@pytest.mark.parametrize("a, b", [("Turkey", "turkey"), ("The plan", "The plans"), ("a-b", "a b")])
def test_different_texts_keep_different_keys(a, b):
    assert match_key(a) != match_key(b)
