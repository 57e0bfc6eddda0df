"""C2SP signed notes with Ed25519 signatures, and C2SP tlog-checkpoint bodies.

Keys use the forms of golang.org/x/mod/sumdb/note: a verifier key is ``name+hexid+base64(0x01||pub)``
and a signer key ``PRIVATE+KEY+name+hexid+base64(0x01||seed)``; key id = SHA-256(name||0x0A||0x01||pub)[:4].
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from trucewatch.record.errors import VerificationError

ALG_ED25519 = 0x01
SIG_PREFIX = "\u2014 "  # em dash, space


def key_id(name: str, public: bytes) -> int:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public).digest()
    return struct.unpack(">I", digest[:4])[0]


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


@dataclass(frozen=True)
class Verifier:
    name: str
    id: int
    public: bytes

    @classmethod
    def parse(cls, text: str) -> Verifier:
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise VerificationError(f"verifier key has wrong form: expected name+hexid+base64key, got {text!r}")
        name, hexid, b64 = parts
        if not _valid_name(name):
            raise VerificationError(f"verifier key name is invalid: expected no spaces or '+', got {name!r}")
        try:
            kid = int(hexid, 16)
            raw = base64.b64decode(b64, validate=True)
        except (ValueError, binascii.Error):
            raise VerificationError(f"verifier key is not hex id and base64: got {text!r}") from None
        if len(hexid) != 8 or len(raw) != 33 or raw[0] != ALG_ED25519:
            raise VerificationError(f"verifier key is not an Ed25519 note key: expected 33-byte key, got {len(raw)}")
        if key_id(name, raw[1:]) != kid:
            raise VerificationError(f"verifier key id mismatch: expected {key_id(name, raw[1:]):08x}, got {hexid}")
        return cls(name, kid, raw[1:])

    def encode(self) -> str:
        return f"{self.name}+{self.id:08x}+{base64.b64encode(bytes([ALG_ED25519]) + self.public).decode()}"

    def verify(self, msg: bytes, sig: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(sig, msg)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Signer:
    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> Signer:
        if not _valid_name(name):
            raise ValueError(f"key name {name!r} must not contain spaces or '+'")
        seed = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(name, seed)

    @classmethod
    def parse(cls, text: str) -> Signer:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise VerificationError("signer key has wrong form: expected PRIVATE+KEY+name+hexid+base64key")
        try:
            raw = base64.b64decode(parts[4], validate=True)
        except binascii.Error:
            raise VerificationError("signer key is not base64") from None
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise VerificationError(f"signer key has wrong length: expected 33 bytes, got {len(raw)}")
        signer = cls(parts[2], raw[1:])
        if f"{signer.verifier.id:08x}" != parts[3]:
            raise VerificationError(f"signer key id mismatch: expected {signer.verifier.id:08x}, got {parts[3]}")
        return signer

    @property
    def _key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def verifier(self) -> Verifier:
        pub = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, key_id(self.name, pub), pub)

    def encode(self) -> str:
        v = self.verifier
        return f"PRIVATE+KEY+{self.name}+{v.id:08x}+{base64.b64encode(bytes([ALG_ED25519]) + self.seed).decode()}"

    def signature_line(self, text: str) -> str:
        sig = self._key.sign(text.encode())
        blob = struct.pack(">I", self.verifier.id) + sig
        return f"{SIG_PREFIX}{self.name} {base64.b64encode(blob).decode()}\n"


def split_note(note: str) -> tuple[str, list[tuple[str, int, bytes]]]:
    """The note text (with its final newline) and its signatures as (name, key id, signature)."""
    if not isinstance(note, str):
        raise VerificationError(f"note must be text: expected str, got {type(note).__name__}")
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise VerificationError("note contains control characters: expected none but newline, got some")
    sep = note.rfind("\n\n")
    if sep < 0 or not note.endswith("\n"):
        raise VerificationError("note is malformed: expected text, blank line and signature lines, got none")
    text, sigblock = note[: sep + 1], note[sep + 2 :]
    sigs: list[tuple[str, int, bytes]] = []
    for line in sigblock.splitlines():
        if not line.startswith(SIG_PREFIX):
            raise VerificationError(f"signature line is malformed: expected '— name sig', got {line[:60]!r}")
        fields = line[len(SIG_PREFIX) :].split(" ")
        if len(fields) != 2:
            raise VerificationError(f"signature line is malformed: expected 2 fields, got {len(fields)}")
        try:
            blob = base64.b64decode(fields[1], validate=True)
        except binascii.Error:
            raise VerificationError("signature is not base64: expected base64, got invalid text") from None
        if len(blob) < 5:
            raise VerificationError(f"signature is too short: expected at least 5 bytes, got {len(blob)}")
        sigs.append((fields[0], struct.unpack(">I", blob[:4])[0], blob[4:]))
    if not sigs:
        raise VerificationError("note has no signatures: expected at least 1, got 0")
    return text, sigs


def sign_note(text: str, signers: list[Signer]) -> str:
    if not text.endswith("\n"):
        raise ValueError("note text must end with a newline")
    return text + "\n" + "".join(s.signature_line(text) for s in signers)


def add_signature(note: str, signer: Signer) -> str:
    """Co-sign an already signed note (the text is unchanged)."""
    text, _ = split_note(note)
    return note + signer.signature_line(text)


def verify_note(text: str, verifier_keys: list[str]) -> list[str]:
    """Names of the known keys whose signatures verify. Raises if none does or any known one fails."""
    try:
        verifiers = {}
        for k in verifier_keys:
            v = Verifier.parse(k)
            verifiers[(v.name, v.id)] = v
        body, sigs = split_note(text)
        ok: list[str] = []
        for name, kid, sig in sigs:
            v = verifiers.get((name, kid))
            if v is None:
                continue
            if not v.verify(body.encode(), sig):
                raise VerificationError(f"signature by {name} does not verify: expected valid Ed25519, got invalid")
            if name not in ok:
                ok.append(name)
        if not ok:
            names = ", ".join(sorted(n for n, _ in verifiers))
            raise VerificationError(f"note is not signed by a known key: expected one of [{names}], got none")
        return ok
    except VerificationError:
        raise
    except Exception as e:  # whatever bytes arrive, only VerificationError leaves this function
        raise VerificationError(f"note could not be verified: expected a signed note, got {type(e).__name__}") from None


@dataclass(frozen=True)
class Checkpoint:
    """The C2SP tlog-checkpoint body: origin, tree size, base64 root hash, optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise VerificationError("checkpoint is malformed: expected origin, size and root lines, got fewer")
        origin, size_s, root_s = lines[0], lines[1], lines[2]
        if not size_s.isdigit() or (size_s != "0" and size_s.startswith("0")):
            raise VerificationError(f"checkpoint size is not a decimal number: got {size_s[:30]!r}")
        try:
            root = base64.b64decode(root_s, validate=True)
        except binascii.Error:
            raise VerificationError("checkpoint root is not base64: got invalid text") from None
        if len(root) != 32:
            raise VerificationError(f"checkpoint root has wrong length: expected 32 bytes, got {len(root)}")
        return cls(origin, int(size_s), root, tuple(lines[3:-1]))
