"""Signing many documents with the costly part in another process (carnet.credentials.pool): the
same proofs as ``sign``, in order, the JSON text that is stored being the one that was hashed, and a
document that fails its schema refused as ``sign`` refuses it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from samples import ISSUER_SEED, SUBJECT_SEED, sample_credential

from carnet.credentials import Ed25519Key, SchemaError, sign, verify
from carnet.credentials.pool import SigningPool, dumps, signed_text

CREATED = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
KEY = Ed25519Key.from_seed(ISSUER_SEED)
SUBJECT = Ed25519Key.from_seed(SUBJECT_SEED).controller


def issuer_key():
    return KEY


def open_badge(name="Apprenant"):
    document = sample_credential(KEY.controller, SUBJECT)
    document["name"] = name
    return document


@pytest.fixture(scope="module")
def pool():
    with SigningPool() as pool:
        yield pool


def test_the_proofs_are_those_sign_makes_in_order(pool):
    key = issuer_key()
    documents = [open_badge(name=f"Apprenant {n}") for n in range(40)]
    signed = list(pool.sign_all(documents, key, created=CREATED))
    assert [document for document, _ in signed] == [sign(d, key, created=CREATED) for d in documents]
    for document, text in signed:
        assert json.loads(text) == document  # the text stored is the document signed
        assert verify(json.loads(text)).valid


def test_what_the_other_process_hashes_is_the_json_text(pool):
    """A value that is not plain JSON in the caller (a str subclass, a tuple) is hashed as its JSON:
    what is stored, and so what a verifier reads."""

    class Label(str):
        pass

    key = issuer_key()
    document = open_badge(name=Label("Apprenante"))
    document["credentialSubject"]["achievement"]["tag"] = ("a", "b")
    [(_, text)] = pool.sign_all([document], key, created=CREATED)
    assert verify(json.loads(text)).valid


def test_a_document_that_fails_its_schema_is_refused_as_sign_refuses_it(pool):
    key = issuer_key()
    broken = open_badge()
    del broken["credentialSubject"]
    with pytest.raises(SchemaError) as refused_here:
        sign(broken, key)
    with pytest.raises(SchemaError) as refused_there:
        list(pool.sign_all([open_badge(), broken], key, created=CREATED))
    assert refused_there.value.problems == refused_here.value.problems


def test_a_key_without_its_private_part_cannot_sign(pool):
    public = Ed25519Key.from_multikey(KEY.to_multikey())
    with pytest.raises(ValueError, match="private"):
        pool.sign_all([open_badge()], public)


def test_the_text_of_a_proof_set_is_written_whole():
    key = issuer_key()
    once = sign(open_badge(), key, created=CREATED)
    twice = sign(once, key, created=CREATED)
    assert json.loads(signed_text(once, dumps(once), twice)) == twice
    plain = open_badge()
    assert signed_text(plain, dumps(plain), once) == dumps(once)  # the proof appended: same text


def test_the_signing_process_ends_when_its_parent_is_killed(tmp_path):
    """A worker killed outright (SIGKILL, the OOM killer) never closes the pipes its signing process
    reads: that process must notice and end, not wait forever."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
        "from carnet.credentials.pool import SigningPool\n"
        "if __name__ == '__main__':\n"
        "    pool = SigningPool()\n"
        "    pool.start()\n"
        "    while not pool.pids:\n"
        "        time.sleep(0.05)\n"
        "    print(pool.pids[0], flush=True)\n"
        "    time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    os.kill(child, 0)  # alive
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the signing process outlived its parent")
