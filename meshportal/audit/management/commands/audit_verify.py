from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meshportal.audit.services import audit_verify, read_exported_head


class Command(BaseCommand):
    help = "Walk the audit hash chain and report the first event that was edited, deleted, inserted or reordered."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--head-file", help="Exported chain-head file to compare with (default: setting).")
        parser.add_argument("--ignore-export", action="store_true", help="Do not compare with the exported head.")

    def handle(self, *args: Any, **options: Any) -> None:
        exported = None if options["ignore_export"] else read_exported_head(options.get("head_file"))
        report = audit_verify(exported_head=exported)
        if report.ok:
            extra = f"; matches exported head at event {exported['seq']}" if exported else ""
            self.stdout.write(
                self.style.SUCCESS(
                    f"OK: {report.checked} events, chain head {report.head_seq} {report.head_hash[:16]}…{extra}"
                )
            )
            return
        problem = report.problem
        assert problem is not None
        raise CommandError(f"TAMPERED ({problem.kind}) at event {problem.seq}: {problem.message}")
