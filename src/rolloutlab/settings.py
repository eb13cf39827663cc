"""The lab parameters, read from the environment, with defaults that work for a student.

This is the one place the lesson's names live: the Deployment `first-app`, its container `first-app-k8s`,
the image repository `first-app-k8s` and the local registry `localhost:5001` (kind's local-registry recipe
uses the same address, so the labs run unchanged there); those a variable changes are the defaults declared in
`rolloutlab.environment`.
"""

from __future__ import annotations

import atexit
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rolloutlab import environment, kubectl
from rolloutlab.environment import (
    KUBECONFIG,
    LAB_CONTEXT,
    LAB_KUBECONFIG,
    LAB_LIVE_VIEW,
    LAB_NAMESPACE,
    LAB_REGISTRY,
    LAB_REPOSITORY,
)
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.paths import Paths

DEPLOYMENT = "first-app"
CONTAINER = "first-app-k8s"
REPOSITORY = LAB_REPOSITORY.default
DEFAULT_REGISTRY = LAB_REGISTRY.default
DEFAULT_NAMESPACE = LAB_NAMESPACE.default


@dataclass(frozen=True)
class LabSettings:
    """Where a lab runs: which cluster (context/kubeconfig), which namespace, which registry."""

    registry: str
    namespace: str
    context: str | None
    kubeconfig: str | None
    repository: str = REPOSITORY
    # A recording's figure redrawn while it records (LAB_LIVE_VIEW=off: drawn once, at the end).
    live_view: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LabSettings:
        registry = environment.get(LAB_REGISTRY, env=env).strip().rstrip("/") or DEFAULT_REGISTRY
        if "://" in registry:
            raise LabError(
                _("LAB_REGISTRY={registry!r} holds a URL", registry=registry),
                fix=_("give the registry as host:port, for example localhost:5001, as in image names"),
            )
        return cls(
            registry=registry,
            namespace=environment.get(LAB_NAMESPACE, env=env).strip() or DEFAULT_NAMESPACE,
            context=environment.get(LAB_CONTEXT, env=env) or None,
            kubeconfig=environment.get(LAB_KUBECONFIG, env=env) or environment.get(KUBECONFIG, env=env) or None,
            repository=environment.get(LAB_REPOSITORY, env=env).strip() or REPOSITORY,
            live_view=environment.get(LAB_LIVE_VIEW, env=env).strip().lower() not in ("off", "0", "no", "false"),
        )

    @property
    def registry_port(self) -> int:
        """The port of a registry given as host:port; 443 when none is given, as for Docker Hub."""
        _host, sep, port = self.registry.rpartition(":")
        if not sep or not port.isdigit():
            return 443
        return int(port)

    def image(self, tag: str) -> str:
        """The full image name of the lesson's app at `tag`, in the lab's registry."""
        return f"{self.registry}/{self.repository}:{tag}"

    def apply_to_kubectl(self) -> str:
        """Point plain `kubectl` calls (a notebook's `!kubectl` cells, the helpers) at the lab's cluster and
        namespace, so that the lesson's commands run exactly as written.

        The chosen kubeconfig and context are copied into a private kubeconfig whose context carries the lab's
        namespace: the user's own kubeconfig and its current context are never changed. The copy holds the
        cluster's credentials, so it lives in a folder of this process only (0700, file 0600), removed when the
        process exits; folders of processes that died without exiting (a killed kernel) go at the next call.
        """
        path = self.private_kubeconfig()
        os.environ[KUBECONFIG.name] = path
        return path

    def private_kubeconfig(self) -> str:
        """The lab's cluster, context and namespace in a kubeconfig of this process's own (see `apply_to_kubectl`);
        its path. Nothing in this process's environment changes."""
        view = ["config", "view", "--minify", "--flatten", *(["--context", self.context] if self.context else [])]
        proc = kubectl.run(view, kubeconfig=self.kubeconfig, timeout=30, check=False)
        if proc.returncode != 0 or "clusters:" not in proc.stdout:
            said = proc.stderr.strip() or _("it is empty")
            if self.context:
                missing = _("your kubeconfig has no context {context!r} ({said})", context=self.context, said=said)
            else:
                missing = _("your kubeconfig has no current context ({said})", said=said)
            raise LabError(
                missing,
                fix=_(
                    "start the sandbox (`rolloutlab sandbox up`), or set LAB_CONTEXT to one "
                    "of `kubectl config get-contexts`"
                ),
            )
        path = private_folder() / "kubeconfig"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(proc.stdout)
        kubectl.run(["config", "set-context", "--current", f"--namespace={self.namespace}"], kubeconfig=path,
                    timeout=30, check=True)  # fmt: skip
        return str(path)


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot: with the pid, a name no later process can reuse."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def private_folder() -> Path:
    """This process's own folder for files that hold credentials; made once, removed at exit."""
    kernels = Paths.from_env().kernels
    sweep_private_folders(kernels)
    folder = kernels / f"{os.getpid()}-{_start_time(os.getpid())}"
    if not folder.is_dir():
        kernels.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)
        atexit.register(_remove_if_ours, folder, owner=os.getpid())
    return folder


def _remove_if_ours(folder: Path, *, owner: int) -> None:
    # A forked child (the recorder's helpers, a library's worker) inherits atexit handlers: only the process
    # that made the folder may remove it, or the kernel loses its kubeconfig while it still runs.
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def sweep_private_folders(kernels: Path) -> list[Path]:
    """Remove the folders of processes that are gone (killed kernels); returns what was removed."""
    removed = []
    for folder in kernels.glob("*-*") if kernels.is_dir() else []:
        pid, _sep, started = folder.name.partition("-")
        if pid.isdigit() and _start_time(int(pid)) != started:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
