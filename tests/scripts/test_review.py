"""make review: unanswered questions become training data, only once confirmed, in valid files."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, List

import pytest
import yaml

from scripts import review
from scripts.conversations import Unanswered
from scripts.training_data import ROOT

QUESTIONS = [
    ("who started mila back in the day", "en", ["nlu_fallback"]),
    ("c'est quoi le budget annuel de mila", "fr", ["mila_unknown"]),
    ("C'est quoi le budget annuel de Mila ?", "fr", ["mila_unknown"]),  # the same, merged
    ("what's the weather like in montreal", "en", ["out_of_scope"]),
    ("whos the founder of mila", "en", ["nlu_fallback"]),  # already a training example: not offered
]


def unanswered(items=QUESTIONS) -> List[Unanswered]:
    return [
        Unanswered(text, "s", float(i), lang, list(reasons))
        for i, (text, lang, reasons) in enumerate(items)
    ]


class Scripted:
    """A prompter that plays recorded answers and keeps what it was asked."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.asked: List[tuple] = []
        self.said: List[str] = []

    def _next(self, kind: str, message: str, options: Any) -> Any:
        self.asked.append((kind, message, options))
        assert self.answers, f"no answer left for {kind}: {message}"
        return self.answers.pop(0)

    def select(self, message, choices, default=None):
        values = [value for _, value in choices]
        answer = self._next("select", message, {"values": values, "default": default})
        assert answer is None or answer in values, f"{answer!r} is not a choice of {message!r}"
        return answer

    def confirm(self, message, default=True):
        return self._next("confirm", message, default)

    def say(self, text):
        self.said.append(text)


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of what `make review` reads and edits: knowledge, domain, data, config."""
    for folder in ("knowledge", "domain", "data"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "config.yml", tmp_path / "config.yml")
    return tmp_path


def snapshot(root: Path) -> dict:
    return {p: p.read_bytes() for p in sorted((root / "data").rglob("*.yml"))}


def examples_of(path: Path, intent: str) -> List[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for block in data["nlu"]:
        if block.get("intent") == intent:
            return [line[2:] for line in block["examples"].splitlines()]
    return []


def run(project: Path, prompter: Scripted, check: bool = False, questions=None) -> int:
    return review.run(
        questions if questions is not None else unanswered(),
        project,
        prompter,
        project / "reports" / "review-skipped.txt",
        check=check,
        detect=lambda text: "fr" if "c'est" in text.lower() else "en",
    )


def test_a_session_adds_an_example_marks_an_unknown_and_skips_validated_by_rasa(project):
    before = snapshot(project)
    prompter = Scripted(
        "mila_unknown", "fr", True,  # the budget, asked twice, comes first -> mila_unknown, French
        "example", "founding", "en", True,  # who started mila -> faq_founding, English
        "skip",  # the weather
    )  # fmt: skip
    assert run(project, prompter, check=True) == 0
    assert prompter.answers == []
    assert "«c'est quoi le budget annuel de mila»  (asked 2×" in prompter.said[1]

    # the cursor starts on "skip" for declined questions, on "add" for misunderstood ones
    actions = [a[2]["default"] for a in prompter.asked if a[1].startswith("What should")]
    assert actions == ["skip", "example", "skip"]
    # the closest topic is offered first, and the detected language is the default
    topic_question = next(a for a in prompter.asked if a[1].startswith("Which topic"))
    assert topic_question[2]["values"][0] == "founding"
    assert topic_question[2]["default"] == "founding"
    languages = [a[2]["default"] for a in prompter.asked if a[1].startswith("Language")]
    assert languages == ["fr", "en"]

    reviewed = project / "data/nlu/en/reviewed.yml"
    assert examples_of(reviewed, "faq_founding") == ["who started mila back in the day"]
    declined = project / "data/nlu/fr/out_of_scope.yml"
    assert examples_of(declined, "mila_unknown")[-1] == "c'est quoi le budget annuel de mila"
    # out_of_scope.yml only grew by that line: comments and layout kept
    old = before[declined].decode().splitlines()
    new = declined.read_text(encoding="utf-8").splitlines()
    assert [line for line in new if line not in old] == [
        "    - c'est quoi le budget annuel de mila"
    ]
    assert len(new) == len(old) + 1
    changed = {p for p, data in snapshot(project).items() if before.get(p) != data}
    assert changed == {reviewed, declined}
    assert any("training data is valid" in s for s in prompter.said)

    # a second session offers nothing: two are in the data now, the weather was skipped
    again = Scripted()
    assert run(project, again) == 0
    assert again.said == [
        "Nothing to review: every unanswered question is in the training data or skipped."
    ]
    # unless skipped questions are asked for again
    again = Scripted("stop")
    review.run(unanswered(), project, again, project / "reports/review-skipped.txt", True, False)
    assert again.said[1].startswith("\n[1/1] «what's the weather like in montreal»")


def test_nothing_is_written_when_the_change_is_not_confirmed(project):
    before = snapshot(project)
    prompter = Scripted(
        "out_of_scope", "en", False,  # not confirmed: back to the choices for the same question
        "stop",
    )  # fmt: skip
    assert run(project, prompter) == 0
    assert snapshot(project) == before
    assert prompter.asked[3][1] == "What should the assistant learn from this question?"
    assert not (project / "reports" / "review-skipped.txt").exists()


def test_back_from_the_topic_list_and_ctrl_c_write_nothing(project):
    before = snapshot(project)
    prompter = Scripted("example", None, None)  # (back), then Ctrl-C on the choices
    assert run(project, prompter) == 0
    assert snapshot(project) == before


def test_a_failed_validation_puts_the_files_back(project, monkeypatch):
    before = snapshot(project)
    monkeypatch.setattr(review, "validate", lambda root: (False, "UserWarning: broken"))
    prompter = Scripted("example", "founding", "en", True, "stop")
    assert run(project, prompter, check=True) == 1
    assert snapshot(project) == before
    assert not (project / "data/nlu/en/reviewed.yml").exists()
    assert "broken" in prompter.said[-1]


def test_annotation_characters_are_removed_from_new_examples():
    assert review.clean_example("what is [mila](org)\n {x}  ") == "what is mila (org) x"


def test_a_new_intent_block_and_file_are_valid_rasa_nlu(tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data

    path = tmp_path / "nlu" / "fr" / "reviewed.yml"
    review.add_examples(path, "faq_students", ["combien d'élèves"], review.REVIEWED_HEADER)
    review.add_examples(path, "faq_students", ["nombre d'étudiants: 600 ?"], review.REVIEWED_HEADER)
    review.add_examples(path, "out_of_scope", ["# pas un commentaire"], review.REVIEWED_HEADER)
    assert path.read_text(encoding="utf-8").startswith(review.REVIEWED_HEADER)
    data = load_data(str(path))
    assert sorted((m.get("intent"), m.get("text")) for m in data.intent_examples) == [
        ("faq_students", "combien d'élèves"),
        ("faq_students", "nombre d'étudiants: 600 ?"),
        ("out_of_scope", "# pas un commentaire"),
    ]


def test_the_questionary_prompts_answer_to_keys(monkeypatch):
    """The real prompts (questionary), fed keystrokes instead of a terminal."""
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    pipe = create_pipe_input()
    try:
        prompter = review.QuestionaryPrompter(input=pipe, output=DummyOutput())
        pipe.send_text("\x1b[B\r")  # arrow down, Enter
        choices = [("first", "a"), ("second", "b"), ("third", "c")]
        assert prompter.select("Pick", choices) == "b"
        pipe.send_text("\r")  # Enter keeps the default
        assert prompter.select("Pick", choices, default="c") == "c"
        pipe.send_text("n")
        assert prompter.confirm("Sure?") is False
        pipe.send_text("\r")
        assert prompter.confirm("Sure?") is True
    finally:
        pipe.close()


def test_without_a_terminal_it_refuses_to_start(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert review.main([]) == 2
    assert "interactive" in capsys.readouterr().err
