"""A local Alpaca market-data API (v2 stocks bars and latest quotes) for alpaca-py's real client.

Bars come from the recorded response shared/data/alpaca/corollary_stock_bars_daily.json (NVDA and
SPY, 2026-08-03..14, keys ``c,h,l,n,o,t,v,vw``); latest quotes from the documented example in
openapi_market_data.yaml. The server checks the APCA key headers, filters by ``start``/``end``,
pages with ``limit``/``next_page_token`` the way the real API does, and reuses the fault knobs
of the Financial Datasets fake. ``set_quote`` sets a symbol's latest quote (the quote knob); a
symbol without one is answered with no quote, as Alpaca does.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.fakes.financialdatasets_server import Fault

__all__ = ["AlpacaDataFake"]


def _instant(raw: str) -> datetime:
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


@dataclass
class AlpacaDataFake:
    samples: Path
    key_id: str = "test-key-id"
    secret: str = "test-secret"
    page_size: int | None = None
    """When set, bars come in pages of at most this many, linked by next_page_token."""
    faults: deque[Fault] = field(default_factory=deque)
    log: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    bars: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    quotes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        recorded = json.loads((self.samples / "corollary_stock_bars_daily.json").read_text())
        self.bars = recorded["body"]["bars"]
        spec = yaml.safe_load((self.samples / "openapi_market_data.yaml").read_text())
        example = spec["paths"]["/v2/stocks/quotes/latest"]["get"]["responses"]["200"]["content"]
        self.quotes = example["application/json"]["examples"]["quotes"]["value"]["quotes"]

    def set_quote(self, symbol: str, *, bid: float, ask: float, at: str | None = None) -> None:
        """Quote knob: the next latest-quote answers for ``symbol`` carry this bid and ask."""
        self.quotes[symbol] = {
            "ap": ask,
            "as": 1,
            "ax": "Q",
            "bp": bid,
            "bs": 1,
            "bx": "Q",
            "c": ["R"],
            "t": at or "2026-08-14T19:59:59.123456789Z",
            "z": "C",
        }

    def fail_next(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def count(self, path_prefix: str = "/") -> int:
        return sum(1 for _, path, _ in self.log if path.startswith(path_prefix))

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def gate(request: Request, call_next: Any) -> Response:
            self.log.append((request.method, request.url.path, dict(request.query_params)))
            if self.faults:
                fault = self.faults.popleft()
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                if fault.malformed:
                    return Response('{"bars": {', media_type="application/json")
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return JSONResponse(
                    {"code": 40010000 + fault.status, "message": f"injected {fault.status}"},
                    status_code=fault.status,
                    headers=headers,
                )
            if (
                request.headers.get("apca-api-key-id") != self.key_id
                or request.headers.get("apca-api-secret-key") != self.secret
            ):
                return JSONResponse(
                    {"code": 40110000, "message": "request is not authorized"}, status_code=401
                )
            response: Response = await call_next(request)
            return response

        app.add_api_route("/v2/stocks/bars", self._bars, methods=["GET"])
        app.add_api_route("/v2/stocks/quotes/latest", self._latest_quotes, methods=["GET"])
        return app

    async def _bars(self, request: Request) -> Response:
        q = request.query_params
        if q.get("timeframe") != "1Day":
            return JSONResponse({"code": 42210000, "message": "only 1Day here"}, status_code=422)
        start = _instant(q["start"]) if q.get("start") else None
        end = _instant(q["end"]) if q.get("end") else None
        rows = [
            (symbol, bar)
            for symbol in q["symbols"].split(",")
            for bar in self.bars.get(symbol, [])
            if (start is None or _instant(bar["t"]) >= start)
            and (end is None or _instant(bar["t"]) <= end)
        ]
        offset = int(q.get("page_token") or 0)
        limit = min(int(q.get("limit") or 10000), self.page_size or 10000)
        page = rows[offset : offset + limit]
        body: dict[str, Any] = {"bars": {}, "next_page_token": None}
        for symbol, bar in page:
            body["bars"].setdefault(symbol, []).append(bar)
        if offset + limit < len(rows):
            body["next_page_token"] = str(offset + limit)
        return JSONResponse(body)

    async def _latest_quotes(self, request: Request) -> Response:
        symbols = request.query_params["symbols"].split(",")
        return JSONResponse({"quotes": {s: self.quotes[s] for s in symbols if s in self.quotes}})
