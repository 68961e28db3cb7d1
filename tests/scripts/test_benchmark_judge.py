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


def test_each_held_out_message_knows_the_round_it_was_written_in():
    from scripts.benchmark import _rounds

    text = (
        "version: 1\n"
        "questions:\n"
        '  - text: "a"\n'
        "    lang: en\n"
        "  # --- added round 2: later\n"
        '  - text: "b"\n'
        '  - text: "c"\n'
        "offtopic:\n"
        '  - text: "d"\n'
        "  # --- added round 3: later still\n"
        '  - text: "e"\n'
    )
    assert _rounds(text) == {"questions": [1, 2, 2], "offtopic": [1, 3]}


def test_the_real_held_out_set_has_a_round_for_every_message():
    from scripts.benchmark import load_heldout

    heldout = load_heldout()
    rounds = {item["round"] for items in heldout.values() for item in items}
    assert min(rounds) == 1 and max(rounds) >= 6
