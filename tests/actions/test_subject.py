"""A question recognised as a topic but about another organisation is declined."""

from __future__ import annotations

import pytest

from actions.answer_question import ActionAnswerQuestion
from actions.base import get_store, proper_names
from actions.settings import get_settings
from actions.subject import other_organisation, other_subject
from tests.conftest import make_tracker, slot_events

STORE = get_store()
OWN = get_settings().own_words


@pytest.mark.parametrize(
    ("text", "other"),
    [
        ("Who founded Amii, the AI institute in Edmonton?", "Amii"),
        ("La Croix-Rouge canadienne, c'est un organisme sans but lucratif ?", "Croix-Rouge"),
        ("how many students does Concordia have", "Concordia"),
        ("is the Vector Institute a non-profit", "Vector"),
    ],
)
def test_a_question_naming_someone_else_is_about_them(text, other):
    assert other_subject(text, proper_names(), OWN) == other


@pytest.mark.parametrize(
    "text",
    [
        "who founded Mila?",
        "Qui a fondé Mila ?",  # sentence start
        "is it a non-profit?",  # no name at all
        "is Polytechnique part of it?",  # a thing of knowledge/
        "How many students are there in Montréal at the Quebec AI Institute?",  # own words
        "where is it? « Mile-Ex », I read",  # quotation and own word
        "how many users does Bonjour-santé have in Québec",
    ],
)
def test_questions_about_mila_or_without_other_names_are_kept(text):
    assert other_subject(text, proper_names(), OWN) is None


@pytest.mark.parametrize(
    ("text", "intent", "fact", "entities"),
    [
        ("Who founded Amii, the AI institute in Edmonton?", "faq_founding", "1993", []),
        # a partner university named without Mila (other_organisation below), found by NLU
        (
            "How many students are enrolled at McGill University?",
            "faq_students",
            "600",
            [{"entity": "institution", "value": "mcgill", "start": 34, "end": 51}],
        ),
    ],
)
async def test_the_topic_recognised_is_not_answered_for_someone_else(
    dispatcher, text, intent, fact, entities
):
    tracker = make_tracker(text, intent, entities=entities)
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert message["text"] == STORE.message("out_of_scope", "en")
    assert fact not in message["text"]
    assert slot_events(events)["topic"] is None


SEPARATE = get_settings().separate_organisations


def named(*ids: str) -> list:
    """The things NLU found in a message (its entities), as the action gets them."""
    return [STORE.things[i] for i in ids]


@pytest.mark.parametrize(
    ("text", "things", "topic", "organisation"),
    [
        ("How many students are enrolled at McGill University?", ["mcgill"], "students", "mcgill"),
        ("combien de profs a l'universite laval", ["laval"], "professors", "laval"),
        ("who founded Element AI?", ["element_ai"], "founding", "element_ai"),
    ],
)
def test_a_partner_or_company_named_without_mila_is_the_subject(text, things, topic, organisation):
    assert other_organisation(text, named(*things), topic, SEPARATE) == organisation


@pytest.mark.parametrize(
    ("text", "things", "topic"),
    [
        ("is McGill part of it?", ["mcgill"], "institutions"),  # the thing's own topic
        ("how many McGill students are at Mila?", ["mcgill"], "students"),  # names Mila
        ("who founded Mila, the McGill and UdeM institute?", ["mcgill", "udem"], "founding"),
        ("what did Bengio win?", ["yoshua_bengio"], "turing_award"),  # a person
        ("how many students are there?", [], "students"),  # nothing named
    ],
)
def test_questions_about_mila_with_its_partners_are_kept(text, things, topic):
    assert other_organisation(text, named(*things), topic, SEPARATE) is None
