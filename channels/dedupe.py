"""Remember which platform deliveries were already handled, so that a redelivery is ignored.

Slack retries an event it thinks was lost (X-Slack-Retry-Num) and Telegram redelivers an update
it got no 2xx for; both keep the same id (event_id, update_id). The memory is per process: with
several Rasa replicas, route a workspace or bot to one replica (docs/messaging.md).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

# Slack retries within about 5 minutes and Telegram gives up after a few hours; an hour of
# memory covers the first and the usual case of the second, at about 100 bytes per id.
DEFAULT_TTL_SECONDS = 3600
DEFAULT_MAX_ENTRIES = 100_000


class RecentIds:
    """A bounded, time-limited set of delivery ids."""

    def __init__(
        self,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._seen: OrderedDict[Hashable, float] = OrderedDict()

    def first_time(self, *keys: Hashable) -> bool:
        """True if none of `keys` was seen recently; records all of them either way."""
        now = self._clock()
        self._forget_old(now)
        keys = tuple(key for key in keys if key is not None and key != "")
        fresh = not any(key in self._seen for key in keys)
        self._remember(keys, now)
        return fresh

    def _remember(self, keys: Iterable[Hashable], now: float) -> None:
        for key in keys:
            self._seen[key] = now
            self._seen.move_to_end(key)
        while len(self._seen) > self.max_entries:
            self._seen.popitem(last=False)

    def _forget_old(self, now: float) -> None:
        while self._seen:
            key, seen_at = next(iter(self._seen.items()))
            if now - seen_at <= self.ttl_seconds:
                break
            del self._seen[key]
