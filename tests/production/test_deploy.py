"""deploy/: docker-compose and Kubernetes manifests, checked against their schemas (offline:
the schemas ship inside check-jsonschema and kubernetes-validate, in .cache/tools-venv) and
against the topology they must describe."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from scripts.servers import ROOT
from tests.production.conftest import tool

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
MANIFESTS = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
TEMPLATE_NAMES = set(
    re.findall(r"\$\{(MILA_[A-Z_]+)\}", (DEPLOY / "nginx" / "mila.conf.template").read_text())
)


def documents() -> list[dict]:
    return [d for path in MANIFESTS for d in yaml.safe_load_all(path.read_text()) if d]


def of_kind(kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in documents() if d["kind"] == kind}


def containers() -> list[dict]:
    found = []
    for doc in documents():
        spec = doc.get("spec", {})
        pod = spec.get("template", {}).get("spec") or (
            spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec")
        )
        if pod:
            found.extend(pod["containers"])
    return found


def run_tool(*command) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, check=False)


def test_compose_file_follows_the_compose_specification():
    result = run_tool(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                      DEPLOY / "docker-compose.yml")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.name)
def test_kubernetes_manifest_follows_the_kubernetes_schema(manifest):
    result = run_tool(tool("kubernetes-validate"), "--strict", "--quiet", manifest)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_misspelt_field_would_be_caught(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((K8S / "rasa.yaml").read_text().replace("readinessProbe:", "readinesProbe:"))
    assert run_tool(tool("kubernetes-validate"), "--strict", "--quiet", bad).returncode != 0
    bad_compose = tmp_path / "compose.yml"
    bad_compose.write_text(
        (DEPLOY / "docker-compose.yml").read_text().replace("healthcheck:", "healthchek:", 1)
    )
    result = run_tool(
        tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", bad_compose
    )
    assert result.returncode != 0


def test_kustomization_lists_every_manifest():
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == [p.name for p in MANIFESTS]


def test_compose_runs_two_rasa_and_two_action_servers_behind_nginx_only():
    services = COMPOSE["services"]
    assert services["rasa"]["deploy"]["replicas"] == 2
    assert services["actions"]["deploy"]["replicas"] == 2
    assert [name for name, s in services.items() if "ports" in s] == ["web"]
    assert COMPOSE["networks"]["backend"]["internal"] is True
    assert services["actions"]["networks"] == ["backend"]
    for name, service in services.items():
        assert "healthcheck" in service, name
        assert service["deploy"]["resources"]["limits"], name
    rasa = services["rasa"]["environment"]
    assert rasa["TRACKER_STORE_URL"].startswith("postgresql://")
    assert rasa["LOCK_STORE_URL"].startswith("redis://")
    assert rasa["RASA_TELEMETRY_ENABLED"] == "false" and rasa["MILA_ENABLE_API"] == "false"


def test_compose_takes_every_secret_from_the_environment():
    text = (DEPLOY / "docker-compose.yml").read_text()
    for variable in ("POSTGRES_PASSWORD", "REDIS_PASSWORD"):
        assert f"${{{variable}:?" in text  # compose refuses to start without it
    for name, service in COMPOSE["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search("PASSWORD|SECRET|TOKEN", key) or re.search(
                r"://[^/@]*:[^/@]*@", str(value)
            ):
                assert "${" in str(value), f"{name}: {key} is written in the file"


def test_kubernetes_runs_two_replicas_with_probes_and_limits():
    deployments = of_kind("Deployment")
    assert deployments["rasa"]["spec"]["replicas"] == 2
    assert deployments["actions"]["spec"]["replicas"] == 2
    for container in containers():
        if container["name"] != "purge":  # a job, not a server
            assert "readinessProbe" in container and "livenessProbe" in container, container["name"]
        limits = container["resources"]["limits"]
        assert limits.get("cpu") and limits.get("memory"), container["name"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_kubernetes_secrets_come_from_a_secret_and_none_is_written():
    assert "Secret" not in {d["kind"] for d in documents()}
    for container in containers():
        for variable in container.get("env", []):
            if re.search("PASSWORD|SECRET|TOKEN", variable["name"]):
                assert "secretKeyRef" in variable.get("valueFrom", {}), variable["name"]


def test_kubernetes_publishes_nginx_only_and_lets_only_rasa_reach_the_actions():
    services = of_kind("Service")
    public = {
        name
        for name, s in services.items()
        if s["spec"].get("type") in ("LoadBalancer", "NodePort")
    }
    assert public == {"web"}
    assert "Ingress" not in {d["kind"] for d in documents()}
    policy = of_kind("NetworkPolicy")["actions-from-rasa"]["spec"]
    assert policy["ingress"][0]["from"] == [{"podSelector": {"matchLabels": {"app": "rasa"}}}]
    assert "default-deny-ingress" in of_kind("NetworkPolicy")
    config = of_kind("ConfigMap")["mila-config"]["data"]
    assert config["RASA_TELEMETRY_ENABLED"] == "false" and config["MILA_ENABLE_API"] == "false"


def test_the_nginx_template_gets_every_value_it_needs_in_each_deployment():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    web_stage = dockerfile.split("AS web", 1)[1]
    image_defaults = set(re.findall(r"\b(MILA_[A-Z_]+)=", web_stage))
    compose = set(COMPOSE["services"]["web"]["environment"])
    assert TEMPLATE_NAMES <= image_defaults | compose, TEMPLATE_NAMES - image_defaults - compose
    k8s = {v["name"] for c in containers() if c["name"] == "nginx" for v in c["env"]}
    assert TEMPLATE_NAMES <= image_defaults | k8s, TEMPLATE_NAMES - image_defaults - k8s
    # `server ... resolve` needs nginx 1.27.3 or later.
    version = re.search(r"FROM nginx:(\d+)\.(\d+)", dockerfile)
    assert (int(version[1]), int(version[2])) >= (1, 28)
