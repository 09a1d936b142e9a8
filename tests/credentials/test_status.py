"""Bitstring Status List v1.0: bit order, encoding, allocation, validation, hostile lists."""

from __future__ import annotations

import base64
import contextlib
import gzip
import random
from datetime import UTC, datetime, timedelta, timezone

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

LIST_URL = "https://issuer.example/status/1"
ISSUER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
FROM = datetime(2026, 1, 1, tzinfo=UTC)
# Bitstring Status List v1.0, Examples 3 and following: an empty list of 131,072 entries
SPEC_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def b64(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def raw(status_list: StatusList) -> bytes:
    encoded = status_list.encode()
    return gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))


def published(status_list: StatusList, purpose: str = "revocation", url: str = LIST_URL) -> dict:
    return status_list_credential(url, ISSUER, status_list, purpose, valid_from=FROM)


# --- bit order (§2.2, §7.1) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "expected"), [(0, b"\x80\x00"), (1, b"\x40\x00"), (7, b"\x01\x00"), (8, b"\x00\x80")]
)
def test_index_zero_is_the_most_significant_bit_of_the_first_byte(index, expected):
    bits = StatusList()
    bits.set(index, True)
    assert raw(bits)[:2] == expected
    assert raw(bits)[2:] == bytes(MIN_SIZE // 8 - 2)


def test_hand_made_bytes_are_read_most_significant_bit_first():
    decoded = StatusList.decode(b64(gzip.compress(b"\x80\x01\x40" + bytes(16381))))
    assert decoded.size == MIN_SIZE
    assert [i for i in range(32) if decoded.get(i)] == [0, 15, 17]


def test_the_specification_example_is_an_empty_list_of_131072_entries():
    decoded = StatusList.decode(SPEC_EXAMPLE)
    assert decoded.size == 131_072
    assert not any(decoded.get(i) for i in range(0, MIN_SIZE, 97))
    assert raw(decoded) == bytes(16384)


def test_a_list_written_by_the_javascript_reference_is_read():
    # @digitalbazaar/vc-bitstring-status-list 2.0.1: createList({length: 131072}), setStatus(0) and
    # setStatus(4242), encode()
    encoded = "uH4sIAAAAAAAAA-3OMQEAAAgDIKMY1eh7beAhJGAKtr4OAAAAAAAAAAAAAAAAAAAAvBQumzh_AEAAAA"
    decoded = StatusList.decode(encoded)
    assert decoded.size == MIN_SIZE
    assert [i for i in range(MIN_SIZE) if decoded.get(i)] == [0, 4242]


# --- encoding round trips (§3.3, §3.4) ----------------------------------------------------------


def test_a_full_size_list_round_trips_every_entry():
    bits = StatusList()
    assert bits.size == MIN_SIZE == 131_072
    chosen = set(random.Random(7).sample(range(MIN_SIZE), 5000)) | {0, MIN_SIZE - 1}
    for index in chosen:
        bits.set(index, True)
    encoded = bits.encode()
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded and "/" not in encoded
    decoded = StatusList.decode(encoded)
    assert decoded.size == MIN_SIZE
    assert {i for i in range(MIN_SIZE) if decoded.get(i)} == chosen


def test_every_entry_set_round_trips():
    bits = StatusList()
    for index in range(MIN_SIZE):
        bits.set(index, True)
    assert raw(bits) == b"\xff" * (MIN_SIZE // 8)
    decoded = StatusList.decode(bits.encode())
    assert all(decoded.get(i) for i in range(MIN_SIZE))


def test_encoding_is_deterministic():
    assert StatusList().encode() == StatusList().encode()


def test_clearing_a_bit_reinstates():
    bits = StatusList()
    bits.set(5, True)
    bits.set(5, False)
    assert not StatusList.decode(bits.encode()).get(5)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 64)
    .map(lambda n: n * 8)
    .flatmap(lambda size: st.tuples(st.just(size), st.sets(st.integers(0, size - 1))))
)
def test_any_set_of_indexes_round_trips(case):
    size, indexes = case
    bits = StatusList(size)
    for index in indexes:
        bits.set(index, True)
    decoded = StatusList.decode(bits.encode())
    assert decoded.size == size
    assert {i for i in range(size) if decoded.get(i)} == indexes


