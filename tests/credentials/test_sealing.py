"""Short secrets sealed with the key-encryption key: they open with the same KEK and associated
data only, and the sealed text shows nothing of them."""

from __future__ import annotations

import pytest

from carnet.credentials.keystore import KeystoreError, SealedDataError, open_bytes, seal_bytes

KEK = bytes(range(32))
OTHER_KEK = bytes(range(1, 33))
SECRET = b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OWNER = b"webhook-endpoint:5f0e2b1c"


def test_a_sealed_secret_opens_with_the_same_kek_and_associated_data():
    sealed = seal_bytes(SECRET, kek=KEK, associated_data=OWNER)
    assert sealed.startswith("cs1.") and sealed.isascii()
    assert open_bytes(sealed, kek=KEK, associated_data=OWNER) == SECRET


def test_the_sealed_text_does_not_contain_the_secret_and_differs_each_time():
    first, second = (seal_bytes(SECRET, kek=KEK, associated_data=OWNER) for _ in range(2))
    assert first != second
    assert b"MfKQ9r8GKYqr" not in first.encode() and "MfKQ9r8GKYqr" not in first


def test_another_kek_does_not_open_it():
    sealed = seal_bytes(SECRET, kek=KEK, associated_data=OWNER)
    with pytest.raises(SealedDataError):
        open_bytes(sealed, kek=OTHER_KEK, associated_data=OWNER)


def test_a_sealed_secret_moved_to_another_owner_does_not_open():
    sealed = seal_bytes(SECRET, kek=KEK, associated_data=OWNER)
    with pytest.raises(SealedDataError):
        open_bytes(sealed, kek=KEK, associated_data=b"webhook-endpoint:other")


def test_a_changed_byte_is_detected():
    sealed = seal_bytes(SECRET, kek=KEK, associated_data=OWNER)
    prefix, salt, nonce, ciphertext = sealed.split(".")
    changed = ciphertext[:-2] + ("A" if ciphertext[-2] != "A" else "B") + ciphertext[-1]
    with pytest.raises(SealedDataError):
        open_bytes(".".join((prefix, salt, nonce, changed)), kek=KEK, associated_data=OWNER)


@pytest.mark.parametrize("sealed", ["", "whsec_abc", "cs1.a.b", "cs2.AAAA.AAAA.AAAA", "cs1.!!.??.**"])
def test_what_is_not_a_sealed_value_is_refused(sealed):
    with pytest.raises(KeystoreError):
        open_bytes(sealed, kek=KEK, associated_data=OWNER)


def test_a_kek_of_the_wrong_length_is_refused_and_not_shown():
    with pytest.raises(KeystoreError) as refused:
        seal_bytes(SECRET, kek=b"short kek", associated_data=OWNER)
    assert "short kek" not in str(refused.value)


def test_an_empty_value_seals_too():
    assert open_bytes(seal_bytes(b"", kek=KEK, associated_data=b""), kek=KEK, associated_data=b"") == b""
