"""Several replicas on loopback: two Rasa servers and two action servers behind nginx.

They share the conversations in PostgreSQL and the conversation locks in Redis; nginx serves the
web page and keeps each conversation on one Rasa replica (deploy/nginx/mila.conf.template).

    python -m scripts.cluster up       # `make cluster`: start, print the address, Ctrl-C stops
    python -m scripts.cluster start    # the same in the background (deploy/local/cluster.sh)
    python -m scripts.cluster stop

    with running_cluster(ClusterSettings(port=free_port())) as cluster:   # tests, load test
        cluster.kill_rasa(0)

Environment (docs/production.md): MILA_CLUSTER_PORT (8080), TRACKER_STORE_URL (PostgreSQL
database `rasa` on 127.0.0.1), LOCK_STORE_URL (Redis db 1 on 127.0.0.1), MILA_RATE,
MILA_BURST, MILA_MAX_CONNECTIONS, MILA_SITE_ORIGIN.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from scripts.servers import BIN, ROOT, base_env, free_port, wait_until_up

SITE_TEMPLATE = ROOT / "deploy" / "nginx" / "mila.conf.template"
MAIN_TEMPLATE = ROOT / "deploy" / "local" / "nginx.conf.template"
DEFAULT_RUN_DIR = ROOT / ".run" / "cluster"
DEFAULT_TRACKER_STORE_URL = "postgresql://postgres@127.0.0.1:5432/rasa"
DEFAULT_LOCK_STORE_URL = "redis://127.0.0.1:6379/1"
# Rasa's Socket.IO channel, added to the replicas' credentials when credentials.yml has none:
# the web widget speaks it (docs/production.md).
SOCKETIO = {
    "user_message_evt": "user_uttered",
    "bot_message_evt": "bot_uttered",
    "session_persistence": True,
    "metadata_key": "customData",
}
# A ticket outlives the longest a message can take: the action timeout (10 s) plus the
# database retries (15 s). A replica killed while holding one delays its conversation this long.
LOCK_LIFETIME_SECONDS = 30
_NAME = re.compile(r"\$\{(MILA_[A-Z_]+)\}")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


def render(template: str, values: dict[str, str]) -> str:
    """Fill the ${MILA_...} names like the nginx image's envsubst; a missing one is an error."""
    missing = sorted({n for n in _NAME.findall(template) if n not in values})
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return _NAME.sub(lambda m: values[m.group(1)], template)


@dataclass
class ClusterSettings:
    port: int = int(os.environ.get("MILA_CLUSTER_PORT") or 8080)
    replicas: int = 2
    action_servers: int = 2
    model: Path = ROOT / "models" / "mila.tar.gz"
    run_dir: Path = DEFAULT_RUN_DIR
    tracker_store_url: str = os.environ.get("TRACKER_STORE_URL") or DEFAULT_TRACKER_STORE_URL
    lock_store_url: str = os.environ.get("LOCK_STORE_URL") or DEFAULT_LOCK_STORE_URL
    rate: str = os.environ.get("MILA_RATE") or "2r/s"
    burst: int = int(os.environ.get("MILA_BURST") or 10)
    max_connections: int = int(os.environ.get("MILA_MAX_CONNECTIONS") or 10)
    site_origin: str = os.environ.get("MILA_SITE_ORIGIN") or ""
    web_root: Path = ROOT / "web"
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return self.site_origin or f"http://127.0.0.1:{self.port}"


