"""The sandbox's Docker engine: use the running one, or start Debian's dockerd as root."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.images.engine import ping
from rolloutlab.paths import Paths
from rolloutlab.sandbox import runcwrap
from rolloutlab.sandbox.procs import Daemon


@dataclass(frozen=True)
class EngineState:
    running: bool
    version: str | None
    started_by_us: bool
    problem: str | None


class Engine:
    def __init__(self, *, paths: Paths) -> None:
        self.daemon = Daemon(name="dockerd", run_dir=paths.run, log_dir=paths.logs)
        self.run_dir = paths.run

    def state(self) -> EngineState:
        version = ping()
        ours = self.daemon.pid() is not None
        if version:
            return EngineState(running=True, version=version, started_by_us=ours, problem=None)
        return EngineState(running=False, version=None, started_by_us=False, problem=self._why_not())

    def _why_not(self) -> str:
        if shutil.which("dockerd") is None:
            return _(
                "no Docker engine runs and dockerd is not installed; run ./scripts/setup as root or install Docker"
            )
        if os.geteuid() != 0:
            return _("no Docker engine runs; start Docker (or Docker Desktop) and check `docker info`")
        return _("no Docker engine runs; `rolloutlab sandbox up` starts dockerd")

    def up(self) -> EngineState:
        """Make sure an engine answers, starting dockerd ourselves only where we may (root, installed)."""
        state = self.state()
        runc = shutil.which("runc")
        status = Path("/proc/self/status").read_text()
        if state.running:
            self.keep_wrapper(state)
            return state
        dockerd = shutil.which("dockerd")
        if dockerd is None or os.geteuid() != 0:
            raise LabError(state.problem or _("no Docker engine runs"), fix=_("see `rolloutlab sandbox status`"))
        argv = [dockerd, "--host", "unix:///var/run/docker.sock"]
        wrapper = runcwrap.install(folder=self.run_dir, runc=runc, status=status) if runc else None
        if wrapper is not None:
            argv += [f"--add-runtime={runcwrap.RUNTIME}={wrapper}", f"--default-runtime={runcwrap.RUNTIME}"]
        self.daemon.start(argv=argv)
        if self.daemon.wait_for(lambda: ping() is not None, seconds=30, every=0.3):
            return self.state()
        raise LabError(
            _("dockerd did not start ({log_tail})", log_tail=self.daemon.log_tail()),
            fix=_(
                "read {log_file}; another dockerd may already hold /var/run/docker.pid", log_file=self.daemon.log_file
            ),
        )

    def keep_wrapper(self, state: EngineState) -> None:
        """Write the runc wrapper again under a dockerd we started: it names the wrapper by path for its whole
        life, and a wrapper gone or pointing at a removed interpreter fails every `docker run` ("fork/exec
        .../runc-rolloutlab: no such file")."""
        runc = shutil.which("runc")
        if state.running and state.started_by_us and runc:
            runcwrap.install(folder=self.run_dir, runc=runc, status=Path("/proc/self/status").read_text())

    def down(self) -> bool:
        return self.daemon.stop(grace=20)
