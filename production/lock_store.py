"""The lock store named in endpoints.yml: in memory, or Redis when LOCK_STORE_URL is set.

Rasa handles the messages of one conversation one at a time with a ticket lock. A single server
needs nothing but its memory; replicas must share their locks in Redis. endpoints.yml cannot
choose a store type from the environment (Rasa refuses a `${VAR}` that is unset, so the embedded
profile would need the variable too), so it names this class, which reads the environment:

    LOCK_STORE_URL unset or empty          locks in this process's memory (make run)
    LOCK_STORE_URL=redis://host:6379/1     locks in Redis, shared by every replica

Two differences with Rasa's RedisLockStore:
- a ticket is issued and returned in one Redis transaction (WATCH/MULTI): Rasa reads, changes and
  writes the lock in three steps, so two replicas can draw the same ticket (RasaHQ/rasa#9213);
- when Redis does not answer, the error is logged once, naming the server, and messages are
  locked in this process's memory until Redis answers again. nginx keeps each conversation on
  one replica (deploy/local/nginx.conf.template), so a process lock still serialises it: the
  assistant stays up, and no conversation is written by two replicas at once.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

URL_VARIABLE = "LOCK_STORE_URL"
KEY_PREFIX = "lock:"
# A Redis that does not answer must not stall every message: give up on a call after this...
SOCKET_TIMEOUT_SECONDS = 2.0
# ...and, once it failed, try it again only after this pause (messages use process locks meanwhile).
RETRY_AFTER_SECONDS = 5.0
# A message whose conversation is busy looks at the lock again after this pause. Rasa waits a whole
# second: a visitor who answers while the previous turn is still being saved (the website gets
# the reply before Rasa has stored it) would wait that long for nothing.
POLL_SECONDS = 0.02

T = TypeVar("T")


def redacted(url: str) -> str:
    """`url` without its password, for the logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class AtomicRedisLockStore(LockStore):
    """Ticket locks in Redis, each change made in one optimistic transaction."""

    def __init__(self, url: str, key_prefix: str = KEY_PREFIX) -> None:
        import redis

        self.url = url
        self.key_prefix = key_prefix
        self.red = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        )
        super().__init__()

    def _key(self, conversation_id: str) -> str:
        return self.key_prefix + conversation_id

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        serialised = self.red.get(self._key(conversation_id))
        return TicketLock.from_dict(json.loads(serialised)) if serialised else None

    def delete_lock(self, conversation_id: str) -> None:
        self.red.delete(self._key(conversation_id))

    def save_lock(self, lock: TicketLock) -> None:
        self.red.set(self._key(lock.conversation_id), lock.dumps(), ex=self._ttl())

    @staticmethod
    def _ttl() -> int:
        # Tickets expire after LOCK_LIFETIME; the key outlives them a little, then Redis drops it
        # (Rasa's store keeps the keys of crashed replicas forever).
        return int(LOCK_LIFETIME) + 60

    def _change(self, conversation_id: str, change: Callable[[TicketLock], T]) -> T:
        """Apply `change` to the stored lock atomically; an empty lock is deleted."""
        import redis

        key = self._key(conversation_id)
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    serialised = pipe.get(key)
                    lock = (
                        TicketLock.from_dict(json.loads(serialised))
                        if serialised
                        else TicketLock(conversation_id)
                    )
                    result = change(lock)
                    pipe.multi()
                    if lock.is_someone_waiting():
                        pipe.set(key, lock.dumps(), ex=self._ttl())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another replica changed the lock meanwhile: read it again

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))


class MilaLockStore(LockStore):
    """In-memory locks, or Redis locks with a process-lock fallback; see the module docstring."""

    def __init__(self, endpoint_config: EndpointConfig | None = None) -> None:
        from production import install_hooks

        install_hooks()  # production/action_outage.py, production/action_validation.py
        url = os.environ.get(URL_VARIABLE) or (endpoint_config.url if endpoint_config else None)
        self.memory = InMemoryLockStore()
        self.redis: AtomicRedisLockStore | None = None
        self._down_since: float | None = None
        self._retry_at = 0.0
        if url:
            if not url.startswith(("redis://", "rediss://", "unix://")):
                raise ValueError(f"{URL_VARIABLE} must be a redis:// URL, not {redacted(url)!r}")
            prefix = (
                endpoint_config.kwargs.get("key_prefix") if endpoint_config else None
            ) or KEY_PREFIX
            self.redis = AtomicRedisLockStore(url, key_prefix=prefix)
            self._check_at_start()
        else:
            logger.info("Lock store: in this process's memory (%s is not set).", URL_VARIABLE)
        super().__init__()

    @property
    def mode(self) -> str:
        return "redis" if self.redis is not None else "in_memory"

    def _check_at_start(self) -> None:
        import redis

        assert self.redis is not None
        try:
            self.redis.red.ping()
            logger.info("Lock store: Redis at %s.", redacted(self.redis.url))
        except redis.RedisError as error:
            self._report_down(error)

    def _report_down(self, error: Exception) -> None:
        assert self.redis is not None
        if self._down_since is None:
            self._down_since = time.monotonic()
            logger.error(
                "Lock store: Redis at %s is unavailable (%s: %s). Conversations are locked in "
                "this process only until it answers again; nginx keeps each conversation on one "
                "replica, so none is written by two replicas at once.",
                redacted(self.redis.url), type(error).__name__, error,
            )  # fmt: skip
        self._retry_at = time.monotonic() + RETRY_AFTER_SECONDS

    def _report_up(self) -> None:
        assert self.redis is not None
        if self._down_since is not None:
            logger.warning(
                "Lock store: Redis at %s answers again after %.0f s; locks are shared again.",
                redacted(self.redis.url), time.monotonic() - self._down_since,
            )  # fmt: skip
            self._down_since = None

    def _store_for_now(self) -> LockStore:
        if self.redis is None or time.monotonic() < self._retry_at:
            return self.memory
        return self.redis

    # Rasa calls `lock()` for every message; the other methods serve its base class and tests.
    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_SECONDS,
    ) -> AsyncGenerator[TicketLock, None]:
        store, ticket, lock = await self._acquire(
            conversation_id, lock_lifetime, wait_time_in_seconds
        )
        try:
            yield lock
        finally:
            self._release(store, conversation_id, ticket)

    async def _acquire(
        self, conversation_id: str, lifetime: float, wait: float
    ) -> tuple[LockStore, int, TicketLock]:
        import redis

        store = self._store_for_now()
        if store is self.redis:
            try:
                ticket = store.issue_ticket(conversation_id, lifetime)
                lock = await store._acquire_lock(conversation_id, ticket, wait)
                self._report_up()
                return store, ticket, lock
            except redis.RedisError as error:
                self._report_down(error)
        ticket = self.memory.issue_ticket(conversation_id, lifetime)
        return self.memory, ticket, await self.memory._acquire_lock(conversation_id, ticket, wait)

    def _release(self, store: LockStore, conversation_id: str, ticket: int) -> None:
        import redis

        try:
            store.cleanup(conversation_id, ticket)
        except redis.RedisError as error:
            # The ticket expires by itself after its lifetime; nothing else to undo.
            self._report_down(error)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return self._store_for_now().get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self._store_for_now().delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self._store_for_now().save_lock(lock)