def test_padding_and_multi_member_gzip_are_read():
    bits = StatusList(16)
    bits.set(3, True)
    encoded = bits.encode()
    assert StatusList.decode(encoded + "=" * (-len(encoded[1:]) % 4)).get(3)
    two_members = gzip.compress(b"\x10") + gzip.compress(b"\x01")
    decoded = StatusList.decode(b64(two_members))
    assert decoded.size == 16 and decoded.get(3) and decoded.get(15)


def test_multi_bit_values_are_read_most_significant_bit_first():
    decoded = StatusList.decode(b64(gzip.compress(b"\xb4")))  # 10 11 01 00
    assert [decoded.value(2 * i, 2) for i in range(4)] == [2, 3, 1, 0]
    with pytest.raises(StatusListError, match="outside"):
        decoded.value(7, 2)


@pytest.mark.parametrize("index", [-1, MIN_SIZE, True, "3", 2.0])
def test_out_of_range_indexes_are_refused(index):
    with pytest.raises(StatusListError, match="outside the list"):
        StatusList().get(index)
    with pytest.raises(StatusListError, match="outside the list"):
        StatusList().set(index, True)


@pytest.mark.parametrize("size", [0, -8, 12, True, 8.0])
def test_bad_sizes_are_refused(size):
    with pytest.raises(StatusListError, match="multiple of 8"):
        StatusList(size)


# --- hostile lists ------------------------------------------------------------------------------


def test_a_gzip_bomb_is_refused_without_expanding_it():
    bomb = gzip.compress(b"\x00" * (64 * 1024 * 1024))
    assert len(bomb) < 100_000
    with pytest.raises(StatusListError, match="expands to more than"):
        StatusList.decode(b64(bomb))
    with pytest.raises(StatusListError, match="expands to more than"):
        StatusList.decode(b64(gzip.compress(bytes(2048))), max_bytes=1024)
    assert StatusList.decode(b64(gzip.compress(bytes(1024))), max_bytes=1024).size == 8192


def test_a_bomb_split_over_many_members_is_refused():
    member = gzip.compress(bytes(1024 * 1024))
    with pytest.raises(StatusListError, match="expands to more than"):
        StatusList.decode(b64(member * 17))


good = gzip.compress(bytes(64))


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("", "starting with 'u'"),
        ("z" + b64(good)[1:], "starting with 'u'"),
        ("U" + b64(good)[1:], "starting with 'u'"),
        (5, "starting with 'u'"),
        (None, "starting with 'u'"),
        ("u!!!", "base64url"),
        ("u" + base64.b64encode(b"\xfb\xff" + good).decode(), "base64url"),  # '+' and '/'
        ("u" + b64(good)[1:] + "===", "base64url"),
        ("uA", "base64url"),  # one character cannot be base64
        ("u é", "base64url"),
        ("u", "empty"),
        ("uAAAA", "not GZIP"),
        (b64(b"plain bytes, not compressed"), "not GZIP"),
        (b64(good[:-6]), "cut short"),
        (b64(good + b"trailing garbage"), "not GZIP"),
        (b64(good[:-8] + b"\x00\x00\x00\x00" + good[-4:]), "not GZIP"),  # wrong CRC-32
        (b64(gzip.compress(b"")), "empty"),
    ],
)
def test_malformed_lists_are_refused(encoded, message):
    with pytest.raises(StatusListError, match=message):
        StatusList.decode(encoded)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_strings_only_ever_raise_status_list_errors(text):
    for candidate in (text, "u" + text):
        with contextlib.suppress(StatusListError):
            StatusList.decode(candidate)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_only_ever_raise_status_list_errors(data):
    for candidate in (data, gzip.compress(data)[: len(data) + 10], gzip.compress(b"") + data):
        with contextlib.suppress(StatusListError):
            StatusList.decode(b64(candidate))


# --- index allocation ---------------------------------------------------------------------------


def test_the_allocator_never_repeats_and_says_when_full():
    allocator = IndexAllocator(size=64, used={3, 5})
    given_out = [allocator.allocate() for _ in range(62)]
    assert len(set(given_out)) == 62 and not set(given_out) & {3, 5}
    assert set(given_out) | {3, 5} == set(range(64)) == allocator.used
    with pytest.raises(StatusListError, match="full"):
        allocator.allocate()


def test_the_allocator_reads_indexes_already_given():
    allocator = IndexAllocator(size=16, used=set(range(15)))
    assert allocator.allocate() == 15
    with pytest.raises(StatusListError, match="full"):
        IndexAllocator(size=8, used=range(8)).allocate()


