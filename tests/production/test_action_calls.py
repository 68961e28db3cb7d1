"""The Rasa-side changes to custom action calls: the outage reply and cached validation."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.knowledge import load_store
from production import action_outage, action_validation, install_hooks

UNAVAILABLE = load_store().messages["unavailable"]
DOMAIN = Domain.from_directory("domain")


def tracker(language: str | None = None, metadata: dict | None = None) -> DialogueStateTracker:
    state = DialogueStateTracker("someone", DOMAIN.slots)
    if language:
        state.update(SlotSet("language", language))
    state.update(UserUttered("hello", metadata=metadata or {}))
    return state


@pytest.mark.parametrize(
    ("language", "metadata", "expected"),
    [
        ("fr", None, UNAVAILABLE["fr"]),
        ("en", None, UNAVAILABLE["en"]),
        ("fr", {"language": "en"}, UNAVAILABLE["en"]),  # the widget's toggle wins
        (None, {"language": "FR"}, UNAVAILABLE["fr"]),
        (None, {"language": ["x"]}, f"{UNAVAILABLE['fr']}\n\n{UNAVAILABLE['en']}"),
        (None, None, f"{UNAVAILABLE['fr']}\n\n{UNAVAILABLE['en']}"),
    ],
)
def test_the_outage_reply_is_in_the_visitors_language(language, metadata, expected):
    [event] = action_outage.fallback_events("action_answer_question", tracker(language, metadata))
    assert isinstance(event, BotUttered) and event.text == expected


def test_a_failed_session_start_still_starts_the_session_and_keeps_the_language():
    events = action_outage.fallback_events("action_session_start", tracker("en"))
    assert isinstance(events[0], SessionStarted)
    assert SlotSet("language", "en") in events
    assert events[-1] == ActionExecuted("action_listen")
    assert not any(isinstance(e, BotUttered) for e in events)


def test_hooks_are_installed_once():
    install_hooks()
    run = RemoteAction.run
    install_hooks()
    assert RemoteAction.run is run and getattr(run, "_mila_outage_reply", False)
    assert RemoteAction._validate_action_result is action_validation.validate_action_result


def test_action_responses_are_still_validated():
    action = RemoteAction("action_answer_question", None)
    good = {
        "events": [{"event": "slot", "name": "language", "value": "fr"}],
        "responses": [{"text": "ok", "buttons": [{"title": "a", "payload": "/b"}]}],
    }
    assert action_validation.validate_action_result(action, good)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action_validation.validate_action_result(action, {"events": "not a list"})
