"""`gensidig backup` and `gensidig restore` round trip, on SQLite and on PostgreSQL (whichever
the suite runs on), with the consistency check and the erasure hook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gensidig.accounts.models import User
from gensidig.ops import backup as backups
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_then_restore_brings_back_the_same_rows(
    tmp_path: Path, admin: Any, young: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gensidig.backup"
    call_command("backup", str(path))
    manifest = json.loads(backups.manifest_path(path).read_text())
    assert manifest["tables"]["accounts_user"]["rows"] == User.objects.count() == 3
    before = sorted(User.objects.values_list("email", "name"))
    UserFactory(email="later@example.org")
    User.objects.filter(pk=young.user.pk).update(name="Changed Name")
    call_command("restore", str(path), interactive=False)
    assert sorted(User.objects.values_list("email", "name")) == before
    assert backups.current_fingerprint() == manifest["tables"]
    assert "checksums match the backup" in capsys.readouterr().out


def test_restore_refuses_when_tables_differ_from_the_manifest(tmp_path: Path, admin: Any) -> None:
    path = tmp_path / "gensidig.backup"
    call_command("backup", str(path))
    manifest = json.loads(backups.manifest_path(path).read_text())
    manifest["tables"]["accounts_user"]["rows"] += 1
    backups.manifest_path(path).write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match=r"differ from the backup: accounts_user$"):
        call_command("restore", str(path), interactive=False)


def test_restore_erases_again_whoever_was_erased_after_the_backup(
    tmp_path: Path, admin: Any, young: Any, experienced: Any
) -> None:
    from gensidig.accounts.erasure import erase_account

    path = tmp_path / "gensidig.backup"
    call_command("backup", str(path))
    erase_account(user=young.user)
    assert not User.objects.filter(email="ung@example.org").exists()
    outcome = backups.restore(path)
    # The backup still held Ida; the erasure log read before the restore erased her again.
    assert outcome["erasures"] == 1
    assert not User.objects.filter(email="ung@example.org").exists()
    assert User.objects.filter(email="erfaren@example.org").exists()
    saved = json.loads((tmp_path / "gensidig.backup.erasures-before-restore.json").read_text())
    assert [entry["user_id"] for entry in saved] == [young.user.pk]


def test_restore_with_nobody_erased_erases_nobody(tmp_path: Path, admin: Any) -> None:
    path = tmp_path / "gensidig.backup"
    call_command("backup", str(path))
    assert backups.restore(path)["erasures"] == 0
