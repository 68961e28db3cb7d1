"""`make benchmark`: compare NLU pipelines on the held-out set, and measure speed and size.

For each configuration (Rasa's default pipeline, ours, ours with spaCy, and a TF-IDF nearest
neighbour baseline) it trains a model, then asks every held-out question in a fresh
conversation and checks the reply: the expected fact, in the question's language, never a
wrong fact, off-topic questions declined. For our pipeline it also starts the real servers and
measures start-up, memory and REST latency. Figures go to benchmark/out/results.json and
docs/benchmarks.md.

    python -m scripts.benchmark [--only ours] [--skip-train] [--requests 300]
    python -m scripts.benchmark --only ours_e15    # a variant kept in benchmark/configs/
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from actions.knowledge import KnowledgeStore, load_store
from scripts.servers import ROOT, base_env, running_assistant

OUT = ROOT / "benchmark" / "out"
HELDOUT = ROOT / "benchmark" / "heldout.yml"
INFORMAL = ROOT / "benchmark" / "informal.yml"
DOC = ROOT / "docs" / "benchmarks.md"
CONFIGS = {
    "rasa_default": ROOT / "benchmark" / "configs" / "rasa_default.yml",
    "ours": ROOT / "config.yml",
    # The pipeline chosen before the linear classifier, so that every run shows the difference.
    "ours_diet": ROOT / "benchmark" / "configs" / "ours_diet.yml",
    "ours_spacy": ROOT / "benchmark" / "configs" / "spacy_fr.yml",
}
VARIANTS = ROOT / "benchmark" / "configs"  # --only <stem> runs any variant kept there
DECLINES = ("out_of_scope", "mila_unknown", "fallback", "clarify", "thing_unknown")


def log(message: str) -> None:
    print(f"[benchmark {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# --------------------------------------------------------------------------- held-out set


def load_informal() -> List[str]:
    """Informal French and English messages that must keep their language."""
    return yaml.safe_load(INFORMAL.read_text(encoding="utf-8"))["messages"]


def load_heldout() -> Dict[str, List[Dict[str, Any]]]:
    text = HELDOUT.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    sections = {k: data.get(k) or [] for k in ("questions", "offtopic", "other_language")}
    for name, rounds in _rounds(text).items():
        for item, number in zip(sections[name], rounds, strict=True):
            item["round"] = number
    return sections


def _rounds(text: str) -> Dict[str, List[int]]:
    """The round each held-out message was written in, by section: the set grows in rounds,
    each after a benchmark, marked by a comment "# --- added round N"; before the first
    marker of a section, round 1."""
    rounds: Dict[str, List[int]] = {}
    section, number = "", 1
    for line in text.splitlines():
        if line and not line.startswith((" ", "#", "-")) and line.endswith(":"):
            section, number = line[:-1], 1
            rounds[section] = []
        elif line.strip().startswith("# --- added round "):
            number = int(line.strip().split()[4].rstrip(":"))
        elif line.startswith("  - text:") and section:
            rounds[section].append(number)
    return rounds


def expected_intent(item: Dict[str, Any]) -> str:
    return f"faq_{item['topic']}" if "topic" in item else item["intent"]


# --------------------------------------------------------------------------- judging replies


class Judge:
    """Classifies a reply text against the knowledge: which answer or message it is."""

    def __init__(self, store: KnowledgeStore) -> None:
        self.store = store
        self.texts: Dict[str, tuple] = {}
        for topic in store.topics.values():
            for lang in ("fr", "en"):
                self.texts[topic.answer[lang]] = ("answer", topic.id, lang)
                self.texts[topic.more[lang]] = ("answer", topic.id, lang)
        for key, texts in store.messages.items():
            for lang, text in texts.items():
                self.texts.setdefault(text, ("message", key, lang))

    def classify(self, reply: str) -> tuple:
        return self.texts.get(reply, ("unknown", None, None))

    def question(self, item: Dict[str, Any], reply: str) -> Dict[str, Any]:
        kind, what, lang = self.classify(reply)
        has_facts = "topic" in item and all(e.lower() in reply.lower() for e in item["expect"])
        # A wrong fact is an answer about another topic than the one asked that lacks the asked
        # fact (or any answer to a question the knowledge does not cover): "70 professors,
        # alongside more than 600 students" does answer "mostly students or professors?". The
        # right answer in the wrong language is not a wrong fact.
        wrong_fact = kind == "answer" and what != item.get("topic") and not has_facts
        if "topic" in item:
            correct = kind == "answer" and lang == item["lang"] and has_facts
        else:
            # An honest "I don't have that information", the general fallback, or "no contact
            # details to give you" when asked for a phone number or an e-mail address.
            honest = ("mila_unknown", "fallback", "human_no_contact")
            correct = kind == "message" and what in honest and lang == item["lang"]
        return {
            "correct": correct,
            "wrong_fact": wrong_fact,
            "reply_kind": f"{kind}:{what}",
            "reply_lang": lang,
        }

    def record(self, section: str, item: Dict[str, Any], record: Dict[str, Any]) -> Dict[str, Any]:
        """`record` of one held-out message, with what it expected and the verdict on its reply."""
        reply = record["reply"]
        record = {**record, "round": item.get("round", 1)}
        if section == "questions":
            return {**record, "expected": expected_intent(item), **self.question(item, reply)}
        if section == "offtopic":
            return {**record, "expected": "out_of_scope", **self.offtopic(reply)}
        return {**record, **self.other_language(reply)}

    def offtopic(self, reply: str) -> Dict[str, Any]:
        kind, what, _ = self.classify(reply)
        return {"rejected": kind != "answer", "reply_kind": f"{kind}:{what}"}

    def other_language(self, reply: str) -> Dict[str, Any]:
        kind, what, _ = self.classify(reply)
        return {
            "correct": (kind, what) == ("message", "other_language"),
            "reply_kind": f"{kind}:{what}",
        }


# --------------------------------------------------------------------------- training


def train(name: str, config: Path) -> Dict[str, Any]:
    models = OUT / "models"
    models.mkdir(parents=True, exist_ok=True)
    target = models / f"{name}.tar.gz"
    log(f"training {name} ({config.relative_to(ROOT)})...")
    start = time.monotonic()
    result = subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "train", "--domain", "domain", "--data", "data",
         "--config", str(config), "--out", str(models), "--fixed-model-name", name, "--force",
         "--quiet"],
        cwd=ROOT, env=base_env(), capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.monotonic() - start
    if result.returncode != 0:
        raise RuntimeError(
            f"training {name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    log(f"trained {name} in {seconds:.0f}s")
    return {"train_seconds": round(seconds, 1), "model_mb": round(target.stat().st_size / 1e6, 1)}


# --------------------------------------------------------------------------- evaluating Rasa models


async def evaluate_rasa(model: Path, action_url: str, heldout, judge: Judge) -> Dict[str, Any]:
    """Every held-out question through NLU, policy and the real action server, in-process."""
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    agent = Agent.load(str(model), action_endpoint=EndpointConfig(action_url))
    records: Dict[str, List[Dict[str, Any]]] = {
        "questions": [],
        "offtopic": [],
        "other_language": [],
    }
    parse_ms: List[float] = []
    for section, items in heldout.items():
        for item in items:
            start = time.perf_counter()
            parsed = await agent.parse_message(item["text"])
            parse_ms.append((time.perf_counter() - start) * 1000)
            replies = await agent.handle_text(item["text"], sender_id=f"bench-{uuid.uuid4().hex}")
            reply = " ".join(r.get("text", "") for r in replies or [])
            ranking = [
                (r["name"], r["confidence"])
                for r in parsed.get("intent_ranking", [])
                if r["name"] != "nlu_fallback"
            ]
            record = {
                "text": item["text"],
                "lang": item["lang"],
                "predicted": parsed["intent"]["name"],
                "top_non_fallback": ranking[0][0] if ranking else None,
                "ranking": [(name, round(conf, 4)) for name, conf in ranking[:2]],
                "reply": reply,
            }
            records[section].append(judge.record(section, item, record))
    return {"records": records, "parse_ms": parse_ms}


# --------------------------------------------------------------------------- TF-IDF baseline


def training_examples() -> List[tuple]:
    """(text without entity markup, intent) for every training example."""
    from scripts.training_data import all_examples

    return [(example.text, example.intent) for example in all_examples()]


def evaluate_tfidf(
    heldout, judge: Judge, store: KnowledgeStore, threshold: float
) -> Dict[str, Any]:
    """Nearest training example by TF-IDF cosine; below `threshold`, decline. Answers are what
    our actions would say for the predicted intent (simulated, no Rasa involved)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    from actions.language import decide

    start = time.monotonic()
    examples = training_examples()
    vectorizer = make_union(
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), strip_accents="unicode", sublinear_tf=True
        ),
        TfidfVectorizer(analyzer="word", strip_accents="unicode", sublinear_tf=True),
    )
    matrix = vectorizer.fit_transform([t for t, _ in examples])
    train_seconds = time.monotonic() - start
    records: Dict[str, List[Dict[str, Any]]] = {
        "questions": [],
        "offtopic": [],
        "other_language": [],
    }
    parse_ms = []
    for section, items in heldout.items():
        for item in items:
            t0 = time.perf_counter()
            scores = (vectorizer.transform([item["text"]]) @ matrix.T).toarray()[0]
            best = int(scores.argmax())
            parse_ms.append((time.perf_counter() - t0) * 1000)
            predicted = examples[best][1] if scores[best] >= threshold else "nlu_fallback"
            decision = decide(item["text"], None)
            lang = decision.language
            if decision.other_language:
                reply = store.message("other_language", lang)
            else:
                topic = store.topic_for_intent(predicted)
                if topic is None and predicted == "ask_about_thing":
                    thing = next(
                        (store.thing(w) for w in item["text"].split() if store.thing(w)), None
                    )
                    topic = store.topic(thing.topic) if thing else None
                if topic is not None:
                    reply = topic.answer[lang]
                elif predicted in ("out_of_scope", "mila_unknown"):
                    reply = store.message(predicted, lang)
                else:
                    reply = store.message("fallback", lang)
            record = {"text": item["text"], "lang": item["lang"], "predicted": predicted,
                      "top_non_fallback": examples[best][1], "reply": reply}  # fmt: skip
            records[section].append(judge.record(section, item, record))
    return {"records": records, "parse_ms": parse_ms, "train_seconds": round(train_seconds, 2)}


