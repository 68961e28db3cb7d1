"""action_clarify: "did you mean" with the two best topics, honest fallback on a second miss."""

from __future__ import annotations

import pytest

from actions.base import get_store
from actions.clarify import ActionClarify
from tests.conftest import bot_action, bot_says, entity, make_tracker, slot_events, user_turn

STORE = get_store()
RANKING = [
    {"name": "nlu_fallback", "confidence": 0.5},
    {"name": "faq_professors", "confidence": 0.41},
    {"name": "faq_students", "confidence": 0.39},
    {"name": "greet", "confidence": 0.1},
]


async def test_close_topics_are_offered_as_buttons_with_something_else(dispatcher):
    tracker = make_tracker(
        "how many people", "nlu_fallback", ranking=RANKING, slots={"language": "en"}
    )
    await ActionClarify().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert message["text"] == STORE.message("clarify", "en")
    assert message["buttons"] == [
        {"title": STORE.topic("professors").question["en"], "payload": "/faq_professors"},
        {"title": STORE.topic("students").question["en"], "payload": "/faq_students"},
        {"title": "Something else", "payload": "/something_else"},
    ]


async def test_the_clarification_is_in_the_users_language(dispatcher):
    tracker = make_tracker(
        "combien de monde y a-t-il", "nlu_fallback", ranking=RANKING, slots={"language": "en"}
    )
    await ActionClarify().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.message("clarify", "fr")
    assert dispatcher.messages[0]["buttons"][-1]["title"] == "Autre chose"


@pytest.mark.parametrize("ranking", ["topics first", "unknown first"])
async def test_a_second_miss_ends_in_the_honest_fallback(dispatcher, ranking):
    tracker = make_tracker(
        "hmm people",
        "nlu_fallback",
        ranking=RANKING if ranking == "topics first" else UNKNOWN_FIRST,
        slots={"language": "en"},
        events=[
            user_turn("how many people"),
            bot_action("action_clarify"),
            bot_says("Did you mean:", ["/faq_professors", "/faq_students", "/something_else"]),
            bot_action("action_listen"),
        ],
    )
    await ActionClarify().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.message("fallback", "en")


async def test_no_topic_in_the_ranking_means_fallback_not_a_guess(dispatcher):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "out_of_scope", "confidence": 0.3},
        {"name": "greet", "confidence": 0.2},
    ]
    tracker = make_tracker(
        "what is the blorp of mila", "nlu_fallback", ranking=ranking, slots={"language": "en"}
    )
    await ActionClarify().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.message("fallback", "en")


async def test_two_close_intents_meaning_the_same_topic_are_answered_directly(dispatcher):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "faq_espace_cdpq", "confidence": 0.45},
        {"name": "ask_about_thing", "confidence": 0.44},
    ]
    tracker = make_tracker(
        "c'est quoi l'espace cdpq",
        "nlu_fallback",
        ranking=ranking,
        entities=[entity("company", "cdpq", 18, 24)],
        slots={"language": "fr"},
    )
    events = await ActionClarify().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.topic("espace_cdpq").answer["fr"]
    assert slot_events(events)["topic"] == "espace_cdpq"


UNKNOWN_FIRST = [
    {"name": "nlu_fallback", "confidence": 0.5},
    {"name": "mila_unknown", "confidence": 0.46},
    {"name": "faq_students", "confidence": 0.3},
    {"name": "faq_professors", "confidence": 0.1},
]


async def test_an_unsure_unknown_question_is_told_so_with_the_closest_topics(dispatcher):
    tracker = make_tracker(
        "how many students graduated last year",
        "nlu_fallback",
        ranking=UNKNOWN_FIRST,
        slots={"language": "en", "topic": "founding"},
    )
    events = await ActionClarify().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert message["text"] == STORE.message("mila_unknown", "en")
    payloads = [button["payload"] for button in message["buttons"]]
    assert payloads[:2] == ["/faq_students", "/faq_professors"]
    assert len(payloads) == 3  # settings.yml: suggestions
    # No answer was given: "tell me more" must not deepen the topic before.
    assert slot_events(events)["topic"] is None


async def test_the_thing_named_comes_first_among_the_topics_offered(dispatcher):
    tracker = make_tracker(
        "which subjects does korbit teach",
        "nlu_fallback",
        ranking=UNKNOWN_FIRST,
        entities=[entity("application", "Korbit", 19, 25)],
        slots={"language": "en"},
    )
    await ActionClarify().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/faq_korbit"


async def test_a_weak_unknown_guess_still_asks_did_you_mean(dispatcher):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "mila_unknown", "confidence": 0.39},
        {"name": "faq_students", "confidence": 0.35},
        {"name": "faq_professors", "confidence": 0.1},
    ]
    tracker = make_tracker(
        "students then", "nlu_fallback", ranking=ranking, slots={"language": "en"}
    )
    await ActionClarify().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.message("clarify", "en")


async def test_asking_again_what_was_answered_directly_is_not_a_second_miss(dispatcher):
    # "What is Bonjour-santé?" twice in a row, both times faq_bonjour_sante and ask_about_thing
    # close (the load test of 2026-11-26 01:42 got the fallback the second time).
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "faq_bonjour_sante", "confidence": 0.47},
        {"name": "ask_about_thing", "confidence": 0.45},
    ]
    first_answer = STORE.topic("bonjour_sante").answer["en"]
    tracker = make_tracker(
        "What is Bonjour-santé?",
        "nlu_fallback",
        ranking=ranking,
        entities=[entity("application", "bonjour_sante", 8, 21)],
        slots={"language": "en", "topic": "bonjour_sante"},
        events=[
            user_turn("What is Bonjour-santé?"),
            bot_action("action_clarify"),
            bot_says(first_answer, ["/faq_applications", '/vote{"helpful": "yes"}']),
            bot_action("action_listen"),
        ],
    )
    await ActionClarify().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == first_answer
