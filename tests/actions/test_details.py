"""Kinds of detail a question asks for, and topics that do not hold them."""

from __future__ import annotations

import pytest

from actions.answer_question import ActionAnswerQuestion
from actions.base import get_store
from actions.details import asked_details
from actions.knowledge import KnowledgeError, load_store
from tests.conftest import make_tracker, slot_events

STORE = get_store()


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("When was Mila founded?", {"time"}),
        ("ok, quand est-ce que l'Espace CDPQ a ouvert", {"time"}),
        ("En quelle année Mila a-t-il déménagé ?", {"time"}),
        ("how long does the applied master's take", {"time"}),
        ("Is Korbit free for students?", {"money"}),
        ("korbit c'est tu gratuit", {"money"}),
        ("Combien sont payés les chercheurs à Mila ?", {"money"}),
        ("Where is Mila?", {"place"}),
        ("Mila est-il for-profit, ou non ?", set()),
        ("who benefits from Mila", set()),
        ("who are the professors at Mila", {"names"}),
        ("can you list the companies of the Espace CDPQ by name", {"list"}),
        ("Bonjour-santé est-il disponible en Ontario ?", {"place"}),
        ("Le programme a été mis au point avec quelle entreprise ?", {"names"}),
        ("what do you do when you are not researching", set()),
        ("feel free to tell me about Mila", set()),
        ("Mila est-il un organisme sans but lucratif ?", set()),
        ("who's the CEO of Mila", {"leadership", "names"}),
        ("qui dirige mila aujourd'hui", {"leadership"}),
        ("Je me cherche un directeur de recherche", set()),  # a supervisor, not Mila's head
        ("which mila professors work on translation?", {"names"}),
        ("Quels cours obligatoires dans la maîtrise appliquée ?", {"courses"}),
        ("how many postdocs are there at mila", {"headcount"}),
        ("Je déménage pour un postdoc à Mila, quel quartier ?", set()),  # not a count
    ],
)
def test_the_kinds_of_detail_asked(text, kinds):
    assert asked_details(STORE, text) == kinds


def test_the_source_gives_no_price_and_few_years():
    assert {t.id for t in STORE.topics.values() if "time" in t.details} == {
        "founding",
        "turing_award",
    }
    assert {t.id for t in STORE.topics.values() if "money" in t.details} == {
        "nonprofit",
        "concrete",
    }


@pytest.mark.parametrize(
    ("text", "intent", "topic", "lang"),
    [
        ("which year did the Espace CDPQ open at Mila?", "faq_espace_cdpq", "espace_cdpq", "en"),
        (
            "Combien coûte Bonjour-santé pour les patients ?",
            "faq_bonjour_sante",
            "bonjour_sante",
            "fr",
        ),
        (
            "Could you name all the companies working in the Espace CDPQ, by name?",
            "faq_espace_cdpq",
            "espace_cdpq",
            "en",
        ),
    ],
)
async def test_a_detail_the_topic_lacks_is_declined_with_the_topic_offered(
    dispatcher, text, intent, topic, lang
):
    tracker = make_tracker(text, intent, slots={"language": lang})
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["text"] == STORE.message("mila_unknown", lang)
    assert message["buttons"][0]["payload"] == f"/faq_{topic}"
    assert "topic" not in slot_events(events)


@pytest.mark.parametrize(
    ("text", "intent", "expect"),
    [
        ("when was mila founded", "faq_founding", "1993"),
        ("where is mila", "faq_location", "Mile-Ex"),
        ("what are the names of the partner universities", "faq_institutions", "McGill"),
        ("list the spin-offs of Mila by name", "faq_spinoffs", "Element AI"),
    ],
)
async def test_a_detail_the_topic_holds_is_answered(dispatcher, text, intent, expect):
    tracker = make_tracker(text, intent, slots={"language": "en"})
    await ActionAnswerQuestion().run(dispatcher, tracker, {})
    assert expect in dispatcher.messages[0]["text"]


def test_an_unknown_kind_in_a_topic_names_the_file_and_field(tmp_path):
    import shutil

    from actions.knowledge import DEFAULT_DIR

    shutil.copytree(DEFAULT_DIR, tmp_path / "k")
    path = tmp_path / "k" / "topics" / "korbit.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("\nrelated:", "\ndetails: [colour]\nrelated:", 1),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError) as error:
        load_store(tmp_path / "k")
    assert "korbit.yml" in str(error.value) and "details[0]" in str(error.value)
    assert "colour" in str(error.value)


async def test_the_founder_is_not_given_for_mila_s_head_today(dispatcher):
    tracker = make_tracker("who's the CEO of Mila", "faq_founding")
    await ActionAnswerQuestion().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert message["text"] == STORE.message("mila_unknown", "en")
    assert "Bengio" not in message["text"]
    assert message["buttons"][0]["payload"] == "/faq_founding"
