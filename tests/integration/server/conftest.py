"""The embedded stack of the graph tests (offline market, paper broker, SQLite), for the API."""

from tests.integration.graph.conftest import context, saver, settings

__all__ = ["context", "saver", "settings"]
