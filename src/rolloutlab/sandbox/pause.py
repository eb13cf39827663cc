"""The pod sandbox ("pause") image, which no registry can give us here: Kubernetes' own pause.c, taken from the
Kubernetes module already in Go's module cache, built static with the machine's C compiler, and pushed to the
sandbox's registry as a one-file image.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from rolloutlab import process
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.images import registry
from rolloutlab.sandbox.nodeconfig import PAUSE_REPOSITORY


def cached_binary(*, bin_dir: Path, kubernetes: str) -> Path:
    """Where the sandbox's build keeps the pause program of Kubernetes `kubernetes` (1.33.13)."""
    return bin_dir / f"pause-v{kubernetes}" / "pause"


def module_dir(*, go: str, version: str) -> Path:
    """Where Go keeps the source of k8s.io/kubernetes@version (downloaded by the Kubernetes build)."""
    out = process.run([go, "env", "GOMODCACHE"], timeout=60, check=True).stdout.strip()
    return Path(out) / f"k8s.io/kubernetes@{version}"


def pause_tag(source: Path) -> str:
    """The pause version the Kubernetes release ships (`TAG ?=` in build/pause/Makefile)."""
    found = re.search(r"^TAG\s*\?=\s*(\S+)", (source / "build" / "pause" / "Makefile").read_text(), re.MULTILINE)
    if not found:
        raise LabError(
            _("no pause version in {source}/build/pause/Makefile", source=source),
            fix=_("check the pinned Kubernetes version"),
        )
    return found.group(1)


def build(*, source: Path, out_dir: Path) -> Path:
    """Compile pause.c into `out_dir/pause` (and keep its version beside it); returns the binary."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        raise LabError(
            _("no C compiler, and the sandbox's pause program is built from source"),
            fix=_("install gcc and libc6-dev (./scripts/setup does as root)"),
        )
    tag = pause_tag(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    binary = out_dir / "pause"
    proc = process.run([cc, "-Os", "-Wall", "-Werror", "-static", f"-DVERSION=v{tag}", "-o", str(binary),
                        str(source / "build" / "pause" / "linux" / "pause.c")], timeout=300, check=False)  # fmt: skip
    if not proc.ok:
        tail = " | ".join(proc.stderr.strip().splitlines()[-2:])
        raise LabError(
            _("building pause failed: {tail}", tail=tail), fix=_("install libc6-dev (a static C library) and retry")
        )
    (out_dir / "tag").write_text(tag + "\n")
    return binary


def push(*, binary: Path, registry_address: str) -> str:
    """Push the pause image unless the registry has it; returns its full name."""
    tag = (binary.parent / "tag").read_text().strip()
    name = f"{registry_address}/{PAUSE_REPOSITORY}:{tag}"
    if tag not in registry.list_tags(registry=registry_address, repository=PAUSE_REPOSITORY):
        registry.push_files_image(
            registry=registry_address, repository=PAUSE_REPOSITORY, tag=tag,
            files={"pause": (binary.read_bytes(), 0o755)}, entrypoint=["/pause"],
        )  # fmt: skip
    return name
