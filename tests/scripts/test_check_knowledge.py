"""make check-knowledge: knowledge and training data agree; errors name the file and line."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from scripts import check_knowledge
from scripts.training_data import ROOT

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    for folder in ("knowledge", "domain", "data", "actions"):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    monkeypatch.chdir(tmp_path)  # findings name files relative to the working folder
    return tmp_path


def findings(root: Path, **options) -> list:
    return [str(f) for f in check_knowledge.check(root, today=TODAY, **options)]


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, f"{old!r} not in {path}"
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def test_the_project_as_it_is_passes(capsys):
    results = check_knowledge.check(ROOT)
    assert [str(f) for f in results if f.level == "error"] == []
    assert check_knowledge.report(results) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_a_missing_translation_is_reported_at_its_line(project):
    topic = project / "knowledge/topics/founding.yml"
    edit(topic, "  fr: Mila a été fondé en 1993 par Yoshua Bengio.\n", "")
    line = line_of(topic, "answer:")
    assert (
        f"knowledge/topics/founding.yml:{line}: error: "
        "topic 'founding': answer has no French text (fr)" in findings(project)
    )


def examples_of(nlu: Path, intent: str) -> list[str]:
    block = nlu.read_text(encoding="utf-8").split(f"- intent: {intent}\n")[1].split("\n\n")[0]
    return [line for line in block.splitlines() if line.startswith("    - ")]


def test_too_few_examples_in_one_language(project):
    french_file = project / "data/nlu/fr/faq.yml"
    french = examples_of(french_file, "faq_chester")
    english = examples_of(project / "data/nlu/en/faq.yml", "faq_chester")
    edit(french_file, french[-1] + "\n", "")  # one French example fewer than before
    minimum = len(french)
    assert len(english) >= minimum
    results = findings(project, min_examples=minimum)
    line = line_of(project / "knowledge/topics/chester.yml", "id: chester")
    assert (
        f"knowledge/topics/chester.yml:{line}: error: topic 'chester' has {minimum - 1} French "
        f"training examples of 'faq_chester' in data/nlu/fr/ (minimum {minimum})"
    ) in results
    assert not any("faq_chester' in data/nlu/en/" in r for r in results)


def test_an_example_under_two_intents_names_both_places(project):
    nlu = project / "data/nlu/en/faq.yml"
    edit(nlu, "    - whats mila\n", "    - whats mila\n    - Whos the founder of Mila?\n")
    added = line_of(nlu, "- Whos the founder of Mila?")
    original = line_of(nlu, "- whos the founder of mila")
    assert (
        f"data/nlu/en/faq.yml:{original}: error: example 'whos the founder of mila' of "
        f"'faq_founding' is also an example of 'faq_about' (data/nlu/en/faq.yml:{added})"
    ) in findings(project)


def test_a_held_out_question_copied_into_the_training_data(project):
    shutil.copytree(ROOT / "benchmark", project / "benchmark")
    nlu = project / "data/nlu/en/faq.yml"
    edit(nlu, "    - whats mila\n", "    - whats mila\n    - What is Mila?\n")
    line = line_of(nlu, "- What is Mila?")
    assert any(
        f.startswith(
            f"data/nlu/en/faq.yml:{line}: error: example 'What is Mila?' is a question "
            "of benchmark/heldout.yml"
        )
        for f in findings(project)
    )


def test_a_thing_without_french_names(project):
    topic = project / "knowledge/topics/korbit.yml"
    content = topic.read_text(encoding="utf-8")
    fr_line = next(
        line
        for line in content.splitlines()
        if line.strip().startswith("fr: [") and "orbit" in line
    )
    topic.write_text(content.replace(fr_line, fr_line.split("fr:")[0] + "fr: []"), encoding="utf-8")
    results = findings(project)
    assert any(
        r.startswith("knowledge/topics/korbit.yml:")
        and "thing 'korbit' has no French names (fr)" in r
        for r in results
    ), results


def test_an_annotation_that_names_no_thing(project):
    nlu = project / "data/nlu/en/conversation.yml"
    edit(
        nlu,
        "    - what about [korbit](application)\n",
        "    - what about [korbot 3000](application)\n",
    )
    line = line_of(nlu, "korbot 3000")
    assert any(
        r.startswith(f"data/nlu/en/conversation.yml:{line}: error: entity 'korbot 3000'")
        for r in findings(project)
    )


def test_a_synonym_in_one_language_only(project):
    nlu = project / "data/nlu/fr/feedback.yml"
    edit(nlu, '- synonym: "no"\n', '- synonym: "non"\n')
    results = findings(project)
    line = line_of(nlu, '- synonym: "non"')
    assert (
        f"data/nlu/fr/feedback.yml:{line}: error: "
        "synonym 'non' has no English words in data/nlu/en/" in results
    )
    assert any(
        r.startswith("data/nlu/en/feedback.yml:") and "synonym 'no' has no French words" in r
        for r in results
    )


def test_placeholders_nobody_fills_and_messages_nobody_wrote(project):
    assistant = project / "knowledge/assistant.yml"
    edit(assistant, "fr: Merci pour votre avis !", "fr: Merci {name} !")
    edit(assistant, "en: Thanks for your feedback!", "en: Thanks {name}!")
    topic = project / "knowledge/topics/students.yml"
    content = topic.read_text(encoding="utf-8")
    topic.write_text(content.replace("home to more than 600", "home to {count}"), encoding="utf-8")
    (project / "actions/extra.py").write_text('def f(out):\n    out.say("no_such_message")\n')
    results = findings(project)
    line = line_of(assistant, "Merci {name}")
    assert (
        f"knowledge/assistant.yml:{line}: error: "
        "messages.feedback_thanks.fr uses {name} but no action fills it" in results
    )
    assert any(
        r.startswith("knowledge/topics/students.yml:") and "placeholder {count}" in r
        for r in results
    )
    assert (
        "actions/extra.py:2: error: "
        "message 'no_such_message' is used here but missing from knowledge/assistant.yml" in results
    )
    # the contact, filled by action_small_talk, is not reported
    assert not any("human_contact" in r for r in results)


def test_a_domain_response_with_an_unknown_slot(project):
    (project / "domain/extra.yml").write_text(
        'version: "3.1"\nresponses:\n  utter_hi:\n    - text: "Hi {visitor}, in {language}"\n',
        encoding="utf-8",
    )
    assert (
        "domain/extra.yml:4: error: "
        "response 'utter_hi' uses {visitor}, which is no slot of the domain" in findings(project)
    )
    assert not any("{language}" in r for r in findings(project))


def test_topics_verified_long_ago_are_warnings(project, capsys):
    topic = project / "knowledge/topics/values.yml"
    content = topic.read_text(encoding="utf-8")
    old = next(line for line in content.splitlines() if line.startswith("verified:"))
    topic.write_text(content.replace(old, "verified: 2024-01-15"), encoding="utf-8")
    results = check_knowledge.check(project, stale_after_days=365, today=TODAY)
    line = line_of(topic, "verified:")
    age = (TODAY - dt.date(2024, 1, 15)).days
    assert [str(f) for f in results] == [
        f"knowledge/topics/values.yml:{line}: warning: topic 'values' was verified 2024-01-15, "
        f"{age} days ago (more than 365): check its facts against the source"
    ]
    assert check_knowledge.report(results) == 0  # a warning does not fail the check


def test_broken_yaml_is_an_error_with_its_line(project):
    topic = project / "knowledge/topics/chester.yml"
    topic.write_text(topic.read_text(encoding="utf-8") + "answer: [unclosed\n", encoding="utf-8")
    results = findings(project)
    assert any(
        r.startswith("knowledge/topics/chester.yml:") and "not valid YAML" in r for r in results
    )


def test_the_command_line_exits_1_on_errors(project, capsys):
    assert check_knowledge.main(["--root", str(project), "--min-examples", "1000"]) == 1
    out = capsys.readouterr().out
    assert "(minimum 1000)" in out
    topics = len(list((project / "knowledge/topics").glob("*.yml")))
    assert out.strip().splitlines()[-1].startswith(f"check-knowledge: {2 * topics} error(s)")
