"""The package runs as `python -m rolloutlab`, says its version, builds with what it declares, and finds its folders."""

import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

from rolloutlab import paths, process
from rolloutlab.errors import LabError

ROOT = Path(__file__).resolve().parents[1]


def test_python_dash_m_and_version():
    """`python -m rolloutlab --version` prints the installed version, the same as pyproject's."""
    proc = process.run([sys.executable, "-m", "rolloutlab", "--version"], timeout=60, check=True)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert proc.stdout.strip() == f"rolloutlab {version}"
    assert importlib.metadata.version("rolloutlab") == version


def test_the_build_requirement_understands_the_license_field():
    """A license given as an SPDX string needs setuptools 77 or later, and that is what the build asks for."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert isinstance(project["project"]["license"], str)
    (requirement,) = [r for r in project["build-system"]["requires"] if r.startswith("setuptools")]
    found = re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", requirement)
    assert found
    assert int(found.group(1)) >= 77


def test_every_dependency_is_a_range_and_the_lock_pins_each_with_hashes():
    """pyproject's dependencies are ranges (no ==); the lock pins each of them to one version with a hash."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    assert [d for d in declared if "==" in d] == []
    lock = (ROOT / "requirements-lock.txt").read_text()
    pinned = {m.group(1).lower().replace("_", "-") for m in re.finditer(r"^([A-Za-z0-9_.-]+)==\S+ \\$", lock, re.M)}
    names = {re.split(r"[<>=!~ \[]", d, maxsplit=1)[0].lower().replace("_", "-") for d in declared}
    assert names - pinned == set()
    assert lock.count("--hash=sha256:") >= len(pinned)


def test_outside_a_clone_the_folders_are_refused_in_one_line(tmp_path, monkeypatch):
    """ROLLOUTLAB_REPO pointing at a folder without labs/, app/ and docs/: a LabError naming the fix."""
    paths.repository.cache_clear()
    monkeypatch.setenv("ROLLOUTLAB_REPO", str(tmp_path))
    try:
        with pytest.raises(LabError, match="is not a clone of rollout labs") as caught:
            paths.repository()
        assert "unset it" in str(caught.value)
    finally:
        monkeypatch.delenv("ROLLOUTLAB_REPO")
        paths.repository.cache_clear()
    assert paths.repository().root == ROOT


def test_the_folders_come_from_one_place():
    """No module works out the repository's folders from its own file (`parents[2]`) any more."""
    package = ROOT / "src" / "rolloutlab"
    offenders = [str(p.relative_to(package)) for p in package.rglob("*.py") if "parents[" in p.read_text()]
    assert offenders == []
