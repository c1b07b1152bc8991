from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gensidig.ops.backup import RestoreMismatch, restore


class Command(BaseCommand):
    help = (
        "Replace the database with the backup at PATH, check every table's row count and "
        "checksum against PATH.manifest.json, then erase again whoever was erased since. "
        "Stop the app and the workers first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="Do not ask first."
        )

    def handle(self, *args: Any, path: Path, interactive: bool, **options: Any) -> None:
        if (
            interactive
            and input(
                f"This replaces everything in the database with {path}. Type 'yes' to go on: "
            )
            != "yes"
        ):
            raise CommandError("Nothing was restored.")
        try:
            outcome = restore(path)
        except RestoreMismatch as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {outcome['tables']} tables ({outcome['rows']} rows); counts and "
            f"checksums match the backup. Erasures re-applied: {outcome['erasures']}."
        )
