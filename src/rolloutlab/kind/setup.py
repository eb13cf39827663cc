"""`rolloutlab cluster kind`: everything from nothing to a kind cluster whose nodes pull the labs' images."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from rolloutlab.i18n import _
from rolloutlab.kind import binaries, nodeimage
from rolloutlab.kind.cluster import KindCluster, KindSettings
from rolloutlab.paths import Paths
from rolloutlab.sandbox.engine import Engine
from rolloutlab.sandbox.lifecycle import Sandbox
from rolloutlab.settings import LabSettings


def _kind_on_path() -> Path | None:
    found = shutil.which("kind")
    return Path(found) if found else None


def setup(*, settings: KindSettings, workdir: Path, say: Callable[[str], None]) -> dict[str, float]:
    """Make (or keep) the cluster; returns how long each step took, in seconds."""
    paths = Paths.from_env()
    cached = paths.bin / binaries.kind_component().folder / "kind"
    cluster = KindCluster(settings=settings, kind=cached if cached.exists() else _kind_on_path(), workdir=workdir,
                          say=say)  # fmt: skip
    # Docker's engine as the sandbox starts it (as root on Debian, with the runc wrapper this machine needs), or
    # the one already running; one line if there is none.
    Engine(paths=paths).up()
    cluster.check(meminfo=Path("/proc/meminfo").read_text())
    times: dict[str, float] = {}
    started = time.monotonic()
    sandbox = Sandbox(paths=paths, settings=LabSettings.from_env(), say=say)
    found = binaries.build(sandbox)
    cluster.kind = found.kind
    times["binaries"] = time.monotonic() - started
    started = time.monotonic()
    image = nodeimage.NodeImageBuilder(work=paths.cache / "kind" / "work", say=say).build(found)
    times["node image"] = time.monotonic() - started
    started = time.monotonic()
    cluster.registry()
    times["registry"] = time.monotonic() - started
    started = time.monotonic()
    cluster.create(image=image)
    times["kind create cluster"] = time.monotonic() - started
    cluster.nodes_pull_from_registry()
    cluster.connect_registry()
    cluster.announce_registry()
    times["nodes Ready"] = times["kind create cluster"] + cluster.wait_ready()
    say(_("kind cluster {name} is ready: kubectl context {context}; the labs: rolloutlab validate --context {context}",
          name=settings.name, context=settings.context))  # fmt: skip
    return times


def delete(*, settings: KindSettings, say: Callable[[str], None]) -> None:
    paths = Paths.from_env()
    cached = paths.bin / binaries.kind_component().folder / "kind"
    kind = cached if cached.exists() else _kind_on_path()
    KindCluster(settings=settings, kind=kind, workdir=Path("."), say=say).delete()
