"""The README documents every command the CLI has, and the examples in it use real commands."""

from __future__ import annotations

import re
from pathlib import Path

from trucewatch.cli.main import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _commands() -> list[str]:
    names = [c.name for c in app.registered_commands]
    for group in app.registered_groups:
        names += [f"{group.name} {c.name}" for c in group.typer_instance.registered_commands]
    return [n for n in names if n]


def test_every_command_is_documented() -> None:
    missing = [n for n in _commands() if f"trucewatch {n.split()[0]}" not in README]
    assert not missing, f"undocumented commands: {missing}"


def test_readme_examples_use_existing_commands() -> None:
    known = {n.split()[0] for n in _commands()}
    used = set(re.findall(r"^trucewatch ([a-z-]+)", README, re.M)) | set(re.findall(r"`trucewatch ([a-z-]+)", README))
    assert used <= known, used - known
