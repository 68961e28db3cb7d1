"""The benchmark's judge: right fact, wrong fact, honest decline."""

from __future__ import annotations

from actions.base import get_store
from scripts.benchmark import Judge

STORE = get_store()
JUDGE = Judge(STORE)


def answer(topic: str, lang: str) -> str:
    return STORE.topic(topic).answer[lang]


def test_the_asked_topic_with_its_fact_is_correct():
    item = {"text": "how many students", "lang": "en", "topic": "students", "expect": ["600"]}
    verdict = JUDGE.question(item, answer("students", "en"))
    assert verdict["correct"] and not verdict["wrong_fact"]


def test_another_topic_without_the_fact_is_a_wrong_fact():
    item = {"text": "who founded mila", "lang": "en", "topic": "founding", "expect": ["1993"]}
    verdict = JUDGE.question(item, answer("values", "en"))
    assert not verdict["correct"] and verdict["wrong_fact"]


def test_another_topic_that_holds_the_asked_fact_is_not_a_wrong_fact():
    item = {"text": "students or profs?", "lang": "en", "topic": "students", "expect": ["600"]}
    reply = answer("professors", "en")
    assert "600" in reply
    verdict = JUDGE.question(item, reply)
    assert verdict["correct"] and not verdict["wrong_fact"]


def test_the_right_answer_in_the_wrong_language_is_neither_correct_nor_wrong():
    item = {"text": "who founded mila", "lang": "en", "topic": "founding", "expect": ["1993"]}
    verdict = JUDGE.question(item, answer("founding", "fr"))
    assert not verdict["correct"] and not verdict["wrong_fact"]


def test_an_unanswerable_question_wants_an_honest_decline():
    item = {"text": "what is mila's budget", "lang": "fr", "intent": "mila_unknown"}
    honest = JUDGE.question(item, STORE.message("mila_unknown", "fr"))
    assert honest["correct"] and not honest["wrong_fact"]
    guessed = JUDGE.question(item, answer("nonprofit", "fr"))
    assert not guessed["correct"] and guessed["wrong_fact"]
