"""action_small_talk: greetings, thanks, bot question, menu, and the human request."""

from __future__ import annotations

import pytest

from actions import base
from actions.base import get_store
from actions.small_talk import ActionSmallTalk
from tests.conftest import make_tracker

STORE = get_store()


@pytest.mark.parametrize(
    ("text", "intent", "key"),
    [
        ("hello there, anyone around?", "greet", "greet"),
        ("bonjour tout le monde", "greet", "greet"),
        ("bye, have a nice day", "goodbye", "goodbye"),
        ("merci beaucoup pour tout", "thank", "thank"),
        ("are you a real person or a bot", "bot_challenge", "bot_challenge"),
        ("what can i ask you about", "what_can_i_ask", "menu"),
    ],
)
async def test_small_talk_answers_in_the_messages_language(dispatcher, text, intent, key):
    tracker = make_tracker(text, intent)
    await ActionSmallTalk().run(dispatcher, tracker, {})
    lang = "fr" if intent in ("thank",) or text.startswith("bonjour") else "en"
    assert dispatcher.messages[0]["text"] == STORE.message(key, lang)


async def test_the_menu_lists_every_menu_topic(dispatcher):
    await ActionSmallTalk().run(
        dispatcher, make_tracker("what can i ask you about", "what_can_i_ask"), {}
    )
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == [
        f"/faq_{t}" for t in STORE.menu
    ]


async def test_asking_for_a_person_without_contact_says_so_honestly(dispatcher):
    tracker = make_tracker("can i talk to a human please", "human_handoff")
    await ActionSmallTalk().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.message("human_no_contact", "en")
    assert "@" not in dispatcher.messages[0]["text"]


async def test_asking_for_a_person_gives_the_configured_contact(dispatcher, monkeypatch):
    contact = {"fr": "l'accueil au 514 000-0000", "en": "reception at 514 000-0000"}
    monkeypatch.setattr(base.get_store(), "contact", contact)
    tracker = make_tracker("je veux parler a quelqu'un svp", "human_handoff")
    await ActionSmallTalk().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.message(
        "human_contact", "fr", contact=contact["fr"]
    )
