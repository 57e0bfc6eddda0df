"""Key files: private keys with owner-only permissions, public (verifier) keys beside them."""

from __future__ import annotations

import os
from pathlib import Path

from trucewatch.errors import TrucewatchError
from trucewatch.record.note import Signer, Verifier


def write_signer(folder: Path, label: str, name: str) -> tuple[Path, Verifier]:
    """Create a key; the private file is 0600 and never printed. Refuses to overwrite."""
    folder.mkdir(parents=True, exist_ok=True)
    priv, pub = folder / f"{label}.key", folder / f"{label}.pub"
    if priv.exists():
        raise TrucewatchError(f"{priv} already exists; keys are never overwritten")
    signer = Signer.generate(name)
    fd = os.open(priv, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(signer.encode() + "\n")
    pub.write_text(signer.verifier.encode() + "\n")
    return priv, signer.verifier


def read_signer(path: Path) -> Signer:
    try:
        mode = path.stat().st_mode & 0o777
        text = path.read_text().strip()
    except FileNotFoundError:
        raise TrucewatchError(f"{path}: no such key file") from None
    if mode & 0o077:
        raise TrucewatchError(f"{path}: private key is readable by others (mode {mode:o}); run chmod 600 {path}")
    return Signer.parse(text)


def read_verifier(path_or_text: str) -> str:
    """A verifier key given inline or as a file (a .key file yields its public half)."""
    p = Path(path_or_text)
    if p.exists():
        text = p.read_text().strip()
        if text.startswith("PRIVATE+KEY+"):
            return read_signer(p).verifier.encode()
        return text
    return path_or_text.strip()
