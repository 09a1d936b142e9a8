"""Fixtures shared by the credential tests."""

from __future__ import annotations
