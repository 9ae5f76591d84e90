"""Stand-ins for an external Mazo research service: a small executable and a local HTTP server.

The executable reads the request JSON on stdin and acts by its first argument: ``agree`` /
``bearish`` (a valid answer), ``sleep`` (past any timeout), ``garbage`` (prose, not JSON),
``fail`` (status 3 with a message on stderr). It writes the request it got to ``request.json``
in its working directory and a scratch file to ``$TMPDIR``, as a real service might.
The HTTP server answers POSTs by its ``mode`` attribute the same way (``error`` for a 500).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["ANSWER", "ExternalMazoServer", "running_external_mazo", "write_stand_in"]

ANSWER: dict[str, Any] = {
    "stance": "agrees",
    "confidence": 0.72,
    "summary": "revenue and margins support the thesis",
    "sources": ["10-Q 2025-Q1", "prices 60 sessions"],
}

_SCRIPT = """#!{python}
import json, os, sys, time
mode = sys.argv[1] if len(sys.argv) > 1 else "agree"
request = json.loads(sys.stdin.read())
with open("request.json", "w") as f:
    json.dump(request, f)
with open(os.path.join(os.environ["TMPDIR"], "scratch.txt"), "w") as f:
    f.write("scratch")
if mode == "sleep":
    time.sleep(30)
if mode == "garbage":
    print("The stock looks great to me, buy it!")
    sys.exit(0)
if mode == "fail":
    print("boom: model server unreachable", file=sys.stderr)
    sys.exit(3)
answer = {answer}
if mode == "bearish":
    answer["stance"] = "bearish"
print(json.dumps(answer))
"""


def write_stand_in(folder: Path) -> Path:
    """Write the stand-in executable into ``folder`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mazo-stand-in"
    path.write_text(_SCRIPT.format(python=sys.executable, answer=repr(ANSWER)))
    path.chmod(0o755)
    return path


class ExternalMazoServer:
    def __init__(self) -> None:
        self.mode = "agree"
        self.requests: list[dict[str, Any]] = []
        self.url = ""


@contextmanager
def running_external_mazo() -> Iterator[ExternalMazoServer]:
    state = ExternalMazoServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(json.loads(body))
            if state.mode == "sleep":
                time.sleep(3)
            status, text = 200, json.dumps(ANSWER)
            if state.mode == "garbage":
                text = "<html>maintenance</html>"
            elif state.mode == "error":
                status, text = 500, "internal error"
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/research"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
