"""Which language the assistant answers in."""

from __future__ import annotations

import pytest

from actions.base import proper_names
from actions.language import decide


@pytest.mark.parametrize(
    ("text", "current", "expected"),
    [
        ("combien d etudiants a mila", None, "fr"),
        ("whos the founder of mila", None, "en"),
        ("tell me about korbit", "fr", "en"),
        ("ou se trouve mila exactement", "en", "fr"),
        ("and what about the students?", "fr", "en"),
        ("and students?", "fr", "en"),
        # short or name-only messages keep the conversation's language
        ("ok", "en", "en"),
        ("merci", "en", "en"),
        ("Korbit?", "en", "en"),
        ("Korbit?", "fr", "fr"),
        # button payloads never change it
        ("/faq_korbit", "en", "en"),
        # nothing to go on: the configured default (French)
        ("?", None, "fr"),
        ("", None, "fr"),
    ],
)
def test_reply_language_follows_the_message_or_the_conversation(text, current, expected):
    decision = decide(text, current, names=proper_names())
    assert decision.language == expected
    assert not decision.other_language


def test_metadata_language_wins_over_detection():
    assert decide("who founded mila", "en", {"language": "fr"}).language == "fr"
    assert decide("qui a fondé mila", "fr", {"language": "en-CA"}).language == "en"


@pytest.mark.parametrize(
    "text",
    [
        "¿Dónde está el instituto Mila en Montreal?",
        "Wie viele Studenten gibt es bei Mila?",
        "Quanti professori lavorano a Mila?",
        # scripts the detector does not compare: recognised by their letters
        "米拉研究所在哪里？",
        "ما هو معهد ميلا؟",
        "Где находится Mila?",
    ],
)
def test_other_languages_are_flagged_and_answered_in_the_default_language(text):
    decision = decide(text, "en", names=proper_names())
    assert decision.other_language
    assert decision.language == "fr"


def test_default_language_is_configurable(monkeypatch):
    from actions import settings

    settings.get_settings.cache_clear()
    monkeypatch.setenv("MILA_DEFAULT_LANGUAGE", "en")
    try:
        assert decide("?", None).language == "en"
    finally:
        settings.get_settings.cache_clear()


def test_an_unknown_default_language_is_a_clear_error(monkeypatch):
    from actions import settings

    settings.get_settings.cache_clear()
    monkeypatch.setenv("MILA_DEFAULT_LANGUAGE", "de")
    try:
        with pytest.raises(ValueError, match="default_language"):
            settings.get_settings()
    finally:
        settings.get_settings.cache_clear()
