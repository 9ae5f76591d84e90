"""A durable cache of synthetic price paths, so each ticker is synthesised once per home, not once
per process.

Why: a CLI cycle is a fresh process, and synthesising the part of a ticker's path a cycle reads
costs milliseconds (most of a second for a 100-ticker universe) although it is a pure function of
(seed, ticker, code). The file name carries a fingerprint of the synthesis code, so a changed
generator never reads an old path; a short or damaged file is recomputed, never trusted.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import sys
import tempfile
from array import array
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType

__all__ = ["PathCache"]

_KIND_COUNT = 5
"""Regime kinds are stored as one byte each, ``0 <= kind < 5`` (``_offline_path.REGIME_KINDS``)."""
_HEADER = 8
"""The file starts with the first detailed session (``detail_from``), 8 bytes little-endian."""
_BYTES_PER_SESSION = 5 * 8 + 1
"""Five float64 bar values, then (after all sessions) one regime byte."""


@cache
def _fingerprint(modules: tuple[ModuleType, ...]) -> str:
    """Hash of the generators' source: any edit to the synthesis invalidates every cached path."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:16]


class PathCache:
    """Raw OHLCV arrays and regime kinds per (seed, ticker), one file each under ``root``.

    A file holds the longest path built so far for its ticker; each stores over the last.
    """

    def __init__(self, root: Path, *generators: ModuleType) -> None:
        self.root = root
        self._version = _fingerprint((sys.modules[__name__], *generators))  # format, too

    def _file(self, seed: int, ticker: str) -> Path:
        key = hashlib.sha256(f"{seed}\x1f{ticker}".encode()).hexdigest()[:24]
        return self.root / f"path-{self._version}-{key}.bin"

    def load(
        self, seed: int, ticker: str, sessions: int, detail_from: int
    ) -> tuple[array[float], bytes] | None:
        """The first ``sessions`` of the cached path, or ``None`` when absent, short, not
        detailed early enough, or unreadable.

        A longer or more detailed file serves the request: bars never depend on a path's extent.
        """
        try:
            raw = self._file(seed, ticker).read_bytes()
        except OSError:
            return None
        stored, rest = divmod(len(raw) - _HEADER, _BYTES_PER_SESSION)
        if rest or stored < sessions or len(raw) < _HEADER:
            return None
        if int.from_bytes(raw[:_HEADER], "little") > detail_from:
            return None
        body = raw[_HEADER:]
        kinds = body[stored * 40 : stored * 40 + sessions]
        if max(kinds, default=0) >= _KIND_COUNT:
            return None
        ohlcv: array[float] = array("d")
        ohlcv.frombytes(body[: sessions * 40])
        return ohlcv, kinds

    def store(
        self, seed: int, ticker: str, detail_from: int, ohlcv: array[float], kinds: bytes
    ) -> None:
        """Write atomically (temp file, then rename); a failure to write costs only speed."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".path-")
            with os.fdopen(fd, "wb") as out:
                out.write(detail_from.to_bytes(_HEADER, "little"))
                out.write(ohlcv.tobytes())
                out.write(kinds)
            os.replace(tmp, self._file(seed, ticker))
        except OSError:
            return

    def get_or_build(
        self,
        seed: int,
        ticker: str,
        sessions: int,
        detail_from: int,
        build: Callable[[], tuple[array[float], bytes]],
    ) -> tuple[array[float], bytes]:
        """The cached path if it covers the request, else ``build()``'s, stored for the next
        process."""
        found = self.load(seed, ticker, sessions, detail_from)
        if found is not None:
            return found
        built = build()
        self.store(seed, ticker, detail_from, *built)
        return built
