"""The SQL tracker store: SQLite and PostgreSQL, through a database restart, and the trackers
each replica remembers between messages."""

from __future__ import annotations

import asyncio
import threading

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

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


# --------------------------------------------------------------------------- remembered trackers
# Each replica remembers the trackers it last read or saved, and checks them against the
# database before handing one out again. Two stores on one database stand for two replicas.


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rasa.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def full_reads(monkeypatch) -> list[str]:
    """The senders whose session Rasa's SQLTrackerStore.retrieve read back and rebuilt."""
    reads: list[str] = []
    original = SQLTrackerStore.retrieve

    async def retrieve(self, sender_id):
        reads.append(sender_id)
        return await original(self, sender_id)

    monkeypatch.setattr(SQLTrackerStore, "retrieve", retrieve)
    return reads


def as_stored(tracker: DialogueStateTracker) -> list[dict]:
    return [event.as_dict() for event in tracker.events]


def same_state(tracker: DialogueStateTracker, other: DialogueStateTracker) -> bool:
    """The same events and the same state (slots, latest message and action, ...)."""
    verbose = EventVerbosity.ALL
    return (
        as_stored(tracker) == as_stored(other)
        and tracker.current_state(verbose) == other.current_state(verbose)
        and tracker.past_states(DOMAIN) == other.past_states(DOMAIN)
    )


async def read_afresh(url: str, sender: str) -> DialogueStateTracker | None:
    """What Rasa's own store reads from the database, remembering nothing."""
    return await SQLTrackerStore(domain=DOMAIN, host=url).retrieve(sender)


async def test_an_unchanged_conversation_is_not_read_back_for_every_message(
    store_url, sender, full_reads
):
    store = store_for(store_url)
    for text in ("one", "two", "three", "four"):
        tracker = await say(store, sender, text)
    # The first message started the session (the tracker is rebuilt as Rasa would read it);
    # after that the tracker saved is the one handed out again.
    assert full_reads == []
    assert await store.retrieve(sender) is tracker
    assert same_state(tracker, await read_afresh(store_url, sender))


async def test_two_replicas_never_serve_each_other_a_stale_conversation(
    store_url, sender, full_reads
):
    one, two = store_for(store_url), store_for(store_url)
    texts = []
    for turn, store in enumerate([one, one, two, one, two, two, one]):
        texts.append(f"turn {turn}")
        tracker = await say(store, sender, texts[-1])
        assert user_texts(tracker) == texts  # every turn, in order, whichever replica wrote it
    # Each change of replica was noticed and read from the database: 4 of them.
    assert full_reads == [sender] * 4
    stored = await store_for(store_url).retrieve_full_tracker(sender)
    assert user_texts(stored) == texts  # nothing lost or stored twice
    assert same_state(await one.retrieve(sender), await read_afresh(store_url, sender))


async def test_a_conversation_deleted_by_the_privacy_commands_is_not_served_from_memory(
    store_url, sender
):
    from scripts import privacy

    store = store_for(store_url)
    await say(store, sender, "my email is alice@example.org")
    await say(store, sender, "who founded mila?")
    assert privacy.delete(privacy.engine_for(store_url), sender) > 0
    assert await store.retrieve(sender) is None
    await say(store, sender, "hello again")
    assert user_texts(await read_afresh(store_url, sender)) == ["hello again"]


async def test_a_conversation_purged_and_begun_again_elsewhere_is_read_again(
    store_url, sender, full_reads
):
    from scripts import privacy

    one, two = store_for(store_url), store_for(store_url)
    await say(one, sender, "one")
    await say(one, sender, "two")
    privacy.delete(privacy.engine_for(store_url), sender)
    await say(two, sender, "three")  # as many rows as before would not fool the check
    await say(two, sender, "four")
    assert user_texts(await one.retrieve(sender)) == ["three", "four"]


async def test_a_message_that_failed_half_way_leaves_nothing_behind(store_url, sender):
    store = store_for(store_url)
    await say(store, sender, "one")
    tracker = await store.get_or_create_tracker(sender)
    tracker.update(UserUttered("never saved"))  # the message fails here: no save
    again = await store.retrieve(sender)
    assert user_texts(again) == ["one"]
    assert same_state(again, await read_afresh(store_url, sender))


async def test_a_new_session_is_remembered_as_rasa_reads_it(store_url, sender, full_reads):
    store = store_for(store_url)
    await say(store, sender, "old session")
    tracker = await store.retrieve(sender)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("new session"))
    await store.save(tracker)
    remembered = await store.retrieve(sender)
    assert full_reads == []
    assert user_texts(remembered) == ["new session"]
    assert same_state(remembered, await read_afresh(store_url, sender))


async def test_saving_after_another_replica_wrote_stores_what_rasa_would(store_url, sender):
    """Two replicas at once on one conversation (the lock store should prevent it): the
    result is Rasa's own, not a new one."""

    async def race(make_store) -> list[str]:
        one, two = make_store(), make_store()
        await say(one, sender, "one")
        tracker = await one.retrieve(sender)
        await say(two, sender, "meanwhile")
        tracker.update(UserUttered("late"))
        await one.save(tracker)
        found = await make_store().retrieve_full_tracker(sender)
        return [e["event"] + ":" + str(e.get("text")) for e in as_stored(found)]

    ours = await race(lambda: store_for(store_url))
    from scripts import privacy

    privacy.delete(privacy.engine_for(store_url), sender)
    assert ours == await race(lambda: SQLTrackerStore(domain=DOMAIN, host=store_url))


async def test_memory_is_bounded(tmp_path, monkeypatch, full_reads):
    monkeypatch.setenv("TRACKER_STORE_CACHE_SIZE", "2")
    store = store_for(f"sqlite:///{tmp_path / 'rasa.db'}")
    for sender in ("a", "b", "c"):
        await say(store, sender, "one")
        await say(store, sender, "two")
    assert list(store._known) == ["b", "c"]
    assert user_texts(await store.retrieve("a")) == ["one", "two"]
    assert full_reads == ["a"]


async def test_conversations_idle_for_long_are_forgotten(tmp_path, monkeypatch):
    import production.tracker_store

    store = store_for(f"sqlite:///{tmp_path / 'rasa.db'}")
    await say(store, "a", "one")
    monkeypatch.setattr(production.tracker_store, "MAX_IDLE_SECONDS", 0.0)
    await say(store, "b", "one")
    assert list(store._known) == ["b"]


async def test_remembering_can_be_turned_off(tmp_path, monkeypatch, sender, full_reads):
    monkeypatch.setenv("TRACKER_STORE_CACHE_SIZE", "0")
    store = store_for(f"sqlite:///{tmp_path / 'rasa.db'}")
    for text in ("one", "two", "three"):
        await say(store, sender, text)
    assert full_reads == [sender] * 3  # as Rasa: every message reads the session back


async def test_a_new_model_forgets_the_trackers_built_with_the_old_domain(store_url, sender):
    store = store_for(store_url)
    await say(store, sender, "one")
    store.domain = DOMAIN
    assert not store._known
    assert user_texts(await store.retrieve(sender)) == ["one"]
