"""The checkpoint serializer round-trips every domain type and constructs nothing else."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import pytest
from pydantic import BaseModel

import domain
from domain import RunRequest
from graph.checkpoints.serde import checkpoint_allowlist, checkpoint_serializer
from graph.risk.snapshot import GateSnapshot
from tests.unit.persistence.state_factory import AS_OF, full_trading_state


def test_full_trading_state_round_trips_with_types_and_decimals_intact() -> None:
    serde = checkpoint_serializer()
    state = full_trading_state()
    restored = serde.loads_typed(serde.dumps_typed(state))
    assert restored == state
    assert isinstance(restored["portfolio"].cash, Decimal)
    assert restored["portfolio"].cash == Decimal("99999.63")
    assert type(restored["gate_verdicts"][0].reasons[0].code) is domain.ReasonCode
    assert restored["market"].tickers["AAPL"].bars[0].ts.tzinfo is not None


def test_gate_snapshot_round_trips() -> None:
    serde = checkpoint_serializer()
    state = full_trading_state()
    snapshot = GateSnapshot(now=AS_OF, portfolio=state["portfolio"], market=state["market"])
    assert serde.loads_typed(serde.dumps_typed(snapshot)) == snapshot


def test_allowlist_covers_every_exported_domain_class_and_enum() -> None:
    allowed = set(checkpoint_allowlist())
    exported = {
        value
        for name in domain.__all__
        if isinstance(value := getattr(domain, name), type) and issubclass(value, BaseModel | Enum)
    }
    assert exported <= allowed
    assert {RunRequest, GateSnapshot} <= allowed
    assert domain.client_order_id_for not in allowed


class Intruder(BaseModel):
    """A type a forged checkpoint might try to make us build."""

    command: str


@pytest.mark.parametrize(
    "payload", [Intruder(command="rm -rf /"), {"nested": [Intruder(command="x")]}]
)
def test_types_outside_the_allowlist_are_never_constructed(payload: object) -> None:
    serde = checkpoint_serializer()
    restored = serde.loads_typed(serde.dumps_typed(payload))
    assert "Intruder" not in repr(type(restored))
    flat = (
        restored if isinstance(restored, dict) and "command" in restored else restored["nested"][0]
    )
    assert flat == {"command": flat["command"]}
    assert not isinstance(flat, Intruder)


def test_pickle_is_never_used() -> None:
    assert checkpoint_serializer().pickle_fallback is False
