"""Load the demo mesh (meshportal/demo/mesh.py) through the services, so every row is audited, and write
the AWS emulator's seed file with the Glue databases and tables behind the products. Idempotent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from meshportal.demo import loader
from meshportal.demo.mesh import glue_seed


class Command(BaseCommand):
    help = "Load the demo organisation, users, accounts and data products, and write the emulator seed file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed-file",
            default=str(Path(settings.VAR_DIR) / "emulator-seed.json"),
            help="Where to write the AWS emulator seed (Glue databases and tables).",
        )
        parser.add_argument(
            "--seed-only",
            action="store_true",
            help="Only write the seed file. Loading needs the emulator running with it: every output port's "
            "table is read from Glue when the port is declared (scripts/demo starts one for the load).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seed_path = Path(options["seed_file"])
        seed_path.parent.mkdir(parents=True, exist_ok=True)
        seed_path.write_text(json.dumps(glue_seed(region=settings.AWS_DEFAULT_REGION), indent=2))
        if options["seed_only"]:
            self.stdout.write(self.style.SUCCESS(f"Emulator seed: {seed_path}"))
            return
        counts = loader.load()
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo mesh ready ({summary}); emulator seed: {seed_path}"))
