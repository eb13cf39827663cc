"""The sandbox's registry on localhost: Debian's `docker-registry` where it is installed, else the usual
registry container where Docker runs. Its storage is kept outside the cluster, so images survive `down`/`up`.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass

import bcrypt

from rolloutlab import process, waiting
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.images import credentials
from rolloutlab.images.registry import is_registry
from rolloutlab.paths import Paths
from rolloutlab.sandbox.procs import Daemon, port_open

CONTAINER = "rolloutlab-registry"
HASH_COST = 4  # bcrypt's lowest: see ensure_login


@dataclass(frozen=True)
class RegistryState:
    address: str
    running: bool
    owner: str  # "process", "container", "other" (someone else's registry) or "none"


def registry_config(*, port: int, paths: Paths) -> str:
    """Debian's registry on 127.0.0.1, deletes allowed (validate removes its own tags), and a login required to
    push or pull, as on Docker Hub in the course notes: one user, `student`, whose password `ensure_login` made."""
    return (
        "version: 0.1\n"
        "log:\n  level: warn\n"
        "storage:\n"
        f"  filesystem:\n    rootdirectory: {paths.registry_storage}\n"
        "  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
        f"auth:\n  htpasswd:\n    realm: rollout-labs\n    path: {paths.registry_htpasswd}\n"
    )


def ensure_login(paths: Paths) -> credentials.Login:
    """The registry's login: a password made once (kept 0600 in the sandbox's folder), and its htpasswd line."""
    paths.sandbox.mkdir(parents=True, exist_ok=True)
    if not paths.registry_password.is_file():
        fd = os.open(paths.registry_password, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(12) + "\n")
    password = paths.registry_password.read_text().strip()
    # The registry checks the hash on every request (each blob of a push, each pull of a node): bcrypt's lowest cost
    # keeps that to a millisecond; at the usual cost a busy rollout made it time out. The password is random and
    # never leaves this machine.
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=HASH_COST)).decode()
    paths.registry_htpasswd.write_text(f"{credentials.USER}:{hashed}\n")
    paths.registry_htpasswd.chmod(0o600)
    return credentials.Login(credentials.USER, password)


class LocalRegistry:
    def __init__(self, *, paths: Paths, port: int) -> None:
        self.paths = paths
        self.port = port
        self.address = f"localhost:{port}"
        self.config_file = paths.sandbox / "registry.yml"
        self.daemon = Daemon(name="registry", run_dir=paths.run, log_dir=paths.logs)

    def state(self) -> RegistryState:
        if self.daemon.pid() is not None:
            return RegistryState(address=self.address, running=True, owner="process")
        if self._container_running():
            return RegistryState(address=self.address, running=True, owner="container")
        if is_registry(address=self.address):
            return RegistryState(address=self.address, running=True, owner="other")
        return RegistryState(address=self.address, running=False, owner="none")

    def up(self) -> RegistryState:
        state = self.state()
        if state.owner == "process" and not self._config_is_current():
            self.daemon.stop()  # a registry of an earlier version (no login): started again with today's config
            state = self.state()
        if state.running:
            return state
        if port_open(port=self.port):
            raise LabError(
                _(
                    "port {port} is in use by a program that is not a registry, so the "
                    "sandbox's registry cannot start there",
                    port=self.port,
                ),
                fix=_(
                    "stop that program (see `ss -ltnp 'sport = :{port}'`) or set "
                    "LAB_REGISTRY to localhost:<a free port>",
                    port=self.port,
                ),
            )
        binary = shutil.which("docker-registry")
        if binary:
            self._start_process(binary)
            return self.state()
        if shutil.which("docker"):
            self._start_container()
            return self.state()
        raise LabError(
            _("no registry can be started: neither Debian's docker-registry nor Docker is installed"),
            fix=_("run ./scripts/setup as root (it installs docker-registry), or install Docker"),
        )

    def is_current(self) -> bool:
        """Whether a registry process of ours runs today's configuration (else `up` starts it again); a registry
        that is not ours is left as it is."""
        return self.state().owner != "process" or self._config_is_current()

    def _config_is_current(self) -> bool:
        try:
            hashed = self.paths.registry_htpasswd.read_text().split(":", 1)[-1]
            return self.config_file.read_text() == registry_config(port=self.port, paths=self.paths) and \
                hashed.startswith(f"$2b${HASH_COST:02d}$")  # fmt: skip
        except OSError:
            return False

    def down(self) -> None:
        self.daemon.stop()
        if self._container_running():
            process.run(["docker", "stop", CONTAINER], timeout=60, check=False)

    def _start_process(self, binary: str) -> None:
        self.paths.registry_storage.mkdir(parents=True, exist_ok=True)
        ensure_login(self.paths)  # makes the sandbox folder, where the configuration goes too
        self.config_file.write_text(registry_config(port=self.port, paths=self.paths))
        self.daemon.start(argv=[binary, "serve", str(self.config_file)])
        self._wait_ready()

    def _start_container(self) -> None:
        self.paths.registry_storage.mkdir(parents=True, exist_ok=True)
        ensure_login(self.paths)
        process.run(["docker", "rm", "-f", CONTAINER], timeout=60, check=False)
        proc = process.run(
            [
                "docker", "run", "-d", "--name", CONTAINER,
                "-p", f"127.0.0.1:{self.port}:5000",
                "-v", f"{self.paths.registry_storage}:/var/lib/registry",
                "-v", f"{self.paths.registry_htpasswd}:/auth/htpasswd:ro",
                "-e", "REGISTRY_AUTH=htpasswd", "-e", "REGISTRY_AUTH_HTPASSWD_REALM=rollout-labs",
                "-e", "REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd",
                "registry:2",
            ],
            timeout=300, check=False,
        )  # fmt: skip
        if not proc.ok:
            raise LabError(
                _(
                    "the registry container did not start: {splitlines}",
                    splitlines=proc.stderr.strip().splitlines()[-1:],
                ),
                fix=_("check that Docker runs and can pull registry:2, or install Debian's docker-registry"),
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        if waiting.until(lambda: is_registry(address=self.address, timeout=0.5), seconds=15, every=0.2):
            return
        raise LabError(
            _(
                "the registry did not answer on {address} within 15 s ({log_tail})",
                address=self.address,
                log_tail=self.daemon.log_tail(),
            ),
            fix=_("read {log_file}", log_file=self.daemon.log_file),
        )

    def _container_running(self) -> bool:
        if not shutil.which("docker"):
            return False
        proc = process.run(["docker", "inspect", "-f", "{{.State.Running}}", CONTAINER], timeout=10, check=False)
        return proc.ok and proc.stdout.strip() == "true"
