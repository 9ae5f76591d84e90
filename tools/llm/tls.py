"""One verified TLS context per process, shared by every LLM client we build.

Why: loading the CA bundle costs about 50 ms of CPU each time, and each HTTP client built its own
(ours per event loop, plus ChatOpenAI's default sync client). They were built on the first call
of a cycle, inside the event loop, so the whole analyst fan-out waited for them before its first
request went out. Certificate checks are unchanged: it is httpx's default verifying context.
"""

from __future__ import annotations

import functools
import ssl

import httpx

__all__ = ["shared_tls_context"]


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """The process's verifying TLS context (httpx's defaults, ``SSL_CERT_FILE`` honoured)."""
    return httpx.create_ssl_context()
