"""Specifications the mutation run showed missing in the monitor's daily-loss guard (issue 9
item 14; see tests/mutation/README.md): an account with no usable baseline reports exactly "no
loss" against the configured limit, and a one-dollar baseline is still a baseline."""

from __future__ import annotations

from decimal import Decimal

import pytest

from graph.monitor.loss_guard import LossLevel, LossStatus, daily_loss_status
from tests.unit.risk.factory import limits


@pytest.mark.parametrize("baseline", [None, Decimal(0), Decimal(-5)])
def test_no_usable_baseline_reports_no_loss_against_the_configured_limit(
    baseline: Decimal | None,
) -> None:
    risk = limits(max_daily_loss_pct=0.03)
    status = daily_loss_status(Decimal("50"), baseline, risk)
    assert status == LossStatus(LossLevel.OK, Decimal(0), Decimal("0.03"))


def test_a_one_dollar_baseline_still_stops_at_the_limit() -> None:
    status = daily_loss_status(Decimal("0.5"), Decimal(1), limits(max_daily_loss_pct=0.03))
    assert status.level is LossLevel.BREACHED
    assert status.loss_pct == Decimal("0.5")