@dataclass
class Service:
    """One server process that can be stopped, killed and started again on the same port."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    health_url: str
    process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def wait_up(self, timeout: float = 240) -> float:
        assert self.process is not None
        return wait_until_up(self.health_url, self.process, self.log, timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, kill: bool = False, timeout: float = 20) -> None:
        """SIGTERM (or SIGKILL, as a crash would) and wait; the port is then free again."""
        if not self.running:
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Cluster:
    settings: ClusterSettings
    rasa: list[Service]
    actions: list[Service]
    nginx: Service

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    def services(self) -> list[Service]:
        return [*self.actions, *self.rasa, self.nginx]

    def kill_rasa(self, index: int) -> None:
        self.rasa[index].stop(kill=True)

    def start_rasa(self, index: int) -> float:
        self.rasa[index].start()
        return self.rasa[index].wait_up()

    def kill_actions(self) -> None:
        for service in self.actions:
            service.stop(kill=True)

    def start_actions(self) -> None:
        for service in self.actions:
            service.start()
        for service in self.actions:
            service.wait_up()

    def stop(self) -> None:
        for service in reversed(self.services()):
            service.stop()


def _credentials(run_dir: Path) -> Path:
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    if not any("socketio" in name for name in credentials):
        credentials["socketio"] = SOCKETIO
    path = run_dir / "credentials.yml"
    path.write_text(yaml.safe_dump(credentials, sort_keys=False), encoding="utf-8")
    return path


def _write_nginx_config(
    settings: ClusterSettings, rasa_ports: list[int], actions_ports: list[int], internal_port: int
) -> Path:
    run = settings.run_dir
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        # nginx workers run as `nobody` when the master runs as root.
        (run / "tmp" / sub).chmod(0o1777)
    site = render(
        SITE_TEMPLATE.read_text(encoding="utf-8"),
        {
            "MILA_RESOLVER": "# no resolver: the replicas are loopback addresses",
            "MILA_RASA_SERVERS": "\n    ".join(
                f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in rasa_ports
            ),
            "MILA_WEB_ROOT": str(settings.web_root),
            "MILA_SITE_ORIGIN": settings.origin,
            "MILA_RATE": settings.rate,
            "MILA_BURST": str(settings.burst),
            "MILA_MAX_CONNECTIONS": str(settings.max_connections),
            "MILA_LISTEN": f"127.0.0.1:{settings.port}",
            "MILA_ACCESS_LOG": str(run / "access.log"),
        },
    )
    (run / "mila.conf").write_text(site, encoding="utf-8")
    main = render(
        MAIN_TEMPLATE.read_text(encoding="utf-8"),
        {
            "MILA_RUN_DIR": str(run),
            "MILA_ACTIONS_PORT": str(internal_port),
            "MILA_ACTION_SERVERS": "\n        ".join(
                f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in actions_ports
            ),
        },
    )
    path = run / "nginx.conf"
    path.write_text(main, encoding="utf-8")
    return path


def build_cluster(settings: ClusterSettings) -> Cluster:
    """The services of a cluster, configured but not started."""
    nginx = nginx_binary()
    if nginx is None:
        raise RuntimeError(
            "nginx is not installed: run `make cluster-setup` (apt-get install nginx)"
        )
    run = settings.run_dir
    run.mkdir(parents=True, exist_ok=True)
    rasa_ports = [free_port() for _ in range(settings.replicas)]
    actions_ports = [free_port() for _ in range(settings.action_servers)]
    internal_port = free_port()
    config = _write_nginx_config(settings, rasa_ports, actions_ports, internal_port)
    credentials = _credentials(run)
    env = base_env(
        TRACKER_STORE_URL=settings.tracker_store_url,
        LOCK_STORE_URL=settings.lock_store_url,
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{internal_port}/webhook",
        TICKET_LOCK_LIFETIME=str(LOCK_LIFETIME_SECONDS),
        ACTION_TIMEOUT_SECONDS="10",
        TRACKER_STORE_RETRY_SECONDS="15",
        SANIC_HOST="127.0.0.1",
        # The Socket.IO channel accepts browsers from the site only (channels/socketio.py).
        MILA_WEB_ORIGINS=settings.origin,
        **settings.extra_env,
    )
    actions = []
    for i, port in enumerate(actions_ports):
        argv = [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)]
        health = f"http://127.0.0.1:{port}/health"
        actions.append(Service(f"actions-{i + 1}", argv, env, run / f"actions-{i + 1}.log", health))
    rasa = []
    for i, port in enumerate(rasa_ports):
        argv = [str(BIN / "python"), "-m", "production.serve", "--model", str(settings.model),
                "--interface",
                "127.0.0.1", "--port", str(port), "--endpoints", "endpoints.yml",
                "--credentials", str(credentials)]  # fmt: skip
        health = f"http://127.0.0.1:{port}/webhooks/rest/"
        rasa.append(Service(f"rasa-{i + 1}", argv, env, run / f"rasa-{i + 1}.log", health))
    proxy = Service(
        "nginx",
        [nginx, "-p", str(run), "-c", str(config), "-e", str(run / "error.log")],
        env, run / "nginx.log", f"http://127.0.0.1:{settings.port}/healthz",
    )  # fmt: skip
    return Cluster(settings, rasa, actions, proxy)


def check_nginx_config(cluster: Cluster) -> None:
    result = subprocess.run(
        [*cluster.nginx.argv, "-t", "-q"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"nginx rejects its configuration:\n{result.stderr}")


@contextlib.contextmanager
def running_cluster(settings: ClusterSettings | None = None) -> Iterator[Cluster]:
    """Start every service, wait until nginx answers through a replica; stop all on exit."""
    cluster = build_cluster(settings or ClusterSettings())
    check_nginx_config(cluster)
    try:
        for service in cluster.actions + cluster.rasa:
            service.start()
        for service in cluster.actions + cluster.rasa:
            service.wait_up()
        cluster.nginx.start()
        cluster.nginx.wait_up(timeout=30)
        yield cluster
    finally:
        cluster.stop()


# --------------------------------------------------------------------------- command line


def _pid_file(settings: ClusterSettings) -> Path:
    return settings.run_dir / "cluster.pid"


def _up(settings: ClusterSettings) -> int:
    stop = {"now": False}

    def request_stop(*_: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    print(f"Starting 2 action servers, {settings.replicas} Rasa servers and nginx "
          f"(logs: {settings.run_dir})...", flush=True)  # fmt: skip
    with running_cluster(settings) as cluster:
        _pid_file(settings).write_text(str(os.getpid()))
        print(
            f"\nThe cluster is ready: {cluster.url}/ (web page)\n"
            f"  REST:  curl -s '{cluster.url}/webhooks/rest/webhook?sender=me' "
            "-H 'Content-Type: application/json' "
            '-d \'{"sender": "me", "message": "Qui a fondé Mila ?"}\'\n'
            f"  Replicas: {', '.join(s.health_url.rsplit('/webhooks', 1)[0] for s in cluster.rasa)}"
            f"\n  Stores: {_redact(settings.tracker_store_url)}, {settings.lock_store_url}\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        reported: set = set()
        while not stop["now"]:
            for service in cluster.services():
                if not service.running and service.name not in reported:
                    reported.add(service.name)
                    print(f"warning: {service.name} stopped; see {service.log}", flush=True)
            time.sleep(0.5)
    _pid_file(settings).unlink(missing_ok=True)
    print("Cluster stopped.")
    return 0


def _redact(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]+@", r"://\1:***@", url)


def _start(settings: ClusterSettings) -> int:
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    log = settings.run_dir / "cluster.log"
    with log.open("w") as out:
        subprocess.Popen(
            [sys.executable, "-m", "scripts.cluster", "up", "--port", str(settings.port)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{settings.port}/healthz"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                print(f"The cluster answers at http://127.0.0.1:{settings.port}/ (log: {log})")
                return 0
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    print(f"error: the cluster did not answer within 5 minutes; see {log}", file=sys.stderr)
    return 1


def _stop(settings: ClusterSettings) -> int:
    pid_file = _pid_file(settings)
    if not pid_file.exists():
        print("No cluster is running (no pid file).")
        return 0
    pid = int(pid_file.read_text())
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        for _ in range(60):
            os.kill(pid, 0)
            time.sleep(0.5)
    pid_file.unlink(missing_ok=True)
    print("Cluster stopped.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "start", "stop"], nargs="?", default="up")
    parser.add_argument("--port", type=int, default=ClusterSettings().port)
    args = parser.parse_args(argv)
    settings = ClusterSettings(port=args.port)
    return {"up": _up, "start": _start, "stop": _stop}[args.command](settings)


if __name__ == "__main__":
    sys.exit(main())
