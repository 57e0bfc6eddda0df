"""The one error base class every user-facing failure derives from."""

from __future__ import annotations


class TrucewatchError(Exception):
    """A failure the user can act on: the message names the input, the place and the fix."""

    exit_code = 1

    def diagnostics(self) -> str:
        return str(self)


class AgreementError(TrucewatchError):
    """The agreement file is invalid; the message carries the key path."""


class IntakeError(TrucewatchError):
    """A whole input file could not be read (single bad rows are quarantined instead)."""


class StoreError(TrucewatchError):
    """The mission folder or its database is missing or unusable."""


class DecisionError(TrucewatchError):
    """A decision was refused because the workflow does not allow it."""
