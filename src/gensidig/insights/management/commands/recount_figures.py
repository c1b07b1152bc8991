from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gensidig.insights.tallies import recount
from gensidig.programs.models import Program


class Command(BaseCommand):
    help = (
        "Count the insights dashboard's running tallies (topics learned, goals, "
        "self-assessments, cancellations, balance, meetings) of every program again from "
        "their rows. Run it once after upgrading, after a restore, or after rows were "
        "written without the application (bulk inserts, SQL); the application keeps them "
        "from then on."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--program", type=int, help="only the program with this id")

    def handle(self, *args: Any, **options: Any) -> None:
        programs = Program.objects.order_by("pk")
        if options["program"]:
            programs = programs.filter(pk=options["program"])
        for program in programs:
            shares = recount(program)
            self.stdout.write(f"{program.name}: {shares} shares counted.")
