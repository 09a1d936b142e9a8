"""``carnet manage export_keys FILE``: every signing key (the platform's and each organisation's,
current and retired) in one file locked with a passphrase, for a backup kept apart from the
database's. Keys held in a KMS are not in it. The file is written with mode 0600 and never replaces
another."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carnet.issuing.keys import export_keys
from carnet.issuing.management.commands._passphrase import read_passphrase
from carnet.issuing.models import SigningKey
from carnet.organisations.models import Organisation


class Command(BaseCommand):
    help = "Write every signing key to FILE, encrypted with a passphrase (CARNET_KEY_PASSPHRASE or typed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write the encrypted keys (must not exist)")

    def handle(self, *args: Any, **options: Any) -> None:
        passphrase = read_passphrase(confirm=True)
        owner_ids = set(SigningKey.objects.values_list("organisation_id", flat=True))
        owners: list[Organisation | None] = list(
            Organisation.objects.filter(pk__in=owner_ids).order_by("slug")
        )
        if None in owner_ids:
            owners.insert(0, None)
        data = export_keys(organisations=owners, passphrase=passphrase, actor=None).encode()
        try:
            fd = os.open(options["file"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{options['file']} already exists: choose another name") from None
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        self.stdout.write(
            f"keys of {len(owners)} owners (platform and organisations) written to {options['file']}"
        )
