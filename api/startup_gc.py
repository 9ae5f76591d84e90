"""The cyclic garbage collector while the CLI starts: paused, then resumed with start-up frozen.

Why: a command imports a few hundred modules and builds a few hundred pydantic and SQLAlchemy
classes before it does anything. Nearly every object start-up creates lives as long as the
process, yet each young-generation collection walks them again: about 200 collections and
50 ms of ``hedgegraph status`` (a tenth of its start), for almost nothing to free. The entry
point (``api.cli.main``) pauses collection before the command runs; a command that goes on to
real work (a cycle once its engine is open, ``serve`` before it listens) resumes it, with what
start-up built frozen out of every later walk. A short operator command ends first; reference
counting still frees everything that is not in a cycle.

Only a pause made here is resumed here: code that drives ``api.cli.app`` in-process (tests, a
host program) never called ``pause`` and keeps its own collector settings.
"""

from __future__ import annotations

import gc

__all__ = ["pause", "resume"]

_paused = False


def pause() -> None:
    """Stop automatic collection until ``resume`` (a no-op when it is already off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Freeze what exists now (start-up's objects) out of collection and, if ``pause`` stopped
    the collector, start it again. Called where start-up ends and long work begins."""
    global _paused
    gc.freeze()
    if _paused:
        _paused = False
        gc.enable()
