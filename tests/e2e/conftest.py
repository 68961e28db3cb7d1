"""Real servers for the end-to-end tests: the trained model, the action server, REST."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from scripts.servers import ROOT, running_assistant

MODEL = ROOT / "models" / "mila.tar.gz"


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make e2e does it) first")
    with running_assistant(MODEL, workdir=Path(tmp_path_factory.mktemp("servers"))) as running:
        yield running


@pytest.fixture
def sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}"
