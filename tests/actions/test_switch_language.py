"""action_switch_language and action_session_start."""

from __future__ import annotations

import pytest

from actions.base import get_store
from actions.session_start import ActionSessionStart
from actions.switch_language import ActionSwitchLanguage
from tests.conftest import make_tracker, slot_events

STORE = get_store()


@pytest.mark.parametrize(
    ("text", "current", "target"),
    [
        ("in English please", "fr", "en"),
        ("en français svp", "en", "fr"),
        ("parle anglais stp", "fr", "en"),  # French words asking for English
        ("can you speak french", "en", "fr"),
        ("english", "fr", "en"),
    ],
)
async def test_switch_to_the_language_asked_for(dispatcher, text, current, target):
    tracker = make_tracker(text, "switch_language", slots={"language": current})
    events = await ActionSwitchLanguage().run(dispatcher, tracker, {})
    assert slot_events(events) == {"language": target}
    assert dispatcher.messages[0]["text"] == STORE.message("language_switched", target)


async def test_session_start_keeps_only_the_language(dispatcher):
    tracker = make_tracker("", None, slots={"language": "en", "topic": "korbit"})
    events = await ActionSessionStart().run(dispatcher, tracker, {})
    assert [e["event"] for e in events] == ["session_started", "slot", "action"]
    assert slot_events(events) == {"language": "en"}
