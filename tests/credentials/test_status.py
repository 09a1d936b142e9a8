"""Bitstring Status List v1.0: bit order, encoding, allocation, hostile lists."""

from __future__ import annotations

import base64
import contextlib
import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carnet.credentials.errors import StatusListError
from carnet.credentials.status import (
    MIN_SIZE,
    IndexAllocator,
    StatusList,
    read_status,
    status_entry,
    status_list_credential,
)


def raw(status_list: StatusList) -> bytes:
    encoded = status_list.encode()
    return gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))


def test_index_zero_is_the_most_significant_bit_of_the_first_byte():
    bits = StatusList()
    bits.set(0, True)
    assert raw(bits)[0] == 0x80
    bits = StatusList()
    bits.set(7, True)
    assert raw(bits)[0] == 0x01
    bits = StatusList()
    bits.set(8, True)
    assert raw(bits)[:2] == b"\x00\x80"


def test_a_new_list_has_131072_entries_and_round_trips():
    bits = StatusList()
    assert bits.size == MIN_SIZE == 131_072
    for index in (0, 1, 4242, MIN_SIZE - 1):
        bits.set(index, True)
    encoded = bits.encode()
    assert encoded.startswith("u") and "=" not in encoded
    decoded = StatusList.decode(encoded)
    assert decoded.size == MIN_SIZE
    assert [i for i in (0, 1, 2, 4242, 4243, MIN_SIZE - 1) if decoded.get(i)] == [0, 1, 4242, MIN_SIZE - 1]


def test_clearing_a_bit_reinstates():
    bits = StatusList()
    bits.set(5, True)
    bits.set(5, False)
    assert not StatusList.decode(bits.encode()).get(5)


@pytest.mark.parametrize("index", [-1, MIN_SIZE, True, "3"])
def test_out_of_range_indexes_are_refused(index):
    with pytest.raises(StatusListError):
        StatusList().get(index)


def test_a_gzip_bomb_is_refused():
    bomb = gzip.compress(b"\x00" * (64 * 1024 * 1024))
    encoded = "u" + base64.urlsafe_b64encode(bomb).rstrip(b"=").decode()
    with pytest.raises(StatusListError, match="expands to more than"):
        StatusList.decode(encoded)


@pytest.mark.parametrize("encoded", ["", "zabc", "u!!!", "uAAAA", 5, None, "u" + "A" * 10])
def test_malformed_lists_are_refused(encoded):
    with pytest.raises(StatusListError):
        StatusList.decode(encoded)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_strings_only_ever_raise_status_list_errors(text):
    with contextlib.suppress(StatusListError):
        StatusList.decode("u" + text)


def test_the_allocator_never_repeats_and_says_when_full():
    allocator = IndexAllocator(size=64, used={3, 5})
    given_out = {allocator.allocate() for _ in range(62)}
    assert len(given_out) == 62 and not given_out & {3, 5}
    with pytest.raises(StatusListError, match="full"):
        allocator.allocate()


def test_allocation_is_random():
    first = [IndexAllocator().allocate() for _ in range(20)]
    assert len(set(first)) > 15


def test_entries_and_list_credentials():
    entry = status_entry("https://issuer.example/status/1", 42, "suspension")
    assert entry == {
        "id": "https://issuer.example/status/1#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "42",
        "statusListCredential": "https://issuer.example/status/1",
    }
    from datetime import UTC, datetime

    bits = StatusList()
    bits.set(42, True)
    document = status_list_credential(
        "https://issuer.example/status/1",
        "did:key:z6Mk",
        bits,
        "suspension",
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert document["validFrom"] == "2026-01-01T00:00:00Z"
    assert document["credentialSubject"]["type"] == "BitstringStatusList"
    assert read_status(document, entry) is True
    assert read_status(document, status_entry("https://issuer.example/status/1", 41, "suspension")) is False
    with pytest.raises(StatusListError, match="purpose"):
        read_status(document, status_entry("https://issuer.example/status/1", 42, "revocation"))
    with pytest.raises(StatusListError, match="names"):
        read_status(document, status_entry("https://other.example/status/1", 42, "suspension"))
    with pytest.raises(StatusListError):
        read_status(document, {**entry, "statusListIndex": "-1"})


def test_naive_datetimes_are_refused():
    from datetime import datetime

    naive = datetime(2026, 1, 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone"):
        status_list_credential(
            "https://x.example/s", "did:key:z6Mk", StatusList(), "revocation", valid_from=naive
        )
