"""The memos of pure computations (canonical hashes, signature checks, expanded status lists): a
changed input is never answered from the memo, and each memo stays within its size."""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, datetime

from samples import ISSUER_SEED, SUBJECT_SEED, sample_credential

from carnet.credentials import Ed25519Key, dataintegrity, keys, sign, status, verify
from carnet.credentials.memo import Memo
from carnet.credentials.status import StatusList, read_status, status_entry, status_list_credential

ISSUER = Ed25519Key.from_seed(ISSUER_SEED)
SUBJECT = Ed25519Key.from_seed(SUBJECT_SEED)
CREATED = datetime(2024, 9, 16, 8, 30, tzinfo=UTC)


def test_a_memo_keeps_at_most_its_size_least_recently_used_out():
    memo = Memo(2)
    memo.put(b"a", 1)
    memo.put(b"b", 2)
    assert memo.get(b"a") == 1  # a is now the most recent
    memo.put(b"c", 3)
    assert len(memo) == 2 and memo.get(b"b") is None and memo.get(b"a") == 1


def test_a_changed_document_gets_its_own_canonical_hash():
    document = sample_credential(ISSUER.controller, SUBJECT.controller)
    first = dataintegrity.canonical_hash(document)
    assert dataintegrity.canonical_hash(copy.deepcopy(document)) == first
    document["name"] = "Autre chose"
    assert dataintegrity.canonical_hash(document) != first
    assert dataintegrity.canonical_hash(document) == dataintegrity._canonical_hash(document)


def test_a_document_that_is_not_json_is_hashed_as_given_and_not_kept(monkeypatch):
    monkeypatch.setattr(dataintegrity, "_CANONICAL_HASHES", Memo(8))
    document = sample_credential(ISSUER.controller, SUBJECT.controller)
    document["credentialSubject"]["achievement"]["tag"] = ("a", "b")  # a tuple: not JSON as given
    document["validFrom"] = CREATED  # not JSON at all
    with contextlib.suppress(Exception):  # whatever the computation says, nothing is kept
        dataintegrity.canonical_hash(document)
    assert len(dataintegrity._CANONICAL_HASHES) == 0


def test_a_signature_once_checked_does_not_vouch_for_another_message():
    message, other = b"m" * 64, b"n" * 64
    signature = ISSUER.sign(message)
    assert ISSUER.verify(signature, message)
    assert ISSUER.verify(signature, message)  # from the memo
    assert not ISSUER.verify(signature, other)
    assert not SUBJECT.verify(signature, message)  # another key
    forged = bytes([signature[0] ^ 1]) + signature[1:]
    assert not ISSUER.verify(forged, message)
    assert len(keys._CHECKED_SIGNATURES) <= keys._CHECKED_SIGNATURES.size


def test_an_altered_credential_fails_after_the_original_was_verified():
    signed = sign(sample_credential(ISSUER.controller, SUBJECT.controller), ISSUER, created=CREATED)
    assert verify(signed).valid
    altered = copy.deepcopy(signed)
    altered["credentialSubject"]["achievement"]["name"] = "Soudure TIG — niveau 3"
    report = verify(altered)
    assert not report.valid and "proof" in report.failed()
    assert verify(signed).valid


def test_a_revocation_is_read_at_once_from_the_new_list():
    url = "https://issuer.example/status/1"
    entry = status_entry(url, 42, "revocation")
    bits = StatusList()

    def published() -> dict:
        return status_list_credential(url, ISSUER.controller, bits, "revocation", valid_from=CREATED)

    before = published()
    assert read_status(before, entry) is False
    bits.set(42, True)
    assert read_status(published(), entry) is True
    assert read_status(before, entry) is False  # each list text has its own expansion
    assert len(status._EXPANDED_LISTS) <= status._EXPANDED_LISTS.size
