"""Rasa's SQL tracker store, made to ride out a database restart, and to read less.

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

Rasa also reads the whole session back and rebuilds it, event by event, for every message,
then counts its rows again before saving: a third of a replica's time under load
(docs/production.md). So this store remembers, per conversation, the tracker it last read or
saved and what the database held then: the number of the conversation's rows, its highest
row id and its latest timestamp. Reading a conversation first asks the database for those
three figures (one indexed query); if they are unchanged and the tracker was not changed
since, it is handed out again instead of being read and rebuilt. Anything else (another
replica answered in between, the privacy commands deleted the conversation, a message failed
half-way) changes a figure and the conversation is read from the database as Rasa does.
Saving checks the same figures and inserts only the events after those known to be stored;
if they changed, Rasa's own count decides, as before. TRACKER_STORE_CACHE_SIZE (default
500 conversations per process, the least recently used forgotten first; 0 turns it off)
bounds the memory used, and a conversation idle for an hour is forgotten.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.tracker_store import (
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
    is_postgresql_url,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DEFAULT_RETRY_SECONDS = 20.0
# A 10-turn conversation takes about 90 KB: 500 of them, about 45 MB, are a twentieth of a
# replica's memory and more than it has in flight at 50 messages/s (about 80 conversations,
# people reading 3 s between turns).
DEFAULT_CACHE_SIZE = 500
# Conversations idle for longer are forgotten (their copy in memory too, for privacy): most
# last minutes, and after Rasa's 60-minute session expiry a new session starts anyway.
MAX_IDLE_SECONDS = 3600.0
CONNECT_TIMEOUT_SECONDS = 5
# Errors of a lost or refused connection, or of a busy SQLite file: worth another try.
TRANSIENT = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
)
_SAVING = "mila_saving"  # key of a session's `info` while save() inserts known-new events

T = TypeVar("T")


class UnsafeToSave(RuntimeError):
    """The conversation could not be read, so writing it would overwrite its history."""


class Stored(NamedTuple):
    """What the database holds for one conversation, in three figures."""

    rows: int
    last_id: int | None
    last_timestamp: float | None


@dataclass
class _Known:
    """A tracker that mirrors the database as long as it is `stored` and has `length` events."""

    tracker: DialogueStateTracker | None  # None: nothing stored
    stored: Stored
    length: int
    used: float  # time.monotonic() when last read or saved

    def is_current(self, stored: Stored) -> bool:
        return (
            self.tracker is not None
            and stored == self.stored
            and len(self.tracker.events) == self.length
        )


@dataclass
class _Saving:
    """What one save() inserts after checking the database still holds `before`."""

    tracker: DialogueStateTracker
    before: Stored
    new_events: list[Event]
    inserted_ids: list[int] = field(default_factory=list)


class ResilientSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore with pre-ping, retries, no write after a failed read, and a checked
    cache of the trackers last read or saved."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from production import install_hooks

        install_hooks()  # production/action_outage.py, production/action_validation.py
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        sa.event.listen(self.sessionmaker, "after_flush", _note_inserted_ids)
        self.retry_seconds = float(
            os.environ.get("TRACKER_STORE_RETRY_SECONDS") or DEFAULT_RETRY_SECONDS
        )
        self.cache_size = max(
            0, int(os.environ.get("TRACKER_STORE_CACHE_SIZE") or DEFAULT_CACHE_SIZE)
        )
        self._unread: set[str] = set()
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self._saving: dict[str, _Saving] = {}
        logger.info(
            "Tracker store: %s (retries for %.0f s, remembers %d conversations).",
            url.render_as_string(), self.retry_seconds, self.cache_size,
        )  # fmt: skip

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        """A new model brings new slots: trackers built with the old ones are forgotten."""
        TrackerStore.domain.fset(self, domain)  # type: ignore[attr-defined]
        self._known.clear()

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
        """Rasa's `SQLTrackerStore.retrieve` (the latest session), retried; skipped when the
        tracker remembered for `sender_id` still mirrors the database."""
        try:
            tracker = await self._retrying(
                f"reading conversation {sender_id}", lambda: self._retrieve_checked(sender_id)
            )
        except TRANSIENT:
            self._unread.add(sender_id)
            self._known.pop(sender_id, None)
            raise
        self._unread.discard(sender_id)
        return tracker

    async def _retrieve_checked(self, sender_id: str) -> DialogueStateTracker | None:
        if not self.cache_size:
            return await super().retrieve(sender_id)
        # The figures are read before the events: a write in between makes them older than
        # the tracker, so the next check reads again rather than trust a newer tracker.
        with self.session_scope() as session:
            stored = self._stored(session, sender_id)
        known = self._known.pop(sender_id, None)
        if stored.rows == 0:
            tracker = None  # as Rasa: no events, no tracker
        elif known is not None and known.is_current(stored):
            tracker = known.tracker
        else:
            tracker = await super().retrieve(sender_id)
        self._remember(sender_id, tracker, stored)
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
        sender_id = tracker.sender_id
        if sender_id in self._unread:
            raise UnsafeToSave(
                f"conversation {sender_id} was not read from the database, so it is not "
                "written back (its stored history stays intact)"
            )
        parent = super()
        try:
            await self._retrying(f"saving conversation {sender_id}", lambda: parent.save(tracker))
        except BaseException:
            self._known.pop(sender_id, None)
            self._saving.pop(sender_id, None)
            raise
        saving = self._saving.pop(sender_id, None)
        if saving is not None and saving.tracker is tracker:
            self._remember_saved(saving)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        """Overrides `SQLTrackerStore._additional_events`, which `save` calls to choose the
        events to insert: Rasa counts the stored rows of the session again; here, when this
        tracker is the one remembered and the database still holds what it did, the events
        after those already stored are known without counting."""
        sender_id = tracker.sender_id
        self._saving.pop(sender_id, None)
        known = self._known.pop(sender_id, None)
        if (
            known is not None
            and (known.tracker is None or known.tracker is tracker)
            and len(tracker.events) >= known.length
            and self._stored(session, sender_id) == known.stored
        ):
            new_events = list(itertools.islice(tracker.events, known.length, None))
            saving = _Saving(tracker, known.stored, new_events)
            session.info[_SAVING] = saving
            self._saving[sender_id] = saving
            return iter(new_events)
        return super()._additional_events(session, tracker)

    def _stored(self, session: Any, sender_id: str) -> Stored:
        """One query on the `sender_id` index: the conversation's rows, last id and time."""
        event = self.SQLEvent
        query = sa.select(
            sa.func.count(event.id), sa.func.max(event.id), sa.func.max(event.timestamp)
        ).where(event.sender_id == sender_id)
        return Stored(*session.execute(query).one())

    def _remember_saved(self, saving: _Saving) -> None:
        tracker = saving.tracker
        if len(saving.inserted_ids) != len(saving.new_events):
            return  # not every insert was seen: let the next read go to the database
        times = [e.timestamp for e in saving.new_events if e.timestamp is not None]
        if saving.before.last_timestamp is not None:
            times.append(saving.before.last_timestamp)
        stored = Stored(
            saving.before.rows + len(saving.new_events),
            max(saving.inserted_ids, default=saving.before.last_id),
            max(times, default=None),
        )
        self._remember(tracker.sender_id, self._latest_session(tracker), stored)

    def _latest_session(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """The tracker Rasa's `retrieve` would now build from the database: the events from
        the latest `SessionStarted` on (by time, as `SQLTrackerStore._event_query` selects)."""
        starts = [e.timestamp for e in tracker.events if isinstance(e, SessionStarted)]
        if not starts:
            return tracker
        start = max(starts)
        if all(e.timestamp >= start for e in tracker.events):
            return tracker
        # A session started during this message: rebuild from the events as stored (a JSON
        # round trip, as a read would), so that no event object is shared with `tracker`.
        events = [json.loads(json.dumps(e.as_dict())) for e in tracker.events]
        return DialogueStateTracker.from_dict(
            tracker.sender_id, [e for e in events if e["timestamp"] >= start], self.domain.slots
        )

    def _remember(
        self, sender_id: str, tracker: DialogueStateTracker | None, stored: Stored
    ) -> None:
        if not self.cache_size or (tracker is not None and tracker.events.maxlen is not None):
            return  # a bounded history drops events: positions would no longer match rows
        now = time.monotonic()
        length = len(tracker.events) if tracker else 0
        self._known[sender_id] = _Known(tracker, stored, length, now)
        self._known.move_to_end(sender_id)
        # Least recently used first: drop the surplus, then those idle for too long.
        while len(self._known) > self.cache_size or (
            next(iter(self._known.values())).used < now - MAX_IDLE_SECONDS
        ):
            self._known.popitem(last=False)


def _note_inserted_ids(session: Any, _flush_context: Any) -> None:
    """After a flush of save(): the ids the database gave the rows just inserted."""
    saving = session.info.get(_SAVING)
    if saving is not None:
        saving.inserted_ids.extend(
            row.id for row in session.new if isinstance(row, SQLTrackerStore.SQLEvent)
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
