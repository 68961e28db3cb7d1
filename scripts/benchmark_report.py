"""Render benchmark/out/results.json as docs/benchmarks.md."""

from __future__ import annotations

from typing import Any, Dict, List

NAMES = {
    "rasa_default": "Rasa default pipeline",
    "ours": "**Ours** (config.yml, linear classifier)",
    "ours_diet": "DIET (our pipeline until 2026-11-25)",
    "ours_spacy": "DIET + spaCy fr_core_news_md",
    "tfidf": "TF-IDF nearest neighbour",
}


def _fmt(value: Any, suffix: str = "") -> str:
    return "–" if value is None else f"{value}{suffix}"


def render(
    meta: Dict[str, Any],
    configs: Dict[str, Any],
    grid: List[Dict[str, Any]],
    other_grid: List[Dict[str, Any]] | None = None,
) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Made by `{meta['command']}` on {meta['date']} ({meta['machine']}); raw figures",
        "in `benchmark/out/results.json`. Held-out set: `benchmark/heldout.yml`, written",
        "independently of the training data: "
        f"{meta['heldout']['questions']} questions about Mila (topics and unanswerable ones), "
        f"{meta['heldout']['offtopic']} off-topic and {meta['heldout']['other_language']} "
        "messages in other languages.",
        "Every question is asked in a fresh conversation, with no language hint, through NLU,",
        "the dialogue policy and the real action server; the reply is judged against the",
        "knowledge files (right fact, right language, or an honest decline). The TF-IDF",
        "baseline's replies are what our actions would say for its predicted intent.",
        "",
        "## Answers, per language",
        "",
        "| configuration | lang | intent accuracy | answer correct | wrong-fact answers | "
        "reply language right | off-topic rejected |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, result in configs.items():
        for lang in ("en", "fr"):
            r = result[lang]
            lines.append(
                f"| {NAMES.get(name, name)} | {lang} | {_fmt(r['intent_accuracy'], ' %')} | "
                f"{_fmt(r['answer_correct'], ' %')} | {r['wrong_fact_answers']} | "
                f"{_fmt(r['reply_language_correct'], ' %')} | "
                f"{_fmt(r['offtopic_rejected'], ' %')} |"
            )
    lines += [
        "",
        'Messages in another language recognised as such (answered "I speak French and English"): '
        + ", ".join(
            f"{NAMES.get(n, n)} {_fmt(r.get('other_language_recognised'), ' %')}"
            for n, r in configs.items()
        )
        + ".",
        "",
    ]
    lines += _rounds_table(configs)
    lines += [
        "## Speed and size",
        "",
        "| configuration | training | model | NLU parse p50 / p95 (in-process) |",
        "|---|---|---|---|",
    ]
    for name, result in configs.items():
        lines.append(
            f"| {NAMES.get(name, name)} | {_fmt(result.get('train_seconds'), ' s')} | "
            f"{_fmt(result.get('model_mb'), ' MB')} | {result['parse_ms_p50']} / "
            f"{result['parse_ms_p95']} ms |"
        )
    servers = configs.get("ours", {}).get("servers")
    if servers:
        lines += [
            "",
            "Our pipeline, real servers (`rasa run` + `rasa run actions`, SQLite tracker store):",
            "",
            f"- start-up to ready: Rasa server {servers['startup_seconds_rasa']} s, action server "
            f"{servers['startup_seconds_actions']} s",
            f"- memory (RSS): Rasa server {servers['rss_mb_rasa']} MB, action server "
            f"{servers['rss_mb_actions']} MB",
            "- REST one-turn answer, action server included, "
            f"{servers['rest_requests']} sequential requests: p50 {servers['rest_ms_p50']} ms, "
            f"p95 {servers['rest_ms_p95']} ms, "
            f"p99 {servers['rest_ms_p99']} ms",
        ]
    lines += [
        "",
        "Load and faults on the two-replica cluster (`make loadtest`): "
        "[production.md](production.md#figures).",
        "",
        "## Language identification (actions/settings.yml)",
        "",
        "Share of held-out messages (questions and off-topic) answered in their own language, for",
        "the first message of a conversation, in a conversation already in that language, and in",
        "one in the other language (the visitor switches). Training words: the threshold of",
        "`training_words_min_log_ratio` (actions/vocabulary.py), or no: the detector alone.",
        "Chosen values in bold.",
        "",
        "| training words | function words | fr_en_ratio | short_message_words | first message "
        "| same language | switch |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in grid:
        mark = "**" if row["chosen"] else ""
        by_examples = row.get("training_words")
        lines.append(
            f"| {mark}{'no' if by_examples is None else by_examples}{mark} | "
            f"{mark}{'yes' if row['function_words'] else 'no'}{mark} | "
            f"{mark}{row['fr_en_ratio']}{mark} | {mark}{row['short_message_words']}{mark} | "
            f"{row['first_message']} % | {row['same_language_conversation']} % | "
            f"{row['switch_from_other']} % |"
        )
    if other_grid:
        lines += [
            "",
            'Messages in another language, answered "I speak French and English" when the best',
            "other language scores at least `other_language_min_confidence` and French and",
            "English together less than `other_language_max_fr_en`, or, for the Latin-script",
            "languages that detector does not compare, when fewer than",
            "`other_language_max_known_words` of the words are in our training examples (0: not",
            "used) and a broad detector agrees: share of the other-language messages recognised,",
            "French or English held-out messages wrongly declined, and informal French or English",
            "messages (benchmark/informal.yml) wrongly declined. Chosen values in bold.",
            "",
            "| min confidence | max fr + en | max known words | other languages recognised "
            "| French or English declined | informal declined |",
            "|---|---|---|---|---|---|",
        ]
        for row in other_grid:
            mark = "**" if row["chosen"] else ""
            known = row.get("max_known_words", 0.0)
            informal = (
                f"{row['informal_declined']} of {row['informal_messages']}"
                if "informal_declined" in row
                else "-"
            )
            lines.append(
                f"| {mark}{row['min_confidence']}{mark} | {mark}{row['max_fr_en']}{mark} | "
                f"{mark}{known}{mark} | {row['recognised']} % | "
                f"{row['fr_en_declined']} of {row['fr_en_messages']} | {informal} |"
            )
    ours = configs.get("ours")
    if ours and ours.get("threshold_sweep"):
        lines += [
            "",
            "## Fallback thresholds (config.yml, FallbackClassifier)",
            "",
            "From the NLU rankings of our pipeline on the held-out set, without retraining: share",
            "of questions whose top intent would be kept and right, kept and wrong, or sent to",
            '"did you mean", and share of off-topic messages kept as a FAQ intent.',
            "",
            "| threshold | ambiguity | kept, right | kept, wrong | did you mean "
            "| off-topic as FAQ |",
            "|---|---|---|---|---|---|",
        ]
        for row in ours["threshold_sweep"]:
            lines.append(
                f"| {row['threshold']} | {row['ambiguity_threshold']} | {row['kept_right']} % | "
                f"{row['kept_wrong']} % | {row['did_you_mean']} % | {row['offtopic_as_faq']} % |"
            )
    if ours and ours.get("unknown_sweep"):
        lines += [
            "",
            "## Unsure, but probably unanswerable (actions/settings.yml, unknown_min_confidence)",
            "",
            "Below the fallback threshold, a message whose best guess is `mila_unknown` with at",
            'least this confidence gets "I don\'t have that information" and the closest topics',
            'instead of "did you mean" (none: always "did you mean"). From the recorded replies,',
            "without retraining: questions answered right, and topic questions told that the",
            "information is missing (wrong either way). Off-topic messages are declined either",
            "way. Chosen value in bold.",
            "",
            "| unknown_min_confidence | answer correct en / fr | topic questions told unknown "
            "en / fr |",
            "|---|---|---|",
        ]
        for row in ours["unknown_sweep"]:
            value = row["unknown_min_confidence"]
            mark = "**" if row.get("chosen") else ""
            lines.append(
                f"| {mark}{'none' if value is None else value}{mark} | "
                f"{row['en']['answer_correct']} % / {row['fr']['answer_correct']} % | "
                f"{row['en']['topics_told_unknown']} / {row['fr']['topics_told_unknown']} |"
            )
    if ours:
        lines += ["", "## Our pipeline: confusions and failures", ""]
        lines += [
            f"- `{c['expected']}` taken for `{c['predicted']}`: {c['count']}"
            for c in ours["confusions"]
        ] or ["- none"]
        lines += ["", "Held-out questions not answered correctly:", ""]
        lines += [
            f'- ({f["lang"]}) "{f["text"]}": expected `{f["expected"]}`, got `{f["predicted"]}` '
            f"-> {f['reply_kind']}"
            for f in ours["failures"]
        ] or ["- none"]
    return "\n".join(lines) + "\n"


def _rounds_table(configs: Dict[str, Any]) -> List[str]:
    """Answer correctness per round of the held-out set (both languages): each round was
    written after a benchmark, and its first measurement is the honest test of generalisation."""
    numbers = sorted({n for r in configs.values() for n in r.get("rounds", {})}, key=int)
    if not numbers:
        return []
    lines = [
        "Per round of the held-out set (each written after a benchmark; answer correct, both "
        "languages, and wrong-fact answers):",
        "",
        "| configuration | " + " | ".join(f"round {n}" for n in numbers) + " |",
        "|---|" + "---|" * len(numbers),
    ]
    for name, result in configs.items():
        rounds = result.get("rounds", {})
        cells = [
            f"{_fmt(rounds[n]['answer_correct'], ' %')}, {rounds[n]['wrong_fact_answers']} wrong"
            if n in rounds
            else "–"
            for n in numbers
        ]
        lines.append(f"| {NAMES.get(name, name)} | " + " | ".join(cells) + " |")
    return [*lines, ""]
