"""Choose the research backend the settings name (``research.backend``).

- ``rules``: the service the context was built with (the trend/news check by default, or
  whatever a test or backtest injected);
- ``native``: the research agent (native subgraph with an LLM, rules-only without one);
- ``external``: an external Mazo service; its module is imported only when chosen.
"""

from __future__ import annotations

from config.settings import Settings
from mazo_bridge.service import ResearchService
from tools.market_data.provider import MarketDataProvider

__all__ = ["configured_research"]


def configured_research(
    settings: Settings, market_data: MarketDataProvider, default: ResearchService
) -> ResearchService:
    backend = settings.research.backend
    if backend == "native":
        from mazo_bridge.candidate_research import AgentResearchService

        return AgentResearchService(settings, market_data)
    if backend == "external":
        from mazo_bridge.external import ExternalResearchService

        return ExternalResearchService(settings)
    return default
