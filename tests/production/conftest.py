"""Fixtures of the production tests: real PostgreSQL, Redis and nginx, or a clear skip.

Where a service or program is missing the test is skipped with the reason; with CI=true it
fails instead, since CI machines have them all (`make test-production` starts the services and
installs nginx).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from scripts.cluster import nginx_binary
from scripts.cluster_services import (
    SHARED_POSTGRES,
    SHARED_REDIS,
    answers,
    postgres_bin,
    private_postgres,
    private_redis,
    redis_binary,
    shared_postgres_database,
)
from scripts.servers import ROOT

MODEL = ROOT / "models" / "mila.tar.gz"
TOOLS = ROOT / ".cache" / "tools-venv" / "bin"


def unavailable(reason: str) -> None:
    """Skip locally; fail under CI, where everything must be there."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: every production test must run)")
    pytest.skip(reason)


def need_model() -> Path:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first")
    return MODEL


@pytest.fixture
def postgres_url():
    """A fresh database on the machine's PostgreSQL (127.0.0.1:5432), dropped afterwards."""
    if not answers(*SHARED_POSTGRES):
        unavailable("PostgreSQL is not answering on 127.0.0.1:5432 (scripts/start-services.sh)")
    with shared_postgres_database("mila_test") as url:
        yield url


@pytest.fixture
def redis_url() -> str:
    """The machine's Redis (127.0.0.1:6379), database 1."""
    if not answers(*SHARED_REDIS):
        unavailable("Redis is not answering on 127.0.0.1:6379 (scripts/start-services.sh)")
    return "redis://127.0.0.1:6379/1"


def need_private_services() -> None:
    if postgres_bin() is None:
        unavailable("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    if redis_binary() is None:
        unavailable("redis-server is not installed")


@pytest.fixture
def private_pg():
    """A throw-away PostgreSQL server that a test may restart."""
    need_private_services()
    with private_postgres() as server:
        yield server


@pytest.fixture
def private_redis_server():
    """A throw-away Redis server that a test may stop."""
    need_private_services()
    with private_redis() as server:
        yield server


def need_nginx() -> None:
    if nginx_binary() is None:
        unavailable("nginx is not installed (make cluster-setup)")


def tool(name: str) -> Path:
    path = TOOLS / name
    if not path.exists():
        unavailable(f"{path} is missing (make tools)")
    return path


@pytest.fixture
def sender() -> str:
    return f"prod-{uuid.uuid4().hex[:10]}"
