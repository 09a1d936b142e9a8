"""``carnet manage import_keys FILE``: put back the signing keys of a file made by ``export_keys``
(or by an organisation's "export" page), sealed with this server's key-encryption key. Nothing is
changed if a key does not belong here (another site's identifier, another public key)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carnet.credentials.keystore import KeystoreError
from carnet.issuing.keys import import_keys
from carnet.issuing.management.commands._passphrase import read_passphrase


class Command(BaseCommand):
    help = "Import the signing keys of FILE (passphrase from CARNET_KEY_PASSPHRASE or typed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a key backup made by export_keys")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc.strerror}") from None
        try:
            counts = import_keys(data, passphrase=read_passphrase(confirm=False))
        except KeystoreError as exc:
            raise CommandError(f"nothing imported: {exc}") from None
        self.stdout.write(
            f"{counts['added']} keys added, {counts['resealed']} sealed again with this server's KEK"
        )
