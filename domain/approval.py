"""Human approval in supervised sessions: what the interrupt shows, the verdict it resumes with."""

from __future__ import annotations

from domain._base import DomainModel
from domain.gate import GateVerdict

__all__ = ["ApprovalRequest", "ApprovalVerdict"]


class ApprovalRequest(DomainModel):
    thread_id: str
    verdicts: tuple[GateVerdict, ...]


class ApprovalVerdict(DomainModel):
    approved: bool
    approver: str = "operator"
    note: str = ""
