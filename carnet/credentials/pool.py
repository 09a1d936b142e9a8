"""Signing many documents with two cores: the costly part of each ``eddsa-rdfc-2022`` proof (the
JSON Schema check, the RDFC-1.0 canonicalisation and the hashes: W3C Data Integrity EdDSA
Cryptosuites v1.0 §3.3.1 steps 2–4, :func:`carnet.credentials.dataintegrity.signing_input`) runs in
another process, and the key signs the 64 bytes of each hashData in the caller's process
(step 5), so that the key, or the KMS or HSM holding it, never leaves the caller.

The proofs are byte for byte those of :func:`carnet.credentials.sign` with the same ``created``
(Ed25519 signatures are deterministic). A document that fails its schema raises the same
:class:`~carnet.credentials.errors.SchemaError` as ``sign`` does, when its batch comes back (the
documents before it in that batch are not given).

    with SigningPool() as pool:
        for signed, text in pool.sign_all(documents, key):
            ...

Each document goes to the other process as its JSON text, which is what the other process reads and
hashes, and each signed document comes back with its JSON text (the same text with the proof
appended) for the caller to store as it is: what is stored is exactly what was hashed, and a
document's JSON is written once.

The other process is started with ``spawn`` (a fresh interpreter that imports only this package:
no inherited threads, sockets or database connections) on first use, and kept until ``close``.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

from carnet.credentials import dataintegrity, schema
from carnet.credentials.errors import ProofError
from carnet.credentials.keys import Ed25519Key

# Documents sent together to the other process: fewer round trips, and the first signatures come
# back soon enough for the caller to store them while the next ones are hashed.
BATCH = 16


def prepare(document: dict[str, Any], proof: dict[str, Any], validate: bool = True) -> bytes:
    """What the other process does for one document: its schema check, then its hashData."""
    if validate and schema.has_schema(document):
        schema.check(document)
    return dataintegrity.signing_input(document, proof)


def _prepare(item: tuple[str, dict[str, Any], bool]) -> bytes:
    text, proof, validate = item
    return prepare(json.loads(text), proof, validate)


def dumps(document: Any) -> str:
    """The JSON text of a document as the pool writes it (compact, UTF-8 as is)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def signed_text(document: dict[str, Any], text: str, signed: dict[str, Any]) -> str:
    """The JSON text of ``signed`` (``document`` with its new proof, last) from ``text``, that of
    ``document``: the proof appended rather than the whole document written again."""
    if (
        "proof" in document
        or signed.get("@context") is not document.get("@context")
        or list(signed)[:-1] != list(document)
        or not text.endswith("}")
        or text == "{}"
    ):
        return dumps(signed)  # a proof set, or a context added for the suite
    return f'{text[:-1]},"proof":{dumps(signed["proof"])}}}'


class SigningPool:
    """A process (or ``processes`` of them) that prepares the proofs of the documents given to
    :meth:`sign_all`."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> SigningPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sign_all(
        self,
        documents: Iterable[dict[str, Any]],
        key: Ed25519Key,
        *,
        created: datetime | None = None,
        proof_purpose: str = "assertionMethod",
        validate: bool = True,
    ) -> Iterator[tuple[dict[str, Any], str]]:
        """Each document signed by ``key`` with its JSON text, in order, each given as soon as it is
        signed while the next ones are being prepared. The documents are sent at once: the other
        process starts on them before the caller reads the first. ``key``: anything with ``id``,
        ``has_private_key`` and ``sign(bytes)`` (an :class:`Ed25519Key`, or a signer of
        ``CARNET_SIGNER``)."""
        if not key.has_private_key:
            raise ProofError("this key has no private part: it can verify but not sign")
        proof = dataintegrity.proof_options(key.id, created=created, proof_purpose=proof_purpose)
        documents = list(documents)
        texts = [dumps(document) for document in documents]
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("spawn")
            )
        # sent now: the other process works while the caller does something else until it reads
        hashes = self._executor.map(_prepare, [(text, proof, validate) for text in texts], chunksize=BATCH)
        return self._signed(documents, texts, hashes, proof, key)

    @staticmethod
    def _signed(
        documents: list[dict[str, Any]], texts: list[str], hashes: Iterator[bytes], proof: dict[str, Any],
        key: Ed25519Key,
    ) -> Iterator[tuple[dict[str, Any], str]]:  # fmt: skip
        for document, text, hash_data in zip(documents, texts, hashes, strict=True):
            signed = dataintegrity.attach_proof(document, proof, key.sign(hash_data))
            yield signed, signed_text(document, text, signed)

    def close(self) -> None:
        """Stop the other process (a new one starts if the pool is used again)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