# --------------------------------------------------------------------------- summary


def summarise(result: Dict[str, Any]) -> Dict[str, Any]:
    records = result["records"]
    summary: Dict[str, Any] = {}
    for lang in ("en", "fr"):
        qs = [r for r in records["questions"] if r["lang"] == lang]
        offs = [r for r in records["offtopic"] if r["lang"] == lang]
        summary[lang] = {
            "questions": len(qs),
            "intent_accuracy": _ratio(sum(r["predicted"] == r["expected"] for r in qs), len(qs)),
            "answer_correct": _ratio(sum(r["correct"] for r in qs), len(qs)),
            "wrong_fact_answers": sum(r["wrong_fact"] for r in qs),
            "reply_language_correct": _ratio(
                sum(r["reply_lang"] == lang for r in qs if r["reply_lang"]),
                sum(1 for r in qs if r["reply_lang"]),
            ),
            "offtopic": len(offs),
            "offtopic_rejected": _ratio(sum(r["rejected"] for r in offs), len(offs)),
        }
    by_round: Dict[int, List[Dict[str, Any]]] = {}
    for r in records["questions"]:
        by_round.setdefault(r.get("round", 1), []).append(r)
    summary["rounds"] = {
        str(number): {
            "questions": len(qs),
            "answer_correct": _ratio(sum(r["correct"] for r in qs), len(qs)),
            "wrong_fact_answers": sum(r["wrong_fact"] for r in qs),
        }
        for number, qs in sorted(by_round.items())
    }
    others = records["other_language"]
    summary["other_language_recognised"] = _ratio(sum(r["correct"] for r in others), len(others))
    confusion = Counter(
        (r["expected"], r["predicted"])
        for r in records["questions"] + records["offtopic"]
        if r["predicted"] != r["expected"]
    )
    summary["confusions"] = [
        {"expected": e, "predicted": p, "count": c} for (e, p), c in confusion.most_common(12)
    ]
    summary["failures"] = [
        {k: r[k] for k in ("text", "lang", "expected", "predicted", "reply_kind")}
        for r in records["questions"]
        if not r["correct"]
    ] + [
        {k: r[k] for k in ("text", "lang", "expected", "predicted", "reply_kind")}
        for r in records["offtopic"]
        if not r["rejected"]
    ]
    summary["parse_ms_p50"] = round(percentile(result["parse_ms"], 50), 2)
    summary["parse_ms_p95"] = round(percentile(result["parse_ms"], 95), 2)
    return summary


