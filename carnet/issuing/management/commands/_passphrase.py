"""The passphrase of a key backup, for the operators' commands: ``CARNET_KEY_PASSPHRASE`` from the
environment, or typed at the terminal (twice when it locks a new file)."""

from __future__ import annotations

import getpass
import os
import sys

from django.core.management.base import CommandError

from carnet.issuing.keys import MIN_PASSPHRASE_LENGTH


def read_passphrase(*, confirm: bool) -> str:
    value = os.environ.get("CARNET_KEY_PASSPHRASE", "")
    if not value:
        if not sys.stdin.isatty():
            raise CommandError("set CARNET_KEY_PASSPHRASE, or run the command at a terminal to type it")
        value = getpass.getpass("Passphrase of the key backup: ")
        if confirm and getpass.getpass("The same passphrase again: ") != value:
            raise CommandError("the two passphrases differ")
    if confirm and len(value) < MIN_PASSPHRASE_LENGTH:
        raise CommandError(f"the passphrase must hold at least {MIN_PASSPHRASE_LENGTH} characters")
    return value
