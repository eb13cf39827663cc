"""The lab parameters, read from the environment, with defaults that work for a student.

This is the one place the lesson's names live: the Deployment `first-app`, its container `first-app-k8s`,
the image repository `first-app-k8s` and the local registry `localhost:5001` (kind's local-registry recipe
uses the same address, so the labs run unchanged there).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass

from rolloutlab.errors import LabError

DEPLOYMENT = "first-app"
CONTAINER = "first-app-k8s"
REPOSITORY = "first-app-k8s"
DEFAULT_REGISTRY = "localhost:5001"
DEFAULT_NAMESPACE = "default"


@dataclass(frozen=True)
class LabSettings:
    """Where a lab runs: which cluster (context/kubeconfig), which namespace, which registry."""

    registry: str
    namespace: str
    context: str | None
    kubeconfig: str | None
    repository: str = REPOSITORY

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LabSettings:
        env = os.environ if env is None else env
        registry = env.get("LAB_REGISTRY", DEFAULT_REGISTRY).strip().rstrip("/") or DEFAULT_REGISTRY
        if "://" in registry:
            raise LabError(
                f"LAB_REGISTRY={registry!r} holds a URL",
                fix="give the registry as host:port, for example localhost:5001, as in image names",
            )
        return cls(
            registry=registry,
            namespace=env.get("LAB_NAMESPACE", DEFAULT_NAMESPACE).strip() or DEFAULT_NAMESPACE,
            context=env.get("LAB_CONTEXT") or None,
            kubeconfig=env.get("LAB_KUBECONFIG") or env.get("KUBECONFIG") or None,
            repository=env.get("LAB_REPOSITORY", REPOSITORY).strip() or REPOSITORY,
        )

    @property
    def registry_port(self) -> int:
        """The port of a registry given as host:port; 443 when none is given, as for Docker Hub."""
        _, sep, port = self.registry.rpartition(":")
        if not sep or not port.isdigit():
            return 443
        return int(port)

    def kubectl(self) -> list[str]:
        """`kubectl` with this lab's kubeconfig and context, for commands run outside a notebook."""
        args = ["kubectl"]
        if self.kubeconfig:
            args += ["--kubeconfig", self.kubeconfig]
        if self.context:
            args += ["--context", self.context]
        return args

    def image(self, tag: str) -> str:
        """The full image name of the lesson's app at `tag`, in the lab's registry."""
        return f"{self.registry}/{self.repository}:{tag}"

    def apply_to_kubectl(self) -> str:
        """Point plain `kubectl` calls (a notebook's `!kubectl` cells, the helpers) at the lab's cluster and
        namespace, so that the lesson's commands run exactly as written.

        The chosen kubeconfig and context are copied into a private kubeconfig file whose context carries the
        lab's namespace: the user's own kubeconfig and its current context are never changed.
        """
        source = ["--kubeconfig", self.kubeconfig] if self.kubeconfig else []
        view = ["kubectl", *source, "config", "view", "--minify", "--flatten"]
        if self.context:
            view += ["--context", self.context]
        try:
            proc = subprocess.run(view, capture_output=True, text=True, check=False)
        except FileNotFoundError as exc:
            raise LabError("kubectl is not installed", fix="install kubectl, then restart the kernel") from exc
        if proc.returncode != 0 or "clusters:" not in proc.stdout:
            what = f"context {self.context!r}" if self.context else "a current context"
            raise LabError(
                f"your kubeconfig has no {what} ({proc.stderr.strip() or 'empty'})",
                fix="start the sandbox and `eval $(rolloutlab sandbox env)`, or set LAB_CONTEXT to one of "
                "`kubectl config get-contexts`",
            )
        handle, path = tempfile.mkstemp(prefix="rolloutlab-", suffix=".kubeconfig")
        with os.fdopen(handle, "w") as out:
            out.write(proc.stdout)
        subprocess.run(
            ["kubectl", "--kubeconfig", path, "config", "set-context", "--current", f"--namespace={self.namespace}"],
            capture_output=True,
            check=True,
        )
        os.environ["KUBECONFIG"] = path
        return path