def _ratio(numerator: int, denominator: int) -> Optional[float]:
    return round(100 * numerator / denominator, 1) if denominator else None


# ------------------------------------------------------------------ fallback thresholds


def threshold_sweep(records: Dict[str, List[Dict[str, Any]]]) -> List[Dict[str, Any]]:
    """What FallbackClassifier thresholds would do, from the recorded NLU rankings (no retrain):
    share of held-out questions whose top intent is kept and right, kept and wrong, or sent to
    "did you mean"; and share of off-topic messages kept as a FAQ intent (a wrong-fact risk)."""
    rows = []
    questions, offtopic = records["questions"], records["offtopic"]
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
        for ambiguity in (0.0, 0.1, 0.2):
            kept_right = kept_wrong = clarified = offtopic_as_faq = 0
            for record in questions + offtopic:
                ranking = record.get("ranking") or []
                if not ranking:
                    continue
                top, confidence = ranking[0]
                second = ranking[1][1] if len(ranking) > 1 else 0.0
                kept = confidence >= threshold and confidence - second >= ambiguity
                if record in offtopic:
                    offtopic_as_faq += kept and top.startswith("faq_")
                elif not kept:
                    clarified += 1
                elif top == record["expected"]:
                    kept_right += 1
                else:
                    kept_wrong += 1
            rows.append({
                "threshold": threshold,
                "ambiguity_threshold": ambiguity,
                "kept_right": _ratio(kept_right, len(questions)),
                "kept_wrong": _ratio(kept_wrong, len(questions)),
                "did_you_mean": _ratio(clarified, len(questions)),
                "offtopic_as_faq": _ratio(offtopic_as_faq, len(offtopic)),
            })  # fmt: skip
    return rows


