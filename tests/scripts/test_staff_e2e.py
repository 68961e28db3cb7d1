"""The staff tools on real conversations: the real servers fill a tracker store, then the report
and the review read it.

Starts the action server and the Rasa server (about 30 s), so `make unit` skips this module and
`make test-staff` runs it (MILA_STAFF_SERVERS=1). The model is models/mila.tar.gz, or MILA_MODEL;
it must know the `feedback` intent (retrain with `make train` after pulling it). The store is a
temporary SQLite file, or MILA_STAFF_STORE_URL (e.g. a PostgreSQL database).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from collections import Counter
from pathlib import Path

import pytest
import yaml

from actions.knowledge import load_store
from scripts import review
from scripts.servers import ROOT, running_assistant
from tests.scripts.test_review import Scripted

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("MILA_STAFF_SERVERS") != "1",
        reason="starts the real servers: run by `make test-staff` (MILA_STAFF_SERVERS=1)",
    ),
]

MODEL = Path(os.environ.get("MILA_MODEL") or ROOT / "models" / "mila.tar.gz")
STORE = load_store()


def model_intents(model: Path) -> set:
    with tarfile.open(model) as archive:
        member = archive.extractfile("components/domain_provider/domain.yml")
        domain = yaml.safe_load(member.read())
    return {i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents", [])}


def vote_button(reply: dict, helpful: str) -> dict:
    return next(
        b for b in reply["buttons"] if b["payload"].startswith(f'/feedback{{"helpful":"{helpful}"')
    )


class Visitor:
    """One visitor: asks through REST, keeps the replies."""

    def __init__(self, assistant, name: str) -> None:
        self.assistant = assistant
        self.sender = f"{name}-{uuid.uuid4().hex[:8]}"
        self.sent = 0

    def ask(self, text: str) -> list:
        self.sent += 1
        replies = self.assistant.ask(text, self.sender)
        assert replies, f"no reply to {text!r}"
        return replies


@pytest.fixture(scope="module")
def filled_store(tmp_path_factory):
    """Real conversations in both languages, in a fresh tracker store; returns (url, facts)."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first")
    if "feedback" not in model_intents(MODEL):
        pytest.fail(f"{MODEL} predates the `feedback` intent: retrain it with `make train`")
    workdir = tmp_path_factory.mktemp("staff-servers")
    url = os.environ.get("MILA_STAFF_STORE_URL") or f"sqlite:///{workdir / 'rasa.db'}"
    with running_assistant(MODEL, env={"TRACKER_STORE_URL": url}, workdir=workdir) as assistant:
        facts = converse(assistant)
    return url, facts


def converse(assistant) -> dict:
    en, fr, lost, switcher = (Visitor(assistant, n) for n in ("en", "fr", "lost", "switcher"))

    # English: an answer with vote buttons, a "helpful" vote, then off-topic and unknown questions
    answer = en.ask("who founded mila?")[0]
    assert answer["text"] == STORE.topic("founding").answer["en"]
    assert [b["payload"] for b in answer["buttons"] if b["payload"].startswith("/faq_")]
    thanks = en.ask(vote_button(answer, "yes")["payload"])
    assert thanks[0]["text"] == STORE.message("feedback_thanks", "en")
    assert en.ask("what's the weather going to be like tomorrow?")[0]["text"].startswith(
        STORE.message("out_of_scope", "en")
    )
    assert en.ask("what is mila's annual budget?")[0]["text"] == STORE.message("mila_unknown", "en")
    # an answer whose vote buttons are ignored: the next question is answered as usual
    en.ask("how many professors are there at mila?")
    assert (
        en.ask("how many students does mila have?")[0]["text"]
        == STORE.topic("students").answer["en"]
    )

    # French: an answer voted "not helpful", then an unknown question and an off-topic one
    answer = fr.ask("Qui a fondé Mila ?")[0]
    assert answer["text"] == STORE.topic("founding").answer["fr"]
    assert vote_button(answer, "no")["title"] == STORE.message("feedback_no_button", "fr")
    assert fr.ask(vote_button(answer, "no")["payload"])[0]["text"] == STORE.message(
        "feedback_thanks", "fr"
    )
    assert fr.ask("quel est le salaire moyen d'un chercheur à mila ?")[0]["text"] == STORE.message(
        "mila_unknown", "fr"
    )
    assert fr.ask("quelle est la météo demain à Montréal ?")[0]["text"].startswith(
        STORE.message("out_of_scope", "fr")
    )

    # A question the assistant is unsure about: "did you mean ...?", then "something else"
    unsure = "how does it compare to vector institute"
    reply = lost.ask(unsure)[0]
    clarified = reply["text"] == STORE.message("clarify", "en")
    if clarified:
        something_else = next(b for b in reply["buttons"] if b["payload"] == "/something_else")
        assert lost.ask(something_else["payload"])[0]["text"].startswith(
            STORE.message("fallback", "en")
        )

    # French, then English on request: a conversation in both languages
    assert "600" in switcher.ask("combien d'étudiants à mila ?")[0]["text"]
    assert switcher.ask("in English please")[0]["text"] == STORE.message("language_switched", "en")
    assert switcher.ask("Korbit?")[0]["text"] == STORE.topic("korbit").answer["en"]

    # What the report should say about the unsure question: the model may ask "did you mean",
    # decline it, or answer it.
    if clarified:
        unsure_reasons = ["nlu_fallback", "something_else"]
    elif reply["text"] == STORE.message("mila_unknown", "en"):
        unsure_reasons = ["mila_unknown"]
    elif reply["text"].startswith(STORE.message("out_of_scope", "en")):
        unsure_reasons = ["out_of_scope"]
    else:
        unsure_reasons = []

    visitors = (en, fr, lost, switcher)
    return {
        "senders": [v.sender for v in visitors],
        "messages": sum(v.sent for v in visitors),
        "unsure": unsure,
        "clarified": clarified,
        "unsure_reasons": unsure_reasons,
    }


