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
        )

    @property
    def registry_port(self) -> int:
        """The port of a registry given as host:port; 443 when none is given, as for Docker Hub."""
        _, sep, port = self.registry.rpartition(":")
        if not sep or not port.isdigit():
            return 443
        return int(port)

    def image(self, tag: str) -> str:
        """The full image name of the lesson's app at `tag`, in the lab's registry."""
        return f"{self.registry}/{REPOSITORY}:{tag}"

    def apply_to_kubectl(self) -> None:
        """Point plain `kubectl` calls (a notebook's `!kubectl` cells) at the lab's cluster.

        A chosen context is frozen into a private kubeconfig file, so that the user's own kubeconfig and its
        current context are never changed.
        """
        if self.kubeconfig:
            os.environ["KUBECONFIG"] = self.kubeconfig
        if not self.context:
            return
        args = ["kubectl", "config", "view", "--minify", "--flatten", "--context", self.context]
        if self.kubeconfig:
            args[1:1] = ["--kubeconfig", self.kubeconfig]
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise LabError(
                f"context {self.context!r} is not in your kubeconfig ({proc.stderr.strip()})",
                fix="list the contexts with `kubectl config get-contexts` and set LAB_CONTEXT to one of them",
            )
        handle, path = tempfile.mkstemp(prefix="rolloutlab-", suffix=".kubeconfig")
        with os.fdopen(handle, "w") as out:
            out.write(proc.stdout)
        os.environ["KUBECONFIG"] = path
