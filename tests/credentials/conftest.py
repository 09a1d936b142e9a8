"""Fixtures shared by the credential tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from jspeer import JsPeer, JsPeerUnavailable


@pytest.fixture(scope="session")
def js_peer() -> Iterator[JsPeer]:
    """The JavaScript reference peer (Digital Bazaar stack), one node process per session.

    Missing node or ``interop/js/node_modules`` fails the test, unless CARNET_ALLOW_SKIP_INTEROP=1,
    which turns it into a skip.
    """
    peer = JsPeer()
    try:
        peer.start()
    except JsPeerUnavailable as exc:
        if os.environ.get("CARNET_ALLOW_SKIP_INTEROP") == "1":
            pytest.skip(f"interoperability with the JavaScript reference not tested: {exc}")
        pytest.fail(
            f"{exc}. Run ./scripts/test, which installs them (npm ci in interop/js); "
            "or set CARNET_ALLOW_SKIP_INTEROP=1 to skip the interoperability tests.",
            pytrace=False,
        )
    with peer:
        yield peer