def unknown_sweep(records: Dict[str, List[Dict[str, Any]]]) -> List[Dict[str, Any]]:
    """What `unknown_min_confidence` (actions/settings.yml) would do, from the recorded replies:
    a question sent to "did you mean" whose best guess is mila_unknown with at least that
    confidence gets "I don't have that information" instead. Per language: questions answered
    right, and topic questions told "I don't have that information" (those stay wrong)."""
    from actions.settings import get_settings

    chosen = get_settings().unknown_min_confidence
    rows = []
    for threshold in (0.3, 0.35, 0.4, 0.45, None):
        row: Dict[str, Any] = {"unknown_min_confidence": threshold, "chosen": threshold == chosen}
        for lang in ("en", "fr"):
            questions = [r for r in records["questions"] if r["lang"] == lang]
            right = told_unknown = 0
            for record in questions:
                ranking = record.get("ranking") or []
                unsure_unknown = (
                    record.get("predicted") == "nlu_fallback"
                    and ranking
                    and ranking[0][0] == "mila_unknown"
                )
                if not unsure_unknown:
                    right += bool(record.get("correct"))
                elif threshold is not None and ranking[0][1] >= threshold:
                    right += record["expected"] == "mila_unknown" and (
                        record.get("reply_lang") == lang
                    )
                    told_unknown += record["expected"] != "mila_unknown"
            row[lang] = {
                "answer_correct": _ratio(right, len(questions)),
                "topics_told_unknown": told_unknown,
            }
        rows.append(row)
    return rows


# ------------------------------------------------------------------ language identification


@contextlib.contextmanager
def _language_settings(**changes: Any):
    """`actions.language`, deciding with some of its settings changed while the block runs."""
    from dataclasses import replace

    from actions import language
    from actions.settings import get_settings

    settings = replace(get_settings(), **changes)
    language.get_settings = lambda: settings
    try:
        yield language
    finally:
        language.get_settings = get_settings


def language_grid(heldout) -> List[Dict[str, Any]]:
    """Language decisions on the held-out messages for a grid of the tunable settings: every
    combination of function words, ratio and short messages with the training words at their
    chosen threshold and without them, then other thresholds of the training words alone."""
    from actions.base import proper_names
    from actions.settings import get_settings

    items = heldout["questions"] + heldout["offtopic"]
    names = proper_names()
    chosen = get_settings()
    no_words = {"fr": [], "en": []}
    off = float("inf")
    combinations = [
        (use_words, ratio, short, by_examples)
        for by_examples in (chosen.training_words_min_log_ratio, off)
        for use_words in (True, False)
        for ratio in (1.0, 1.2, 1.5, 2.0)
        for short in (2, 3)
    ] + [
        (True, chosen.fr_en_ratio, chosen.short_message_words, by_examples)
        for by_examples in (1.0, 3.0, 4.0)
        if by_examples != chosen.training_words_min_log_ratio
    ]
    rows = []
    for use_words, ratio, short, by_examples in combinations:
        with _language_settings(
            fr_en_ratio=ratio,
            short_message_words=short,
            function_words=chosen.function_words if use_words else no_words,
            training_words_min_log_ratio=by_examples,
        ) as language:

            def rate(current_of, language=language):
                hits = sum(
                    language.decide(i["text"], current_of(i), names=names).language == i["lang"]
                    for i in items
                )
                return _ratio(hits, len(items))

            rows.append({
                "function_words": use_words,
                "fr_en_ratio": ratio,
                "short_message_words": short,
                "training_words": None if by_examples == off else by_examples,
                "chosen": (use_words, ratio, short, by_examples) == (
                    True, chosen.fr_en_ratio, chosen.short_message_words,
                    chosen.training_words_min_log_ratio,
                ),
                "first_message": rate(lambda i: None),
                "same_language_conversation": rate(lambda i: i["lang"]),
                "switch_from_other": rate(lambda i: "fr" if i["lang"] == "en" else "en"),
            })  # fmt: skip
    return rows


