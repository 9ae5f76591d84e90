"""A local Financial Datasets API that serves the real recorded samples, with fault knobs.

It speaks the wire format of the real responses in shared/data/financialdatasets (the files are
served as recorded, filtered by the query parameters the real API takes), so the real client is
tested end to end over HTTP. Line items come from the real MSFT FY2025 statements in the same
folder. Fault knobs: the next N requests can fail with a status (and ``Retry-After``), hang past a
client's timeout, or return malformed JSON; every request is logged.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

__all__ = ["Fault", "FinancialDatasetsFake", "free_port", "serve_app"]

NEW_YORK = ZoneInfo("America/New_York")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free loopback port in a thread; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("fake server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@dataclass
class Fault:
    """What the next request gets instead of its normal answer."""

    status: int = 500
    retry_after: str | None = None
    delay: float = 0.0
    """Seconds to wait before answering (past the client's timeout = a timeout)."""
    malformed: bool = False
    """Answer 200 with a body that is not JSON."""


@dataclass
class FinancialDatasetsFake:
    samples: Path
    api_key: str = "test-key"
    page_size: int | None = None
    """When set, /prices answers in pages of this many bars linked by ``next_page_url``."""
    latency: float = 0.0
    """Seconds added to every answer (models a real network round trip in benchmarks)."""
    ignore_filters: bool = False
    """Serve every record regardless of date parameters (a server that leaks the future)."""
    faults: deque[Fault] = field(default_factory=deque)
    log: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    data: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kinds = {
            "prices": "prices",
            "financial_metrics": "financial_metrics",
            "insider_trades": "insider_trades",
            "news": "news",
        }
        for prefix, key in kinds.items():
            self.data[key] = {}
            for path in sorted(self.samples.glob(f"{prefix}_*.json")):
                ticker = path.name[len(prefix) + 1 :].split("_")[0]
                self.data[key][ticker] = json.loads(path.read_text())[key]
        dexter = json.loads(
            (self.samples / "dexter_cache_financials_MSFT_annual_2025.json").read_text()
        )
        statements = json.loads(dexter["result"])
        row: dict[str, Any] = {}
        for kind in ("income_statements", "balance_sheets", "cash_flow_statements"):
            row.update(statements[kind][0])
        self.statement_rows = {"MSFT": [row]}

    # knobs ---------------------------------------------------------------------------------

    def fail_next(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def inject(self, kind: str, ticker: str, record: dict[str, Any]) -> None:
        """Add a record (e.g. one dated in the future) to what the server will answer."""
        self.data[kind].setdefault(ticker, []).insert(0, record)

    def count(self, path_prefix: str = "/") -> int:
        return sum(1 for _, path, _ in self.log if path.startswith(path_prefix))

    def clone_ticker(self, source: str, ticker: str) -> None:
        """Serve ``source``'s recorded data under another ticker (benchmarks need more names)."""
        for by_ticker in self.data.values():
            if source in by_ticker:
                by_ticker[ticker] = [{**row, "ticker": ticker} for row in by_ticker[source]]

    # app -----------------------------------------------------------------------------------

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def gate(request: Request, call_next: Any) -> Response:
            self.log.append((request.method, request.url.path, dict(request.query_params)))
            if self.latency:
                await asyncio.sleep(self.latency)
            if self.faults:
                fault = self.faults.popleft()
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                if fault.malformed:
                    return Response('{"prices": [', media_type="application/json")
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return JSONResponse(
                    {"error": "fault", "message": f"injected {fault.status}"},
                    status_code=fault.status,
                    headers=headers,
                )
            if request.headers.get("x-api-key") != self.api_key:
                return JSONResponse(
                    {"error": "Unauthorized", "message": "Invalid API key."}, status_code=401
                )
            response: Response = await call_next(request)
            return response

        for path in ("/prices", "/prices/"):
            app.add_api_route(path, self._prices, methods=["GET"])
        for path in ("/financial-metrics", "/financial-metrics/"):
            app.add_api_route(path, self._metrics, methods=["GET"])
        for path in ("/insider-trades", "/insider-trades/"):
            app.add_api_route(path, self._insider, methods=["GET"])
        for path in ("/news", "/news/"):
            app.add_api_route(path, self._news, methods=["GET"])
        for path in ("/company/facts", "/company/facts/"):
            app.add_api_route(path, self._facts, methods=["GET"])
        app.add_api_route("/financials/search/line-items", self._line_items, methods=["POST"])
        return app

    def _rows(self, kind: str, ticker: str) -> list[dict[str, Any]] | None:
        return self.data[kind].get(ticker.upper())

    @staticmethod
    def _not_found(ticker: str) -> JSONResponse:
        return JSONResponse(
            {"error": "Not Found", "message": f"No data found for ticker {ticker}"}, status_code=404
        )

    async def _prices(self, request: Request) -> Response:
        q = request.query_params
        rows = self._rows("prices", q["ticker"])
        if rows is None:
            return self._not_found(q["ticker"])
        start, end = date.fromisoformat(q["start_date"]), date.fromisoformat(q["end_date"])

        def day(row: dict[str, Any]) -> date:
            return datetime.fromisoformat(row["time"]).astimezone(NEW_YORK).date()

        picked = [r for r in rows if self.ignore_filters or start <= day(r) <= end]
        picked.sort(key=lambda r: str(r["time"]))
        offset = int(q.get("page_offset", "0"))
        body: dict[str, Any] = {"ticker": q["ticker"].upper()}
        if self.page_size is not None and offset + self.page_size < len(picked):
            nxt = dict(q)
            nxt["page_offset"] = str(offset + self.page_size)
            query = "&".join(f"{k}={v}" for k, v in nxt.items())
            body["next_page_url"] = f"{str(request.base_url).rstrip('/')}/prices/?{query}"
        size = self.page_size or len(picked)
        body["prices"] = picked[offset : offset + size]
        return JSONResponse(body)

    async def _metrics(self, request: Request) -> Response:
        q = request.query_params
        rows = self._rows("financial_metrics", q["ticker"])
        if rows is None:
            return self._not_found(q["ticker"])
        lte = q.get("report_period_lte")
        picked = [r for r in rows if r["period"] == q.get("period", "ttm")]
        if lte and not self.ignore_filters:
            picked = [r for r in picked if r["report_period"] <= lte]
        return JSONResponse({"financial_metrics": picked[: int(q.get("limit", "10"))]})

    async def _insider(self, request: Request) -> Response:
        q = request.query_params
        rows = self._rows("insider_trades", q["ticker"])
        if rows is None:
            return self._not_found(q["ticker"])
        lte = q.get("filing_date_lte")
        picked = [r for r in rows if self.ignore_filters or not lte or r["filing_date"] <= lte]
        return JSONResponse({"insider_trades": picked[: int(q.get("limit", "100"))]})

    async def _news(self, request: Request) -> Response:
        q = request.query_params
        rows = self._rows("news", q["ticker"])
        if rows is None:
            return self._not_found(q["ticker"])
        start, end = q.get("start_date"), q.get("end_date")
        picked = [
            r
            for r in rows
            if self.ignore_filters
            or ((not end or r["date"][:10] <= end) and (not start or r["date"][:10] >= start))
        ]
        return JSONResponse({"news": picked[: int(q.get("limit", "100"))]})

    async def _facts(self, request: Request) -> Response:
        ticker = request.query_params["ticker"].upper()
        if ticker not in self.statement_rows and self._rows("prices", ticker) is None:
            return self._not_found(ticker)
        # No real /company/facts sample exists; these keys follow the OpenAPI CompanyFacts schema.
        return JSONResponse(
            {
                "company_facts": {
                    "ticker": ticker,
                    "name": f"{ticker} Inc",
                    "cik": None,
                    "sector": None,
                    "exchange": "NASDAQ",
                    "is_active": True,
                    "listing_date": None,
                    "market_cap": None,
                }
            }
        )

    async def _line_items(self, request: Request) -> Response:
        body = await request.json()
        results = []
        for ticker in body["tickers"]:
            for row in self.statement_rows.get(ticker.upper(), []):
                if row["period"] != body.get("period", "ttm"):
                    continue
                picked = {k: row[k] for k in ("ticker", "report_period", "period", "currency")}
                picked.update({name: row.get(name) for name in body["line_items"]})
                results.append(picked)
        return JSONResponse(
            {"search_results": results[: int(body.get("limit", 1)) * len(body["tickers"])]}
        )
