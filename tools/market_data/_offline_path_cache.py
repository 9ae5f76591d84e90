"""A durable cache of synthetic price paths, so each ticker is synthesised once per home, not once
per process.

Why: a CLI cycle is a fresh process, and synthesising one ticker's 2000..2040 path costs tens of
milliseconds (seconds for a 100-ticker universe) although the path is a pure function of
(seed, ticker, code). The file name carries a fingerprint of the synthesis code, so a changed
generator never reads an old path; a short or damaged file is recomputed, never trusted.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import tempfile
from array import array
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType

__all__ = ["PathCache"]

_KINDS = ("trend_up", "trend_down", "range", "chop", "squeeze")


@cache
def _fingerprint(modules: tuple[ModuleType, ...]) -> str:
    """Hash of the generators' source: any edit to the synthesis invalidates every cached path."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:16]


class PathCache:
    """Raw OHLCV arrays and regime kinds per (seed, ticker), one file each under ``root``."""

    def __init__(self, root: Path, *generators: ModuleType) -> None:
        self.root = root
        self._version = _fingerprint(generators)

    def _file(self, seed: int, ticker: str) -> Path:
        key = hashlib.sha256(f"{seed}\x1f{ticker}".encode()).hexdigest()[:24]
        return self.root / f"path-{self._version}-{key}.bin"

    def load(self, seed: int, ticker: str, sessions: int) -> tuple[array[float], list[str]] | None:
        """The cached path, or ``None`` when absent, short or unreadable."""
        try:
            raw = self._file(seed, ticker).read_bytes()
        except OSError:
            return None
        size = sessions * 5 * 8
        if len(raw) != size + sessions:
            return None
        ohlcv: array[float] = array("d")
        ohlcv.frombytes(raw[:size])
        try:
            kinds = [_KINDS[b] for b in raw[size:]]
        except IndexError:
            return None
        return ohlcv, kinds

    def store(self, seed: int, ticker: str, ohlcv: array[float], kinds: list[str]) -> None:
        """Write atomically (temp file, then rename); a failure to write costs only speed."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".path-")
            with os.fdopen(fd, "wb") as out:
                out.write(ohlcv.tobytes())
                out.write(bytes(_KINDS.index(k) for k in kinds))
            os.replace(tmp, self._file(seed, ticker))
        except OSError:
            return

    def get_or_build(
        self,
        seed: int,
        ticker: str,
        sessions: int,
        build: Callable[[], tuple[array[float], list[str]]],
    ) -> tuple[array[float], list[str]]:
        found = self.load(seed, ticker, sessions)
        if found is not None:
            return found
        built = build()
        self.store(seed, ticker, *built)
        return built
