"""Shared test helpers: a Tracker builder in the style of rasa-action-examples."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    text: str = "",
    intent: str | None = None,
    *,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    ranking: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    confidence: float = 0.95,
) -> Tracker:
    """A tracker whose latest user message is `text`, classified as `intent`."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
    }
    history = list(events or [])
    history.append(
        {"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}
    )
    return Tracker(
        sender_id="test",
        slots={"language": None, "topic": None, **(slots or {})},
        latest_message=latest,
        events=history,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def entity(kind: str, value: str, start: int = 0, end: int | None = None) -> dict[str, Any]:
    return {
        "entity": kind,
        "value": value,
        "start": start,
        "end": end if end is not None else len(value),
    }


def bot_action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def bot_says(text: str, payloads: list[str] = ()) -> dict[str, Any]:
    """A bot message as Rasa stores it, with buttons carrying `payloads`."""
    buttons = [{"title": payload, "payload": payload} for payload in payloads]
    return {"event": "bot", "text": text, "data": {"buttons": buttons}}


def user_turn(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {}, "metadata": {}}


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
