"""action_decline: off-topic and unknown questions get an honest answer, never a fact."""

from __future__ import annotations

import pytest

from actions.base import get_store
from actions.decline import ActionDecline
from tests.conftest import make_tracker, slot_events

STORE = get_store()


@pytest.mark.parametrize(
    ("text", "intent", "key", "lang"),
    [
        ("what's the weather like tomorrow in montreal", "out_of_scope", "out_of_scope", "en"),
        ("quel temps fera-t-il demain", "out_of_scope", "out_of_scope", "fr"),
        ("what is mila's annual budget", "mila_unknown", "mila_unknown", "en"),
        ("c'est quoi le budget de mila", "mila_unknown", "mila_unknown", "fr"),
        ("/something_else", "something_else", "fallback", "en"),
    ],
)
async def test_declines_without_any_fact(dispatcher, text, intent, key, lang):
    tracker = make_tracker(text, intent, slots={"language": "en", "topic": "students"})
    events = await ActionDecline().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert message["text"] == STORE.message(key, lang)
    answers = {t.answer[lg] for t in STORE.topics.values() for lg in ("fr", "en")}
    assert message["text"] not in answers
    assert all(b["payload"].startswith("/faq_") for b in message["buttons"])
    assert slot_events(events)["topic"] is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [("how much is tuition at Mila per term?", "en"), ("les frais de scolarité à mila ?", "fr")],
)
async def test_an_off_topic_guess_about_mila_is_answered_as_unknown_about_mila(
    dispatcher, text, lang
):
    tracker = make_tracker(text, "out_of_scope", slots={"language": lang})
    await ActionDecline().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.message("mila_unknown", lang)


async def test_unknown_about_a_named_thing_offers_what_is_known_about_it_first(dispatcher):
    text = "when was element ai founded"
    entity = {"entity": "company", "value": "Element AI", "start": 9, "end": 19}
    tracker = make_tracker(text, "out_of_scope", entities=[entity], slots={"language": "en"})
    await ActionDecline().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert message["text"] == STORE.message("mila_unknown", "en")
    spinoffs = STORE.topic(STORE.thing("Element AI").topic)
    assert message["buttons"][0]["payload"] == f"/{spinoffs.intent}"
    assert len(message["buttons"]) == 3
