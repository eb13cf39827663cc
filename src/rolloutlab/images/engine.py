"""The Docker engine the labs build images with, through the docker SDK: a client to the running engine, or one
line saying none answers. Starting one (dockerd, as root) is the sandbox's job."""

from __future__ import annotations

import socket

import docker
from docker.errors import DockerException

from rolloutlab import environment
from rolloutlab.environment import DOCKER_HOST
from rolloutlab.errors import LabError
from rolloutlab.i18n import _


def _socket_answers() -> bool:
    """Whether a local engine socket accepts connections. Checked before the SDK is asked, because a docker
    client that fails while connecting leaves its socket open."""
    host = environment.get(DOCKER_HOST)
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
        _("Docker is not running (no engine answers), so images cannot be built or pushed"),
        fix=_("start Docker and check `docker info`; as root on Debian `rolloutlab sandbox up` starts dockerd"),
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
