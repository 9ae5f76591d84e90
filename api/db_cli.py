"""``hedgegraph db``: apply migrations, show where the schema stands, prune old data.

The lead registers this Typer app under the main CLI (``app.add_typer(db_app, name="db")``).
URLs default to the settings (DATABASE_URL, CHECKPOINT_URL and their embedded defaults).
"""

from __future__ import annotations

import typer

from config.settings import ConfigError, Settings, load_settings
from graph.checkpoints.factory import (
    CheckpointSchemaBehindError,
    CheckpointURLError,
    open_checkpointer,
    parse_checkpoint_url,
    setup_checkpointer,
)
from graph.retention import RetentionInputError, parse_age, prune
from tools.clock import SystemClock
from tools.persistence.migrate import head_revision, schema_status, upgrade

__all__ = ["db_app"]

db_app = typer.Typer(help="Database migrations and retention.", no_args_is_help=True)

DatabaseOption = typer.Option(None, "--database-url", help="Overrides DATABASE_URL.")
CheckpointOption = typer.Option(None, "--checkpoint-url", help="Overrides CHECKPOINT_URL.")


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


def _urls(database_url: str | None, checkpoint_url: str | None) -> tuple[str, str]:
    if database_url and checkpoint_url:
        return database_url, checkpoint_url
    settings = _settings()
    return (
        database_url or settings.effective_database_url,
        checkpoint_url or settings.effective_checkpoint_url,
    )


@db_app.command("upgrade")
def upgrade_command(
    database_url: str | None = DatabaseOption, checkpoint_url: str | None = CheckpointOption
) -> None:
    """Apply all migrations: the application store, then the checkpoint schema."""
    store_url, ckpt_url = _urls(database_url, checkpoint_url)
    upgrade(store_url)
    typer.echo(f"application store: at {head_revision()}")
    try:
        setup_checkpointer(ckpt_url)
    except CheckpointURLError as exc:
        typer.echo(f"checkpoints: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"checkpoints ({parse_checkpoint_url(ckpt_url).backend}): ready")


@db_app.command("current")
def current_command(
    database_url: str | None = DatabaseOption, checkpoint_url: str | None = CheckpointOption
) -> None:
    """Show the applied and the newest revision; exit 1 when anything is behind."""
    store_url, ckpt_url = _urls(database_url, checkpoint_url)
    status = schema_status(store_url)
    typer.echo(f"application store: current={status.current or 'empty'} head={status.head}")
    behind = not status.is_current
    try:
        with open_checkpointer(ckpt_url):
            typer.echo("checkpoints: current")
    except CheckpointSchemaBehindError as exc:
        typer.echo(f"checkpoints: {exc}")
        behind = True
    if behind:
        typer.echo("schema is behind: run `hedgegraph db upgrade`", err=True)
        raise typer.Exit(1)


@db_app.command("prune")
def prune_command(
    older_than: str = typer.Option("30d", "--older-than", help="Age such as 30d, 12h, 2w."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count only; delete nothing."),
    database_url: str | None = DatabaseOption,
    checkpoint_url: str | None = CheckpointOption,
) -> None:
    """Delete checkpoints of idle threads and run events older than the given age."""
    try:
        age = parse_age(older_than)
    except RetentionInputError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    store_url, ckpt_url = _urls(database_url, checkpoint_url)
    report = prune(
        now=SystemClock().now(),
        older_than=age,
        database_url=store_url,
        checkpoint_urls=[ckpt_url],
        dry_run=dry_run,
    )
    verb = "would delete" if dry_run else "deleted"
    typer.echo(
        f"cutoff {report.cutoff.isoformat()}: {verb} {len(report.threads)} checkpoint threads "
        f"and {report.run_events} run events"
    )
