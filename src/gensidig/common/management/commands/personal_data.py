from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gensidig.common.personal_data import markdown_table


class Command(BaseCommand):
    help = "Print the personal-data registry as the README's Markdown table."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(markdown_table())
