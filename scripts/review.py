"""`make review`: walk through the questions the assistant could not answer, and teach it.

    python -m scripts.review [--url sqlite:///rasa.db] [--include-skipped] [--no-validate]

For each question of the tracker store that got no answer (and is not in the training data
yet), staff choose:
- add it as a training example of an existing topic (the topic closest to it is offered
  first; its language is detected, then confirmed): data/nlu/<lang>/reviewed.yml;
- mark it off-topic (`out_of_scope`) or about Mila but not in the knowledge (`mila_unknown`):
  data/nlu/<lang>/out_of_scope.yml;
- skip it (remembered in reports/review-skipped.txt, so it is not offered again);
- stop.
Each change is confirmed before it is written; the files are edited with ruamel.yaml, which
keeps their comments and layout. Then `rasa data validate` runs; if it fails, the files are
put back as they were. Retrain (`make train`) to use the new examples.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Protocol, Sequence, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from actions.knowledge import KnowledgeStore, load_store
from scripts.conversations import TopicMatcher, load_corpus, unanswered_questions
from scripts.training_data import ROOT, all_examples, example_key, relative

LANGUAGE_TITLES = {"fr": "French (fr)", "en": "English (en)"}
REVIEWED_FILE = "reviewed.yml"
DECLINE_FILE = "out_of_scope.yml"
REVIEWED_HEADER = (
    "# Examples added by `make review` from questions the assistant could not answer.\n"
    "# Edit freely: each block is an ordinary Rasa intent block.\n"
)
# Topics listed first when choosing where an example goes: the closest ones.
CLOSEST_FIRST = 5


@dataclass
class Candidate:
    """One unanswered question (its variants that differ only in case or accents merged)."""

    text: str
    key: str
    count: int
    reasons: List[str]
    languages: List[str]


@dataclass(frozen=True)
class Change:
    """One confirmed addition to the training data."""

    text: str
    intent: str
    lang: str
    file: str  # reviewed.yml or out_of_scope.yml

    def path(self, data_dir: Path) -> Path:
        return Path(data_dir) / "nlu" / self.lang / self.file


@dataclass
class Outcome:
    changes: List[Change] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    stopped: bool = False


class Prompter(Protocol):
    """What the walk asks; `None` from any method means the user pressed Ctrl-C."""

    def select(
        self, message: str, choices: Sequence[Tuple[str, Any]], default: Any = None
    ) -> Any: ...

    def confirm(self, message: str, default: bool = True) -> Optional[bool]: ...

    def say(self, text: str) -> None: ...


class QuestionaryPrompter:
    """The terminal prompts (questionary); `options` go to prompt_toolkit (input, output)."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def select(self, message: str, choices: Sequence[Tuple[str, Any]], default: Any = None) -> Any:
        import questionary

        items = [questionary.Choice(title, value=value) for title, value in choices]
        chosen = (
            next((c for c in items if c.value == default), None) if default is not None else None
        )
        return questionary.select(message, choices=items, default=chosen, **self.options).ask()

    def confirm(self, message: str, default: bool = True) -> Optional[bool]:
        import questionary

        return questionary.confirm(message, default=default, **self.options).ask()

    def say(self, text: str) -> None:
        print(text)


# --------------------------------------------------------------------------- candidates


def candidates(questions, known_keys: set, skipped_keys: set) -> List[Candidate]:
    """Unanswered questions not yet in the data nor skipped, most asked first."""
    grouped: Dict[str, Candidate] = {}
    for question in questions:
        key = example_key(question.text)
        if not key or key in known_keys or key in skipped_keys:
            continue
        entry = grouped.get(key)
        if entry is None:
            entry = grouped[key] = Candidate(question.text, key, 0, [], [])
        entry.count += 1
        for reason in question.reasons:
            if reason not in entry.reasons:
                entry.reasons.append(reason)
        if question.language and question.language not in entry.languages:
            entry.languages.append(question.language)
    return sorted(grouped.values(), key=lambda c: -c.count)


def clean_example(text: str) -> str:
    """One line, without the brackets and braces Rasa reads as entity annotations."""
    for char in "[]{}":
        text = text.replace(char, " ")
    return " ".join(text.split())


def detect_language(text: str) -> str:
    from actions import language
    from actions.base import proper_names

    scores = language.detect(text, proper_names())["scores"]
    return "fr" if scores.get("fr", 0.0) >= scores.get("en", 0.0) else "en"


