"""action_feedback and the "was this helpful?" buttons under every answer."""

from __future__ import annotations

import json

import pytest

from actions.answer_question import ActionAnswerQuestion
from actions.base import get_store
from actions.feedback import ActionFeedback
from actions.tell_more import ActionTellMore
from tests.conftest import bot_action, entity, make_tracker, slot_events, user_turn

STORE = get_store()


def vote_buttons(message):
    return [b for b in message["buttons"] if b["payload"].startswith("/feedback")]


def payload_entities(payload: str) -> dict:
    """What Rasa's payload parser reads from '/feedback{...}'."""
    return json.loads(payload[len("/feedback") :])


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_an_answer_ends_with_two_vote_buttons_in_its_language(dispatcher, lang):
    tracker = make_tracker("/faq_founding", "faq_founding", slots={"language": lang})
    await ActionAnswerQuestion().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    yes, no = vote_buttons(message)
    assert yes["title"] == STORE.message("feedback_yes_button", lang)
    assert no["title"] == STORE.message("feedback_no_button", lang)
    assert payload_entities(yes["payload"]) == {"helpful": "yes", "topic": "founding"}
    assert payload_entities(no["payload"]) == {"helpful": "no", "topic": "founding"}
    # the related questions stay, first
    assert [b["payload"] for b in message["buttons"][:-2]] == [
        f"/faq_{t}" for t in STORE.topic("founding").related
    ]


async def test_tell_me_more_also_asks_for_a_vote(dispatcher):
    tracker = make_tracker(
        "tell me more", "tell_more", slots={"language": "en", "topic": "korbit"},
        events=[user_turn("what is korbit"), bot_action("action_answer_question")],
    )  # fmt: skip
    await ActionTellMore().run(dispatcher, tracker, {})
    [yes, _] = vote_buttons(dispatcher.messages[0])
    assert payload_entities(yes["payload"])["topic"] == "korbit"


async def test_replies_that_are_not_answers_ask_for_no_vote(dispatcher):
    tracker = make_tracker(
        "tell me about the cafeteria", "ask_about_thing", slots={"language": "en"}
    )
    await ActionAnswerQuestion().run(dispatcher, tracker, {})
    assert vote_buttons(dispatcher.messages[0]) == []


@pytest.mark.parametrize(("vote", "lang"), [("yes", "en"), ("no", "fr")])
async def test_a_clicked_vote_is_stored_with_its_topic_and_thanked(dispatcher, vote, lang):
    tracker = make_tracker(
        f'/feedback{{"helpful":"{vote}","topic":"students"}}', "feedback",
        entities=[entity("helpful", vote), entity("topic", "students")],
        slots={"language": lang, "topic": "students"},
    )  # fmt: skip
    events = await ActionFeedback().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.message("feedback_thanks", lang)
    assert dispatcher.messages[0]["buttons"] == []
    assert slot_events(events) == {"feedback": {"helpful": vote, "topic": "students"}}


async def test_a_vote_on_an_earlier_answer_counts_for_that_answer_and_keeps_the_topic(dispatcher):
    tracker = make_tracker(
        '/feedback{"helpful":"yes","topic":"founding"}', "feedback",
        entities=[entity("helpful", "yes"), entity("topic", "founding")],
        slots={"language": "en", "topic": "korbit"},
    )  # fmt: skip
    events = await ActionFeedback().run(dispatcher, tracker, {})
    assert slot_events(events) == {"feedback": {"helpful": "yes", "topic": "founding"}}


async def test_a_typed_vote_counts_for_the_conversation_topic_and_the_longest_words_win(dispatcher):
    text = "that was not helpful"
    tracker = make_tracker(
        text, "feedback",
        entities=[
            {"entity": "helpful", "value": "yes", "start": 13, "end": 20},
            {"entity": "helpful", "value": "no", "start": 9, "end": 20},
        ],
        slots={"language": "en", "topic": "location"},
    )  # fmt: skip
    events = await ActionFeedback().run(dispatcher, tracker, {})
    assert slot_events(events) == {"feedback": {"helpful": "no", "topic": "location"}}


async def test_feedback_without_a_vote_is_thanked_and_records_nothing(dispatcher):
    tracker = make_tracker("about your answer", "feedback", slots={"language": "en"})
    events = await ActionFeedback().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == STORE.message("feedback_thanks", "en")
    assert events == []


async def test_a_vote_with_an_unknown_topic_is_kept_without_topic(dispatcher):
    tracker = make_tracker(
        '/feedback{"helpful":"no","topic":"nope"}', "feedback",
        entities=[entity("helpful", "no"), entity("topic", "nope")], slots={"language": "en"},
    )  # fmt: skip
    events = await ActionFeedback().run(dispatcher, tracker, {})
    assert slot_events(events) == {"feedback": {"helpful": "no", "topic": None}}
