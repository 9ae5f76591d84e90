"""``.env.example``: every setting's environment name with its packaged default, from the model.

Why generated: a hand-kept list drifts from the code; this one is rendered from ``Settings`` and
the packaged YAML, and tests/unit/config/test_env_example.py fails when the file is stale.
Regenerate with ``python -m config.env_example > .env.example``.
"""

from __future__ import annotations

import ast
import inspect
import json
import sys
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from config.alert_env import ALERT_ENV_PREFIX
from config.env_files import ENV_FILE_VARIABLE
from config.settings import CONFIG_DIR_VARIABLE, Settings, packaged_settings

__all__ = ["field_docs", "render_env_example"]

_HEADER = f"""\
# hedgegraph settings: every name with its default (generated from config/settings.py by
# `python -m config.env_example > .env.example`; a test keeps this file in step with the code).
# Copy to .env and uncomment what you change. The process environment wins over .env, .env over
# HEDGEGRAPH_CONFIG_DIR's YAML, that over the packaged YAML. Lists take a,b or ["a", "b"];
# choices are case-insensitive; fractions are fractions (0.05 means 5 %).

# Read by the loader itself. {ENV_FILE_VARIABLE}: which .env to read (process environment only;
# empty reads none). {CONFIG_DIR_VARIABLE}: a folder with trading_config.yaml and/or
# risk_parameters.yaml overrides (no other YAML files allowed there).
# {ENV_FILE_VARIABLE}=.env
# {CONFIG_DIR_VARIABLE}=
"""


def _shown(name: str, value: Any) -> str:
    if name == "hedgegraph_home" and value == Path.home() / ".hedgegraph":
        return "~/.hedgegraph"
    if value is None or isinstance(value, SecretStr):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value) if value else ""
    return str(value)


@cache
def _declared_docs(cls: type) -> dict[str, str]:
    """The string literal under each annotated attribute of ``cls`` itself (its docstring)."""
    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    assert isinstance(body, ast.ClassDef), cls
    docs: dict[str, str] = {}
    for stmt, after in zip(body.body, body.body[1:], strict=False):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[stmt.target.id] = inspect.cleandoc(after.value.value)
    return docs


def field_docs(model: type[BaseModel]) -> dict[str, str]:
    """Each field's docstring, read from the sources of the classes that declare the fields.

    Why here and not ``use_attribute_docstrings``: that option parses every model's source when
    its class is built, a cost each command would pay at start-up (about 20 ms) for text only
    this file shows.
    """
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if issubclass(cls, BaseModel) and not cls.__module__.startswith("pydantic"):
            docs.update(_declared_docs(cls))
    return {name: doc for name, doc in docs.items() if name in model.model_fields}


def _lines(model: BaseModel, prefix: str) -> list[str]:
    lines: list[str] = []
    docs = field_docs(type(model))
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            continue
        if doc := docs.get(name):
            lines.extend(f"# {line}".rstrip() for line in doc.splitlines())
        lines.append(f"# {prefix}{name.upper()}={_shown(name, value)}")
    return lines


def render_env_example(settings: Settings | None = None) -> str:
    """The file's text for ``settings`` (default: the packaged defaults)."""
    shown = settings or packaged_settings()
    blocks = [_HEADER, "# --- top level ---", *_lines(shown, ""), ""]
    for name in type(shown).model_fields:
        section = getattr(shown, name)
        if not isinstance(section, BaseModel):
            continue
        title = f"# --- {name} ({name.upper()}__*) ---"
        if name == "alerts":
            title += f"; also read as {ALERT_ENV_PREFIX}<NAME>"
        doc = (type(section).__doc__ or "").strip().splitlines()
        blocks += [title, *(f"# {doc[0]}" for _ in doc[:1]), *_lines(section, f"{name.upper()}__")]
        blocks.append("")
    return "\n".join(blocks)


if __name__ == "__main__":
    sys.stdout.write(render_env_example())
