"""What the verifier may fetch: public https hosts only, through the guarded fetcher, within a budget."""

from __future__ import annotations

import pytest

from carnet.credentials.errors import FetchError
from carnet.credentials.fetch import GuardedFetcher
from carnet.verification import fetching
from carnet.verification.fetching import OpenFetcher, Refused


@pytest.mark.parametrize(
    "url",
    [
        "http://exemple.org/badge.json",
        "ftp://exemple.org/badge.json",
        "file:///etc/passwd",
        "https://127.0.0.1/badge.json",
        "https://10.1.2.3/badge.json",
        "https://[::1]/badge.json",
        "https://[fe80::1%25eth0]/badge.json",
        "https://localhost/badge.json",
        "https://carnet.localhost/badge.json",
        "https://intranet/badge.json",
        "https://exemple.org:8443/badge.json",
        "https://user:secret@exemple.org/badge.json",
        "https://exemple.org:99999/badge.json",
        "https://" + "a" * 3000 + ".org/",
        "",
    ],
)
def test_addresses_that_are_not_public_https_are_refused(url, no_network):
    with pytest.raises(Refused):
        OpenFetcher().get_json(url)
    assert no_network == []


def test_a_name_that_leads_to_a_private_address_is_refused_before_connecting(monkeypatch, no_network):
    monkeypatch.setattr(GuardedFetcher, "_resolve", lambda self, host, port: ["192.168.1.20"])
    with pytest.raises(FetchError, match="private"):
        OpenFetcher().get_json("https://badges.exemple.org/badge.json")
    assert no_network == []


def test_each_host_gets_a_guarded_fetcher_of_its_own(monkeypatch):
    seen = []

    def get_json(self, url):
        seen.append((sorted(self.allowed), self.max_bytes, url))
        return {"ok": True}

    monkeypatch.setattr(GuardedFetcher, "get_json", get_json)
    fetcher = OpenFetcher()
    assert fetcher.get_json("https://Badges.Exemple.org/a.json") == {"ok": True}
    fetcher.get_json("https://autre.exemple.net/b.json", max_bytes=1000)
    assert seen == [
        ([("badges.exemple.org", None)], fetching.MAX_DOCUMENT_BYTES, "https://Badges.Exemple.org/a.json"),
        ([("autre.exemple.net", None)], 1000, "https://autre.exemple.net/b.json"),
    ]


def test_one_verification_fetches_a_bounded_number_of_documents(monkeypatch):
    monkeypatch.setattr(GuardedFetcher, "get_json", lambda self, url: {})
    fetcher = OpenFetcher(max_fetches=2)
    fetcher.get_json("https://a.exemple.org/1")
    fetcher.get_json("https://a.exemple.org/2")
    with pytest.raises(Refused, match="at most 2"):
        fetcher.get_json("https://a.exemple.org/3")


def test_fetching_can_be_turned_off(settings):
    settings.VERIFICATION_FETCH = False
    with pytest.raises(Refused):
        fetching.open_fetcher().get_json("https://badges.exemple.org/badge.json")


def test_bytes_are_fetched_through_a_guarded_fetcher_within_the_same_budget(monkeypatch):
    seen = []

    def get_bytes(self, url, *, media_types, accept=None):
        seen.append((sorted(self.allowed), self.max_bytes, url, media_types))
        return "fetched"

    monkeypatch.setattr(GuardedFetcher, "get_bytes", get_bytes)
    monkeypatch.setattr(GuardedFetcher, "get_json", lambda self, url: {})
    fetcher = OpenFetcher(max_fetches=2)
    assert (
        fetcher.get_bytes("https://a.exemple.org/page", media_types=("text/html",), max_bytes=99) == "fetched"
    )
    assert seen == [([("a.exemple.org", None)], 99, "https://a.exemple.org/page", ("text/html",))]
    fetcher.get_json("https://a.exemple.org/1")
    with pytest.raises(Refused, match="at most 2"):
        fetcher.get_bytes("https://a.exemple.org/2", media_types=("text/html",))


@pytest.mark.parametrize(
    "url", ["http://exemple.org/badge.png", "https://192.168.0.1/b", "https://exemple.org:8443/"]
)
def test_bytes_are_not_fetched_from_addresses_that_are_not_public_https(url, no_network):
    with pytest.raises(Refused):
        OpenFetcher().get_bytes(url, media_types=("image/png",))


def test_no_bytes_are_fetched_when_fetching_is_off(settings):
    settings.VERIFICATION_FETCH = False
    with pytest.raises(Refused):
        fetching.open_fetcher().get_bytes("https://badges.exemple.org/badge.png", media_types=("image/png",))
