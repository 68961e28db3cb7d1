"""What the website tests need: Debian's Chromium, the widget's offline copy, a page server."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

from scripts.servers import ROOT, base_env, wait_until_up

CHROMIUM = Path(os.environ.get("MILA_CHROMIUM", "/usr/bin/chromium"))
# Playwright's own browser download does not work offline: drive Debian's Chromium, with its
# calls home turned off (they are refused here, many at a time).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
VENDOR = ROOT / "web" / "vendor" / "webchat.js"
MODEL = ROOT / "models" / "mila.tar.gz"


def require(condition: bool, reason: str) -> None:
    """Skip with `reason` when `condition` is false; under CI=true, fail instead."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the web tests must run)")
    pytest.skip(reason)


def require_browser() -> None:
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing: `make web-setup` installs it (as root)")
    require(VENDOR.exists(), f"{VENDOR.relative_to(ROOT)} is missing: run `make web-assets`")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the module's tests."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextlib.contextmanager
def serving(command: List[str], url: str, log: Path, env: Optional[dict] = None) -> Iterator[str]:
    """Run `command` from the repository until the block ends; yields `url` once it answers."""
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=base_env(**(env or {})), stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_until_up(url, process, log, timeout=120)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def page_server(port: int, socket_port: int, log: Path):
    """scripts/web_server.py as `make run` starts it: the socket on the page's host."""
    command = [sys.executable, "-m", "scripts.web_server", "--port", str(port)]
    return serving([*command, "--socket-port", str(socket_port)], f"http://127.0.0.1:{port}/", log)
