"""The Docker engine the labs build images with: use the running one, or start Debian's dockerd as root."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass

import docker
from docker.errors import DockerException

from rolloutlab.errors import LabError
from rolloutlab.paths import Paths
from rolloutlab.procs import Daemon


@dataclass(frozen=True)
class EngineState:
    running: bool
    version: str | None
    started_by_us: bool
    problem: str | None


def ping() -> str | None:
    """The engine's version when one answers on DOCKER_HOST or the default socket, else None."""
    try:
        api = docker.from_env(timeout=5)
        try:
            return str(api.version().get("Version"))
        finally:
            api.close()
    except DockerException:
        return None


class Engine:
    def __init__(self, *, paths: Paths) -> None:
        self.daemon = Daemon(name="dockerd", run_dir=paths.run, log_dir=paths.logs)

    def state(self) -> EngineState:
        version = ping()
        ours = self.daemon.pid() is not None
        if version:
            return EngineState(running=True, version=version, started_by_us=ours, problem=None)
        return EngineState(running=False, version=None, started_by_us=False, problem=self._why_not())

    def _why_not(self) -> str:
        if shutil.which("dockerd") is None:
            return "no Docker engine runs and dockerd is not installed; run ./scripts/setup as root or install Docker"
        if os.geteuid() != 0:
            return "no Docker engine runs; start Docker (or Docker Desktop) and check `docker info`"
        return "no Docker engine runs; `rolloutlab sandbox up` starts dockerd"

    def up(self) -> EngineState:
        """Make sure an engine answers, starting dockerd ourselves only where we may (root, installed)."""
        state = self.state()
        if state.running:
            return state
        dockerd = shutil.which("dockerd")
        if dockerd is None or os.geteuid() != 0:
            raise LabError(state.problem or "no Docker engine runs", fix="see `rolloutlab sandbox status`")
        self.daemon.start(argv=[dockerd, "--host", "unix:///var/run/docker.sock"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if ping():
                return self.state()
            if self.daemon.pid() is None:
                break
            time.sleep(0.3)
        raise LabError(
            f"dockerd did not start ({self.daemon.log_tail()})",
            fix=f"read {self.daemon.log_file}; another dockerd may already hold /var/run/docker.pid",
        )

    def down(self) -> bool:
        return self.daemon.stop(grace=20)