def test_allocation_is_random_and_spread():
    allocator = IndexAllocator()
    first = [allocator.allocate() for _ in range(200)]
    assert first != sorted(first)
    assert max(first) > MIN_SIZE // 2 > min(first)
    near_full = IndexAllocator(size=4096, used=range(0, 4096, 2)).allocate
    assert {near_full() % 2 for _ in range(50)} == {1}


@pytest.mark.parametrize("used", [{-1}, {64}, {True}, {"3"}])
def test_used_indexes_outside_the_list_are_refused(used):
    with pytest.raises(StatusListError, match="another list"):
        IndexAllocator(size=64, used=used)


# --- entries and list credentials (§2.1, §2.2) --------------------------------------------------


def test_entries_follow_section_2_1():
    assert status_entry(LIST_URL, 42, "suspension") == {
        "id": f"{LIST_URL}#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "42",
        "statusListCredential": LIST_URL,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((LIST_URL, -1, "revocation"), "non-negative"),
        ((LIST_URL, "4", "revocation"), "non-negative"),
        ((LIST_URL, True, "revocation"), "non-negative"),
        ((LIST_URL, 4, "refresh"), "unknown status purpose"),
        (("", 4, "revocation"), "URL"),
    ],
)
def test_bad_entries_are_refused(args, message):
    with pytest.raises(StatusListError, match=message):
        status_entry(*args)


def test_list_credentials_follow_section_2_2():
    bits = StatusList()
    bits.set(42, True)
    moment = datetime(2026, 1, 1, 5, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-5)))
    document = status_list_credential(
        LIST_URL,
        {"id": ISSUER, "name": "Carnet"},
        bits,
        "suspension",
        valid_from=moment,
        valid_until=moment + timedelta(days=1),
        name="Suspensions",
    )
    assert document == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": ISSUER, "name": "Carnet"},
        "validFrom": "2026-01-01T10:30:15Z",
        "validUntil": "2026-01-02T10:30:15Z",
        "name": "Suspensions",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "suspension",
            "encodedList": bits.encode(),
        },
    }
    assert "proof" not in document