def other_language_grid(heldout) -> List[Dict[str, Any]]:
    """'I speak French and English' decisions for a grid of the other-language settings: share
    of other-language messages recognised, French or English messages declined, and informal
    ones (benchmark/informal.yml) declined. First the main detector's two settings, then the
    second look's share of known words (0: without it)."""
    from actions.base import proper_names
    from actions.settings import get_settings

    ours = heldout["questions"] + heldout["offtopic"]
    others = heldout["other_language"]
    informal = [{"text": text} for text in load_informal()]
    names = proper_names()
    chosen = get_settings()
    settings = [
        (confidence, max_fr_en, chosen.other_language_max_known_words)
        for confidence in (0.4, 0.5)
        for max_fr_en in (0.25, 0.3, 0.35, 0.4)
    ] + [
        (chosen.other_language_min_confidence, chosen.other_language_max_fr_en, known)
        for known in (0.0, 0.1, 0.3, 0.4, 0.5)
        if known != chosen.other_language_max_known_words
    ]
    rows = []
    for confidence, max_fr_en, known in settings:
        with _language_settings(
            other_language_min_confidence=confidence,
            other_language_max_fr_en=max_fr_en,
            other_language_max_known_words=known,
        ) as language:

            def declined(items, language=language):
                return sum(
                    language.decide(i["text"], None, names=names).other_language for i in items
                )

            rows.append({
                "min_confidence": confidence,
                "max_fr_en": max_fr_en,
                "max_known_words": known,
                "chosen": (confidence, max_fr_en, known) == (
                    chosen.other_language_min_confidence, chosen.other_language_max_fr_en,
                    chosen.other_language_max_known_words,
                ),
                "recognised": _ratio(declined(others), len(others)),
                "fr_en_declined": declined(ours),
                "fr_en_messages": len(ours),
                "informal_declined": declined(informal),
                "informal_messages": len(informal),
            })  # fmt: skip
    return rows


# ------------------------------------------------------------------ speed of the real servers


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def measure_servers(model: Path, requests: int) -> Dict[str, Any]:
    """Start-up, RSS and REST latency of a one-turn answer (action server included)."""
    questions = ["who founded mila?", "combien d'étudiants a mila ?", "where is mila?",
                 "c'est quoi korbit ?", "how many professors are there?"]  # fmt: skip
    with running_assistant(model) as assistant:
        for text in questions:  # warm-up: first calls load lazily initialised parts
            assistant.ask(text, sender=f"warm-{uuid.uuid4().hex}")
        latencies = []
        for index in range(requests):
            start = time.perf_counter()
            assistant.ask(questions[index % len(questions)], sender=f"lat-{uuid.uuid4().hex}")
            latencies.append((time.perf_counter() - start) * 1000)
        return {
            "startup_seconds_rasa": round(assistant.startup_seconds["rasa"], 1),
            "startup_seconds_actions": round(assistant.startup_seconds["actions"], 1),
            "rss_mb_rasa": rss_mb(assistant.rasa.pid),
            "rss_mb_actions": rss_mb(assistant.actions.pid),
            "rest_requests": requests,
            "rest_ms_p50": round(percentile(latencies, 50), 1),
            "rest_ms_p95": round(percentile(latencies, 95), 1),
            "rest_ms_p99": round(percentile(latencies, 99), 1),
        }


# --------------------------------------------------------------------------- main


