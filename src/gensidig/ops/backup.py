"""`gensidig backup PATH` and `gensidig restore PATH`.

PostgreSQL: `pg_dump -Fc` of one snapshot, and `pg_restore` in one transaction. SQLite: the
online backup API (safe while the app runs). Beside the backup, PATH.manifest.json holds
each table's row count and a checksum over its rows, taken from the same snapshot as the
dump; after a restore the same figures are taken again and must match, or the restore
says which tables differ. Then whoever was erased after the backup is erased again: the
erasure log (issue 14, `gensidig.accounts.erasure`) is read from the database before the
restore replaces it and re-applied after it."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, connections, transaction

Fingerprint = dict[str, dict[str, Any]]

# The erasure log (issue 14): `erasure_log()` reads it, `reapply_erasures(entries)` erases
# again everyone in it (and in `entries`) who is back.
ERASURE_MODULE = "gensidig.accounts.erasure"


class RestoreMismatch(Exception):
    """The restored database does not hold what the backup's manifest says."""


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def postgres_fingerprint(cursor: Any, tables: list[str]) -> Fingerprint:
    found: Fingerprint = {}
    for table in tables:
        # Rows hashed one by one and the hashes sorted: no primary key or order needed.
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "
            f"FROM (SELECT md5(t::text) AS h FROM {quote(table)} t) rows"
        )
        count, checksum = cursor.fetchone()
        found[table] = {"rows": count, "checksum": checksum}
    return found


def sqlite_fingerprint(db: Any) -> Fingerprint:
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    found: Fingerprint = {}
    for table in tables:
        columns = [row[1] for row in db.execute(f"PRAGMA table_info({quote(table)})")]
        # quote() gives each value as SQL text, the same whichever connection reads it (Django's
        # connection would otherwise turn dates and decimals into Python objects).
        expression = " || ',' || ".join(f"quote({quote(column)})" for column in columns)
        hashes = sorted(
            hashlib.md5(row[0].encode(), usedforsecurity=False).hexdigest()
            for row in db.execute(f"SELECT {expression} FROM {quote(table)}")
        )
        digest = hashlib.md5("".join(hashes).encode(), usedforsecurity=False).hexdigest()
        found[table] = {"rows": len(hashes), "checksum": digest}
    return found


def postgres_environment() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore from Django's settings (the password
    goes through the environment, never the command line)."""
    s = connection.settings_dict
    args = []
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    sslmode = (s.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def current_fingerprint() -> Fingerprint:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            return postgres_fingerprint(cursor, sorted(connection.introspection.table_names()))
    connection.ensure_connection()
    return sqlite_fingerprint(connection.connection)


def backup(path: Path) -> Fingerprint:
    """Write the backup and its manifest; returns the fingerprint."""
    path = Path(path)
    if connection.vendor == "postgresql":
        args, env = postgres_environment()
        with transaction.atomic(), connection.cursor() as cursor:
            # One snapshot for the dump and for the figures in the manifest.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            fingerprint = postgres_fingerprint(
                cursor, sorted(connection.introspection.table_names(cursor))
            )
            subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                 "--file", str(path), *args, str(connection.settings_dict["NAME"])],
                env=env, check=True, capture_output=True,
            )  # fmt: skip
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        path.unlink(missing_ok=True)
        with closing(sqlite3.connect(path)) as target:
            connection.connection.backup(target)
            fingerprint = sqlite_fingerprint(target)
    else:
        raise NotImplementedError(f"No backup for {connection.vendor}")
    manifest = {
        "vendor": connection.vendor,
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tables": fingerprint,
    }
    manifest_path(path).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return fingerprint


def erasure_functions() -> Any | None:
    """The erasure log's module, or None where it does not exist (yet)."""
    try:
        module = import_module(ERASURE_MODULE)
    except ImportError:
        return None
    if callable(getattr(module, "erasure_log", None)) and callable(
        getattr(module, "reapply_erasures", None)
    ):
        return module
    return None


def saved_erasure_log(erasures: Any, path: Path) -> list[dict[str, Any]]:
    """The live database's erasure log, read before the restore replaces it, and kept in a
    file beside the backup too (so a restore cut off half-way loses no erasure)."""
    try:
        entries = list(erasures.erasure_log())
    except DatabaseError:
        entries = []  # restoring onto an empty or broken database: the backup's log only
    path.with_name(path.name + ".erasures-before-restore.json").write_text(
        json.dumps(entries, default=str)
    )
    return entries


def restore(path: Path) -> dict[str, Any]:
    """Replace the database with the backup, check it against the manifest, then erase
    again whoever was erased since. Stop the app and the workers first."""
    path = Path(path)
    manifest = json.loads(manifest_path(path).read_text())
    if manifest["vendor"] != connection.vendor:
        raise RestoreMismatch(
            f"The backup is of {manifest['vendor']}, the database is {connection.vendor}."
        )
    erasures = erasure_functions()
    entries = saved_erasure_log(erasures, path) if erasures is not None else []
    if connection.vendor == "postgresql":
        args, env = postgres_environment()
        connections.close_all()
        subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--single-transaction", "--exit-on-error", *args,
             "--dbname", str(connection.settings_dict["NAME"]), str(path)],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
    else:
        connection.ensure_connection()
        with closing(sqlite3.connect(path)) as source:
            source.backup(connection.connection)
    found = current_fingerprint()
    expected = manifest["tables"]
    differ = sorted(
        table for table in expected.keys() | found.keys() if expected.get(table) != found.get(table)
    )
    if differ:
        raise RestoreMismatch("The restored tables differ from the backup: " + ", ".join(differ))
    # Whoever was erased after the backup was made (or before it, should the backup hold
    # them still) is erased again.
    erased = erasures.reapply_erasures(entries) if erasures is not None else "not available"
    return {
        "tables": len(found),
        "rows": sum(table["rows"] for table in found.values()),
        "erasures": erased,
    }
