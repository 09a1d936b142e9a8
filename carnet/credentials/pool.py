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
no inherited threads, sockets or database connections) on first use, and kept until ``close``; it
ends by itself if the process that started it is killed outright.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import Any

from carnet.credentials import dataintegrity, schema
from carnet.credentials.errors import ProofError
from carnet.credentials.keys import Ed25519Key

# Documents sent together to the other process: fewer round trips, and the first signatures come
# back soon enough for the caller to store them while the next ones are hashed.
BATCH = 16
# How often the other process looks whether the process that started it is still there.
PARENT_CHECK_SECONDS = 1.0


def prepare(document: dict[str, Any], proof: dict[str, Any], validate: bool = True) -> bytes:
    """What the other process does for one document: its schema check, then its hashData."""
    if validate and schema.has_schema(document):
        schema.check(document)
    return dataintegrity.signing_input(document, proof)


def _watch_parent(parent: int) -> None:
    """In the other process: end it once the process that started it is gone (killed outright, its
    pipes never closed), rather than waiting forever for work."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="carnet-parent-watch", daemon=True).start()


def _prepare_batch(texts: list[str], proof: dict[str, Any], validate: bool) -> list[bytes]:
    return [prepare(json.loads(text), proof, validate) for text in texts]


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

    @property
    def pids(self) -> list[int]:
        """The process ids of the other processes (to measure them)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return list(processes)

    def start(self) -> None:
        """Start the other process now (it takes a few hundred milliseconds to be ready), without
        waiting for it."""
        self._pool().submit(int)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_watch_parent,
                initargs=(os.getpid(),),
            )
        return self._executor

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
        signed while the next ones are being prepared. The documents are read at once, each batch
        sent as soon as it is complete (so that the other process starts on the first documents
        while the caller's iterable makes the next ones), and the other process goes on while the
        caller does something else until it reads. ``key``: anything with ``id``,
        ``has_private_key`` and ``sign(bytes)`` (an :class:`Ed25519Key`, or a signer of
        ``CARNET_SIGNER``)."""
        if not key.has_private_key:
            raise ProofError("this key has no private part: it can verify but not sign")
        proof = dataintegrity.proof_options(key.id, created=created, proof_purpose=proof_purpose)
        pool = self._pool()
        kept: list[tuple[dict[str, Any], str]] = []
        batches: list[Future[list[bytes]]] = []
        for document in documents:
            kept.append((document, dumps(document)))
            if len(kept) % BATCH == 0:
                batches.append(pool.submit(_prepare_batch, [t for _, t in kept[-BATCH:]], proof, validate))
        if len(kept) % BATCH:
            batches.append(
                pool.submit(_prepare_batch, [t for _, t in kept[-(len(kept) % BATCH) :]], proof, validate)
            )
        return self._signed(kept, batches, proof, key)

    @staticmethod
    def _signed(
        kept: list[tuple[dict[str, Any], str]], batches: list[Future[list[bytes]]], proof: dict[str, Any],
        key: Ed25519Key,
    ) -> Iterator[tuple[dict[str, Any], str]]:  # fmt: skip
        hashes = (hash_data for batch in batches for hash_data in batch.result())
        try:
            for (document, text), hash_data in zip(kept, hashes, strict=True):
                signed = dataintegrity.attach_proof(document, proof, key.sign(hash_data))
                yield signed, signed_text(document, text, signed)
        finally:
            for batch in batches:
                batch.cancel()  # the caller stopped reading: what is not begun is not done

    def close(self) -> None:
        """Stop the other process (a new one starts if the pool is used again)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
