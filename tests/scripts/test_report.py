"""make report: conversations read from a tracker store, figures, and the HTML page."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from actions.knowledge import load_store
from scripts import report
from scripts.conversations import (
    TopicMatcher,
    build_corpus,
    cluster_texts,
    read_events,
    unanswered_questions,
)
from scripts.training_data import examples_by_topic
from tests.scripts.events import Conversation, rows, vote, write_store

STORE = load_store()
EXAMPLES = examples_by_topic()
DAY_ONE = dt.datetime(2026, 3, 2, 10, 0).timestamp()
DAY_TWO = dt.datetime(2026, 3, 3, 15, 0).timestamp()


def sample() -> list:
    alice = (
        Conversation("alice", DAY_ONE)
        .user("who founded mila?", "faq_founding")
        .bot("action_answer_question", language="en", topic="founding")
        .user('/feedback{"helpful":"yes","topic":"founding"}', "feedback")
        .bot("action_feedback", feedback=vote("yes", "founding"))
        .user("what's the weather tomorrow?", "out_of_scope")
        .bot("action_decline", topic=None)
        .user("how many students?", "faq_students", delay=3)
        .bot("action_answer_question", latency=0.5, topic="students")
    )
    bob = (
        Conversation("bob", DAY_ONE + 60)
        .user("Qui a fondé Mila ?", "faq_founding")
        .bot("action_answer_question", language="fr", topic="founding")
        .user('/feedback{"helpful":"no","topic":"founding"}', "feedback")
        .bot("action_feedback", feedback=vote("no", "founding"))
        .user("c'est quoi le budget de mila", "mila_unknown")
        .bot("action_decline", topic=None)
        .user("in English please", "switch_language")
        .bot("action_switch_language", language="en")
    )
    carol = (
        Conversation("carol", DAY_TWO, channel="socketio")
        .user("how does it compare to vector institute", "nlu_fallback")
        .bot("action_clarify", language="en")
        .user("/something_else", "something_else")
        .bot("action_decline", topic=None)
        .user("and the weather tomorrow?", "out_of_scope")
        .bot("action_decline", topic=None)
    )
    # carol comes back after an hour: a new session, the same sender
    carol.clock += 4000
    carol.session()
    carol._add({"event": "slot", "name": "language", "value": "en"}, step=0)
    carol.user("tell me about korbit", "ask_about_thing").bot(
        "action_answer_question", topic="korbit"
    )
    return [alice, bob, carol]


def test_events_become_conversations_per_session_with_their_language_and_topics():
    corpus = build_corpus(rows(*sample()))
    assert [(c.sender, len(c.turns), c.language, c.channel) for c in corpus.conversations] == [
        ("alice", 4, "en", "rest"),
        ("bob", 4, "en", "rest"),
        ("carol", 3, "en", "socketio"),
        ("carol", 1, "en", "socketio"),
    ]
    bob = corpus.conversations[1]
    assert [t.language for t in bob.turns] == ["fr", "fr", "fr", "en"]
    assert bob.languages == {"fr", "en"}
    alice = corpus.conversations[0]
    assert [t.topic for t in alice.turns] == ["founding", None, None, "students"]
    assert alice.turns[3].latency == pytest.approx(0.5)
    assert [(v.sender, v.helpful, v.topic) for v in corpus.votes] == [
        ("alice", "yes", "founding"),
        ("bob", "no", "founding"),
    ]


def test_unanswered_questions_are_typed_ones_and_something_else_marks_the_clarified_question():
    questions = unanswered_questions(build_corpus(rows(*sample())))
    assert [(q.text, q.reasons, q.language) for q in questions] == [
        ("what's the weather tomorrow?", ["out_of_scope"], "en"),
        ("c'est quoi le budget de mila", ["mila_unknown"], "fr"),
        ("how does it compare to vector institute", ["nlu_fallback", "something_else"], "en"),
        ("and the weather tomorrow?", ["out_of_scope"], "en"),
    ]


def test_figures_count_what_happened():
    figures = report.compute(
        build_corpus(rows(*sample())), STORE, examples=EXAMPLES, today=dt.date(2026, 3, 4)
    )
    assert (figures.conversations, figures.messages, figures.typed_messages) == (4, 12, 9)
    day_one, day_two = dt.date(2026, 3, 2).isoformat(), dt.date(2026, 3, 3).isoformat()
    assert figures.per_day == {
        day_one: {"conversations": 2, "messages": 8},
        day_two: {"conversations": 2, "messages": 4},
    }
    assert figures.languages["conversations"] == {"en": 4}
    assert figures.languages["messages"] == {"en": 9, "fr": 3}
    assert figures.languages["both_languages"] == {"conversations": 1}
    assert figures.channels["conversations"] == {"rest": 2, "socketio": 2}
    assert figures.topics == {"founding": 2, "students": 1, "korbit": 1}
    assert figures.rates["out_of_scope"] == {"count": 2, "rate": pytest.approx(2 / 9)}
    assert figures.rates["nlu_fallback"]["count"] == 1
    assert figures.rates["total"]["count"] == 4
    assert figures.votes == {"founding": {"yes": 1, "no": 1}}
    assert figures.latency["replies"] == 12
    assert figures.latency["max"] == pytest.approx(0.5)
    # the two weather questions form one group; its closest topic is named
    weather = next(g for g in figures.groups if "what's the weather tomorrow?" in g["questions"])
    assert sorted(weather["questions"]) == [
        "and the weather tomorrow?",
        "what's the weather tomorrow?",
    ]
    assert weather["closest_topic"] in STORE.topics
    assert sum(g["size"] for g in figures.groups) == len(figures.unanswered) == 4


def test_topics_verified_long_ago_are_listed():
    figures = report.compute(
        build_corpus([]), STORE, stale_after_days=30, today=dt.date(2027, 1, 1)
    )
    assert {s["topic"] for s in figures.stale_topics} == set(STORE.topics)
    assert figures.stale_topics[0]["age_days"] == (dt.date(2027, 1, 1) - dt.date(2026, 11, 25)).days
    assert report.compute(build_corpus([]), STORE, today=dt.date(2026, 12, 1)).stale_topics == []


def test_an_empty_store_gives_a_page_without_figures(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    out = tmp_path / "report.html"
    assert report.main(["--url", url, "--out", str(out), "--no-progress"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "No vote yet." in page
    assert "0 questions" in page


def test_the_page_is_written_from_an_sql_store_with_embedded_plots(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'rasa.db'}"
    write_store(url, *sample())
    out, data = tmp_path / "out" / "report.html", tmp_path / "report.json"
    assert report.main(["--url", url, "--out", str(out), "--json", str(data)]) == 0
    figures = json.loads(data.read_text(encoding="utf-8"))
    assert figures["conversations"] == 4 and figures["messages"] == 12
    page = out.read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 7
    for text in (
        "what&#x27;s the weather tomorrow?",
        "c&#x27;est quoi le budget de mila",
        "vector institute",
    ):
        assert text in page
    assert '<td>founding</td><td class="n">1</td><td class="n">1</td><td>50.0 %</td>' in page
    assert "Reading events" in capsys.readouterr().err  # the progress bar, on stderr


def test_events_are_read_sender_by_sender_in_order(tmp_path):
    url = f"sqlite:///{tmp_path / 'rasa.db'}"
    write_store(url, *sample(), interleave=True)
    events = list(read_events(url, progress=False))
    senders = [sender for sender, _ in events]
    assert senders == sorted(senders)
    stamps = [e["timestamp"] for s, e in events if s == "alice"]
    assert stamps == sorted(stamps)


def test_a_missing_store_or_events_table_reads_as_no_conversation(tmp_path):
    assert list(read_events(f"sqlite:///{tmp_path / 'none.db'}", progress=False)) == []
    assert not (tmp_path / "none.db").exists()  # not created by reading
    url = f"sqlite:///{tmp_path / 'other.db'}"
    import sqlalchemy as sa

    with sa.create_engine(url).begin() as connection:
        connection.execute(sa.text("CREATE TABLE something (id INTEGER)"))
    assert list(read_events(url, progress=False)) == []


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("who started mila and in which year", "founding"),
        ("combien y a-t-il d'étudiants", "students"),
        ("c'est quoi korbit", "korbit"),
        ("is mila a charity or a business", "nonprofit"),
    ],
)
def test_the_closest_topic_of_a_question(question, topic):
    matcher = TopicMatcher(STORE, EXAMPLES, [question])
    assert matcher.ranked(question)[0][0] == topic


def test_rephrasings_are_grouped_and_unrelated_questions_kept_apart():
    texts = [
        "what is mila's budget",
        "what is the budget of mila?",
        "is there parking at mila",
        "where can i park at mila",
        "tell me a joke",
    ]
    matcher = TopicMatcher(STORE, EXAMPLES, texts)
    groups = [sorted(texts[i] for i in g) for g in cluster_texts(texts, 0.8, matcher.vectorizer)]
    assert sorted(groups) == sorted(
        [
            ["what is mila's budget", "what is the budget of mila?"],
            ["is there parking at mila", "where can i park at mila"],
            ["tell me a joke"],
        ]
    )
    assert cluster_texts(["only one"]) == [[0]]
