"""``hedgegraph serve``: the HTTP face (LangGraph Platform protocol, operator routes) on uvicorn.

Why it refuses so much before it listens: a server that takes orders over the network must never
start open. Without HEDGEGRAPH_API_KEY it generates a key and prints it once (stdout, never a
log); a non-loopback host needs a configured key; a missing ``serve`` extra is one line with the
install command, not an ImportError. It prints the operator page's URL, carrying a generated key
in its fragment (like a notebook server's token).
"""

from __future__ import annotations

import importlib.util
from typing import Annotated
from urllib.parse import quote

import typer

from api import startup_gc
from api.cli_context import load_cli_settings
from api.startup_errors import fail

__all__ = ["page_url", "register", "serve"]


def page_url(host: str, port: int, generated_key: str | None) -> str:
    """The operator page's address; a generated key rides in the fragment (never sent to the
    server, never in its logs), the page keeps it for the browser session and drops it from the
    address bar. A configured key is not printed: the page asks for it."""
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    return url if generated_key is None else f"{url}#key={quote(generated_key, safe='')}"


def _missing_serve_extra() -> list[str]:
    from config.extras import EXTRAS

    return [m for m in EXTRAS["serve"] if importlib.util.find_spec(m) is None]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Serve the HTTP API (protocol routes, operator routes, docs at /docs) until interrupted."""
    if absent := _missing_serve_extra():
        fail(
            "serve needs the serve extra (pip install 'hedgegraph[serve]')",
            f"not installed: {', '.join(absent)}",
        )
    settings = load_cli_settings()
    from api.server.auth import ApiKey, UnsafeBindError, check_bind

    configured = settings.hedgegraph_api_key
    key = ApiKey.configured_or_generated(configured.get_secret_value() if configured else None)
    try:
        check_bind(host, key)
    except UnsafeBindError as exc:
        fail(str(exc))
    import uvicorn

    from api.logging_setup import configure_logging
    from api.server.app import create_app

    if key.generated:  # printed once: in the page's address, where the page picks it up
        typer.echo(
            "API key (generated for this run, set HEDGEGRAPH_API_KEY to fix one), in the "
            f"operator page's address: {page_url(host, port, key.secret)}"
        )
    else:
        typer.echo(f"Operator page: {page_url(host, port, None)} (it asks for the key)")
    typer.echo(f"hedgegraph API on http://{host}:{port} (docs at /docs)", err=True)
    startup_gc.resume()  # a server runs for days: collection on, start-up frozen out of it
    configure_logging(settings, extra_secrets=[key.secret])  # JSON lines, secrets masked
    app = create_app(settings, key=key)
    uvicorn.run(app, host=host, port=port, log_level="info", log_config=None)


def register(cli: typer.Typer) -> None:
    cli.command()(serve)
