"""action_tell_more: deepens the last answer once, then says there is no more."""

from __future__ import annotations

from actions.base import get_store
from actions.tell_more import ActionTellMore
from tests.conftest import bot_action, entity, make_tracker, slot_events, user_turn

STORE = get_store()


async def test_tell_me_more_gives_the_long_answer_of_the_last_topic(dispatcher):
    tracker = make_tracker(
        "tell me more",
        "tell_more",
        slots={"language": "en", "topic": "founding"},
        events=[user_turn("who founded mila"), bot_action("action_answer_question")],
    )
    await ActionTellMore().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.topic("founding").more["en"]


async def test_a_second_tell_me_more_says_that_is_all_and_offers_related(dispatcher):
    tracker = make_tracker(
        "encore plus de détails svp",
        "tell_more",
        slots={"language": "fr", "topic": "founding"},
        events=[bot_action("action_answer_question"), bot_action("action_tell_more")],
    )
    await ActionTellMore().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert message["text"] == STORE.message("no_more", "fr")
    assert [b["payload"] for b in message["buttons"]] == [
        f"/faq_{t}" for t in STORE.topic("founding").related
    ]


async def test_without_a_topic_it_asks_which_one(dispatcher):
    tracker = make_tracker("tell me more", "tell_more", slots={"language": "en"})
    await ActionTellMore().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.message("tell_more_no_topic", "en")


async def test_tell_me_more_about_a_thing_deepens_that_thing(dispatcher):
    tracker = make_tracker(
        "tell me more about chester",
        "tell_more",
        entities=[entity("application", "chester")],
        slots={"language": "en", "topic": "founding"},
    )
    events = await ActionTellMore().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.topic("chester").more["en"]
    assert slot_events(events)["topic"] == "chester"


async def test_a_malformed_topic_slot_is_treated_as_no_topic(dispatcher):
    tracker = make_tracker("tell me more", "tell_more", slots={"language": "en", "topic": ["x"]})
    await ActionTellMore().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.message("tell_more_no_topic", "en")


async def test_it_deepens_an_answer_that_did_you_mean_gave_directly(dispatcher):
    # The load test of 2026-11-26 01:44: "tell me more" about location, then "What is
    # Bonjour-santé?" answered by action_clarify (two close intents, one topic), then "tell me
    # more" got "that's all I know": the last *answer* was not the long one.
    tracker = make_tracker(
        "tell me more",
        "tell_more",
        slots={"language": "en", "topic": "bonjour_sante"},
        events=[
            user_turn("Where is Mila located?"),
            bot_action("action_answer_question"),
            user_turn("tell me more"),
            bot_action("action_tell_more"),
            user_turn("What is Bonjour-santé?"),
            bot_action("action_clarify"),
        ],
    )
    await ActionTellMore().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.topic("bonjour_sante").more["en"]
