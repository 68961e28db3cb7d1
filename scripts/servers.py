"""Start the real action server and Rasa server as subprocesses, for tests and benchmarks.

with running_assistant(model="models/mila.tar.gz") as assistant:
    assistant.ask("who founded mila?", sender="alice")
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
    )
    env.update(extra)
    return env


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> float:
    """Seconds until `url` answers; raises with the log's tail if the process dies first."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(
                f"process exited ({process.returncode}) while starting:\n{_tail(log)}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                return time.monotonic() - start
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Assistant:
    rasa_url: str
    actions_url: str
    rasa: subprocess.Popen
    actions: subprocess.Popen
    workdir: Path
    startup_seconds: dict[str, float] = field(default_factory=dict)

    def post(self, payload: Any, raw: bytes | None = None, timeout: float = 30) -> tuple:
        """POST to the REST webhook; returns (status, parsed JSON or text)."""
        data = raw if raw is not None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=data,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read().decode("utf-8", "replace")
                status = response.status
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")
        try:
            return status, json.loads(body)
        except json.JSONDecodeError:
            return status, body

    def ask(self, text: str, sender: str = "tester", metadata: dict | None = None) -> list[dict]:
        payload: dict[str, Any] = {"sender": sender, "message": text}
        if metadata is not None:
            payload["metadata"] = metadata
        status, body = self.post(payload)
        if status != 200:
            raise AssertionError(f"REST answered {status}: {body}")
        return body

    def log(self, which: str = "rasa") -> str:
        return _tail(self.workdir / f"{which}.log", 200)


@contextlib.contextmanager
def running_assistant(
    model: Path | str = ROOT / "models" / "mila.tar.gz",
    env: dict[str, str] | None = None,
    workdir: Path | None = None,
) -> Iterator[Assistant]:
    """Start both servers on free loopback ports; stop them on exit."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="mila-"))
    workdir.mkdir(parents=True, exist_ok=True)
    actions_port, rasa_port = free_port(), free_port()
    environment = base_env(
        **{
            # Each run gets its own SQLite store unless the caller passes another in `env`.
            "TRACKER_STORE_URL": f"sqlite:///{workdir / 'rasa.db'}",
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
            "SANIC_HOST": "127.0.0.1",
            **(env or {}),
        }
    )
    processes = []
    try:
        actions_log = workdir / "actions.log"
        actions = subprocess.Popen(
            [str(BIN / "rasa"), "run", "actions", "--actions", "actions",
             "--port", str(actions_port)],
            cwd=ROOT, env=environment, stdout=actions_log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        processes.append(actions)
        rasa_log = workdir / "rasa.log"
        rasa = subprocess.Popen(
            [str(BIN / "python"), "-m", "production.serve", "--model", str(model),
             "--interface", "127.0.0.1",
             "--port", str(rasa_port), "--endpoints", "endpoints.yml",
             "--credentials", environment.get("MILA_CREDENTIALS", "credentials.yml")],
            cwd=ROOT, env=environment, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        processes.append(rasa)
        startup = {
            "actions": wait_until_up(
                f"http://127.0.0.1:{actions_port}/health", actions, actions_log
            ),
            "rasa": wait_until_up(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", rasa, rasa_log),
        }
        yield Assistant(
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            actions_url=f"http://127.0.0.1:{actions_port}",
            rasa=rasa, actions=actions, workdir=workdir, startup_seconds=startup,
        )  # fmt: skip
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
