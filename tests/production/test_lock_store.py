"""The lock store chosen by LOCK_STORE_URL, against a real Redis."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid

import pytest
from rasa.utils.endpoints import EndpointConfig

from production.lock_store import POLL_SECONDS, MilaLockStore, redacted


@pytest.fixture
def conversation() -> str:
    return f"lock-test-{uuid.uuid4().hex}"


def test_without_lock_store_url_locks_stay_in_memory(monkeypatch):
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    store = MilaLockStore(EndpointConfig(type="production.lock_store.MilaLockStore"))
    assert store.mode == "in_memory"


def test_a_url_that_is_not_redis_is_refused(monkeypatch):
    monkeypatch.setenv("LOCK_STORE_URL", "postgresql://x@127.0.0.1/rasa")
    with pytest.raises(ValueError, match="redis://"):
        MilaLockStore()


def test_passwords_never_reach_the_log():
    assert redacted("redis://:s3cret@redis:6379/1") == "redis://:***@redis:6379/1"
    fake = "redis://user:" + "s3cret@redis:6379/1"
    assert redacted(fake) == "redis://user:***@redis:6379/1"
    assert redacted("redis://redis:6379/1") == "redis://redis:6379/1"


def test_with_lock_store_url_locks_are_shared_in_redis(monkeypatch, redis_url, conversation):
    monkeypatch.setenv("LOCK_STORE_URL", redis_url)
    first, second = MilaLockStore(), MilaLockStore()  # two replicas
    assert first.mode == "redis"
    ticket = first.issue_ticket(conversation)
    lock = second.get_lock(conversation)
    assert lock is not None and lock.now_serving == ticket
    first.cleanup(conversation, ticket)
    assert second.get_lock(conversation) is None


def test_tickets_drawn_at_once_by_several_replicas_are_all_different(
    monkeypatch, redis_url, conversation
):
    monkeypatch.setenv("LOCK_STORE_URL", redis_url)
    replicas = [MilaLockStore() for _ in range(4)]
    tickets: list[int] = []
    start = threading.Barrier(len(replicas))

    def draw(store: MilaLockStore) -> None:
        start.wait()
        for _ in range(25):
            tickets.append(store.redis.issue_ticket(conversation, 60))

    threads = [threading.Thread(target=draw, args=(store,)) for store in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tickets) == 100
    assert len(set(tickets)) == 100, "two replicas drew the same ticket"
    replicas[0].redis.delete_lock(conversation)


async def test_messages_of_one_conversation_are_handled_one_at_a_time(
    monkeypatch, redis_url, conversation
):
    monkeypatch.setenv("LOCK_STORE_URL", redis_url)
    replicas = [MilaLockStore(), MilaLockStore()]
    inside = 0
    most_inside = 0
    order: list[int] = []

    async def handle(number: int) -> None:
        nonlocal inside, most_inside
        async with replicas[number % 2].lock(conversation, wait_time_in_seconds=0.01):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.01)
            order.append(number)
            inside -= 1

    await asyncio.gather(*(handle(n) for n in range(10)))
    assert most_inside == 1
    assert sorted(order) == list(range(10))
    assert replicas[0].get_lock(conversation) is None  # nothing left behind


async def test_redis_down_is_logged_once_and_messages_still_go_through(
    monkeypatch, private_redis_server, conversation, caplog
):
    monkeypatch.setenv("LOCK_STORE_URL", private_redis_server.url)
    monkeypatch.setattr("production.lock_store.RETRY_AFTER_SECONDS", 0.0)
    store = MilaLockStore()
    async with store.lock(conversation):
        pass
    private_redis_server.stop()
    caplog.set_level(logging.WARNING, logger="production.lock_store")
    for _ in range(3):
        async with store.lock(conversation):  # falls back to a lock in this process
            pass
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, "the outage is reported once, not once per message"
    assert "is unavailable" in errors[0].getMessage()
    assert private_redis_server.url.split("/")[2] in errors[0].getMessage()

    private_redis_server.start()
    async with store.lock(conversation):
        pass
    assert any("answers again" in r.getMessage() for r in caplog.records)


async def test_the_process_lock_still_serialises_a_conversation_while_redis_is_down(
    monkeypatch, conversation
):
    monkeypatch.setenv("LOCK_STORE_URL", "redis://127.0.0.1:1/1")  # nothing listens there
    store = MilaLockStore()
    inside = 0
    most_inside = 0

    async def handle() -> None:
        nonlocal inside, most_inside
        async with store.lock(conversation, wait_time_in_seconds=0.01):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(handle() for _ in range(5)))
    assert most_inside == 1


@pytest.mark.parametrize("shared", [False, True])
async def test_a_message_waiting_for_its_conversation_looks_again_soon(
    monkeypatch, request, conversation, shared
):
    """Rasa's agent calls `lock(sender)` without a wait: the store's own short poll applies,
    not Rasa's second (a Socket.IO visitor can answer before the last turn is saved)."""
    if shared:
        monkeypatch.setenv("LOCK_STORE_URL", request.getfixturevalue("redis_url"))
    else:
        monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    store = MilaLockStore()
    pauses: list[float] = []
    real_sleep = asyncio.sleep

    async def recording_sleep(seconds: float, *args, **kwargs):
        pauses.append(seconds)
        await real_sleep(0)

    release = asyncio.Event()

    async def first() -> None:
        async with store.lock(conversation):
            await release.wait()

    async def second() -> None:
        async with store.lock(conversation):
            pass

    holder = asyncio.create_task(first())
    await real_sleep(0.05)
    monkeypatch.setattr(asyncio, "sleep", recording_sleep)
    waiter = asyncio.create_task(second())
    while not pauses:
        await real_sleep(0.01)
    release.set()
    await asyncio.gather(holder, waiter)
    assert pauses and set(pauses) == {POLL_SECONDS}
    assert POLL_SECONDS <= 0.05
