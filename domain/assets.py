"""The broker's view of a symbol: can it be traded at all."""

from __future__ import annotations

from domain._base import DomainModel

__all__ = ["AssetStatus"]


class AssetStatus(DomainModel):
    """The broker's asset master entry for one symbol (Alpaca ``/v2/assets``)."""

    symbol: str
    tradable: bool = True
    """False when the broker will not accept orders for the symbol at all."""
    halted: bool = False
    """True when the asset is not ``active`` (trading halt, delisting)."""
    shortable: bool = False
    fractionable: bool = False
