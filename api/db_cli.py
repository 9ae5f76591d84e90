"""``hedgegraph db``: apply migrations, show where the schema stands, prune old data.

Registered under the main CLI (``app.add_typer(db_app, name="db")``). URLs default to the
settings (DATABASE_URL, CHECKPOINT_URL and their embedded defaults). Alembic, SQLAlchemy and the
checkpointers are imported inside each command, so ``db --help`` starts fast; a database that
cannot be opened is a clear message with exit status 2.
"""

from __future__ import annotations

import typer

from api.exit_codes import ExitCode
from api.startup_errors import startup_guard

__all__ = ["db_app"]

db_app = typer.Typer(help="Database migrations and retention.", no_args_is_help=True)

DatabaseOption = typer.Option(None, "--database-url", help="Overrides DATABASE_URL.")
CheckpointOption = typer.Option(None, "--checkpoint-url", help="Overrides CHECKPOINT_URL.")


def _urls(database_url: str | None, checkpoint_url: str | None) -> tuple[str, str]:
    if database_url and checkpoint_url:
        return database_url, checkpoint_url
    from api.cli_context import load_cli_settings

    settings = load_cli_settings()
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
    with startup_guard():
        from graph.checkpoints.factory import parse_checkpoint_url, setup_checkpointer
        from tools.persistence.migrate import head_revision, upgrade

        upgrade(store_url)
        typer.echo(f"application store: at {head_revision()}")
        setup_checkpointer(ckpt_url)
        typer.echo(f"checkpoints ({parse_checkpoint_url(ckpt_url).backend}): ready")


@db_app.command("current")
def current_command(
    database_url: str | None = DatabaseOption, checkpoint_url: str | None = CheckpointOption
) -> None:
    """Show the applied and the newest revision; exit 1 when anything is behind."""
    store_url, ckpt_url = _urls(database_url, checkpoint_url)
    with startup_guard():
        from graph.checkpoints.factory import CheckpointSchemaBehindError, open_checkpointer
        from tools.persistence.migrate import schema_status

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
        raise typer.Exit(int(ExitCode.INCOMPLETE))


@db_app.command("prune")
def prune_command(
    older_than: str = typer.Option("30d", "--older-than", help="Age such as 30d, 12h, 2w."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count only; delete nothing."),
    database_url: str | None = DatabaseOption,
    checkpoint_url: str | None = CheckpointOption,
) -> None:
    """Delete checkpoints of idle threads and run events older than the given age."""
    from graph.retention import RetentionInputError, parse_age, prune
    from tools.clock import SystemClock

    try:
        age = parse_age(older_than)
    except RetentionInputError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(int(ExitCode.BAD_INPUT)) from None
    store_url, ckpt_url = _urls(database_url, checkpoint_url)
    with startup_guard():
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