def test_naive_datetimes_are_refused():
    naive = datetime(2026, 1, 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(StatusListError, match="timezone"):
        status_list_credential(LIST_URL, ISSUER, StatusList(), "revocation", valid_from=naive)
    with pytest.raises(StatusListError, match="timezone"):
        status_list_credential(
            LIST_URL, ISSUER, StatusList(), "revocation", valid_from=FROM, valid_until=naive
        )


def test_inconsistent_list_credentials_are_refused():
    with pytest.raises(StatusListError, match="after valid_from"):
        status_list_credential(
            LIST_URL, ISSUER, StatusList(), "revocation", valid_from=FROM, valid_until=FROM
        )
    with pytest.raises(StatusListError, match="at least 131072"):
        status_list_credential(LIST_URL, ISSUER, StatusList(1024), "revocation", valid_from=FROM)
    with pytest.raises(StatusListError, match="unknown status purpose"):
        status_list_credential(LIST_URL, ISSUER, StatusList(), "revoked", valid_from=FROM)


# --- reading a status (§3.2) --------------------------------------------------------------------


def test_revocation_and_suspension_lists():
    revoked, suspended = StatusList(), StatusList()
    revoked.set(42, True)
    suspended.set(7, True)
    revocations = published(revoked, "revocation")
    suspensions = published(suspended, "suspension", url=LIST_URL + "s")
    assert read_status(revocations, status_entry(LIST_URL, 42, "revocation")) is True
    assert read_status(revocations, status_entry(LIST_URL, 7, "revocation")) is False
    assert read_status(suspensions, status_entry(LIST_URL + "s", 7, "suspension")) is True
    assert read_status(suspensions, status_entry(LIST_URL + "s", 42, "suspension")) is False
    suspended.set(7, False)  # suspension is reversible
    reinstated = published(suspended, "suspension", url=LIST_URL + "s")
    assert read_status(reinstated, status_entry(LIST_URL + "s", 7, "suspension")) is False


def test_purposes_must_match():
    document = published(StatusList(), "suspension")
    with pytest.raises(StatusListError, match="purpose 'revocation' is not a purpose of the status list"):
        read_status(document, status_entry(LIST_URL, 42, "revocation"))
    document["credentialSubject"]["statusPurpose"] = ["revocation", "suspension"]
    assert read_status(document, status_entry(LIST_URL, 42, "revocation")) is False


def test_the_list_must_be_the_one_named():
    document = published(StatusList())
    with pytest.raises(StatusListError, match="not the list the credential names"):
        read_status(document, status_entry("https://other.example/status/1", 42, "revocation"))
    del document["id"]  # §2.2: the id is optional
    assert read_status(document, status_entry("https://other.example/status/1", 42, "revocation")) is False


@pytest.mark.parametrize(
    "index", ["-1", "1.0", " 1", "1 ", "", "0x10", "١", "1" * 16, 42, None, str(MIN_SIZE)]
)
def test_bad_or_out_of_range_indexes_are_refused(index):
    entry = {**status_entry(LIST_URL, 0, "revocation"), "statusListIndex": index}
    with pytest.raises(StatusListError, match=r"statusListIndex|outside the status list"):
        read_status(published(StatusList()), entry)


def test_leading_zeros_and_the_last_index_are_read():
    bits = StatusList()
    bits.set(MIN_SIZE - 1, True)
    bits.set(9, True)
    document = published(bits)
    entry = status_entry(LIST_URL, 0, "revocation")
    assert read_status(document, {**entry, "statusListIndex": str(MIN_SIZE - 1)}) is True
    assert read_status(document, {**entry, "statusListIndex": "009"}) is True


def test_lists_shorter_than_the_minimum_are_refused_unless_allowed():
    document = published(StatusList())
    short = StatusList(1024)
    short.set(3, True)
    document["credentialSubject"]["encodedList"] = short.encode()
    entry = status_entry(LIST_URL, 3, "revocation")
    with pytest.raises(StatusListError, match="fewer than the 131072 required"):
        read_status(document, entry)
    assert read_status(document, entry, min_entries=1024) is True


def test_multi_bit_entries_return_their_value():
    bits = StatusList()
    bits.set(2 * 5, True)  # entry 5 of a 2-bit list: bits 10 and 11 = "10" = 2
    document = published(bits, "message")
    entry = {**status_entry(LIST_URL, 5, "message"), "statusSize": 2}
    with pytest.raises(StatusListError, match="fewer than"):
        read_status(document, entry)  # 65,536 two-bit entries
    assert read_status(document, entry, min_entries=65_536) == 2
    assert read_status(document, {**entry, "statusListIndex": "4"}, min_entries=65_536) == 0
    with pytest.raises(StatusListError, match="outside the status list"):
        read_status(document, {**entry, "statusListIndex": "65536"}, min_entries=65_536)
    for size in (0, -1, "2", True, 1.5):
        with pytest.raises(StatusListError, match="statusSize"):
            read_status(document, {**entry, "statusSize": size})
    with pytest.raises(StatusListError, match="not supported"):
        read_status(document, {**entry, "statusSize": 33})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d, e: d.update(type=["VerifiableCredential"]), "not a BitstringStatusListCredential"),
        (lambda d, e: d.pop("credentialSubject"), "no BitstringStatusList subject"),
        (lambda d, e: d["credentialSubject"].update(type="StatusList2021"), "no BitstringStatusList"),
        (lambda d, e: d["credentialSubject"].update(encodedList="u!!"), "base64url"),
        (lambda d, e: d["credentialSubject"].pop("encodedList"), "starting with 'u'"),
        (lambda d, e: e.update(type="StatusList2021Entry"), "not a BitstringStatusListEntry"),
        (lambda d, e: e.pop("statusPurpose"), "purpose None"),
    ],
)
def test_malformed_documents_are_refused(change, message):
    document, entry = published(StatusList()), status_entry(LIST_URL, 1, "revocation")
    change(document, entry)
    with pytest.raises(StatusListError, match=message):
        read_status(document, entry)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["type", "id", "credentialSubject", "x"]), st.from_type(object) | st.text()
    ),
    st.dictionaries(
        st.sampled_from(["type", "statusPurpose", "statusListIndex", "statusSize", "statusListCredential"]),
        st.none() | st.integers() | st.text(max_size=20) | st.lists(st.text(max_size=5)),
    ),
)
def test_random_documents_only_ever_raise_status_list_errors(document, entry):
    with contextlib.suppress(StatusListError):
        read_status(document, entry)
