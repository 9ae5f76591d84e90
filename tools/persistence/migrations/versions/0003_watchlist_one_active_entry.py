"""watchlist: at most one active entry per symbol

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 18:10:00

Why: the operator's watchlist (``hedgegraph watchlist add``, ``POST /api/v1/watchlist``) adds a
symbol from several doors at once; a partial unique index lets the database decide, atomically,
that a second add of a watched symbol updates its row instead of listing it twice. Duplicate
active rows written before this revision are folded into the newest one (the others become
``removed``), so nothing the operator wrote is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE = sa.text("status = 'active'")

_watchlist = sa.table(
    "watchlist",
    sa.column("id", sa.Integer),
    sa.column("symbol", sa.String),
    sa.column("status", sa.String),
)


def _fold_duplicate_active_rows(bind: sa.Connection) -> None:
    """Keep the newest active row of each symbol; mark the older ones removed."""
    rows = bind.execute(
        sa.select(_watchlist.c.id, _watchlist.c.symbol)
        .where(_watchlist.c.status == "active")
        .order_by(_watchlist.c.symbol, _watchlist.c.id.desc())
    ).all()
    seen: set[str] = set()
    older: list[int] = []
    for row in rows:
        if row.symbol in seen:
            older.append(row.id)
        seen.add(row.symbol)
    if older:
        bind.execute(_watchlist.update().where(_watchlist.c.id.in_(older)).values(status="removed"))


def upgrade() -> None:
    _fold_duplicate_active_rows(op.get_bind())
    with op.batch_alter_table("watchlist", schema=None) as batch_op:
        batch_op.create_index(
            "uq_watchlist_active_symbol",
            ["symbol"],
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        )


def downgrade() -> None:
    with op.batch_alter_table("watchlist", schema=None) as batch_op:
        batch_op.drop_index("uq_watchlist_active_symbol")
