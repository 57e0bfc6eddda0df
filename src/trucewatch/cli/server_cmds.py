"""Serving the HTTP API and dashboard, and managing its users."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from trucewatch.store.users import add_user, list_users, revoke_user

from .common import DatabaseOpt, console, open_mission

users_app = typer.Typer(help="Users of the HTTP API and their tokens.", no_args_is_help=True)


def serve(
    dir: Path = typer.Argument(..., help="Mission folder."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    database: str | None = DatabaseOpt,
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Server processes sharing the port (one per core; each commits in groups, the store serialises them).",
    ),
) -> None:
    """Serve the HTTP API (/api/v1, /openapi.json) and the offline dashboard (/)."""
    open_mission(dir, database)  # fail here, with a clear message, before the server starts
    os.environ["TRUCEWATCH_MISSION"] = str(dir.resolve())
    if database:
        os.environ["TRUCEWATCH_DATABASE"] = database
    # the app itself is started by import string in the worker processes
    from trucewatch.server.workers import serve as run_workers

    run_workers(host, port, workers)


@users_app.command("add")
def users_add(
    dir: Path = typer.Argument(..., help="Mission folder."),
    role: str = typer.Option(..., "--role", help="monitor, analyst, chief, party or mediator."),
    name: str = typer.Option(..., "--name"),
    party: str | None = typer.Option(None, "--party", help="The party a liaison speaks for."),
    days: int = typer.Option(90, "--days", help="Token lifetime."),
    database: str | None = DatabaseOpt,
) -> None:
    """Create a user; the token is printed once, as the last line."""
    m = open_mission(dir, database)
    with m.engine.begin() as conn:
        token = add_user(conn, name, role, party, m.agreement.party_ids, days)
    console.print(f"user {name} ({role}{', ' + party if party else ''}) created; the token is shown only now:")
    print(token)


@users_app.command("list")
def users_list(dir: Path = typer.Argument(..., help="Mission folder."), database: str | None = DatabaseOpt) -> None:
    """Users, roles, expiry and revocation (never tokens)."""
    m = open_mission(dir, database)
    with m.engine.connect() as conn:
        rows = list_users(conn)
    table = Table("name", "role", "party", "created", "expires", "revoked")
    for r in rows:
        table.add_row(*(str(r[k] or "") for k in ("name", "role", "party", "created_at", "expires_at", "revoked_at")))
    console.print(table)


@users_app.command("revoke")
def users_revoke(
    dir: Path = typer.Argument(..., help="Mission folder."),
    name: str = typer.Argument(...),
    database: str | None = DatabaseOpt,
) -> None:
    """Revoke a user's token at once."""
    m = open_mission(dir, database)
    with m.engine.begin() as conn:
        revoke_user(conn, name)
    console.print(f"user {name} revoked")
