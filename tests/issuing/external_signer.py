"""A stand-in for a KMS signer (``CARNET_SIGNER=external_signer.FakeKmsSigner``): its keys live in
this module's memory, never in the database; it signs bytes on request and reports only the public
key, as a real KMS client would."""

from __future__ import annotations

from typing import Any

from carnet.credentials import Ed25519Key
from carnet.issuing.identity import controller_of, key_id
from carnet.issuing.keys import record_external_key

VAULT: dict[str, Ed25519Key] = {}  # "the KMS": key name → key


class RemoteKey:
    """What a KMS client hands out: an id and a way to sign, no private key."""

    def __init__(self, key_id: str, name: str) -> None:
        self.id = key_id
        self._name = name

    @property
    def has_private_key(self) -> bool:
        return True

    def sign(self, message: bytes) -> bytes:
        return VAULT[self._name].sign(message)  # "a call to the KMS"


class FakeKmsSigner:
    def key_for(self, organisation: Any) -> RemoteKey:
        name = f"kms-key/{organisation.slug if organisation else 'platform'}"
        if name not in VAULT:
            VAULT[name] = Ed25519Key.generate()
        stored = record_external_key(
            organisation, public_key_multibase=VAULT[name].public_key_multibase, reference=name
        )
        return RemoteKey(key_id(controller_of(organisation), stored), name)
