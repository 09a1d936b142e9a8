"""Benchmark of the credential core, against the JavaScript reference in the same run.

    .venv/bin/python bench/credentials.py [--seconds 5] [--count 10000] [--no-js]

Prints, for one realistic Open Badges 3.0 credential and one core each:
signatures per second and verifications per second for Carnet and for the JavaScript reference
(@digitalbazaar/vc + eddsa-rdfc-2022-cryptosuite, run by node); then verifies the credential
``--count`` times in one process and prints the resident memory at checkpoints (it must stay flat).
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "credentials"))

from jspeer import JsPeer, JsPeerUnavailable  # noqa: E402
from samples import ISSUER_SEED, SUBJECT_SEED, sample_credential  # noqa: E402

from carnet.credentials import Ed25519Key, sign, verify  # noqa: E402
from carnet.credentials import jsonld as carnet_jsonld  # noqa: E402
from carnet.credentials.dataintegrity import add_proof  # noqa: E402


def memory_mb(field: str = "VmRSS") -> float:
    """Resident memory now (VmRSS) or at its peak (VmHWM), from /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rate(function: Any, seconds: float) -> float:
    for _ in range(20):  # warm up
        function()
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(50):
            function()
        count += 50
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--no-js", action="store_true", help="skip the JavaScript reference")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    issuer = Ed25519Key.from_seed(ISSUER_SEED)
    subject = Ed25519Key.from_seed(SUBJECT_SEED)
    credential = sample_credential(issuer.controller, subject.controller)
    created = datetime(2024, 9, 16, 8, 30, tzinfo=UTC)
    signed = sign(credential, issuer, created=created)
    quads = len(carnet_jsonld.to_rdf(credential))
    assert verify(signed).valid, verify(signed).to_text("en")
    print(
        f"Credential: Open Badges 3.0, {len(str(signed))} characters, {quads} N-Quads; Python {sys.version.split()[0]}"
    )
    print()

    carnet_sign = rate(lambda: add_proof(credential, issuer, created=created), args.seconds)
    carnet_sign_validated = rate(lambda: sign(credential, issuer, created=created), args.seconds)
    carnet_verify = rate(lambda: verify(signed), args.seconds)
    rows = [
        ("Carnet sign (eddsa-rdfc-2022)", carnet_sign),
        ("Carnet sign + JSON Schema check", carnet_sign_validated),
        ("Carnet verify (full report)", carnet_verify),
    ]

    js: dict[str, Any] | None = None
    if not args.no_js:
        try:
            with JsPeer() as peer:
                assert peer.verify(signed)["verified"], "the reference does not verify Carnet's credential"
                js = peer.bench(credential, issuer, seconds=args.seconds)
        except JsPeerUnavailable as exc:
            print(f"(JavaScript reference not run: {exc})")
    if js:
        rows += [
            ("JavaScript reference sign", float(js["sign_per_s"])),
            ("JavaScript reference verify", float(js["verify_per_s"])),
        ]
    width = max(len(name) for name, _ in rows)
    print(f"{'operation':<{width}}  per second (one core)")
    for name, value in rows:
        print(f"{name:<{width}}  {value:>10,.0f}")
    if js:
        print()
        print(
            f"Carnet / reference: sign ×{carnet_sign / float(js['sign_per_s']):.1f}, "
            f"verify ×{carnet_verify / float(js['verify_per_s']):.1f} (target: ×10 or more)"
        )

    print()
    print(f"Verifying the same credential {args.count:,} times in one process:")
    gc.collect()
    checkpoints = {max(1, args.count // 10), args.count // 2, args.count}
    start_rss = memory_mb()
    start = time.perf_counter()
    for i in range(1, args.count + 1):
        report = verify(signed)
        if not report.valid:
            raise SystemExit("a verification failed")
        if i in checkpoints:
            print(f"  after {i:>7,}: RSS {memory_mb():7.1f} MB")
    elapsed = time.perf_counter() - start
    print(
        f"  {args.count / elapsed:,.0f} verifications/s; RSS at start {start_rss:.1f} MB, "
        f"peak {memory_mb('VmHWM'):.1f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
