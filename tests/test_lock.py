"""requirements.lock is what every install uses (scripts/bootstrap, with --require-hashes):
it must be refreshed (scripts/lock) whenever pyproject.toml's dependencies change, and pin
every package with hashes. Runs without Django or the network."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = (ROOT / "requirements.lock").read_text()


def lock_hash_module():  # type: ignore[no-untyped-def]
    path = ROOT / "scripts" / "lock-hash"
    loader = importlib.machinery.SourceFileLoader("lock_hash", str(path))
    spec = importlib.util.spec_from_loader("lock_hash", loader)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pinned() -> dict[str, str]:
    return {
        name.lower().replace("_", "-"): version
        for name, version in re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", LOCK, flags=re.MULTILINE)
    }


def test_lock_was_refreshed_after_the_last_dependency_change() -> None:
    digest = lock_hash_module().dependency_digest(ROOT / "pyproject.toml")
    header = re.search(r"^# pyproject-dependencies-sha256: (\w+)$", LOCK, flags=re.MULTILINE)
    assert header is not None, "requirements.lock has no digest header: run scripts/lock"
    assert header.group(1) == digest, (
        "pyproject.toml's dependencies changed since requirements.lock was made: run scripts/lock"
    )


def test_lock_digest_changes_with_any_dependency(tmp_path: Path) -> None:
    module = lock_hash_module()
    source = (ROOT / "pyproject.toml").read_text()
    copy = tmp_path / "pyproject.toml"
    copy.write_text(source)
    before = module.dependency_digest(copy)
    copy.write_text(source.replace('"pytest>=8",', '"pytest>=8",\n    "something-new>=1",'))
    assert module.dependency_digest(copy) != before
    copy.write_text(source.replace("numba>=0.68,<0.70", "numba>=0.68,<0.71"))
    assert module.dependency_digest(copy) != before


def test_every_dependency_is_pinned_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    names = {
        re.split(r"[\[<>=!~;\s]", item, maxsplit=1)[0].lower().replace("_", "-") for item in wanted
    }
    assert names - set(pinned()) == set()
    # Each pinned requirement carries at least one hash, so pip's --require-hashes accepts it.
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.split("\n", 3)[-1])
    unhashed = [
        block.split(" ", 1)[0]
        for block in blocks
        if "==" in block and "--hash=sha256:" not in block
    ]
    assert unhashed == []


def test_numba_has_an_upper_bound() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    [numba] = [item for item in project["dependencies"] if item.startswith("numba")]
    assert "<" in numba
    major, minor = (int(part) for part in pinned()["numba"].split(".")[:2])
    assert (major, minor) >= (0, 68)
