"""Rasa's SQL tracker store, made to ride out a database restart.

endpoints.yml names this class with `url: ${TRACKER_STORE_URL}`: SQLite by default
(sqlite:///rasa.db), PostgreSQL in production (postgresql://user:password@host:5432/rasa).

Rasa's SQLTrackerStore keeps pooled connections that die when PostgreSQL restarts, and the
agent wraps every store in a FailSafeTrackerStore that, on any error, answers from an empty
in-memory conversation: a restart would lose turns and start conversations afresh. Here:
- the pool tests a connection before lending it (`pool_pre_ping`), so a restart costs nothing
  once the database is back;
- reads and writes that fail on a lost connection are retried with back-off for
  TRACKER_STORE_RETRY_SECONDS (20 s), well within the lock lifetime, so a message waits for
  the database instead of being lost;
- if the database stays away longer, a conversation that could not be read is never written
  back over its stored history: Rasa's fail-safe then keeps that turn in memory only, and the
  stored conversation stays as it was, intact.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, is_postgresql_url
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DEFAULT_RETRY_SECONDS = 20.0
CONNECT_TIMEOUT_SECONDS = 5
# Errors of a lost or refused connection, or of a busy SQLite file: worth another try.
TRANSIENT = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
)

T = TypeVar("T")


class UnsafeToSave(RuntimeError):
    """The conversation could not be read, so writing it would overwrite its history."""


class ResilientSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore with pre-ping, retries, and no write after a failed read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from production import install_hooks

        install_hooks()  # production/action_outage.py, production/action_validation.py
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.retry_seconds = float(
            os.environ.get("TRACKER_STORE_RETRY_SECONDS") or DEFAULT_RETRY_SECONDS
        )
        self._unread: set[str] = set()
        logger.info(
            "Tracker store: %s (retries for %.0f s).", url.render_as_string(), self.retry_seconds
        )

    async def _retrying(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.1
        attempt = 1
        while True:
            try:
                result = await call()
                if attempt > 1:
                    logger.warning("Tracker store: %s succeeded at attempt %d.", what, attempt)
                return result
            except TRANSIENT as error:
                if time.monotonic() + delay > deadline:
                    logger.error(
                        "Tracker store: %s failed for %.0f s, giving up: %s",
                        what, self.retry_seconds, _first_line(error),
                    )  # fmt: skip
                    raise
                logger.warning(
                    "Tracker store: %s failed (%s); retrying in %.1f s.",
                    what, _first_line(error), delay,
                )  # fmt: skip
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                attempt += 1

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        try:
            tracker = await self._retrying(
                f"reading conversation {sender_id}",
                lambda: super(ResilientSQLTrackerStore, self).retrieve(sender_id),
            )
        except TRANSIENT:
            self._unread.add(sender_id)
            raise
        self._unread.discard(sender_id)
        return tracker

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        parent = super()
        return await self._retrying(
            f"reading conversation {conversation_id}",
            lambda: parent.retrieve_full_tracker(conversation_id),
        )

    async def keys(self) -> Iterable[str]:
        parent = super()
        return await self._retrying("listing conversations", parent.keys)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.sender_id in self._unread:
            raise UnsafeToSave(
                f"conversation {tracker.sender_id} was not read from the database, so it is not "
                "written back (its stored history stays intact)"
            )
        parent = super()
        await self._retrying(
            f"saving conversation {tracker.sender_id}", lambda: parent.save(tracker)
        )


def engine_kwargs(url: Any) -> dict:
    """Rasa's engine options, plus a connect timeout for PostgreSQL."""
    kwargs = create_engine_kwargs(url)
    if is_postgresql_url(url):
        connect_args = dict(kwargs.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        kwargs["connect_args"] = connect_args
    return kwargs


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