# --------------------------------------------------------------------------- the walk


def walk(
    items: Sequence[Candidate],
    store: KnowledgeStore,
    prompter: Prompter,
    rank_topics: Callable[[str], List[Tuple[str, float]]],
    detect: Callable[[str], str] = detect_language,
) -> Outcome:
    """Ask about each candidate; return the confirmed changes (nothing is written here)."""
    outcome = Outcome()
    for number, item in enumerate(items, start=1):
        prompter.say(
            f"\n[{number}/{len(items)}] «{item.text}»  (asked {item.count}×; "
            f"{', '.join(item.reasons)})"
        )
        # Declined questions were usually declined rightly: the cursor starts on "skip" for them,
        # and on "add as an example" for the ones the assistant did not understand.
        suggested = "example" if "nlu_fallback" in item.reasons else "skip"
        while True:
            action = prompter.select(
                "What should the assistant learn from this question?",
                [
                    ("Add it as an example of a topic", "example"),
                    ("Mark it off-topic (not about Mila: out_of_scope)", "out_of_scope"),
                    ("About Mila, but not in the knowledge (mila_unknown)", "mila_unknown"),
                    ("Skip it (not offered again)", "skip"),
                    ("Stop reviewing", "stop"),
                ],
                default=suggested,
            )
            if action is None or action == "stop":
                outcome.stopped = True
                return outcome
            if action == "skip":
                outcome.skipped.append(item.key)
                break
            change = _ask_change(item, action, store, prompter, rank_topics, detect)
            if change is None:
                continue  # back to the choices for this question
            outcome.changes.append(change)
            break
    return outcome


def _ask_change(item, action, store, prompter, rank_topics, detect) -> Optional[Change]:
    if action == "example":
        ranked = rank_topics(item.text)
        choices = [
            (
                f"{topic_id}: {store.topic(topic_id).question['en']}  (similarity {score:.2f})",
                topic_id,
            )
            for topic_id, score in ranked[:CLOSEST_FIRST]
        ]
        choices += [
            (f"{topic_id}: {store.topic(topic_id).question['en']}", topic_id)
            for topic_id in sorted(t for t, _ in ranked[CLOSEST_FIRST:])
        ]
        choices.append(("(back)", None))
        topic_id = prompter.select(
            "Which topic answers it? (closest first)", choices, default=ranked[0][0]
        )
        if topic_id is None:
            return None
        intent, file = f"faq_{topic_id}", REVIEWED_FILE
    else:
        intent, file = action, DECLINE_FILE
    detected = detect(item.text)
    lang = prompter.select(
        f"Language of the question (detected: {LANGUAGE_TITLES[detected]})",
        [(LANGUAGE_TITLES["fr"], "fr"), (LANGUAGE_TITLES["en"], "en"), ("(back)", None)],
        default=detected,
    )
    if lang is None:
        return None
    text = clean_example(item.text)
    target = f"data/nlu/{lang}/{file}"
    if not prompter.confirm(f"Add «{text}» to '{intent}' in {target}?", default=True):
        return None
    return Change(text=text, intent=intent, lang=lang, file=file)


# --------------------------------------------------------------------------- writing


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    # The layout of our data files: "- intent:" flush with "nlu:", examples indented by 4.
    yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def add_examples(path: Path, intent: str, texts: Sequence[str], header: str = "") -> None:
    """Append `texts` to the `intent` block of an NLU file, creating the block or file."""
    yaml = _yaml()
    if path.exists():
        data = yaml.load(path.read_text(encoding="utf-8"))
    else:
        data = yaml.load(f'{header}version: "3.1"\nnlu: []\n')
    if data.get("nlu") is None:
        data["nlu"] = []
    blocks = data["nlu"]
    block = next((b for b in blocks if isinstance(b, dict) and b.get("intent") == intent), None)
    lines = "".join(f"- {text}\n" for text in texts)
    if block is None:
        blocks.append({"intent": intent, "examples": LiteralScalarString(lines)})
    else:
        current = str(block.get("examples") or "")
        if current and not current.endswith("\n"):
            current += "\n"
        block["examples"] = LiteralScalarString(current + lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)


