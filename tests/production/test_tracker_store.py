"""The SQL tracker store: SQLite and PostgreSQL, through a database restart."""

from __future__ import annotations

import asyncio
import threading

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from production.tracker_store import ResilientSQLTrackerStore, UnsafeToSave

DOMAIN = Domain.from_directory("domain")


def store_for(url: str) -> ResilientSQLTrackerStore:
    return ResilientSQLTrackerStore(domain=DOMAIN, host=url)


async def say(store: ResilientSQLTrackerStore, sender: str, text: str) -> DialogueStateTracker:
    """One turn, as the Rasa server does it: read, add the user's and the bot's events, save."""
    tracker = await store.get_or_create_tracker(sender)
    tracker.update(UserUttered(text, metadata={"turn": text}))
    tracker.update(ActionExecuted("action_answer_question"))
    tracker.update(BotUttered(f"answer to {text}"))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    return tracker


def user_texts(tracker: DialogueStateTracker) -> list[str]:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


async def test_sqlite_keeps_conversations(tmp_path, sender):
    url = f"sqlite:///{tmp_path / 'rasa.db'}"
    await say(store_for(url), sender, "one")
    await say(store_for(url), sender, "two")  # another process, the same file
    tracker = await store_for(url).retrieve(sender)
    assert user_texts(tracker) == ["one", "two"]


async def test_postgresql_keeps_conversations(postgres_url, sender):
    await say(store_for(postgres_url), sender, "one")
    await say(store_for(postgres_url), sender, "two")
    assert user_texts(await store_for(postgres_url).retrieve(sender)) == ["one", "two"]


async def test_a_postgresql_restart_loses_no_turn(private_pg, sender):
    store = store_for(private_pg.url)
    await say(store, sender, "before")
    private_pg.restart()  # every pooled connection is now dead
    await say(store, sender, "after")
    assert user_texts(await store.retrieve(sender)) == ["before", "after"]


async def test_a_message_waits_for_postgresql_to_come_back(private_pg, sender, monkeypatch):
    store = store_for(private_pg.url)
    await say(store, sender, "before")
    private_pg.stop()
    restart = threading.Timer(2.0, private_pg.start)
    restart.start()
    try:
        await say(store, sender, "during")  # retried until PostgreSQL answers again
    finally:
        restart.join()
    assert user_texts(await store.retrieve(sender)) == ["before", "during"]


async def test_a_conversation_that_could_not_be_read_is_never_written_over(
    private_pg, sender, monkeypatch
):
    monkeypatch.setenv("TRACKER_STORE_RETRY_SECONDS", "1")
    store = store_for(private_pg.url)
    await say(store, sender, "one")
    await say(store, sender, "two")
    private_pg.stop()
    with pytest.raises(Exception):  # noqa: B017 - the driver's error, whatever it is
        await store.retrieve(sender)
    private_pg.start()
    # Rasa's fail-safe would now carry on with an empty conversation and save it: refused.
    fresh = DialogueStateTracker(sender, DOMAIN.slots)
    fresh.update(UserUttered("three"))
    with pytest.raises(UnsafeToSave):
        await store.save(fresh)
    assert user_texts(await store.retrieve(sender)) == ["one", "two"]
    await say(store, sender, "three")  # read again: saving works again
    assert user_texts(await store.retrieve(sender)) == ["one", "two", "three"]


async def test_concurrent_conversations_do_not_mix(postgres_url):
    store = store_for(postgres_url)
    senders = [f"mix-{i}" for i in range(8)]

    async def talk(sender: str) -> None:
        for turn in range(5):
            await say(store, sender, f"{sender}/{turn}")
            await asyncio.sleep(0)

    await asyncio.gather(*(talk(s) for s in senders))
    for sender in senders:
        tracker = await store.retrieve(sender)
        assert user_texts(tracker) == [f"{sender}/{turn}" for turn in range(5)]
