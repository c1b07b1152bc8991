"""The `gensidig` command: Django's management commands under one name, plus

gensidig demo [--no-serve] [--port N]   load the demo organisation and serve it
gensidig serve [--port N]               serve the app with gunicorn
gensidig worker                          run background tasks (db_worker with a heartbeat)
gensidig scheduler                       enqueue the daily jobs once a day
gensidig backup PATH / restore PATH      back up or restore the database
gensidig match INPUT -o OUTPUT           run the matching engine on a file, without Django
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] == "match":
        # The engine runs on an analyst's export without Django or a database.
        from gensidig.engine.cli import main as match

        return match(args[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gensidig.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
