"""The ``public`` storage of the settings (badge images), as a lazy object a model field can hold:
it follows STORAGES when the settings change (tests), as Django's ``default_storage`` does."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class _PublicStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = storages["public"]


public_storage: Storage = _PublicStorage()  # type: ignore[assignment]


def get_public_storage() -> Storage:
    """For ``FileField(storage=...)``: a callable keeps the migrations free of settings."""
    return public_storage


@receiver(setting_changed)
def _forget_public_storage(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        public_storage._wrapped = empty  # type: ignore[attr-defined]
