"""Faces of the engine: the CLI now; the HTTP API with SSE, the web UI and the scheduler later."""
