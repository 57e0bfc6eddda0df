"""The one error verification raises."""

from __future__ import annotations

from trucewatch.errors import TrucewatchError


class VerificationError(TrucewatchError):
    """A proof, checkpoint or signature did not verify; the message says what was expected and found."""

    exit_code = 4
