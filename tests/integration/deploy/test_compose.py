"""compose.yaml against the Compose Specification's own JSON schema, and the operator's rules.

The rules are the ones the system we replace broke: its .env mounted writable into the
containers, database ports published with default passwords, health checks that could not pass.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

REPO = Path(__file__).resolve().parents[3]
COMPOSE = REPO / "compose.yaml"
SCHEMA = REPO / "tests" / "fixtures" / "compose_spec" / "compose-spec.json"
HEDGEGRAPH_SERVICES = ("migrate", "api", "scheduler")
STORES = ("postgres", "redis")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    doc = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(doc, dict)
    return doc


def services(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = doc["services"]
    assert isinstance(found, dict)
    return found


def test_validates_against_the_compose_spec_schema(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    errors = sorted(Draft202012Validator(schema).iter_errors(compose), key=lambda e: e.path)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_check_can_fail() -> None:
    """The vendored schema rejects what compose rejects (a misspelt key)."""
    schema = json.loads(SCHEMA.read_text())
    broken = {"services": {"api": {"image": "x", "helthcheck": {}}}}
    assert list(Draft202012Validator(schema).iter_errors(broken))


def test_databases_publish_no_port_and_sit_on_an_internal_network(
    compose: dict[str, Any],
) -> None:
    for name in STORES:
        service = services(compose)[name]
        assert "ports" not in service, f"{name} publishes a port"
        assert service["networks"] == ["backend"], name
    assert compose["networks"]["backend"]["internal"] is True


def test_the_api_is_published_on_loopback_only(compose: dict[str, Any]) -> None:
    published = [s for s, svc in services(compose).items() if "ports" in svc]
    assert published == ["api"]
    for port in services(compose)["api"]["ports"]:
        assert str(port).startswith("127.0.0.1:"), port


def test_start_order_is_health_checked_with_a_one_shot_migration(
    compose: dict[str, Any],
) -> None:
    svc = services(compose)
    for name in STORES:
        assert svc[name]["healthcheck"]["test"], name
    migrate = svc["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert {k: v["condition"] for k, v in migrate["depends_on"].items()} == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
    }
    for name in ("api", "scheduler"):
        depends = svc[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert svc[name].get("restart") == "unless-stopped", name
    assert svc["scheduler"]["healthcheck"]["test"], "the image's /ready check fits the API only"
    assert svc["migrate"]["healthcheck"] == {"disable": True}


def test_redis_is_version_8(compose: dict[str, Any]) -> None:
    image = services(compose)["redis"]["image"]
    assert re.fullmatch(r"redis:8(\.\d+)*(-\w+)?", image), image


def test_state_lives_in_named_volumes_and_no_file_is_mounted(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    for name, service in services(compose).items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            assert source in declared, f"{name} mounts {volume!r}: a bind mount, not a volume"
    assert {"hedgegraph-home", "postgres-data", "redis-data"} <= declared


def test_credentials_come_from_the_env_file_read_by_compose(compose: dict[str, Any]) -> None:
    svc = services(compose)
    for name in HEDGEGRAPH_SERVICES:
        files = svc[name]["env_file"]
        assert files == [{"path": "deploy/hedgegraph.env", "required": True}], name
    for name in (*STORES, "ollama"):
        assert "env_file" not in svc[name], f"{name} must not get the broker's and LLM's keys"
    for name, service in svc.items():
        for key, value in (service.get("environment") or {}).items():
            url_password = re.search(r"://[^/@:]*:([^@]*)@", str(value))
            if url_password:
                assert url_password.group(1).startswith("${"), f"{name}.{key}: literal password"
            elif re.search(r"PASSWORD|AUTH|SECRET|KEY", key):
                assert str(value).startswith("${"), f"{name}.{key} holds a literal credential"
    example = (REPO / "deploy" / "hedgegraph.env.example").read_text()
    for name in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "HEDGEGRAPH_API_KEY"):
        assert re.search(rf"^{name}=$", example, re.MULTILINE), f"{name} ships empty"
    assert "hedgegraph.env" in (REPO / "deploy" / ".gitignore").read_text().split()


def test_the_hedgegraph_containers_are_locked_down(compose: dict[str, Any]) -> None:
    for name in HEDGEGRAPH_SERVICES:
        service = services(compose)[name]
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name


def test_ollama_is_an_opt_in_profile(compose: dict[str, Any]) -> None:
    svc = services(compose)
    assert svc["ollama"]["profiles"] == ["ollama"]
    assert [n for n, s in svc.items() if "profiles" in s] == ["ollama"]
    assert "ports" not in svc["ollama"]
