"""Ed25519 keys, key files, signing, and one named error per kind of verification failure."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events import errors
from events.codec import decode_event
from events.contract_vectors import vector_key, vector_public_key
from events.errors import (
    BadSignatureError,
    GoldtraceError,
    KeyFileError,
    MalformedKeyError,
    MalformedSignatureError,
    RevokedKeyError,
    SignatureError,
    SignatureKindError,
    UnknownKeyError,
    WrongParticipantError,
)
from events.keys import (
    derive_key_id,
    load_private_key,
    private_key_from_seed,
    write_private_key,
)
from events.keys import (
    generate_private_key as new_key,
)
from events.signing import (
    b64url_decode,
    b64url_encode,
    load_public_key,
    public_key_b64,
    sign_bytes,
    sign_event,
    verify_event,
    verify_signature,
)
from tests.unit.events._language_fixtures import VECTORS, signed_bytes

EXTRACTED = next(v for v in VECTORS if v.name == "lot-extracted")


def test_a_key_file_is_written_with_mode_0600_and_loads_back(tmp_path: Path) -> None:
    key = new_key()
    path = tmp_path / "coop.pem"
    write_private_key(path, key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, unencrypted
    assert load_private_key(path).public_key().public_bytes_raw() == key.public_key().public_bytes_raw()
    assert [p.name for p in tmp_path.iterdir()] == ["coop.pem"], "no temporary file is left behind"


def test_the_key_file_is_never_readable_by_others_even_under_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        write_private_key(tmp_path / "k.pem", new_key())
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "k.pem").stat().st_mode) == 0o600


def test_the_temporary_file_is_created_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    modes: list[int] = []
    real_open = os.open

    def spying_open(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        modes.append(mode)
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", spying_open)
    write_private_key(tmp_path / "k.pem", new_key())
    assert modes == [0o600]


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "coop.pem"
    path.write_bytes(b"precious")
    with pytest.raises(KeyFileError) as caught:
        write_private_key(path, new_key())
    assert caught.value.code == "keyfile.exists"
    assert path.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["coop.pem"]


def test_two_writers_racing_for_one_file_leave_exactly_one_key(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    outcomes: list[str] = []

    def write() -> None:
        try:
            write_private_key(path, new_key())
            outcomes.append("written")
        except KeyFileError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["keyfile.exists"] * 3 + ["written"]
    load_private_key(path)
    assert [p.name for p in tmp_path.iterdir()] == ["k.pem"]


def test_an_unwritable_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as caught:
        write_private_key(tmp_path / "missing" / "k.pem", new_key())
    assert caught.value.code == "keyfile.unwritable"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (None, "keyfile.unreadable"),
        (b"not a key", "keyfile.not_ed25519"),
        (
            generate_private_key(SECP256R1()).private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
            "keyfile.not_ed25519",
        ),
        (
            Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"secret"),
            ),
            "keyfile.not_ed25519",
        ),
    ],
)
def test_unusable_key_files_are_refused(tmp_path: Path, content: bytes | None, code: str) -> None:
    path = tmp_path / "k.pem"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(KeyFileError) as caught:
        load_private_key(path)
    assert caught.value.code == code
    assert caught.value.code in errors.KEY_FILE_CODES


def test_the_key_id_is_k_and_16_hex_of_sha256_of_the_raw_public_key() -> None:
    key = private_key_from_seed(bytes(32))
    raw = key.public_key().public_bytes_raw()
    assert derive_key_id(key.public_key()) == "k:" + hashlib.sha256(raw).hexdigest()[:16]
    assert derive_key_id(key.public_key()) == derive_key_id(private_key_from_seed(bytes(32)).public_key())


def test_seeds_are_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        private_key_from_seed(b"short")


def test_rfc8032_test_vector_1() -> None:
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    key = private_key_from_seed(seed)
    assert key.public_key().public_bytes_raw().hex() == (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    )
    assert b64url_decode(sign_bytes(b"", key)).hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )


@pytest.mark.parametrize("text", ["", "Zg", "Zm8", "Zm9v", "_-8"])
def test_b64url_round_trips(text: str) -> None:
    assert b64url_encode(b64url_decode(text)) == text


@pytest.mark.parametrize("text", ["Zg==", "Zh", "Z", "Zm9v+", "Zm9v/", "Zm 9v", "Zm9v\n", "Zm9vé"])
def test_b64url_refuses_padding_foreign_letters_and_stray_bits(text: str) -> None:
    with pytest.raises(ValueError, match="base64url"):
        b64url_decode(text)


def test_sign_and_verify_round_trip_and_replace_an_old_signature() -> None:
    key = vector_key("cecomip")
    once = sign_event(EXTRACTED.event, key)
    twice = sign_event({**once, "signature": "A" * 86}, key)
    assert once == twice
    decoded = decode_event(signed_bytes(EXTRACTED))
    verify_event(decoded, load_public_key(public_key_b64(key)))


def raises_kind(kind: type[SignatureKindError], call: Callable[[], object]) -> SignatureError:
    with pytest.raises(kind) as caught:
        call()
    assert isinstance(caught.value, SignatureError)
    assert isinstance(caught.value, GoldtraceError)
    assert caught.value.code == kind.CODE
    assert caught.value.detail.endswith(".")
    return caught.value


def test_a_signature_by_another_key_is_signature_invalid() -> None:
    decoded = decode_event(signed_bytes(EXTRACTED))
    other = load_public_key(vector_public_key("arm"))
    raises_kind(BadSignatureError, lambda: verify_event(decoded, other))


def test_a_changed_message_is_signature_invalid() -> None:
    decoded = decode_event(signed_bytes(EXTRACTED))
    key = load_public_key(vector_public_key("cecomip"))
    signature = decoded.event.signature
    assert signature is not None
    raises_kind(BadSignatureError, lambda: verify_signature(decoded.signing_input + b" ", signature, key))


@pytest.mark.parametrize("signature", ["A" * 85 + "B", "A" * 43, "A" * 88, "not base64!", ""])
def test_a_malformed_signature_is_signature_malformed(signature: str) -> None:
    key = load_public_key(vector_public_key("cecomip"))
    raises_kind(MalformedSignatureError, lambda: verify_signature(b"message", signature, key))


@pytest.mark.parametrize("public_key", ["A" * 42 + "B", "A" * 42, "A" * 44, "", "AAAA" * 10 + "AA=", "*" * 43])
def test_a_malformed_public_key_is_key_malformed(public_key: str) -> None:
    raises_kind(MalformedKeyError, lambda: load_public_key(public_key))


def test_public_keys_are_cached() -> None:
    text = vector_public_key("arm")
    assert load_public_key(text) is load_public_key(text)


@pytest.mark.parametrize("kind", [UnknownKeyError, RevokedKeyError, WrongParticipantError])
def test_registry_kinds_have_stable_codes_and_default_sentences(kind: type[SignatureKindError]) -> None:
    default = kind()
    specific = kind("Key k:1 of coop-1 was revoked at 2026-11-27T05:00:00Z.")
    assert default.code == specific.code == kind.CODE
    assert default.detail == kind.SENTENCE
    assert specific.detail.startswith("Key k:1")
    assert default.as_json() == {"error": kind.CODE, "detail": kind.SENTENCE}


def test_every_signature_error_kind_has_its_own_code() -> None:
    codes = [kind.CODE for kind in errors.SIGNATURE_ERRORS]
    assert len(set(codes)) == len(codes) == 6
    assert set(codes) == {
        "key.malformed",
        "key.unknown",
        "key.revoked",
        "key.wrong_participant",
        "signature.malformed",
        "signature.invalid",
    }


def test_the_root_error_keeps_its_two_argument_form() -> None:
    error = SignatureError("signature.invalid", "The signature does not match.")
    assert (error.code, error.detail, str(error)) == (
        "signature.invalid",
        "The signature does not match.",
        "signature.invalid: The signature does not match.",
    )
