"""Run a small aiohttp app on 127.0.0.1 in a background thread, for synchronous tests."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web


class BackgroundServer:
    """Start with `with Fake() as fake:`; `fake.url` is its base URL; `fake.calls` what it got."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.url = ""
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    def make_app(self) -> web.Application:
        raise NotImplementedError

    def record(self, call: dict[str, Any]) -> None:
        with self._lock:
            self.calls.append(call)

    def calls_where(self, predicate: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        with self._lock:
            return [call for call in self.calls if predicate(call)]

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], count: int = 1, timeout: float = 30
    ) -> list[dict[str, Any]]:
        """The calls matching `predicate` once there are at least `count`; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_where(predicate)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(
            f"{type(self).__name__}: expected {count} matching call(s) within {timeout}s, "
            f"got {self.calls_where(predicate)}; all calls: {self.calls}"
        )

    def start(self) -> BackgroundServer:
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._runner = web.AppRunner(self.make_app(), access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            port = self._runner.addresses[0][1]
            self.url = f"http://127.0.0.1:{port}"
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name=type(self).__name__, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{type(self).__name__} did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()