def rejudge() -> int:
    """Re-judge the stored replies with the current Judge, keep every measured figure."""
    from scripts.benchmark_report import render

    stored = json.loads((OUT / "results.json").read_text())
    judge = Judge(load_store())
    items = {
        (section, item["text"]): item
        for section, values in load_heldout().items()
        for item in values
    }
    for result in stored["configs"].values():
        records = {
            section: [judge.record(section, items[(section, r["text"])], r) for r in values]
            for section, values in result["records"].items()
        }
        parse_ms = [result["parse_ms_p50"]]  # summarise needs a list; keep the measured figures
        kept = {k: result[k] for k in ("parse_ms_p50", "parse_ms_p95")}
        result.update(summarise({"records": records, "parse_ms": parse_ms}), **kept)
        result["records"] = records
    (OUT / "results.json").write_text(json.dumps(stored, indent=1, ensure_ascii=False))
    DOC.write_text(
        render(
            stored["meta"],
            stored["configs"],
            stored["language_grid"],
            stored.get("other_language_grid"),
        ),
        "utf-8",
    )
    log(f"re-judged the stored replies; wrote {DOC.relative_to(ROOT)}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="configurations to run (default: all)")
    parser.add_argument("--skip-train", action="store_true", help="reuse benchmark/out/models")
    parser.add_argument("--requests", type=int, default=300, help="REST requests for latency")
    parser.add_argument("--tfidf-threshold", type=float, default=0.45)
    parser.add_argument(
        "--rejudge",
        action="store_true",
        help="judge the replies stored in results.json again and rewrite the report (no run)",
    )
    args = parser.parse_args(argv)
    if args.rejudge:
        return rejudge()
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

    store = load_store()
    judge = Judge(store)
    heldout = load_heldout()
    log(
        f"held-out: {len(heldout['questions'])} questions, {len(heldout['offtopic'])} off-topic, "
        f"{len(heldout['other_language'])} other-language"
    )
    wanted = args.only or [*CONFIGS, "tfidf"]
    variants = [n for n in wanted if n not in CONFIGS and n != "tfidf"]
    missing = [n for n in variants if not (VARIANTS / f"{n}.yml").exists()]
    if missing:
        parser.error(
            f"unknown configuration(s) {missing}: not one of {sorted(CONFIGS)}, 'tfidf' "
            f"or a file of {VARIANTS.relative_to(ROOT)}/"
        )
    configs = {**CONFIGS, **{n: VARIANTS / f"{n}.yml" for n in variants}}
    results: Dict[str, Any] = {}
    previous = OUT / "results.json"
    if previous.exists():
        results = json.loads(previous.read_text()).get("configs", {})

    for name in [n for n in configs if n in wanted]:
        model = OUT / "models" / f"{name}.tar.gz"
        info = {} if args.skip_train and model.exists() else train(name, configs[name])
        if not info:
            info = {k: results.get(name, {}).get(k) for k in ("train_seconds", "model_mb")}
        log(f"evaluating {name} end to end...")
        with running_assistant(model) as assistant:  # its action server serves the in-process agent
            evaluation = asyncio.run(
                evaluate_rasa(model, f"{assistant.actions_url}/webhook", heldout, judge)
            )
        results[name] = {**info, **summarise(evaluation), "records": evaluation["records"]}
        results[name]["threshold_sweep"] = threshold_sweep(evaluation["records"])
        results[name]["unknown_sweep"] = unknown_sweep(evaluation["records"])
        if name == "ours":
            log("measuring the real servers (start-up, memory, REST latency)...")
            results[name]["servers"] = measure_servers(model, args.requests)
        log(f"{name}: {json.dumps({k: results[name][k] for k in ('en', 'fr')})}")

    if "tfidf" in wanted:
        log("evaluating the TF-IDF nearest-neighbour baseline...")
        evaluation = evaluate_tfidf(heldout, judge, store, args.tfidf_threshold)
        results["tfidf"] = {
            "train_seconds": evaluation["train_seconds"],
            "model_mb": None,
            **summarise(evaluation),
            "records": evaluation["records"],
        }

    log("language identification grid...")
    grid = language_grid(heldout)
    other_grid = other_language_grid(heldout)
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "command": "make benchmark",
        "heldout": {k: len(v) for k, v in heldout.items()},
    }
    previous.write_text(
        json.dumps(
            {
                "meta": meta,
                "configs": results,
                "language_grid": grid,
                "other_language_grid": other_grid,
            },
            indent=1,
            ensure_ascii=False,
        )
    )
    from scripts.benchmark_report import render

    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render(meta, results, grid, other_grid), encoding="utf-8")
    log(f"wrote {previous.relative_to(ROOT)} and {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
