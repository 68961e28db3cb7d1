"""Read the conversations of the tracker store, and find the questions left unanswered.

The tracker store is Rasa's SQL store (table `events`), addressed by an SQLAlchemy URL:
`TRACKER_STORE_URL`, SQLite `sqlite:///rasa.db` by default, PostgreSQL in production. Used by
`make report` (figures) and `make review` (turning unanswered questions into training data).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from tqdm import tqdm

from actions.knowledge import KnowledgeStore

DEFAULT_URL = "sqlite:///rasa.db"
# Intents after which the visitor got no answer: the staff's to-do list.
UNANSWERED_INTENTS = ("nlu_fallback", "mila_unknown", "out_of_scope", "something_else")
# Actions that answer from a topic (they set the `topic` slot).
ANSWERING_ACTIONS = ("action_answer_question", "action_tell_more")
# A topic's score is the mean similarity to its 3 closest texts: on the held-out questions of
# benchmark/heldout.yml that picked the right topic 95.8 % of the time, against 93.8 % for the
# single closest text, which lets "c'est quoi korbit" land on "c'est quoi mila" (topic about).
BEST_OF = 3
# Rows read per round trip: large enough to be fast, small enough to keep memory flat.
BATCH_ROWS = 2000


@dataclass
class Turn:
    """One user message and what the assistant did about it."""

    sender: str
    index: int
    text: str
    intent: Optional[str]
    channel: Optional[str]
    timestamp: float
    actions: List[str] = field(default_factory=list)
    reply_at: Optional[float] = None
    language: Optional[str] = None
    topic: Optional[str] = None

    @property
    def is_payload(self) -> bool:
        """A button click ('/faq_x'), not words typed by the visitor."""
        return self.text.startswith("/")

    @property
    def latency(self) -> Optional[float]:
        return None if self.reply_at is None else max(0.0, self.reply_at - self.timestamp)


@dataclass
class Conversation:
    """One session of one sender: from session start to the next one."""

    sender: str
    turns: List[Turn] = field(default_factory=list)
    language: Optional[str] = None

    @property
    def start(self) -> float:
        return self.turns[0].timestamp

    @property
    def languages(self) -> Set[str]:
        return {t.language for t in self.turns if t.language}

    @property
    def channel(self) -> Optional[str]:
        return self.turns[0].channel


@dataclass(frozen=True)
class Vote:
    sender: str
    timestamp: float
    helpful: str
    topic: Optional[str]


@dataclass
class Unanswered:
    """A question the assistant could not answer, and why (the intents of `reasons`)."""

    text: str
    sender: str
    timestamp: float
    language: Optional[str]
    reasons: List[str]


@dataclass
class Corpus:
    conversations: List[Conversation]
    votes: List[Vote]

    @property
    def turns(self) -> List[Turn]:
        return [t for c in self.conversations for t in c.turns]


# --------------------------------------------------------------------------- reading


def tracker_store_url(url: Optional[str] = None) -> str:
    return url or os.environ.get("TRACKER_STORE_URL") or DEFAULT_URL


def read_events(url: Optional[str] = None, progress: bool = True) -> Iterator[Tuple[str, dict]]:
    """(sender, event) in the order they happened, sender by sender; a progress bar on stderr."""
    import sqlalchemy as sa

    url = tracker_store_url(url)
    database = sa.engine.make_url(url).database
    if url.startswith("sqlite") and database and database != ":memory:":
        if not Path(database).exists():  # connecting would create an empty file
            print(f"No tracker store at {database}: no conversation yet.", file=sys.stderr)
            return
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("events"):
                return
            total = connection.execute(sa.text("SELECT COUNT(*) FROM events")).scalar() or 0
            rows = connection.execution_options(stream_results=True).execute(
                sa.text("SELECT sender_id, data FROM events ORDER BY sender_id, id")
            )
            with tqdm(
                total=total, desc="Reading events", unit="ev", file=sys.stderr,
                disable=not progress, leave=False,
            ) as bar:  # fmt: skip
                while True:
                    batch = rows.fetchmany(BATCH_ROWS)
                    if not batch:
                        break
                    for sender, data in batch:
                        try:
                            event = json.loads(data)
                        except (TypeError, ValueError):
                            continue
                        if isinstance(event, dict):
                            yield sender, event
                    bar.update(len(batch))
    finally:
        engine.dispose()


def build_corpus(events: Iterable[Tuple[str, dict]]) -> Corpus:
    """Group events into conversations (one per session) of turns, and collect the votes."""
    conversations: List[Conversation] = []
    votes: List[Vote] = []
    state: Dict[str, dict] = {}

    def close_turn(sender_state: dict) -> None:
        turn = sender_state.get("turn")
        if turn is None:
            return
        slots = sender_state["slots"]
        turn.language = slots.get("language")
        if any(a in ANSWERING_ACTIONS for a in turn.actions):
            turn.topic = slots.get("topic")
        sender_state["turn"] = None

    def close_conversation(sender_state: dict) -> None:
        close_turn(sender_state)
        conversation = sender_state.get("conversation")
        if conversation is not None and conversation.turns:
            conversation.language = sender_state["slots"].get("language")
            conversations.append(conversation)
        sender_state["conversation"] = None

    for sender, event in events:
        if sender not in state:
            for other in state.values():
                close_conversation(other)
            state = {sender: {"slots": {}, "turn": None, "conversation": None, "turns": 0}}
        current = state[sender]
        kind = event.get("event")
        if kind == "session_started":
            close_conversation(current)
            current["slots"] = {}
        elif kind == "user":
            close_turn(current)
            if current["conversation"] is None:
                current["conversation"] = Conversation(sender=sender)
            parse = event.get("parse_data") or {}
            turn = Turn(
                sender=sender,
                index=current["turns"],
                text=str(event.get("text") or ""),
                intent=(parse.get("intent") or {}).get("name"),
                channel=event.get("input_channel"),
                timestamp=float(event.get("timestamp") or 0.0),
            )
            current["turns"] += 1
            current["conversation"].turns.append(turn)
            current["turn"] = turn
        elif kind == "slot":
            name, value = event.get("name"), event.get("value")
            current["slots"][name] = value
            if (
                name == "feedback"
                and isinstance(value, dict)
                and value.get("helpful") in ("yes", "no")
            ):
                votes.append(
                    Vote(
                        sender,
                        float(event.get("timestamp") or 0.0),
                        value["helpful"],
                        value.get("topic"),
                    )
                )
        elif kind == "action" and current["turn"] is not None:
            if event.get("name") not in (None, "action_listen"):
                current["turn"].actions.append(event["name"])
        elif kind == "bot" and current["turn"] is not None and current["turn"].reply_at is None:
            current["turn"].reply_at = float(event.get("timestamp") or 0.0)
    for remaining in state.values():
        close_conversation(remaining)
    conversations.sort(key=lambda c: c.start)
    return Corpus(conversations=conversations, votes=votes)


def load_corpus(url: Optional[str] = None, progress: bool = True) -> Corpus:
    return build_corpus(read_events(url, progress))


# --------------------------------------------------------------------------- unanswered


def unanswered_questions(corpus: Corpus) -> List[Unanswered]:
    """Typed questions that got no answer, oldest first.

    A click on "something else" after "did you mean ...?" marks the question that was being
    clarified (the visitor's own words), not the click.
    """
    found: Dict[Tuple[str, int], Unanswered] = {}
    for conversation in corpus.conversations:
        for position, turn in enumerate(conversation.turns):
            if turn.intent not in UNANSWERED_INTENTS:
                continue
            question = turn
            if turn.intent == "something_else" or turn.is_payload:
                earlier = [
                    t for t in conversation.turns[:position]
                    if not t.is_payload and t.intent != "something_else"
                ]  # fmt: skip
                if not earlier:
                    continue
                question = earlier[-1]
            key = (question.sender, question.index)
            if key not in found:
                found[key] = Unanswered(
                    text=" ".join(question.text.split()),
                    sender=question.sender,
                    timestamp=question.timestamp,
                    language=question.language,
                    reasons=[],
                )
            if turn.intent not in found[key].reasons:
                found[key].reasons.append(turn.intent)
    return sorted(found.values(), key=lambda q: q.timestamp)


# --------------------------------------------------------------------------- similarity


def _vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Character n-grams within words: robust to typos, accents and fr/en word forms.
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), strip_accents="unicode", lowercase=True,
        sublinear_tf=True,
    )  # fmt: skip


class TopicMatcher:
    """The topic closest to a text: TF-IDF character n-grams, cosine similarity.

    A topic is represented by its questions and answers in both languages, the names of its
    things and its training examples; a text's score for a topic is its mean similarity to the
    topic's `BEST_OF` closest texts.
    """

    def __init__(
        self,
        store: KnowledgeStore,
        examples: Optional[Dict[str, List[str]]] = None,
        questions: Sequence[str] = (),
    ):
        self.topic_ids: List[str] = []
        texts: List[str] = []
        for topic in store.topics.values():
            own = [
                *topic.question.values(),
                *topic.answer.values(),
                *(name for thing in topic.things for name in thing.all_names()),
                *(examples or {}).get(topic.id, []),
            ]
            texts.extend(own)
            self.topic_ids.extend([topic.id] * len(own))
        # Fitted on the training data too, so that n-grams every question has ("mila",
        # "what is", "quel est") weigh little; `questions` are the texts to compare later.
        self.vectorizer = _vectorizer().fit([*texts, *questions])
        self.matrix = self.vectorizer.transform(texts)

    def scores(self, texts: Sequence[str]):
        """A (len(texts), topics) array of scores, and the topic order."""
        import numpy as np

        order = sorted(set(self.topic_ids))
        ids = np.array(self.topic_ids)
        similarity = (self.vectorizer.transform(list(texts)) @ self.matrix.T).toarray()
        best = np.zeros((len(texts), len(order)))
        for k, topic_id in enumerate(order):
            own = np.sort(similarity[:, ids == topic_id], axis=1)
            best[:, k] = own[:, -BEST_OF:].mean(axis=1)
        return best, order

    def ranked(self, text: str) -> List[Tuple[str, float]]:
        """Every topic, closest first, with its score."""
        best, order = self.scores([text])
        pairs = [(order[k], float(best[0, k])) for k in range(len(order))]
        return sorted(pairs, key=lambda pair: -pair[1])

    def closest(self, texts: Sequence[str]) -> Tuple[str, float]:
        """The topic closest to a group of texts on average."""
        best, order = self.scores(texts)
        mean = best.mean(axis=0)
        k = int(mean.argmax())
        return order[k], float(mean[k])


def cluster_texts(
    texts: Sequence[str], max_distance: float = 0.8, vectorizer=None
) -> List[List[int]]:
    """Indices of `texts` grouped by similarity, largest group first.

    Average-linkage agglomerative clustering on the cosine distance of TF-IDF character
    n-grams (`vectorizer`, e.g. a `TopicMatcher`'s, or one fitted on `texts` alone); two groups
    merge while their average distance is below `max_distance`.
    """
    if len(texts) < 2:
        return [[i] for i in range(len(texts))]
    import inspect

    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics.pairwise import cosine_distances

    vectorizer = vectorizer or _vectorizer().fit(list(texts))
    distances = cosine_distances(vectorizer.transform(list(texts)))
    # scikit-learn renamed `affinity` to `metric` in 1.2.
    params = inspect.signature(AgglomerativeClustering).parameters
    metric = {"metric": "precomputed"} if "metric" in params else {"affinity": "precomputed"}
    labels = AgglomerativeClustering(
        n_clusters=None, distance_threshold=max_distance, linkage="average", **metric
    ).fit_predict(distances)
    groups: Dict[int, List[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))