@pytest.fixture(scope="module")
def report_figures(filled_store, tmp_path_factory):
    url, _ = filled_store
    out = tmp_path_factory.mktemp("report")
    result = subprocess.run(
        [sys.executable, "-m", "scripts.report", "--url", url, "--out", str(out / "report.html"),
         "--json", str(out / "figures.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads((out / "figures.json").read_text(encoding="utf-8"))
    return figures, (out / "report.html").read_text(encoding="utf-8"), result.stderr


def test_the_report_counts_the_conversations_and_messages(filled_store, report_figures):
    _, facts = filled_store
    figures, page, stderr = report_figures
    assert figures["conversations"] == 4
    assert figures["messages"] == facts["messages"]
    assert sum(day["messages"] for day in figures["per_day"].values()) == facts["messages"]
    assert figures["latency"]["replies"] == facts["messages"]
    assert 0 < figures["latency"]["median"] < 10
    assert "Reading events" in stderr
    assert f'<td class="n">4</td><td class="n">{facts["messages"]}</td>' in page


def test_the_report_splits_languages_and_channels(report_figures):
    figures, _, _ = report_figures
    # en, lost and switcher end in English; fr stays French; switcher used both
    assert figures["languages"]["conversations"] == {"en": 3, "fr": 1}
    assert figures["languages"]["both_languages"] == {"conversations": 1}
    assert figures["channels"]["conversations"] == {"rest": 4}


def test_the_report_counts_topics_and_votes(report_figures):
    figures, page, _ = report_figures
    assert figures["topics"]["founding"] == 2
    assert figures["topics"]["students"] == 2
    assert figures["topics"]["korbit"] == 1
    assert figures["votes"] == {"founding": {"yes": 1, "no": 1}}
    assert '<td>founding</td><td class="n">1</td><td class="n">1</td><td>50.0 %</td>' in page


def test_the_report_lists_the_unanswered_questions(filled_store, report_figures):
    _, facts = filled_store
    figures, page, _ = report_figures
    listed = {q["text"]: q for q in figures["unanswered"]}
    expected = {
        "what's the weather going to be like tomorrow?": ["out_of_scope"],
        "what is mila's annual budget?": ["mila_unknown"],
        "quel est le salaire moyen d'un chercheur à mila ?": ["mila_unknown"],
        "quelle est la météo demain à Montréal ?": ["out_of_scope"],
    }
    if facts["unsure_reasons"]:
        expected[facts["unsure"]] = facts["unsure_reasons"]
    assert {text: listed[text]["reasons"] for text in listed} == expected
    assert listed["quel est le salaire moyen d'un chercheur à mila ?"]["language"] == "fr"
    declined = Counter(facts["unsure_reasons"])
    assert figures["rates"]["out_of_scope"]["count"] == 2 + declined["out_of_scope"]
    assert figures["rates"]["mila_unknown"]["count"] == 2 + declined["mila_unknown"]
    assert figures["rates"]["nlu_fallback"]["count"] == int(facts["clarified"])
    assert sum(g["size"] for g in figures["groups"]) == len(expected)
    assert all(g["closest_topic"] in STORE.topics for g in figures["groups"])
    assert "quel est le salaire moyen d&#x27;un chercheur à mila ?" in page


def test_review_walks_through_the_same_questions(filled_store, tmp_path):
    url, facts = filled_store
    for folder in ("knowledge", "domain", "data"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "config.yml", tmp_path / "config.yml")
    prompter = Scripted("skip", "skip", "skip", "skip", "stop")
    status = review.main(
        ["--url", url, "--root", str(tmp_path), "--no-progress", "--no-validate"], prompter=prompter
    )
    assert status == 0
    offered = [s for s in prompter.said if s.startswith("\n[")]
    expected = 5 if facts["unsure_reasons"] else 4
    assert prompter.said[0] == f"{expected} question(s) to review."
    assert any("«what is mila's annual budget?»" in s for s in offered)
    assert len((tmp_path / "reports/review-skipped.txt").read_text().splitlines()) == 4
