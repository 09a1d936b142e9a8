"""Settings read from the environment: an empty variable means its default."""

from __future__ import annotations

import pytest

from carnet.site.env import env_str, proxy_ssl_header


def test_an_unset_variable_gives_the_default(monkeypatch):
    monkeypatch.delenv("CARNET_TEST_VALUE", raising=False)
    assert env_str("CARNET_TEST_VALUE", "default") == "default"


def test_an_empty_variable_gives_the_default(monkeypatch):
    monkeypatch.setenv("CARNET_TEST_VALUE", "  ")
    assert env_str("CARNET_TEST_VALUE", "sqlite:///x") == "sqlite:///x"


def test_a_set_variable_is_read_without_surrounding_spaces(monkeypatch):
    monkeypatch.setenv("CARNET_TEST_VALUE", " postgres://db/carnet ")
    assert env_str("CARNET_TEST_VALUE", "default") == "postgres://db/carnet"


def test_the_proxy_header_is_read_as_django_s_secure_proxy_ssl_header(monkeypatch):
    monkeypatch.delenv("CARNET_PROXY_SSL_HEADER", raising=False)
    assert proxy_ssl_header("CARNET_PROXY_SSL_HEADER") is None
    monkeypatch.setenv("CARNET_PROXY_SSL_HEADER", "X-Forwarded-Proto")
    assert proxy_ssl_header("CARNET_PROXY_SSL_HEADER") == ("HTTP_X_FORWARDED_PROTO", "https")
    monkeypatch.setenv("CARNET_PROXY_SSL_HEADER", " X-Forwarded-Ssl = on ")
    assert proxy_ssl_header("CARNET_PROXY_SSL_HEADER") == ("HTTP_X_FORWARDED_SSL", "on")
    monkeypatch.setenv("CARNET_PROXY_SSL_HEADER", "X Forwarded: Proto")
    with pytest.raises(ValueError, match="CARNET_PROXY_SSL_HEADER"):
        proxy_ssl_header("CARNET_PROXY_SSL_HEADER")
