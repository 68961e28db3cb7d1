"""action_answer_question: answers from the store, in the right language, with suggestions."""

from __future__ import annotations

import pytest

from actions.answer_question import ActionAnswerQuestion
from actions.base import get_store
from tests.conftest import entity, make_tracker, slot_events

STORE = get_store()


@pytest.mark.parametrize("topic_id", sorted(STORE.topics))
@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_every_topic_is_answered_in_the_conversation_language(dispatcher, topic_id, lang):
    tracker = make_tracker(f"/faq_{topic_id}", f"faq_{topic_id}", slots={"language": lang})
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    topic = STORE.topic(topic_id)
    [message] = dispatcher.messages
    assert message["text"] == topic.answer[lang]
    suggestions = [b for b in message["buttons"] if b["payload"].startswith("/faq_")]
    assert 2 <= len(suggestions) <= 3
    for button, related in zip(suggestions, topic.related[:3], strict=True):
        assert button == {
            "title": STORE.topic(related).question[lang],
            "payload": f"/faq_{related}",
        }
    assert slot_events(events) == {"topic": topic_id}


async def test_a_french_question_gets_a_french_answer_and_sets_the_language(dispatcher):
    tracker = make_tracker(
        "combien d'étudiants y a-t-il à Mila ?", "faq_students", slots={"language": "en"}
    )
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.topic("students").answer["fr"]
    assert "600" in dispatcher.messages[0]["text"]
    assert slot_events(events) == {"language": "fr", "topic": "students"}


@pytest.mark.parametrize(
    ("text", "kind", "value", "topic"),
    [
        ("tell me about Korbit", "application", "korbit", "korbit"),
        ("et Chester ?", "application", "chester", "chester"),
        ("what about Element AI", "company", "element_ai", "spinoffs"),
        ("and Poly?", "institution", "polytechnique", "institutions"),
    ],
)
async def test_a_named_thing_is_answered_from_its_topic(dispatcher, text, kind, value, topic):
    tracker = make_tracker(
        text, "ask_about_thing", entities=[entity(kind, value)], slots={"language": "en"}
    )
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] in STORE.topic(topic).answer.values()
    assert slot_events(events)["topic"] == topic


async def test_the_longest_mention_wins(dispatcher):
    tracker = make_tracker(
        "tell me about korbit ai",
        "ask_about_thing",
        entities=[entity("application", "korbit", 14, 20), entity("company", "korbit_ai", 14, 23)],
    )
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    assert slot_events(events)["topic"] == "spinoffs"


async def test_an_unknown_thing_gets_the_menu_not_a_guess(dispatcher):
    tracker = make_tracker(
        "tell me about the cafeteria", "ask_about_thing", slots={"language": "en"}
    )
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.message("thing_unknown", "en")
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == [
        f"/faq_{t}" for t in STORE.menu
    ]
    assert "topic" not in slot_events(events)


async def test_a_message_in_another_language_gets_the_polite_bilingual_reply(dispatcher):
    tracker = make_tracker(
        "¿Quién fundó el instituto Mila y cuándo?", "faq_founding", slots={"language": "en"}
    )
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.message("other_language", "fr")
    assert events == []


async def test_widget_metadata_decides_the_language(dispatcher):
    tracker = make_tracker("who founded mila", "faq_founding", metadata={"language": "fr"})
    await ActionAnswerQuestion().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.topic("founding").answer["fr"]


def mention(text: str, kind: str, value: str, name: str) -> dict:
    start = text.index(name)
    return entity(kind, value, start, start + len(name))


@pytest.mark.parametrize(
    ("text", "lang", "kind", "value", "name", "topic"),
    [
        (
            "En quelle année Yoshua Bengio a-t-il obtenu son doctorat, et où ?",
            "fr",
            "person",
            "yoshua_bengio",
            "Yoshua Bengio",
            "founding",
        ),
        (
            "how many users does Korbit have in Quebec these days",
            "en",
            "application",
            "korbit",
            "Korbit",
            "korbit",
        ),
    ],
)
async def test_a_long_question_naming_a_thing_asks_instead_of_guessing(
    dispatcher, text, lang, kind, value, name, topic
):
    tracker = make_tracker(text, "ask_about_thing", entities=[mention(text, kind, value, name)])
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["text"] == STORE.message("clarify", lang)
    assert [b["payload"] for b in message["buttons"]] == [f"/faq_{topic}", "/something_else"]
    assert "topic" not in slot_events(events)


async def test_a_short_question_naming_a_long_thing_is_answered(dispatcher):
    text = "tell me about the Pan-Canadian AI Strategy"
    name = "Pan-Canadian AI Strategy"
    tracker = make_tracker(
        text,
        "ask_about_thing",
        entities=[mention(text, "organisation", "pan_canadian_strategy", name)],
    )
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.topic("pan_canadian").answer["en"]
    assert slot_events(events)["topic"] == "pan_canadian"


@pytest.mark.parametrize(
    ("text", "intent", "kind", "value", "name", "lang", "answered"),
    [
        # "what is Mila" is broad: the thing the question names wins
        ("la Caisse finance quoi au juste chez Mila ?", "faq_about", "company", "cdpq",
         "la Caisse", "fr", "espace_cdpq"),
        # a precise topic keeps its answer
        ("who founded Mila, Yoshua Bengio or McGill?", "faq_founding", "institution", "mcgill",
         "McGill", "en", "founding"),
    ],
)  # fmt: skip
async def test_only_a_broad_topic_yields_to_the_thing_the_question_names(
    dispatcher, text, intent, kind, value, name, lang, answered
):
    tracker = make_tracker(text, intent, entities=[mention(text, kind, value, name)])
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    assert STORE.topic_for_intent(intent).broad == (answered != intent[len("faq_") :])
    assert dispatcher.messages[0]["text"] == STORE.topic(answered).answer[lang]
    assert slot_events(events)["topic"] == answered
