"""The portfolio manager: allowed actions computed by code, a policy that chooses, a clamp."""

from agents.portfolio_manager.allowed_actions import (
    InvalidReferencePriceError,
    compute_allowed_actions,
)
from agents.portfolio_manager.clamp import RawChoice, clamp_choice
from agents.portfolio_manager.manager import decide

__all__ = [
    "InvalidReferencePriceError",
    "RawChoice",
    "clamp_choice",
    "compute_allowed_actions",
    "decide",
]
