"""Locked down: loopback by default, the HTTP API off (or behind a JWT), no CORS for other sites,
no telemetry, no secret in the repository."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import jwt
import pytest

from production.serve import ConfigurationError, rasa_arguments
from scripts.servers import ROOT, base_env, free_port, wait_until_up
from tests.production.conftest import need_model

SECRET = "x" * 16 + "-test-only-" + "y" * 16  # not a real secret: built in the test


# --------------------------------------------------------------------------- the launcher


def test_the_api_is_off_unless_asked_for():
    assert "--enable-api" not in rasa_arguments(["--port", "5005"], {})


def test_the_api_needs_a_jwt_secret_of_some_length():
    with pytest.raises(ConfigurationError, match="MILA_JWT_SECRET"):
        rasa_arguments([], {"MILA_ENABLE_API": "true"})
    with pytest.raises(ConfigurationError, match="at least"):
        rasa_arguments([], {"MILA_ENABLE_API": "true", "MILA_JWT_SECRET": "short"})
    command = rasa_arguments([], {"MILA_ENABLE_API": "true", "MILA_JWT_SECRET": SECRET})
    assert command[-5:] == ["--enable-api", "--jwt-secret", SECRET, "--jwt-method", "HS256"]


@pytest.mark.parametrize("flag", ["--enable-api", "--auth-token=abc", "--jwt-secret"])
def test_api_flags_on_the_command_line_are_refused(flag):
    with pytest.raises(ConfigurationError, match="not accepted"):
        rasa_arguments([flag], {})


# --------------------------------------------------------------------------- real servers


def start(workdir: Path, **env: str) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    log = workdir / f"rasa-{port}.log"
    environment = base_env(
        TRACKER_STORE_URL=f"sqlite:///{workdir / 'rasa.db'}",
        ACTION_ENDPOINT_URL="http://127.0.0.1:9/webhook",
        **env,
    )
    environment.pop("LOCK_STORE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "production.serve", "--model", str(need_model()),
         "--interface", "127.0.0.1", "--port", str(port),
         "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
        cwd=ROOT, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    return process, f"http://127.0.0.1:{port}", log


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """One Rasa server with the API on (and its JWT secret), one with the defaults."""
    workdir = Path(tmp_path_factory.mktemp("security"))
    with_api = start(workdir, MILA_ENABLE_API="true", MILA_JWT_SECRET=SECRET)
    default = start(workdir)
    try:
        for process, url, log in (with_api, default):
            wait_until_up(f"{url}/webhooks/rest/", process, log)
        yield {"api": with_api, "default": default}
    finally:
        for process, _, _ in (with_api, default):
            process.terminate()
            process.wait(timeout=30)


def get(url: str, headers: dict | None = None, data: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def token(secret: str) -> str:
    return jwt.encode({"user": {"username": "staff", "role": "admin"}}, secret, algorithm="HS256")


@pytest.mark.slow
def test_the_api_answers_only_calls_signed_with_the_secret(servers):
    _, url, _ = servers["api"]
    assert get(f"{url}/status")[0] == 401
    assert get(f"{url}/conversations/someone/tracker")[0] == 401
    assert get(f"{url}/status", {"Authorization": f"Bearer {token('another-' + SECRET)}"})[0] == 401
    assert get(f"{url}/status", {"Authorization": f"Bearer {token(SECRET)}"})[0] == 200


@pytest.mark.slow
def test_the_secret_does_not_show_in_the_process_list(servers):
    process, _, _ = servers["api"]
    command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes()
    assert SECRET.encode() not in command_line


@pytest.mark.slow
def test_by_default_the_api_does_not_exist(servers):
    _, url, _ = servers["default"]
    for path in ("/status", "/version", "/conversations/someone/tracker", "/model"):
        assert get(f"{url}{path}")[0] in (404, 405), path


@pytest.mark.slow
def test_servers_listen_on_loopback_only(servers):
    for _, url, _ in servers.values():
        port = int(url.rsplit(":", 1)[1])
        listening = listening_addresses(port)
        assert listening and all(a == "127.0.0.1" for a in listening), listening


@pytest.mark.slow
def test_no_cors_for_other_sites(servers):
    _, url, _ = servers["default"]
    _, headers = get(
        f"{url}/webhooks/rest/webhook",
        {"Origin": "https://evil.example", "Content-Type": "application/json"},
        b'{"sender": "cors", "message": "hi"}',
    )
    assert "Access-Control-Allow-Origin" not in headers


def listening_addresses(port: int) -> list[str]:
    """Local addresses listening on `port`, from /proc/net/tcp{,6}."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                if len(address) == 8:
                    found.append(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
                else:
                    found.append("ipv6:" + address)
    return found


# --------------------------------------------------------------------------- scripts and files


def test_make_run_binds_loopback_and_starts_rasa_through_the_launcher():
    run = (ROOT / "scripts" / "run.sh").read_text()
    assert "HOST=${MILA_HOST:-127.0.0.1}" in run
    assert "-m production.serve" in run and "rasa run --model" not in run
    assert "SANIC_HOST=$HOST" in run  # the action server too
    assert "RASA_TELEMETRY_ENABLED=false" in run


def test_telemetry_is_off_everywhere():
    assert "export RASA_TELEMETRY_ENABLED := false" in (ROOT / "Makefile").read_text()
    assert "RASA_TELEMETRY_ENABLED=false" in (ROOT / "deploy" / "Dockerfile").read_text()
    assert 'RASA_TELEMETRY_ENABLED: "false"' in (ROOT / "deploy" / "docker-compose.yml").read_text()
    assert (
        'RASA_TELEMETRY_ENABLED: "false"' in (ROOT / "deploy" / "k8s" / "config.yaml").read_text()
    )


# Patterns of real credentials. Each is assembled from parts so that this file does not match
# itself; a line may carry "pragma: allowlist secret" for a deliberate fake (none does today).
SECRET_PATTERNS = {
    "private key": "-----BEGIN " + r"[A-Z ]*PRIVATE KEY-----",
    "AWS access key": r"\b(A" + r"KIA|ASIA)[0-9A-Z]{16}\b",
    "Slack token": r"\bxo" + r"x[abprs]-[0-9]{6,}-[0-9A-Za-z-]{10,}",
    "Slack webhook": r"hooks\.slack\.com/services/T[0-9A-Z]{6,}/B[0-9A-Z]{6,}/[0-9A-Za-z]{20,}",
    "Telegram bot token": r"\b[0-9]{8,10}:A" + r"A[0-9A-Za-z_-]{33}\b",
    "GitHub token": r"\bgh" + r"[pousr]_[0-9A-Za-z]{36}\b|github_pat_[0-9A-Za-z_]{40,}",
    "Google API key": r"\bAI" + r"za[0-9A-Za-z_-]{35}\b",
    "OpenAI-style key": r"\bsk" + r"-(proj-)?[A-Za-z0-9]{32,}",
    "JSON web token": r"\bey"
    + r"J[A-Za-z0-9_-]{10,}\.ey"
    + r"J[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
    # user:password@ and user:***@ are the placeholders docs use; ${VAR} and $(VAR) references.
    "password in a URL": r"\b[a-z][a-z0-9+]*://[^\s/:@$<>{}'\"]+:"
    r"(?!\*\*\*|\$|<|(?i:password)@)[^\s/@$<>{}'\"]{4,}@",
    "assigned password": r"(?i)\b(password|passwd|secret|api_?key|access_?token)\b[\"']?\s*[:=]"
    r"\s*[\"'](?![$<{*])[^\"'\s]{8,}[\"']",
}


def tracked_files() -> list[Path]:
    """The files git tracks, plus new ones that are not ignored (what a commit would take)."""
    output = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    return [ROOT / name for name in output.split("\0") if name and (ROOT / name).is_file()]


def test_no_secret_is_committed():
    found = []
    for path in tracked_files():
        data = path.read_bytes()
        if b"\0" in data[:4096] or len(data) > 5_000_000:
            continue  # binary
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
            if "pragma: allowlist secret" in line:
                continue
            for kind, pattern in SECRET_PATTERNS.items():
                if re.search(pattern, line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {kind}")
    assert not found, "possible secrets:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        "TOKEN = '" + "xo" + "xb-1234567890-abcdefghijklmnop'",
        "url: postgresql://rasa:" + "hunter2hunter2@db:5432/rasa",
        '"password": "' + 'correct-horse-battery"',
        "-----BEGIN " + "RSA PRIVATE KEY-----",
    ],
)
def test_the_scan_would_catch_a_real_looking_secret(line):
    assert any(re.search(pattern, line) for pattern in SECRET_PATTERNS.values())


@pytest.mark.parametrize(
    "line",
    [
        "TRACKER_STORE_URL: postgresql://rasa:${POSTGRES_PASSWORD:?set it}@postgres:5432/rasa",
        "value: redis://:$(REDIS_PASSWORD)@redis:6379/1",
        "postgresql://postgres@127.0.0.1:5432/rasa",
        'secret = environ.get("MILA_JWT_SECRET", "")',
        "redis://:***@redis:6379/1",
        "TRACKER_STORE_URL=postgresql://user:password@host:5432/rasa make review",
    ],
)
def test_the_scan_lets_references_to_secrets_through(line):
    assert not any(re.search(pattern, line) for pattern in SECRET_PATTERNS.values())
