"""The `trucewatch` command: error handling, verbosity, and the command table."""

from __future__ import annotations

import sys
import traceback

import typer

from trucewatch.errors import TrucewatchError

from . import mission_cmds, publish_cmds, record_cmds, scenario_cmds, server_cmds
from .common import STATE, err

app = typer.Typer(
    name="trucewatch",
    help="Monitoring and verification of a ceasefire.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(verbose: bool = typer.Option(False, "-v", "--verbose", help="Show tracebacks on errors.")) -> None:
    STATE["verbose"] = verbose


app.command("init")(mission_cmds.init)
app.command("import")(mission_cmds.import_)
app.command("quarantine")(mission_cmds.quarantine)
app.command("run")(mission_cmds.run)
app.command("status")(mission_cmds.status)
app.command("decide")(mission_cmds.decide)
app.command("report")(publish_cmds.report)
app.command("export")(publish_cmds.export)
app.command("scenario")(scenario_cmds.scenario)
app.command("evaluate")(scenario_cmds.evaluate)
app.command("demo")(scenario_cmds.demo)
app.add_typer(record_cmds.keys_app, name="keys")
app.command("checkpoint")(record_cmds.checkpoint)
app.command("cosign")(record_cmds.cosign_cmd)
app.command("bundle")(record_cmds.bundle_cmd)
app.command("verify")(record_cmds.verify)
app.command("verify-bundle")(record_cmds.verify_bundle_cmd)
app.command("verify-report")(record_cmds.verify_report_cmd)
app.command("serve")(server_cmds.serve)
app.add_typer(server_cmds.users_app, name="users")


def main() -> None:
    try:
        rc = app(standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except TrucewatchError as e:
        if STATE["verbose"]:
            traceback.print_exc()
        err.print(f"[red]error:[/] {e.diagnostics()}", highlight=False)
        sys.exit(e.exit_code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except Exception as e:  # click usage errors (typer vendors click) carry their own exit code and message
        if hasattr(e, "show") and isinstance(getattr(e, "exit_code", None), int):
            e.show()
            sys.exit(e.exit_code)
        if STATE["verbose"]:
            traceback.print_exc()
        err.print(f"[red]internal error:[/] {type(e).__name__}: {e} (run with -v for the traceback)", highlight=False)
        sys.exit(70)
