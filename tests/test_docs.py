"""The README tells the truth: every setting and every command is documented there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def settings_read_from_environment() -> set[str]:
    source = (ROOT / "src" / "gensidig" / "settings.py").read_text()
    return set(re.findall(r'env(?:_bool|_list)?\(\s*"([A-Z0-9_]+)"', source))


def test_every_setting_is_in_the_configuration_table() -> None:
    names = settings_read_from_environment()
    assert "DATABASE_URL" in names and "GENSIDIG_SECRET_KEY" in names
    undocumented = sorted(name for name in names if f"| `{name}`" not in README)
    assert undocumented == []


def test_every_gensidig_command_is_documented() -> None:
    for command in (
        "gensidig demo",
        "gensidig serve",
        "gensidig worker",
        "gensidig scheduler",
        "gensidig backup",
        "gensidig restore",
        "gensidig match",
    ):
        assert command in README, command


def test_readme_has_exactly_the_two_setup_commands() -> None:
    assert re.findall(r"^make (\w+)$", README, flags=re.MULTILINE) == ["demo", "test"]
