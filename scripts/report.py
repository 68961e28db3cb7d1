"""`make report`: what visitors asked, and what the assistant could not answer, as one HTML page.

    python -m scripts.report [--url sqlite:///rasa.db] [--out reports/report.html] [--json f.json]

Reads the tracker store (TRACKER_STORE_URL: SQLite by default, PostgreSQL in production) and
writes a self-contained page (figures embedded as PNG): conversations and messages per day,
languages, channels, top topics, fallback and off-topic rates, "was this helpful?" votes per
topic, reply latency, the unanswered questions grouped by similarity with the closest topic of
each group, and the topics whose facts are due for a check.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import html
import io
import json
import statistics
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from actions.knowledge import KnowledgeStore, load_store
from scripts.conversations import (
    UNANSWERED_INTENTS,
    Corpus,
    TopicMatcher,
    cluster_texts,
    load_corpus,
    tracker_store_url,
    unanswered_questions,
)
from scripts.staff_settings import staff_settings
from scripts.training_data import ROOT, examples_by_topic

DEFAULT_OUT = ROOT / "reports" / "report.html"
# Intents counted in the "fallback and off-topic" rates.
RATE_INTENTS = ("nlu_fallback", "out_of_scope", "mila_unknown")
NO_TOPIC = "(no topic)"


@dataclass
class Figures:
    """Every number of the report; `--json` writes them as they are."""

    generated: str
    store: str
    period: Dict[str, Optional[str]]
    conversations: int
    messages: int
    typed_messages: int
    per_day: Dict[str, Dict[str, int]]
    languages: Dict[str, Dict[str, int]]
    channels: Dict[str, Dict[str, int]]
    topics: Dict[str, int]
    intents: Dict[str, int]
    rates: Dict[str, Dict[str, float]]
    votes: Dict[str, Dict[str, int]]
    latency: Dict[str, Optional[float]]
    unanswered: List[Dict[str, Any]]
    groups: List[Dict[str, Any]]
    stale_topics: List[Dict[str, Any]] = field(default_factory=list)


def _day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).date().isoformat()


def _percentile(values: List[float], share: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def compute(
    corpus: Corpus,
    store: KnowledgeStore,
    *,
    store_label: str = "",
    examples: Optional[Dict[str, List[str]]] = None,
    stale_after_days: int = 365,
    cluster_distance: float = 0.8,
    today: Optional[dt.date] = None,
) -> Figures:
    conversations = corpus.conversations
    turns = corpus.turns
    typed = [t for t in turns if not t.is_payload]

    per_day: Dict[str, Dict[str, int]] = {}
    for conversation in conversations:
        per_day.setdefault(_day(conversation.start), {"conversations": 0, "messages": 0})
        per_day[_day(conversation.start)]["conversations"] += 1
    for turn in turns:
        per_day.setdefault(_day(turn.timestamp), {"conversations": 0, "messages": 0})
        per_day[_day(turn.timestamp)]["messages"] += 1

    unknown = "(not set)"
    languages = {
        "conversations": dict(Counter(c.language or unknown for c in conversations)),
        "messages": dict(Counter(t.language or unknown for t in turns)),
        "both_languages": {"conversations": sum(1 for c in conversations if len(c.languages) > 1)},
    }
    channels = {
        "conversations": dict(Counter(c.channel or unknown for c in conversations)),
        "messages": dict(Counter(t.channel or unknown for t in turns)),
    }
    topics = dict(Counter(t.topic for t in turns if t.topic).most_common())
    intents = dict(Counter(t.intent or unknown for t in turns).most_common())
    typed_intents = Counter(t.intent for t in typed)
    rates = {
        intent: {
            "count": typed_intents.get(intent, 0),
            "rate": typed_intents.get(intent, 0) / len(typed) if typed else 0.0,
        }
        for intent in RATE_INTENTS
    }
    total = sum(typed_intents.get(i, 0) for i in RATE_INTENTS)
    rates["total"] = {"count": total, "rate": total / len(typed) if typed else 0.0}

    votes: Dict[str, Dict[str, int]] = {}
    for vote in corpus.votes:
        entry = votes.setdefault(vote.topic or NO_TOPIC, {"yes": 0, "no": 0})
        entry[vote.helpful] += 1

    latencies = [t.latency for t in turns if t.latency is not None]
    latency = {
        "replies": len(latencies),
        "median": statistics.median(latencies) if latencies else None,
        "p90": _percentile(latencies, 0.9),
        "max": max(latencies) if latencies else None,
    }

    questions = unanswered_questions(corpus)
    unanswered = [
        {"text": q.text, "language": q.language, "reasons": q.reasons, "date": _day(q.timestamp)}
        for q in questions
    ]
    groups: List[Dict[str, Any]] = []
    if questions:
        texts = [q.text for q in questions]
        matcher = TopicMatcher(store, examples, texts)
        groups_found = cluster_texts(texts, cluster_distance, matcher.vectorizer)
        for number, members in enumerate(groups_found, start=1):
            topic_id, score = matcher.closest([texts[i] for i in members])
            for i in members:
                unanswered[i]["group"] = number
            groups.append(
                {
                    "group": number,
                    "size": len(members),
                    "closest_topic": topic_id,
                    "similarity": round(score, 3),
                    "questions": [texts[i] for i in members],
                }
            )

    today = today or dt.date.today()
    stale = [
        {"topic": t.id, "verified": t.verified.isoformat(), "age_days": (today - t.verified).days,
         "file": Path(t.path).name}
        for t in sorted(store.stale_topics(stale_after_days, today), key=lambda t: t.verified)
    ]  # fmt: skip

    starts = sorted(t.timestamp for t in turns)
    return Figures(
        generated=dt.datetime.now().isoformat(timespec="seconds"),
        store=store_label,
        period={
            "from": _day(starts[0]) if starts else None,
            "to": _day(starts[-1]) if starts else None,
        },
        conversations=len(conversations),
        messages=len(turns),
        typed_messages=len(typed),
        per_day=dict(sorted(per_day.items())),
        languages=languages,
        channels=channels,
        topics=topics,
        intents=intents,
        rates=rates,
        votes=dict(sorted(votes.items())),
        latency=latency,
        unanswered=unanswered,
        groups=groups,
        stale_topics=stale,
    )


# --------------------------------------------------------------------------- figures


def _png(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _bar(
    labels: List[str],
    series: Dict[str, List[float]],
    title: str,
    horizontal: bool = False,
    integer: bool = True,
) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    height = max(2.6, 0.32 * len(labels) + 1) if horizontal else 3.2
    figure, axis = plt.subplots(figsize=(7, height))
    positions = np.arange(len(labels))
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        offset = (k - (len(series) - 1) / 2) * width
        if horizontal:
            axis.barh(positions + offset, values, height=width, label=name)
        else:
            axis.bar(positions + offset, values, width=width, label=name)
    if horizontal:
        axis.set_yticks(positions, labels)
        axis.invert_yaxis()
    else:
        axis.set_xticks(positions, labels, rotation=45 if len(labels) > 6 else 0, ha="right")
    if integer:  # counts: no 0.5 conversation on the axis
        from matplotlib.ticker import MaxNLocator

        (axis.xaxis if horizontal else axis.yaxis).set_major_locator(MaxNLocator(integer=True))
    axis.set_title(title)
    if len(series) > 1:
        axis.legend()
    return _png(figure)


def _histogram(values: List[float], title: str, unit: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 3))
    axis.hist(values, bins=min(30, max(5, len(values) // 3)))
    from matplotlib.ticker import MaxNLocator

    axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_title(title)
    axis.set_xlabel(unit)
    return _png(figure)


def _split_bar(split: Dict[str, Dict[str, int]], title: str) -> str:
    """Conversations and messages per value of a split (languages, channels)."""
    keys = sorted(split["messages"])
    return _bar(
        keys,
        {
            "conversations": [split["conversations"].get(k, 0) for k in keys],
            "messages": [split["messages"].get(k, 0) for k in keys],
        },
        title,
    )


def plots(figures: Figures, latencies: List[float]) -> Dict[str, str]:
    """Base64 PNGs by section; a section without data has no plot."""
    out: Dict[str, str] = {}
    if figures.per_day:
        days = list(figures.per_day)
        out["activity"] = _bar(
            days,
            {
                "conversations": [figures.per_day[d]["conversations"] for d in days],
                "messages": [figures.per_day[d]["messages"] for d in days],
            },
            "Conversations and visitor messages per day",
        )
    if figures.messages:
        out["languages"] = _split_bar(figures.languages, "Languages")
        out["channels"] = _split_bar(figures.channels, "Channels")
        out["rates"] = _bar(
            list(RATE_INTENTS),
            {"% of typed messages": [100 * figures.rates[i]["rate"] for i in RATE_INTENTS]},
            "Fallback and off-topic rates (% of typed messages)",
            integer=False,
        )
    top = staff_settings()["top_topics"]
    if figures.topics:
        names = list(figures.topics)[:top]
        out["topics"] = _bar(
            names, {"answers": [figures.topics[n] for n in names]}, "Top topics", horizontal=True
        )
    if figures.votes:
        names = list(figures.votes)
        out["votes"] = _bar(
            names,
            {
                "helpful": [figures.votes[n]["yes"] for n in names],
                "not helpful": [figures.votes[n]["no"] for n in names],
            },
            "Was this helpful? Votes per topic",
            horizontal=True,
        )
    if latencies:
        out["latency"] = _histogram(
            [1000 * v for v in latencies], "Time to the assistant's reply", "milliseconds"
        )
    return out


# --------------------------------------------------------------------------- HTML

STYLE = """
body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;
text-align:left;vertical-align:top}th{background:#f4f4f4}td.n{text-align:right}
.muted{color:#666}img{max-width:100%}ul{margin:.2em 0}
"""


def _table(headers: List[str], rows: List[List[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f'<td class="n">{value}</td>'
        return f"<td>{value}</td>"

    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _img(images: Dict[str, str], key: str) -> str:
    if key not in images:
        return ""
    return f'<p><img alt="{key}" src="data:image/png;base64,{images[key]}"></p>'


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def _ms(value: Optional[float]) -> str:
    return "–" if value is None else f"{1000 * value:.0f} ms"


def render_html(figures: Figures, images: Dict[str, str], store: KnowledgeStore) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>Mila assistant report</title><style>{STYLE}</style></head><body>",
        "<h1>Mila assistant: conversation report</h1>",
        f'<p class="muted">Generated {e(figures.generated)} from {e(figures.store)}. '
        f"Period: {e(str(figures.period['from']))} to {e(str(figures.period['to']))} "
        "(days in the server's local time).</p>",
        "<h2>Activity</h2>",
        _table(
            ["conversations", "visitor messages", "typed (not button clicks)"],
            [[figures.conversations, figures.messages, figures.typed_messages]],
        ),
        _img(images, "activity"),
        _table(
            ["day", "conversations", "messages"],
            [[e(d), v["conversations"], v["messages"]] for d, v in figures.per_day.items()],
        ),
        "<h2>Languages</h2>",
        "<p>A conversation counts in the language it ended in; a message in the language of its "
        "reply.</p>",
        _table(
            ["language", "conversations", "messages"],
            [
                [e(k), figures.languages["conversations"].get(k, 0), v]
                for k, v in sorted(figures.languages["messages"].items())
            ],
        ),
        f"<p>Conversations that used both languages: "
        f"{figures.languages['both_languages']['conversations']}</p>",
        _img(images, "languages"),
        "<h2>Channels</h2>",
        _table(
            ["channel", "conversations", "messages"],
            [
                [e(k), figures.channels["conversations"].get(k, 0), v]
                for k, v in sorted(figures.channels["messages"].items())
            ],
        ),
        _img(images, "channels"),
        "<h2>Top topics</h2>",
        _table(
            ["topic", "question", "answers given"],
            [
                [e(t), e(store.topic(t).question["en"]) if store.topic(t) else "", n]
                for t, n in figures.topics.items()
            ],
        ),
        _img(images, "topics"),
        "<details><summary>All intents</summary>",
        _table(["intent", "messages"], [[e(k), v] for k, v in figures.intents.items()]),
        "</details>",
        "<h2>Fallback and off-topic rates</h2>",
        f"<p>Share of the {figures.typed_messages} typed messages (button clicks excluded).</p>",
        _table(
            ["intent", "messages", "rate"],
            [[e(k), v["count"], _pct(v["rate"])] for k, v in figures.rates.items()],
        ),
        _img(images, "rates"),
        "<h2>Was this helpful?</h2>",
        _table(
            ["topic", "helpful", "not helpful", "helpful share"],
            [
                [e(t), v["yes"], v["no"], _pct(v["yes"] / (v["yes"] + v["no"]))]
                for t, v in figures.votes.items()
            ],
        )
        if figures.votes
        else "<p>No vote yet.</p>",
        _img(images, "votes"),
        "<h2>Latency</h2>",
        "<p>Time from a visitor's message to the assistant's first reply.</p>",
        _table(
            ["replies", "median", "90th percentile", "slowest"],
            [
                [
                    figures.latency["replies"],
                    _ms(figures.latency["median"]),
                    _ms(figures.latency["p90"]),
                    _ms(figures.latency["max"]),
                ]
            ],
        ),
        _img(images, "latency"),
        "<h2>Questions the assistant could not answer</h2>",
        f"<p>{len(figures.unanswered)} questions ({', '.join(UNANSWERED_INTENTS)}), grouped by "
        "similarity. The closest topic is a hint for <code>make review</code>: add the question "
        "to it, or mark it off-topic.</p>",
    ]
    for group in figures.groups:
        items = "".join(
            f"<li>{e(q['text'])} <span class=muted>({e(str(q['language']))}, "
            f"{e(', '.join(q['reasons']))}, {e(q['date'])})</span></li>"
            for q in figures.unanswered
            if q.get("group") == group["group"]
        )
        parts.append(
            f"<h3>Group {group['group']}: {group['size']} question(s); closest topic "
            f"<code>{e(group['closest_topic'])}</code> (similarity {group['similarity']})</h3>"
            f"<ul>{items}</ul>"
        )
    parts.append("<h2>Topics due for a check</h2>")
    if figures.stale_topics:
        parts.append(
            _table(
                ["topic", "verified", "age (days)", "file"],
                [
                    [e(s["topic"]), e(s["verified"]), s["age_days"], e(s["file"])]
                    for s in figures.stale_topics
                ],
            )
        )
    else:
        parts.append("<p>Every topic was verified recently enough.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _safe_url(url: str) -> str:
    """The store's URL without its password, for the page."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def main(argv: Optional[List[str]] = None) -> int:
    settings = staff_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", help="SQLAlchemy URL of the tracker store (default: TRACKER_STORE_URL)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="HTML file to write")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--stale-after-days", type=int, default=settings["stale_after_days"])
    parser.add_argument("--cluster-distance", type=float, default=settings["cluster_distance"])
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    args = parser.parse_args(argv)

    url = tracker_store_url(args.url)
    store = load_store()
    corpus = load_corpus(url, progress=not args.no_progress)
    figures = compute(
        corpus, store, store_label=_safe_url(url), examples=examples_by_topic(),
        stale_after_days=args.stale_after_days, cluster_distance=args.cluster_distance,
    )  # fmt: skip
    images = plots(figures, [t.latency for t in corpus.turns if t.latency is not None])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_html(figures, images, store), encoding="utf-8")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(asdict(figures), indent=2, ensure_ascii=False), encoding="utf-8"
        )
    print(
        f"wrote {args.out}: {figures.conversations} conversations, {figures.messages} messages, "
        f"{len(figures.unanswered)} unanswered questions in {len(figures.groups)} groups, "
        f"{len(figures.stale_topics)} topics due for a check",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
