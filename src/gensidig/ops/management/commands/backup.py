from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gensidig.ops.backup import backup, manifest_path


class Command(BaseCommand):
    help = (
        "Back up the database to PATH (PostgreSQL: pg_dump -Fc of one snapshot; SQLite: the "
        "online backup API) with PATH.manifest.json (row counts and checksums per table)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        fingerprint = backup(path)
        rows = sum(table["rows"] for table in fingerprint.values())
        self.stdout.write(
            f"Backed up {len(fingerprint)} tables ({rows} rows) to {path}; "
            f"manifest {manifest_path(path)}."
        )
