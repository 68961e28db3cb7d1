"""`make check-knowledge`: check that the knowledge and the training data agree.

    python -m scripts.check_knowledge [--min-examples 15] [--stale-after-days 365]

Errors (exit status 1), each as `file:line: error: ...`:
- a topic without its question, answer or longer answer in French and in English;
- a topic with fewer than `--min-examples` training examples in a language, or training
  examples of a `faq_*` intent that has no topic;
- a named thing without names in both languages, an entity annotation that names no thing, a
  synonym (e.g. `helpful: no`) defined in one language only;
- the same example (case, accents and punctuation ignored) under two intents;
- a `{placeholder}` that nothing fills: in a topic's text (never formatted), in an assistant
  message that no action fills, or in a domain response that names no slot; a message key that
  an action uses but knowledge/assistant.yml lacks.
Warnings: topics whose `verified` date is older than `--stale-after-days`, and an example
repeated within one intent.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import re
import string
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from actions.knowledge import LANGUAGES, THING_TYPES, KnowledgeError, load_store
from scripts.staff_settings import staff_settings
from scripts.training_data import ROOT, all_examples, example_key, file_language, relative

PARTS = ("question", "answer", "more")
LANGUAGE_NAMES = {"fr": "French", "en": "English"}
_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    level: str  # "error" or "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level}: {self.message}"


class Checker:
    def __init__(self, root: Path, min_examples: int, stale_after_days: int, today: dt.date):
        self.root = Path(root)
        self.min_examples = min_examples
        self.stale_after_days = stale_after_days
        self.today = today
        self.findings: List[Finding] = []

    # ------------------------------------------------------------------ helpers

    def error(self, path: Path | str, line: int, message: str) -> None:
        self.findings.append(Finding(relative(Path(path)), line, "error", message))

    def warning(self, path: Path | str, line: int, message: str) -> None:
        self.findings.append(Finding(relative(Path(path)), line, "warning", message))

    def _load(self, path: Path) -> Optional[Any]:
        try:
            return YAML(typ="rt").load(path.read_text(encoding="utf-8"))
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            self.error(
                path, mark.line + 1 if mark else 1, f"not valid YAML: {exc.__class__.__name__}"
            )
        except (OSError, UnicodeDecodeError) as exc:
            self.error(path, 1, f"cannot read: {exc}")
        return None

    @staticmethod
    def _line(node: Any, key: Any, default: int = 1) -> int:
        try:
            return node.lc.key(key)[0] + 1
        except (AttributeError, KeyError, TypeError):
            return default

    @staticmethod
    def _item_line(node: Any, index: int, default: int = 1) -> int:
        try:
            return node.lc.item(index)[0] + 1
        except (AttributeError, KeyError, TypeError, IndexError):
            return default

    # ------------------------------------------------------------------ topics

    def check_topics(self) -> Dict[str, Tuple[Path, int]]:
        """Raw checks of knowledge/topics/*.yml; returns topic id -> (file, line of `id`)."""
        topics: Dict[str, Tuple[Path, int]] = {}
        for path in sorted((self.root / "knowledge" / "topics").glob("*.yml")):
            data = self._load(path)
            if not isinstance(data, dict):
                if data is not None:
                    self.error(path, 1, "a topic file must be a mapping of fields")
                continue
            topic_id = str(data.get("id") or path.stem)
            topics[topic_id] = (path, self._line(data, "id"))
            for part in PARTS:
                texts = data.get(part)
                if not isinstance(texts, dict):
                    self.error(
                        path,
                        self._line(data, part),
                        f"topic '{topic_id}' has no {part} (fr and en)",
                    )
                    continue
                for lang in LANGUAGES:
                    text = texts.get(lang)
                    line = self._line(texts, lang, self._line(data, part))
                    if not isinstance(text, str) or not text.strip():
                        self.error(
                            path,
                            line,
                            f"topic '{topic_id}': {part} has no {LANGUAGE_NAMES[lang]} text "
                            f"({lang})",
                        )
                    elif _PLACEHOLDER.search(text):
                        self.error(
                            path,
                            line,
                            f"topic '{topic_id}': {part}.{lang} has a placeholder "
                            f"{_PLACEHOLDER.search(text).group(0)} that nothing fills",
                        )
            self._check_verified(path, data, topic_id)
            self._check_things(path, data, topic_id)
        return topics

    def _check_verified(self, path: Path, data: Any, topic_id: str) -> None:
        verified = data.get("verified")
        line = self._line(data, "verified")
        if not isinstance(verified, dt.date):
            self.error(path, line, f"topic '{topic_id}' has no `verified` date (YYYY-MM-DD)")
            return
        age = (self.today - verified).days
        if age > self.stale_after_days:
            self.warning(
                path,
                line,
                f"topic '{topic_id}' was verified {verified.isoformat()}, {age} days ago "
                f"(more than {self.stale_after_days}): check its facts against the source",
            )

    def _check_things(self, path: Path, data: Any, topic_id: str) -> None:
        things = data.get("things") or []
        if not isinstance(things, list):
            return
        for index, thing in enumerate(things):
            line = self._item_line(things, index)
            if not isinstance(thing, dict):
                continue
            names = thing.get("names")
            for lang in LANGUAGES:
                values = names.get(lang) if isinstance(names, dict) else None
                if not isinstance(values, list) or not any(
                    isinstance(v, str) and v.strip() for v in values
                ):
                    where = self._line(names, lang, line) if isinstance(names, dict) else line
                    self.error(
                        path,
                        where,
                        f"topic '{topic_id}': thing '{thing.get('id')}' has no "
                        f"{LANGUAGE_NAMES[lang]} names ({lang})",
                    )

    # ------------------------------------------------------------------ training data

    def check_examples(self, topics: Dict[str, Tuple[Path, int]], store) -> None:
        data_dir = self.root / "data"
        try:
            examples = all_examples(data_dir)
        except ValueError as exc:
            self.error(data_dir, 1, str(exc))
            return
        counts: Dict[Tuple[str, str], int] = defaultdict(int)
        seen: Dict[str, Any] = {}
        held_out = self._held_out_keys()
        for example in examples:
            if example_key(example.text) in held_out:
                self.error(
                    example.path,
                    example.line,
                    f"example '{example.text}' is a question of benchmark/heldout.yml: the "
                    "held-out set measures wordings the model never saw; write another one",
                )
            if example.intent.startswith("faq_"):
                topic_id = example.intent[len("faq_") :]
                if topic_id not in topics:
                    self.error(
                        example.path,
                        example.line,
                        f"intent '{example.intent}' has no topic (knowledge/topics/{topic_id}.yml)",
                    )
                elif example.lang:
                    counts[(topic_id, example.lang)] += 1
            key = example_key(example.text)
            first = seen.setdefault(key, example)
            if first is not example:
                if first.intent != example.intent:
                    self.error(
                        example.path,
                        example.line,
                        f"example '{example.text}' of '{example.intent}' is also an example of "
                        f"'{first.intent}' ({first.where})",
                    )
                else:
                    self.warning(
                        example.path,
                        example.line,
                        f"example '{example.text}' is repeated in '{example.intent}' "
                        f"({first.where})",
                    )
            if store is not None:
                for entity in example.entities:
                    if (
                        entity.get("entity") in THING_TYPES
                        and store.thing(str(entity.get("value"))) is None
                    ):
                        self.error(
                            example.path,
                            example.line,
                            f"entity '{entity.get('value')}' ({entity.get('entity')}) is no name "
                            "of any thing in knowledge/topics: add it to a thing's names",
                        )
        for topic_id, (path, line) in sorted(topics.items()):
            for lang in LANGUAGES:
                found = counts.get((topic_id, lang), 0)
                if found < self.min_examples:
                    self.error(
                        path,
                        line,
                        f"topic '{topic_id}' has {found} {LANGUAGE_NAMES[lang]} training examples "
                        f"of 'faq_{topic_id}' in data/nlu/{lang}/ (minimum {self.min_examples})",
                    )

    def _held_out_keys(self) -> Set[str]:
        path = self.root / "benchmark" / "heldout.yml"
        if not path.exists():
            return set()
        data = self._load(path) or {}
        return {
            example_key(str(item.get("text", "")))
            for section in ("questions", "offtopic", "other_language")
            for item in data.get(section) or []
            if isinstance(item, dict)
        }

    def check_synonyms(self) -> None:
        """Hand-written synonyms (not the generated ones) must exist in both languages."""
        data_dir = self.root / "data"
        where: Dict[str, Dict[str, Tuple[Path, int]]] = defaultdict(dict)
        for path in sorted((data_dir / "nlu").rglob("*.yml")):
            lang = file_language(path, data_dir)
            if lang is None:
                continue
            data = self._load(path)
            blocks = data.get("nlu") if isinstance(data, dict) else None
            for index, block in enumerate(blocks or []):
                if isinstance(block, dict) and "synonym" in block:
                    where[str(block["synonym"])].setdefault(
                        lang, (path, self._item_line(blocks, index))
                    )
        for value, places in sorted(where.items()):
            for lang in LANGUAGES:
                if lang not in places:
                    path, line = next(iter(places.values()))
                    self.error(
                        path,
                        line,
                        f"synonym '{value}' has no {LANGUAGE_NAMES[lang]} words in "
                        f"data/nlu/{lang}/",
                    )

    # ------------------------------------------------------------------ placeholders

    def check_messages(self) -> None:
        path = self.root / "knowledge" / "assistant.yml"
        data = self._load(path)
        messages = data.get("messages") if isinstance(data, dict) else None
        if not isinstance(messages, dict):
            return
        filled, used = self._keys_used_by_actions()
        for key, texts in messages.items():
            if not isinstance(texts, dict):
                continue
            for lang in LANGUAGES:
                text = texts.get(lang)
                if not isinstance(text, str):
                    continue
                try:
                    fields = {name for _, name, _, _ in string.Formatter().parse(text) if name}
                except ValueError as exc:
                    self.error(
                        path,
                        self._line(texts, lang),
                        f"messages.{key}.{lang}: bad placeholder ({exc})",
                    )
                    continue
                missing = sorted(fields - filled.get(key, set()))
                if missing:
                    self.error(
                        path,
                        self._line(texts, lang),
                        f"messages.{key}.{lang} uses "
                        + ", ".join(f"{{{name}}}" for name in missing)
                        + " but no action fills it",
                    )
        for key, (code_path, line) in sorted(used.items()):
            if key not in messages:
                self.error(
                    code_path,
                    line,
                    f"message '{key}' is used here but missing from {relative(path)}",
                )

    def _keys_used_by_actions(self) -> Tuple[Dict[str, Set[str]], Dict[str, Tuple[Path, int]]]:
        """Message keys named literally in `.say(...)`/`.message(...)` calls, with the
        keyword values each call fills, and where each key is first used."""
        filled: Dict[str, Set[str]] = defaultdict(set)
        used: Dict[str, Tuple[Path, int]] = {}
        for path in sorted((self.root / "actions").glob("*.py")):
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                if node.func.attr not in ("say", "message") or not node.args:
                    continue
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    filled[first.value].update(k.arg for k in node.keywords if k.arg)
                    used.setdefault(first.value, (path, node.lineno))
        return filled, used

    def check_domain_responses(self) -> None:
        slots: Set[str] = set()
        responses: List[Tuple[Path, Any, str]] = []
        for path in sorted((self.root / "domain").glob("*.yml")):
            data = self._load(path)
            if not isinstance(data, dict):
                continue
            slots.update((data.get("slots") or {}).keys())
            for name, variants in (data.get("responses") or {}).items():
                responses.append((path, variants, name))
        for path, variants, name in responses:
            for index, variant in enumerate(variants or []):
                text = variant.get("text") if isinstance(variant, dict) else None
                if not isinstance(text, str):
                    continue
                for placeholder in _PLACEHOLDER.findall(text):
                    if placeholder.strip("{}") not in slots:
                        self.error(
                            path,
                            self._item_line(variants, index),
                            f"response '{name}' uses {placeholder}, which is no slot of the domain",
                        )

    # ------------------------------------------------------------------ all

    def run(self) -> List[Finding]:
        topics = self.check_topics()
        store = None
        try:
            store = load_store(self.root / "knowledge")
        except KnowledgeError as exc:
            line = self._find_line(Path(exc.path), exc.field)
            self.error(exc.path, line, f"field '{exc.field}': {exc.problem}")
        self.check_examples(topics, store)
        self.check_synonyms()
        self.check_messages()
        self.check_domain_responses()
        unique = list(dict.fromkeys(self.findings))
        return sorted(unique, key=lambda f: (f.level != "error", f.path, f.line))

    @staticmethod
    def _find_line(path: Path, field_name: str) -> int:
        """The line of the last plain key of `field_name` ('things[0].names.fr' -> 'fr')."""
        match = re.search(r"line (\d+)", field_name)
        if match:
            return int(match.group(1))
        keys = [k for k in re.split(r"[.\[\]]", field_name) if k and not k.isdigit()]
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return 1
        for key in reversed(keys):
            for number, text in enumerate(lines, start=1):
                if re.match(rf"\s*-?\s*{re.escape(key)}\s*:", text):
                    return number
        return 1


def check(
    root: Path = ROOT,
    min_examples: Optional[int] = None,
    stale_after_days: Optional[int] = None,
    today: Optional[dt.date] = None,
) -> List[Finding]:
    settings = staff_settings()
    return Checker(
        root,
        settings["min_examples"] if min_examples is None else min_examples,
        settings["stale_after_days"] if stale_after_days is None else stale_after_days,
        today or dt.date.today(),
    ).run()


def report(findings: Iterable[Finding], out=None) -> int:
    out = out or sys.stdout
    findings = list(findings)
    for finding in findings:
        print(finding, file=out)
    errors = sum(1 for f in findings if f.level == "error")
    warnings = len(findings) - errors
    print(f"check-knowledge: {errors} error(s), {warnings} warning(s)", file=out)
    return 1 if errors else 0


def main(argv: Optional[List[str]] = None) -> int:
    settings = staff_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="project folder (default: this one)"
    )
    parser.add_argument("--min-examples", type=int, default=settings["min_examples"])
    parser.add_argument("--stale-after-days", type=int, default=settings["stale_after_days"])
    args = parser.parse_args(argv)
    return report(check(args.root, args.min_examples, args.stale_after_days))


if __name__ == "__main__":
    sys.exit(main())
