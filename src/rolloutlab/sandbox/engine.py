"""The Docker engine the labs build images with: use the running one, or start Debian's dockerd as root."""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass

import docker
from docker.errors import DockerException

from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.paths import Paths
from rolloutlab.sandbox.procs import Daemon


@dataclass(frozen=True)
class EngineState:
    running: bool
    version: str | None
    started_by_us: bool
    problem: str | None


NOT_RUNNING_FIX = "start Docker and check `docker info`; as root on Debian `rolloutlab sandbox up` starts dockerd"


def _socket_answers() -> bool:
    """Whether a local engine socket accepts connections. Checked before the SDK is asked, because a docker
    client that fails while connecting leaves its socket open."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        return True  # tcp:// or ssh://: let the SDK find out
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        return sock.connect_ex(host.removeprefix("unix://")) == 0


def client(*, timeout: int = 600) -> docker.DockerClient:
    """A docker SDK client to a running engine, or a LabError saying Docker is not running."""
    if _socket_answers():
        api = None
        try:
            api = docker.from_env(timeout=timeout)
            api.ping()
            return api
        except DockerException:
            if api is not None:
                api.close()
    raise LabError(
        _("Docker is not running (no engine answers), so images cannot be built or pushed"), fix=NOT_RUNNING_FIX
    )


def ping() -> str | None:
    """The engine's version when one answers on DOCKER_HOST or the default socket, else None."""
    try:
        api = client(timeout=5)
    except LabError:
        return None
    try:
        return str(api.version().get("Version"))
    finally:
        api.close()


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
            raise LabError(state.problem or "no Docker engine runs", fix=_("see `rolloutlab sandbox status`"))
        self.daemon.start(argv=[dockerd, "--host", "unix:///var/run/docker.sock"])
        if self.daemon.wait_for(ping, seconds=30, every=0.3):
            return self.state()
        raise LabError(
            _("dockerd did not start ({log_tail})", log_tail=self.daemon.log_tail()),
            fix=_(
                "read {log_file}; another dockerd may already hold /var/run/docker.pid", log_file=self.daemon.log_file
            ),
        )

    def down(self) -> bool:
        return self.daemon.stop(grace=20)
