"""Which login a registry gets: the sandbox's registry asks for one (as Docker Hub does in the course notes, where
the lesson runs `docker login`); a kind or class registry may ask for none.

One lookup for the registry client, the Docker pushes and the checks: the login given in the environment
(LAB_REGISTRY_USER and LAB_REGISTRY_PASSWORD, what `rolloutlab sandbox env` exports), else the sandbox's own for a
registry on this machine, else what `docker login` stored for that registry.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from rolloutlab import environment
from rolloutlab.environment import DOCKER_CONFIG, LAB_REGISTRY, LAB_REGISTRY_PASSWORD, LAB_REGISTRY_USER
from rolloutlab.paths import Paths

USER = "student"  # the sandbox registry's one user


@dataclass(frozen=True)
class Login:
    username: str
    password: str

    def as_tuple(self) -> tuple[str, str]:
        return (self.username, self.password)


def is_local(address: str) -> bool:
    """Whether `address` (host:port) is a registry on this machine: plain HTTP, and the sandbox's login."""
    host = address.rsplit(":", 1)[0]
    return host == "localhost" or host.startswith("127.") or host == "[::1]"


def _given(address: str) -> Login | None:
    """The login in LAB_REGISTRY_USER and LAB_REGISTRY_PASSWORD, for LAB_REGISTRY (or any registry without it)."""
    user, password = environment.get(LAB_REGISTRY_USER), environment.get(LAB_REGISTRY_PASSWORD)
    chosen = environment.get(LAB_REGISTRY) if environment.is_set(LAB_REGISTRY) else address
    if user and password and chosen == address:
        return Login(user, password)
    return None


def docker_config_dir() -> Path:
    return Path(environment.get(DOCKER_CONFIG) or Path.home() / ".docker")


def docker_login(address: str) -> Login | None:
    """What `docker login <address>` stored in Docker's config (DOCKER_CONFIG, else ~/.docker), or None."""
    try:
        auths = json.loads((docker_config_dir() / "config.json").read_text()).get("auths") or {}
    except (OSError, ValueError):
        return None
    entry = auths.get(address) or auths.get(f"http://{address}") or {}
    try:
        username, _, password = base64.b64decode(entry.get("auth") or "").decode().partition(":")
    except ValueError:
        return None
    return Login(username, password) if username and password else None


def sandbox_login() -> Login | None:
    path = Paths.from_env().registry_password
    try:
        password = path.read_text().strip()
    except OSError:
        return None
    return Login(USER, password) if password else None


def for_registry(address: str) -> Login | None:
    """The login to use with the registry at `address`; None when none is known (a registry that asks for none)."""
    return _given(address) or (sandbox_login() if is_local(address) else None) or docker_login(address)


def to_give(address: str) -> Login:
    """The login a student gives `docker login` for `address`: the one given in the environment, else the
    sandbox's for a registry on this machine, else any (a registry that asks for no login takes any)."""
    return _given(address) or (sandbox_login() if is_local(address) else None) or Login(USER, USER)
