"""PostgreSQL and Redis for the cluster's fault tests and load test.

Restarting the machine's own PostgreSQL or stopping its Redis would disturb everyone else using
them, so the fault tests start private ones from the same installed binaries, on free loopback
ports, in a temporary directory, and restart those at will:

    with private_postgres() as pg, private_redis() as red:
        pg.url, red.url        # postgresql://postgres@127.0.0.1:PORT/rasa, redis://.../1
        pg.restart(); red.stop(); red.start()

`shared_postgres_url()` and `shared_redis_url()` check the machine's services (127.0.0.1:5432
and :6379) and create a fresh database there for one test run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scripts.servers import free_port

SHARED_POSTGRES = ("127.0.0.1", 5432)
SHARED_REDIS = ("127.0.0.1", 6379)


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """True if something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def postgres_bin() -> Path | None:
    """The directory of pg_ctl and initdb (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def redis_binary() -> str | None:
    return shutil.which("redis-server")


def _psql(database: str, sql: str, host: str, port: int) -> str:
    result = subprocess.run(
        ["psql", "-h", host, "-p", str(port), "-U", "postgres", "-d", database, "-tAc", sql],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    return result.stdout.strip()


def create_database(host: str, port: int, name: str) -> str:
    _psql("postgres", f'CREATE DATABASE "{name}"', host, port)
    return f"postgresql://postgres@{host}:{port}/{name}"


def drop_database(host: str, port: int, name: str) -> None:
    with contextlib.suppress(subprocess.SubprocessError):
        _psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', host, port)


@contextlib.contextmanager
def shared_postgres_database(prefix: str = "mila_test") -> Iterator[str]:
    """A fresh database on the machine's PostgreSQL, dropped afterwards."""
    host, port = SHARED_POSTGRES
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    url = create_database(host, port, name)
    try:
        yield url
    finally:
        drop_database(host, port, name)


@dataclass
class PrivatePostgres:
    data: Path
    port: int
    bin: Path
    user: str | None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/rasa"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run("pg_ctl", "-D", str(self.data / "db"), "-o", options,
                  "-l", str(self.data / "postgres.log"), "-w", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data / "db"), "-m", mode, "-w", "stop")

    def restart(self, pause: float = 1.0) -> None:
        """Stop (closing every connection), wait, start again: what a restart does to clients."""
        self.stop()
        time.sleep(pause)
        self.start()


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A throw-away PostgreSQL server on a free port with a `rasa` database."""
    binaries = postgres_bin()
    if binaries is None:
        raise RuntimeError("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    user = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        user = "postgres"
        pwd.getpwnam(user)
    data = Path(tempfile.mkdtemp(prefix="mila-pg-"))
    if user:
        shutil.chown(data, user)
    server = PrivatePostgres(data=data, port=free_port(), bin=binaries, user=user)
    try:
        server._run("initdb", "-D", str(data / "db"), "-U", "postgres", "--auth=trust",
                    "--no-sync", "-E", "UTF8", timeout=120)  # fmt: skip
        server.start()
        _psql("postgres", "CREATE DATABASE rasa", "127.0.0.1", server.port)
        yield server
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            server.stop("immediate")
        shutil.rmtree(data, ignore_errors=True)


@dataclass
class PrivateRedis:
    port: int
    binary: str
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/1"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while not answers("127.0.0.1", self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    binary = redis_binary()
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    server = PrivateRedis(port=free_port(), binary=binary)
    server.start()
    try:
        yield server
    finally:
        server.stop()