def apply(changes: Sequence[Change], data_dir: Path) -> Dict[Path, Optional[str]]:
    """Write the changes; returns each touched file's previous text (None: it was new)."""
    before: Dict[Path, Optional[str]] = {}
    grouped: Dict[Tuple[Path, str], List[str]] = {}
    for change in changes:
        path = change.path(data_dir)
        if path not in before:
            before[path] = path.read_text(encoding="utf-8") if path.exists() else None
        grouped.setdefault((path, change.intent), []).append(change.text)
    for (path, intent), texts in grouped.items():
        add_examples(path, intent, texts, REVIEWED_HEADER if path.name == REVIEWED_FILE else "")
    return before


def restore(before: Dict[Path, Optional[str]]) -> None:
    for path, text in before.items():
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(text, encoding="utf-8")


def validate(root: Path) -> Tuple[bool, str]:
    """`rasa data validate --fail-on-warning` on the project at `root`."""
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run(
        [str(rasa), "data", "validate", "--domain", "domain", "--data", "data",
         "--config", "config.yml", "--fail-on-warning"],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    problems = [line for line in output.splitlines() if "UserWarning" in line or "ERROR" in line]
    return result.returncode == 0, "\n".join(problems) or output[-2000:]


# --------------------------------------------------------------------------- main


def read_skipped(path: Path) -> set:
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def write_skipped(path: Path, keys: Sequence[str]) -> None:
    if not keys:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.writelines(f"{key}\n" for key in keys)


def run(
    questions,
    root: Path,
    prompter: Prompter,
    skipped_file: Path,
    include_skipped: bool = False,
    check: bool = True,
    detect: Callable[[str], str] = detect_language,
) -> int:
    """The whole review over `questions` (Unanswered records); returns the exit status."""
    root = Path(root)
    data_dir = root / "data"
    store = load_store(root / "knowledge")
    examples = all_examples(data_dir)
    known = {example_key(e.text) for e in examples}
    skipped = set() if include_skipped else read_skipped(skipped_file)
    items = candidates(questions, known, skipped)
    if not items:
        prompter.say(
            "Nothing to review: every unanswered question is in the training data or skipped."
        )
        return 0
    by_topic: Dict[str, List[str]] = {}
    for example in examples:
        if example.intent.startswith("faq_"):
            by_topic.setdefault(example.intent[len("faq_") :], []).append(example.text)
    matcher = TopicMatcher(store, by_topic, [item.text for item in items])
    prompter.say(f"{len(items)} question(s) to review.")
    outcome = walk(items, store, prompter, matcher.ranked, detect)
    write_skipped(skipped_file, outcome.skipped)
    if not outcome.changes:
        prompter.say("No change to write.")
        return 0
    counts = Counter(str(c.path(data_dir).relative_to(root)) for c in outcome.changes)
    prompter.say(
        "Confirmed changes: " + ", ".join(f"{n} in {p}" for p, n in sorted(counts.items()))
    )
    before = apply(outcome.changes, data_dir)
    prompter.say("Written: " + ", ".join(relative(p) for p in before))
    if not check:
        return 0
    prompter.say("Running rasa data validate...")
    ok, output = validate(root)
    if ok:
        prompter.say("The training data is valid. Run `make train` to teach the assistant.")
        return 0
    restore(before)
    prompter.say(f"rasa data validate failed; the files were put back as they were:\n{output}")
    return 1


def main(argv: Optional[List[str]] = None, prompter: Optional[Prompter] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", help="SQLAlchemy URL of the tracker store (default: TRACKER_STORE_URL)"
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="project folder to edit")
    parser.add_argument(
        "--skipped-file", type=Path, help="default: <root>/reports/review-skipped.txt"
    )
    parser.add_argument(
        "--include-skipped", action="store_true", help="offer skipped questions again"
    )
    parser.add_argument("--no-validate", action="store_true", help="do not run rasa data validate")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    args = parser.parse_args(argv)
    if prompter is None and not sys.stdin.isatty():
        print("make review is interactive: run it in a terminal.", file=sys.stderr)
        return 2
    questions = unanswered_questions(load_corpus(args.url, progress=not args.no_progress))
    return run(
        questions,
        args.root,
        prompter or QuestionaryPrompter(),
        args.skipped_file or Path(args.root) / "reports" / "review-skipped.txt",
        include_skipped=args.include_skipped,
        check=not args.no_validate,
    )


if __name__ == "__main__":
    sys.exit(main())
