"""Read the NLU training examples of data/nlu/<lang>/*.yml with their file and line.

Shared by `make check-knowledge` (errors name the file and line), `make review` (a question
already in the data is not offered again) and `make report` (a topic's examples help find the
topic closest to an unanswered question).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from rasa.shared.nlu.training_data import entities_parser
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from actions.knowledge import LANGUAGES, normalise

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Example:
    """One training example: `text` without its entity annotations, `raw` as written."""

    path: Path
    line: int
    lang: Optional[str]
    intent: str
    text: str
    raw: str
    entities: Tuple[dict, ...] = ()

    @property
    def where(self) -> str:
        return f"{relative(self.path)}:{self.line}"


def relative(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def example_key(text: str) -> str:
    """How examples are compared: case, accents, punctuation and spacing ignored."""
    return normalise(unicodedata.normalize("NFC", text))


def file_language(path: Path, data_dir: Path) -> Optional[str]:
    """'fr' for data/nlu/fr/x.yml; None for files outside a language folder."""
    try:
        parts = Path(path).relative_to(data_dir).parts
    except ValueError:
        return None
    for part in parts[:-1]:
        if part in LANGUAGES:
            return part
    return None


def nlu_files(data_dir: Path) -> List[Path]:
    return sorted((Path(data_dir) / "nlu").rglob("*.yml"))


def read_examples(path: Path, data_dir: Path) -> Iterator[Example]:
    """Every intent example of one NLU file, with the line it is written on."""
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"))
    except YAMLError as exc:
        raise ValueError(f"{relative(path)}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        return
    lang = file_language(path, data_dir)
    for block in data.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block:
            continue
        examples = block.get("examples")
        if not isinstance(examples, str):
            continue
        # A block scalar (`examples: |`) starts on the line after its key; ruamel counts from 0.
        first_line = block.lc.value("examples")[0] + 2
        for offset, line in enumerate(examples.split("\n")):
            stripped = line.strip()
            if not stripped.startswith("- "):
                continue
            raw = stripped[2:].strip()
            yield Example(
                path=Path(path),
                line=first_line + offset,
                lang=lang,
                intent=str(block["intent"]),
                text=entities_parser.replace_entities(raw),
                raw=raw,
                entities=tuple(entities_parser.find_entities_in_training_example(raw)),
            )


def all_examples(data_dir: Path = ROOT / "data") -> List[Example]:
    found: List[Example] = []
    for path in nlu_files(data_dir):
        found.extend(read_examples(path, Path(data_dir)))
    return found


def examples_by_topic(data_dir: Path = ROOT / "data") -> Dict[str, List[str]]:
    """topic id -> the texts of its faq_<id> examples, both languages."""
    result: Dict[str, List[str]] = {}
    for example in all_examples(data_dir):
        if example.intent.startswith("faq_"):
            result.setdefault(example.intent[len("faq_") :], []).append(example.text)
    return result
