from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gensidig.settings import database_from_url


def test_database_from_url_postgres_has_persistent_health_checked_connections() -> None:
    config = database_from_url(
        "postgres://gs:hemmelig%21@db.internal:6432/gensidig?sslmode=require"
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("gensidig", "gs", "hemmelig!")
    assert (config["HOST"], config["PORT"]) == ("db.internal", "6432")
    assert config["CONN_MAX_AGE"] == 60
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["OPTIONS"] == {"sslmode": "require", "options": "-c jit=off"}


def test_database_from_url_postgres_turns_jit_off_unless_the_url_says() -> None:
    own = database_from_url("postgres://gs@db/gensidig?options=-c%20jit%3Don")
    assert own["OPTIONS"] == {"options": "-c jit=on"}


def test_database_from_url_sqlite_absolute_and_relative() -> None:
    assert database_from_url("sqlite:////srv/data/db.sqlite3")["NAME"] == "/srv/data/db.sqlite3"
    assert database_from_url("sqlite:///data/db.sqlite3")["NAME"] == "data/db.sqlite3"


def test_database_from_url_unknown_scheme_is_an_error() -> None:
    import pytest

    with pytest.raises(ValueError, match="mysql"):
        database_from_url("mysql://x@y/z")


def test_check_deploy_passes_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gensidig.settings",
        "GENSIDIG_DATA_DIR": str(tmp_path),
        "GENSIDIG_DEBUG": "0",
        "GENSIDIG_HTTPS": "1",
        "GENSIDIG_SECRET_KEY": "x8$kQ2!vN7pL0zR4wT9yB3mC6hF1jD5sG8aE2uI7oP4qW0nZ" * 2,
        "GENSIDIG_ALLOWED_HOSTS": "gensidig.example.com",
        "GENSIDIG_EMAIL_HOST": "smtp.example.com",
    }
    # Test-only switches that a production deployment never sets.
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-m", "gensidig", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    from gensidig.settings import secret_key

    first = secret_key(tmp_path)
    assert len(first) >= 50
    assert secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
