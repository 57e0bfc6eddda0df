"""The public record API against RFC 6962 test vectors, negative cases and properties."""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from trucewatch.record import (
    VerificationError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
    verify_note,
)
from trucewatch.record.note import Checkpoint, Signer, add_signature, sign_note

# The Certificate Transparency reference leaves, tree heads and proofs (RFC 6962 test vectors).
LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                      "606162636465666768696a6b6c6d6e6f"]]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = {
    (0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
}  # fmt: skip
CONSISTENCY = {
    (2, 8): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (6, 8): ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
    (2, 5): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"],
}  # fmt: skip


def test_roots_match_the_reference_tree_heads() -> None:
    for n in range(len(LEAVES) + 1):
        assert root(LEAVES[:n]).hex() == ROOTS[n]


@pytest.mark.parametrize(("index", "size"), sorted(INCLUSION))
def test_inclusion_proofs_match_the_reference(index: int, size: int) -> None:
    proof = inclusion_proof(LEAVES[:size], index)
    assert [p.hex() for p in proof] == INCLUSION[(index, size)]
    verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("old", "new"), sorted(CONSISTENCY))
def test_consistency_proofs_match_the_reference(old: int, new: int) -> None:
    proof = consistency_proof(LEAVES[:new], old)
    assert [p.hex() for p in proof] == CONSISTENCY[(old, new)]
    verify_consistency(old, new, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), proof)


def _leaves(n: int) -> list[bytes]:
    return [f"entry-{i}".encode() for i in range(n)]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_every_inclusion_proof_verifies(case: tuple[int, int]) -> None:
    n, i = case
    leaves = _leaves(n)
    verify_inclusion(leaf_hash(leaves[i]), i, n, inclusion_proof(leaves, i), root(leaves))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_every_consistency_proof_verifies(case: tuple[int, int]) -> None:
    m, n = case
    leaves = _leaves(n)
    verify_consistency(m, n, root(leaves[:m]), root(leaves), consistency_proof(leaves, m))


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 40).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1), st.data())))
def test_any_single_changed_byte_fails(case: tuple[int, int, st.DataObject]) -> None:
    n, i, data = case
    leaves = _leaves(n)
    proof = inclusion_proof(leaves, i)
    r = root(leaves)
    target = data.draw(st.sampled_from(["leaf", "root", *(["proof"] if proof else [])]))
    bit = data.draw(st.integers(0, 255))
    flip = lambda b: bytes([b[0] ^ (1 << (bit % 8)), *b[1:]]) if bit < 32 else b[:-1] + bytes([b[-1] ^ 1])  # noqa: E731
    lh = leaf_hash(leaves[i])
    if target == "leaf":
        lh = flip(lh)
    elif target == "root":
        r = flip(r)
    else:
        k = data.draw(st.integers(0, len(proof) - 1))
        proof[k] = flip(proof[k])
    with pytest.raises(VerificationError):
        verify_inclusion(lh, i, n, proof, r)


def test_negative_inclusion_cases_give_exact_messages() -> None:
    leaves = _leaves(8)
    proof, r, lh = inclusion_proof(leaves, 3), root(leaves), leaf_hash(leaves[3])
    with pytest.raises(VerificationError, match="inclusion proof has wrong size: expected 3, got 2"):
        verify_inclusion(lh, 3, 8, proof[:2], r)
    with pytest.raises(VerificationError, match="leaf index out of range: expected < 8, got 8"):
        verify_inclusion(lh, 8, 8, proof, r)
    with pytest.raises(VerificationError, match="expected 32 bytes, got 31"):
        verify_inclusion(lh[:31], 3, 8, proof, r)
    with pytest.raises(VerificationError, match="different root"):
        verify_inclusion(lh, 2, 8, proof, r)
    with pytest.raises(VerificationError, match="wrong size"):
        verify_inclusion(lh, 3, 9, proof, r)
    with pytest.raises(VerificationError, match="must be an integer"):
        verify_inclusion(lh, "3", 8, proof, r)  # type: ignore[arg-type]


def test_negative_consistency_cases() -> None:
    leaves = _leaves(8)
    proof = consistency_proof(leaves, 3)
    with pytest.raises(VerificationError, match="old tree is larger"):
        verify_consistency(9, 8, root(leaves), root(leaves), proof)
    with pytest.raises(VerificationError, match="different"):
        verify_consistency(3, 8, root(leaves[:4]), root(leaves), proof)
    with pytest.raises(VerificationError, match="wrong size"):
        verify_consistency(3, 8, root(leaves[:3]), root(leaves), proof[1:])
    with pytest.raises(VerificationError, match="roots of equal-size trees differ"):
        verify_consistency(8, 8, root(leaves[:7]), root(leaves), [])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64), st.integers(-3, 100), st.integers(-3, 100),
       st.lists(st.binary(max_size=40), max_size=8), st.binary(max_size=40))  # fmt: skip
def test_garbage_only_ever_raises_verification_error(h: bytes, i: int, n: int, proof: list[bytes], r: bytes) -> None:
    for call in (lambda: verify_inclusion(h, i, n, proof, r), lambda: verify_consistency(i, n, h, r, proof)):
        with contextlib.suppress(VerificationError):
            call()


def test_notes_sign_verify_and_cosign() -> None:
    mission, party = Signer.generate("trucewatch.mission/test"), Signer.generate("party-a.example/liaison")
    body = Checkpoint("trucewatch.mission/test", 8, bytes.fromhex(ROOTS[8])).text()
    note = sign_note(body, [mission])
    assert note.startswith("trucewatch.mission/test\n8\n" + base64.b64encode(bytes.fromhex(ROOTS[8])).decode())
    assert verify_note(note, [mission.verifier.encode()]) == ["trucewatch.mission/test"]
    both = add_signature(note, party)
    assert verify_note(both, [mission.verifier.encode(), party.verifier.encode()]) == [
        "trucewatch.mission/test", "party-a.example/liaison"]  # fmt: skip
    with pytest.raises(VerificationError, match="not signed by a known key"):
        verify_note(note, [party.verifier.encode()])
    tampered = note.replace("\n8\n", "\n9\n")
    with pytest.raises(VerificationError, match="does not verify"):
        verify_note(tampered, [mission.verifier.encode()])


def test_key_id_follows_the_signed_note_spec() -> None:
    import hashlib

    s = Signer.generate("example.com/k")
    v = s.verifier
    assert v.id == int.from_bytes(hashlib.sha256(b"example.com/k\n\x01" + v.public).digest()[:4], "big")
    name, hexid, b64 = v.encode().split("+", 2)
    assert (name, hexid, base64.b64decode(b64)[0]) == ("example.com/k", f"{v.id:08x}", 1)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.lists(st.text(max_size=80), max_size=3))
def test_verify_note_only_raises_verification_error(text: str, keys: list[str]) -> None:
    with contextlib.suppress(VerificationError):
        verify_note(text, keys)


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(_json)
@example(2.0**53)
@example(5.782868635861725e16)
@example({"a": [1e-5, 3.0, -0.0]})
def test_canonical_json_is_rfc8785(obj: object) -> None:
    import rfc8785

    from trucewatch.record.canonical import canonical

    assert canonical(obj) == rfc8785.dumps(obj)
