"""Build tracker-store events as Rasa writes them, for the tests of the staff tools."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa


class Conversation:
    """Events of one sender, with a clock that advances a little at each event."""

    def __init__(self, sender: str, start: float, channel: str = "rest") -> None:
        self.sender = sender
        self.clock = start
        self.channel = channel
        self.events: List[Dict[str, Any]] = []
        self.session()

    def _add(self, event: Dict[str, Any], step: float = 0.01) -> "Conversation":
        self.clock += step
        event["timestamp"] = self.clock
        self.events.append(event)
        return self

    def session(self) -> "Conversation":
        self._add({"event": "action", "name": "action_session_start"})
        self._add({"event": "session_started"})
        return self._add({"event": "action", "name": "action_listen"})

    def user(self, text: str, intent: str, delay: float = 1.0) -> "Conversation":
        parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text}
        return self._add(
            {"event": "user", "text": text, "parse_data": parse, "input_channel": self.channel},
            step=delay,
        )

    def bot(
        self, action: str, text: str = "...", latency: float = 0.05, **slots: Any
    ) -> "Conversation":
        self._add({"event": "action", "name": action}, step=latency / 2)
        self._add({"event": "bot", "text": text, "data": {}}, step=latency / 2)
        for name, value in slots.items():
            self._add({"event": "slot", "name": name, "value": value}, step=0.0)
        return self._add({"event": "action", "name": "action_listen"})


def rows(*conversations: Conversation) -> List[Tuple[str, Dict[str, Any]]]:
    """(sender, event) ordered as the report reads them: sender by sender."""
    out = []
    for conversation in sorted(conversations, key=lambda c: c.sender):
        out.extend((conversation.sender, event) for event in conversation.events)
    return out


def write_store(url: str, *conversations: Conversation, interleave: bool = True) -> None:
    """An `events` table like Rasa's SQLTrackerStore's, filled with the conversations."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    table = sa.Table(
        "events", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("type_name", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.Float),
        sa.Column("intent_name", sa.String(255)),
        sa.Column("action_name", sa.String(255)),
        sa.Column("data", sa.Text),
    )  # fmt: skip
    metadata.create_all(engine)
    pairs = [(c.sender, e) for c in conversations for e in c.events]
    if interleave:  # as in a real store: senders' events mixed, in time order
        pairs.sort(key=lambda pair: pair[1]["timestamp"])
    with engine.begin() as connection:
        for sender, event in pairs:
            connection.execute(
                table.insert().values(
                    sender_id=sender,
                    type_name=event["event"],
                    timestamp=event["timestamp"],
                    intent_name=(event.get("parse_data") or {}).get("intent", {}).get("name"),
                    action_name=event.get("name") if event["event"] == "action" else None,
                    data=json.dumps(event),
                )
            )
    engine.dispose()


def vote(helpful: str, topic: Optional[str]) -> Dict[str, Any]:
    return {"helpful": helpful, "topic": topic}
