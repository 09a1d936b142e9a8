"""Settings read from the environment: an empty variable means its default."""

from __future__ import annotations

from carnet.site.env import env_str


def test_an_unset_variable_gives_the_default(monkeypatch):
    monkeypatch.delenv("CARNET_TEST_VALUE", raising=False)
    assert env_str("CARNET_TEST_VALUE", "default") == "default"


def test_an_empty_variable_gives_the_default(monkeypatch):
    monkeypatch.setenv("CARNET_TEST_VALUE", "  ")
    assert env_str("CARNET_TEST_VALUE", "sqlite:///x") == "sqlite:///x"


def test_a_set_variable_is_read_without_surrounding_spaces(monkeypatch):
    monkeypatch.setenv("CARNET_TEST_VALUE", " postgres://db/carnet ")
    assert env_str("CARNET_TEST_VALUE", "default") == "postgres://db/carnet"
