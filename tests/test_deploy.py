"""The systemd units in deploy/ are valid: checked by `systemd-analyze verify` where the
machine has it, and always by reading them (sections, known keys, a command that exists)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNITS = sorted([*ROOT.glob("deploy/*.service"), *ROOT.glob("deploy/*.timer")])
SECTIONS = {
    "Unit": {"Description", "Wants", "After"},
    "Service": {
        "Type", "User", "Group", "WorkingDirectory", "EnvironmentFile", "ExecStart",
        "KillSignal", "TimeoutStopSec", "Restart", "RestartSec", "NoNewPrivileges",
        "PrivateTmp", "ProtectSystem", "ProtectHome", "ReadWritePaths",
    },
    "Timer": {"OnCalendar", "RandomizedDelaySec", "Persistent"},
    "Install": {"WantedBy"},
}  # fmt: skip


def local_copies(folder: Path) -> list[Path]:
    """The units with /opt/gensidig (where docs/deploy.md installs) pointed at this checkout,
    so that their commands exist here."""
    copies = []
    for unit in UNITS:
        copy = folder / unit.name
        copy.write_text(unit.read_text().replace("/opt/gensidig", str(ROOT)))
        copies.append(copy)
    return copies


def test_deploy_has_web_worker_scheduler_and_backup_units() -> None:
    assert [unit.name for unit in UNITS] == [
        "gensidig-backup.service",
        "gensidig-backup.timer",
        "gensidig-scheduler.service",
        "gensidig-web.service",
        "gensidig-worker@.service",
    ]


def test_units_read_as_systemd_units_with_known_keys(tmp_path: Path) -> None:
    for unit in local_copies(tmp_path):
        parser = configparser.ConfigParser(interpolation=None, strict=True)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(unit.read_text())
        assert set(parser.sections()) <= set(SECTIONS), unit.name
        for section in parser.sections():
            unknown = set(parser[section]) - SECTIONS[section]
            assert unknown == set(), (unit.name, section, unknown)
        if unit.suffix == ".service":
            command = parser["Service"]["ExecStart"].split()
            assert Path(command[0]).name == "gensidig", unit.name
            assert command[1] in {"serve", "worker", "scheduler", "backup"}, unit.name
        else:
            assert "OnCalendar" in parser["Timer"]


def test_units_pass_systemd_analyze_verify_where_available(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    copies = local_copies(tmp_path)
    if analyze is None:
        # Without systemd the reading test above is the check; prove the units were read.
        assert all(copy.read_text().startswith("#") or "[Unit]" in copy.read_text()
                   for copy in copies)  # fmt: skip
        return
    result = subprocess.run(
        [analyze, "verify", "--man=no", *map(str, copies)], capture_output=True, text=True
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
