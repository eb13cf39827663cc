"""Student-facing checks: each looks at the real state and says, in words a student can act on, what is wrong.

Notebooks call them in short check cells; tests call the same functions.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass

from rolloutlab import engine, registry, versions
from rolloutlab.settings import LabSettings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str

    def __str__(self) -> str:
        return f"{'OK  ' if self.ok else 'FAIL'} {self.name}: {self.message}"


class CheckFailed(AssertionError):
    """Raised by `require`: a notebook cell stops here with the check's teaching message."""


def require(check: Check) -> Check:
    if not check.ok:
        raise CheckFailed(str(check))
    print(check)
    return check


def _kubectl_args(settings: LabSettings) -> list[str]:
    args = []
    if settings.kubeconfig:
        args += ["--kubeconfig", settings.kubeconfig]
    if settings.context:
        args += ["--context", settings.context]
    return args


def kubectl_installed() -> Check:
    path = shutil.which("kubectl")
    if path is None:
        return Check(
            "kubectl",
            False,
            "kubectl is not on your PATH. Install it (https://kubernetes.io/docs/tasks/tools/) or run "
            "./scripts/setup, then restart the notebook's kernel.",
        )
    proc = subprocess.run([path, "version", "--client", "-o", "json"], capture_output=True, text=True, check=False)
    try:
        version = json.loads(proc.stdout)["clientVersion"]["gitVersion"]
    except (ValueError, KeyError):
        return Check("kubectl", False, f"{path} does not answer `kubectl version --client`: {proc.stderr.strip()}")
    return Check("kubectl", True, f"{version} at {path}")


def cluster_reachable(settings: LabSettings) -> Check:
    """The cluster answers, and its version is within kubectl's skew."""
    if shutil.which("kubectl") is None:
        return Check("cluster", False, "cannot ask the cluster without kubectl; fix the kubectl check first.")
    proc = subprocess.run(
        ["kubectl", *_kubectl_args(settings), "version", "-o", "json", "--request-timeout=5s"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    try:
        info = json.loads(proc.stdout)
    except ValueError:
        info = {}
    server = info.get("serverVersion")
    if not server:
        where = settings.context or "the current context"
        return Check(
            "cluster",
            False,
            f"no cluster answers for {where} ({proc.stderr.strip().splitlines()[-1:] or ['no output']}). Start "
            "the sandbox with `rolloutlab sandbox up` and `eval $(rolloutlab sandbox env)`, or pick a context "
            "that runs with LAB_CONTEXT.",
        )
    client_minor = int("".join(c for c in info["clientVersion"]["minor"] if c.isdigit()))
    server_minor = int("".join(c for c in server["minor"] if c.isdigit()))
    if not versions.kubectl_skew_ok(client_minor=client_minor, server_minor=server_minor):
        return Check(
            "cluster",
            False,
            f"kubectl {info['clientVersion']['gitVersion']} is too far from the cluster's {server['gitVersion']}:"
            " kubectl supports one minor version either side. Install a matching kubectl.",
        )
    return Check("cluster", True, f"Kubernetes {server['gitVersion']} answers")


def nodes_ready(settings: LabSettings, *, expected: int | None = None) -> Check:
    proc = subprocess.run(
        ["kubectl", *_kubectl_args(settings), "get", "nodes", "-o", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    if proc.returncode != 0:
        return Check("nodes", False, f"cannot list nodes: {proc.stderr.strip()}")
    items = json.loads(proc.stdout)["items"]
    ready = [
        n["metadata"]["name"]
        for n in items
        if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", []))
    ]
    if not ready:
        return Check("nodes", False, "no node is Ready, so no pod can run. Wait a moment, or restart the sandbox.")
    if expected is not None and len(ready) != expected:
        return Check("nodes", False, f"{len(ready)} nodes are Ready ({', '.join(ready)}); the lab expects {expected}.")
    return Check("nodes", True, f"{len(ready)} Ready: {', '.join(ready)}")


def registry_reachable(settings: LabSettings) -> Check:
    if registry.is_registry(address=settings.registry):
        return Check("registry", True, f"{settings.registry} answers as a registry")
    return Check(
        "registry",
        False,
        f"no registry answers at {settings.registry}. In the sandbox, `rolloutlab sandbox up` starts it; on kind, "
        "follow the local-registry set-up page; or set LAB_REGISTRY to the registry you push to.",
    )


def docker_running() -> Check:
    version = engine.ping()
    if version:
        return Check("docker", True, f"Docker engine {version} answers")
    return Check(
        "docker",
        False,
        "no Docker engine answers, and the labs build images with it. Start Docker (as root on Debian, "
        "`rolloutlab sandbox up` starts dockerd) and check `docker info`.",
    )
