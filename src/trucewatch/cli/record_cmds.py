"""The verifiable record: keys, checkpoints, co-signatures, proof bundles and verification."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from trucewatch.record.bundle import verify_bundle
from trucewatch.record.errors import VerificationError
from trucewatch.record.note import Signer
from trucewatch.store.audit import verify_report, verify_store
from trucewatch.store.checkpoints import bundle, cosign, sign_checkpoint, write_bundle
from trucewatch.store.keys import read_signer, read_verifier, write_signer

from .common import DatabaseOpt, console, open_mission

keys_app = typer.Typer(help="Create and show signing keys for parties and witnesses.", no_args_is_help=True)


@keys_app.command("new")
def keys_new(
    name: str = typer.Argument(..., help="Key name, e.g. party-a.example/liaison (no spaces or '+')."),
    folder: Path = typer.Option(Path("keys"), "--dir", help="Where to write NAME.key (0600) and NAME.pub."),
    label: str | None = typer.Option(None, "--label", help="File name stem (default: last part of the name)."),
) -> None:
    """Create a key pair; prints the public (verifier) key only."""
    stem = label or name.rsplit("/", 1)[-1]
    priv, verifier = write_signer(folder, stem, name)
    console.print(f"private key: {priv} (owner-only)")
    print(verifier.encode())


@keys_app.command("show")
def keys_show(
    key: Path = typer.Argument(..., help="A .key or .pub file."),
    private: bool = typer.Option(False, "--private", help="Also print the private key."),
) -> None:
    """Show a key's verifier form (and the private form only when asked)."""
    text = key.read_text().strip()
    if text.startswith("PRIVATE+KEY+"):
        signer: Signer = read_signer(key)
        print(signer.verifier.encode())
        if private:
            print(signer.encode())
    else:
        print(read_verifier(str(key)))


def checkpoint(dir: Path = typer.Argument(..., help="Mission folder."), database: str | None = DatabaseOpt) -> None:
    """Sign a checkpoint of the record's current size and root with the mission key."""
    m = open_mission(dir, database)
    with m.engine.begin() as conn:
        cp = sign_checkpoint(m, conn)
    print(cp.note, end="")


def cosign_cmd(
    dir: Path = typer.Argument(..., help="Mission folder."),
    key: Path = typer.Option(..., "--key", help="The party's or witness's private key file."),
    database: str | None = DatabaseOpt,
) -> None:
    """Co-sign the latest checkpoint, refusing unless it is consistent with the last one this key signed."""
    m = open_mission(dir, database)
    with m.engine.begin() as conn:
        cp, prev = cosign(m, conn, key)
    since = f"consistent with size {prev}" if prev is not None else "first signature by this key"
    console.print(f"co-signed checkpoint of size {cp.size} ({since})")
    print(cp.note, end="")


def bundle_cmd(
    dir: Path = typer.Argument(..., help="Mission folder."),
    index: int = typer.Argument(..., help="Record entry index (0-based)."),
    out: Path = typer.Option(..., "--out", help="Bundle file to write."),
    database: str | None = DatabaseOpt,
) -> None:
    """Write a proof bundle (entry + inclusion proof + signed checkpoint) for offline checking."""
    m = open_mission(dir, database)
    with m.engine.connect() as conn:
        data = bundle(conn, index)
    write_bundle(out, data)
    console.print(f"wrote {out}: entry {index} in a tree of {data['tree_size']}")


def verify(dir: Path = typer.Argument(..., help="Mission folder."), database: str | None = DatabaseOpt) -> None:
    """Recompute the record from stored entries; name any entry altered, deleted or reordered."""
    m = open_mission(dir, database)
    rep = verify_store(m)
    if rep.problems:
        for p in rep.problems:
            console.print(f"[red]✗[/] {p}")
        raise VerificationError(f"record verification failed: expected 0 problems, got {len(rep.problems)}")
    console.print(f"record intact: {rep.entries} entries, {rep.checkpoints} checkpoints verified")


def verify_bundle_cmd(
    bundle_file: Path = typer.Argument(..., help="Proof bundle file."),
    key: list[str] = typer.Option(..., "--key", help="Trusted verifier key (text or file); repeatable."),
) -> None:
    """Check a proof bundle offline, without the mission's database."""
    res = verify_bundle(bundle_file.read_text(), [read_verifier(k) for k in key])
    console.print(f"entry {res['index']} is in {res['origin']} at size {res['tree_size']}, "
                  f"signed by {', '.join(res['signed_by'])}")  # fmt: skip
    print(json.dumps(res["entry"], sort_keys=True))


def verify_report_cmd(
    report_file: Path = typer.Argument(..., help="A daily report or index HTML file."),
    mission: Path = typer.Option(..., "--mission", help="Mission folder holding the record."),
    key: str | None = typer.Option(None, "--key", help="Mission verifier key (default: the mission's own)."),
    database: str | None = DatabaseOpt,
) -> None:
    """Recompute a report's figures from the record at the checkpoint it names, and compare."""
    m = open_mission(mission, database)
    res = verify_report(m, report_file, read_verifier(key) if key else None)
    console.print(f"report figures match the record at size {res['tree_size']} ({res['days']} days checked)")
