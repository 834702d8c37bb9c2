"""``python manage.py aws_emulator``: run the local AWS emulator (see docs/emulator.md).

A thin wrapper over ``python -m aws_emulator``, which needs no Django settings at all.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from aws_emulator.cli import add_arguments, serve


class Command(BaseCommand):
    help = "Run the local AWS emulator (moto + Lake Formation/RAM cross-account sharing) until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        code = serve(**options)
        if code:
            raise SystemExit(code)
