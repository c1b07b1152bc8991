"""Danish is complete: every marked string has a translation, and no string marked in the
code is missing from the catalogue."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "gensidig"
PO_FILE = PACKAGE / "locale" / "da" / "LC_MESSAGES" / "django.po"


def entries(po_text: str) -> dict[tuple[str, str], tuple[str, bool]]:
    """(msgctxt, msgid) -> (first msgstr, fuzzy) for every live entry of a .po file."""
    result: dict[tuple[str, str], tuple[str, bool]] = {}
    for block in po_text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid") for line in lines):
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        msgid = fields.get("msgid", "")
        if msgid:
            result[(fields.get("msgctxt", ""), msgid)] = (
                fields.get("msgstr", fields.get("msgstr[0]", "")),
                fuzzy,
            )
    return result


def test_danish_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    catalogue = entries(PO_FILE.read_text())
    assert len(catalogue) > 100
    missing = [msgid for msgid, (msgstr, fuzzy) in catalogue.items() if not msgstr or fuzzy]
    assert missing == []


def test_every_marked_string_is_in_the_danish_catalogue(tmp_path: Path) -> None:
    copy = tmp_path / "gensidig"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "engine"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "da",
            "--no-obsolete",
            "-v0",
            "-e",
            "html,txt,py",
            "--settings=gensidig.settings",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = entries((copy / "locale" / "da" / "LC_MESSAGES" / "django.po").read_text())
    committed = entries(PO_FILE.read_text())
    assert sorted(set(fresh) - set(committed)) == []
