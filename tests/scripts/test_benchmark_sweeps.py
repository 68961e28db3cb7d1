"""The benchmark's sweeps over recorded replies (no retraining): what a setting would change."""

from __future__ import annotations

from scripts.benchmark import unknown_sweep


def record(expected, predicted, ranking, correct, lang="en"):
    return {
        "text": "...", "lang": lang, "expected": expected, "predicted": predicted,
        "ranking": ranking, "correct": correct, "reply_lang": lang,
    }  # fmt: skip


RECORDS = {
    "questions": [
        # answered right already: unchanged by the setting
        record("faq_students", "faq_students", [["faq_students", 0.9]], True),
        # unsure, best guess unknown at 0.42: right once told "I don't have that information"
        record(
            "mila_unknown", "nlu_fallback", [["mila_unknown", 0.42], ["faq_students", 0.2]], False
        ),
        # unsure, best guess unknown at 0.36 but a topic question: wrong either way
        record(
            "faq_programmes",
            "nlu_fallback",
            [["mila_unknown", 0.36], ["faq_programmes", 0.3]],
            False,
        ),
        # unsure between two topics: "did you mean" whatever the setting
        record(
            "mila_unknown", "nlu_fallback", [["faq_korbit", 0.4], ["mila_unknown", 0.38]], False
        ),
    ],
    "offtopic": [],
}


def test_the_sweep_counts_what_each_threshold_would_answer():
    rows = {row["unknown_min_confidence"]: row["en"] for row in unknown_sweep(RECORDS)}

    assert rows[None] == {"answer_correct": 25.0, "topics_told_unknown": 0}
    assert rows[0.45] == {"answer_correct": 25.0, "topics_told_unknown": 0}
    assert rows[0.4] == {"answer_correct": 50.0, "topics_told_unknown": 0}
    assert rows[0.35] == {"answer_correct": 50.0, "topics_told_unknown": 1}


def test_the_value_in_settings_is_marked_chosen():
    chosen = [row["unknown_min_confidence"] for row in unknown_sweep(RECORDS) if row["chosen"]]
    assert chosen == [0.4]
