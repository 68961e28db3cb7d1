"""End to end over POST /webhooks/rest/webhook: trained model, real action server."""

from __future__ import annotations

import pytest

from actions.knowledge import load_store

STORE = load_store()
FACTS = {t.answer[lang] for t in STORE.topics.values() for lang in ("fr", "en")}


def texts(replies):
    return " ".join(r.get("text", "") for r in replies)


@pytest.mark.parametrize(
    ("question", "expected", "lang"),
    [
        ("Qui a fondé Mila ?", "1993", "fr"),
        ("who founded mila", "1993", "en"),
        ("combien d etudiants a mila", "600", "fr"),
        ("how many profs work at mila?", "70", "en"),
        ("ou se trouve mila", "Mile-Ex", "fr"),
        ("where's mila located?", "Mile-Ex", "en"),
        ("tell me about chester", "radiolog", "en"),
        ("c'est quoi bonjour sante", "2,5", "fr"),
        ("which universities are part of mila", "McGill", "en"),
        ("quelles entreprises sont nées de mila", "Element AI", "fr"),
    ],
)
def test_real_questions_get_the_right_fact_in_their_language(
    assistant, sender, question, expected, lang
):
    replies = assistant.ask(question, sender)
    answer = replies[0]["text"]
    assert expected.lower() in answer.lower()
    assert answer in {t.answer[lang] for t in STORE.topics.values()}
    assert 2 <= len([b for b in replies[0]["buttons"] if b["payload"].startswith("/faq_")]) <= 3


def test_follow_up_about_the_founders_award(assistant, sender):
    assert "Bengio" in texts(assistant.ask("who founded mila?", sender))
    assert "Turing" in texts(assistant.ask("what award did he win?", sender))


def test_follow_up_and_students_keeps_language_and_topic_family(assistant, sender):
    assert "70" in texts(assistant.ask("how many professors are there at mila?", sender))
    reply = texts(assistant.ask("and students?", sender))
    assert reply == STORE.topic("students").answer["en"]


def test_tell_me_more_deepens_the_last_answer(assistant, sender):
    assistant.ask("c'est quoi korbit", sender)
    assert texts(assistant.ask("dis m'en plus", sender)) == STORE.topic("korbit").more["fr"]


def test_clicking_a_suggestion_is_answered_like_typing_it(assistant, sender):
    first = assistant.ask("who founded mila", sender)
    button = first[0]["buttons"][0]
    clicked = assistant.ask(button["payload"], sender)
    topic = STORE.topic(button["payload"].removeprefix("/faq_"))
    assert clicked[0]["text"] == topic.answer["en"]
    assert button["title"] == topic.question["en"]


def test_off_topic_is_declined_without_a_fact(assistant, sender):
    reply = texts(assistant.ask("what's the weather going to be like tomorrow?", sender))
    assert reply.startswith(STORE.message("out_of_scope", "en"))
    assert not any(fact in reply for fact in FACTS)


def test_unknown_fact_about_mila_is_admitted(assistant, sender):
    reply = texts(assistant.ask("what is mila's annual budget?", sender))
    assert reply == STORE.message("mila_unknown", "en")


def test_switching_language_on_request_and_short_messages_keep_it(assistant, sender):
    assert "1993" in texts(assistant.ask("qui a fondé mila ?", sender))
    assert texts(assistant.ask("in English please", sender)) == STORE.message(
        "language_switched", "en"
    )
    assert texts(assistant.ask("Korbit?", sender)) == STORE.topic("korbit").answer["en"]


def test_widget_metadata_language_wins(assistant, sender):
    reply = texts(assistant.ask("who founded mila?", sender, metadata={"language": "fr"}))
    assert reply == STORE.topic("founding").answer["fr"]


def test_another_language_gets_the_polite_reply(assistant, sender):
    reply = texts(assistant.ask("¿Quién fundó el instituto Mila y cuándo lo hizo?", sender))
    assert reply == STORE.message("other_language", "fr")


def test_language_survives_a_new_session(assistant, sender):
    assistant.ask("how many students are there at mila?", sender)
    assistant.ask("/session_start", sender)
    assert texts(assistant.ask("Chester?", sender)) == STORE.topic("chester").answer["en"]


def test_greeting_and_bot_question(assistant, sender):
    assert texts(assistant.ask("salut!", sender)) == STORE.message("greet", "fr")
    assert texts(assistant.ask("are you a robot?", sender)) == STORE.message("bot_challenge", "en")


def test_asking_for_a_person_is_honest(assistant, sender):
    assert texts(assistant.ask("can I talk to a real person?", sender)) == STORE.message(
        "human_no_contact", "en"
    )
