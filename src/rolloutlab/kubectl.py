"""Find a kubectl that can talk to the sandbox's Kubernetes, and run it."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rolloutlab import versions
from rolloutlab.errors import LabError


@dataclass(frozen=True)
class Kubectl:
    path: str
    minor: int


def client_minor(path: str) -> int | None:
    """The minor version a kubectl reports for itself, or None when it does not answer."""
    try:
        proc = subprocess.run(
            [path, "version", "--client", "-o", "json"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    try:
        minor = json.loads(proc.stdout)["clientVersion"]["minor"]
    except (ValueError, KeyError):
        return None
    digits = "".join(ch for ch in str(minor) if ch.isdigit())
    return int(digits) if digits else None


def find_kubectl(*, built: Path | None = None) -> Kubectl | None:
    """The kubectl on PATH if it is within the supported skew of the sandbox's Kubernetes, else the built one."""
    server_minor = versions.kubernetes_release().minor
    candidates = [p for p in (shutil.which("kubectl"), str(built) if built else None) if p]
    for path in candidates:
        minor = client_minor(path)
        if minor is not None and versions.kubectl_skew_ok(client_minor=minor, server_minor=server_minor):
            return Kubectl(path=path, minor=minor)
    return None


def run(
    args: Sequence[str],
    *,
    kubeconfig: Path | str,
    kubectl: str = "kubectl",
    input_text: str | None = None,
    timeout: float = 120,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run kubectl against `kubeconfig`; a missing kubectl is a LabError, a failing command is returned."""
    try:
        return subprocess.run(
            [kubectl, "--kubeconfig", str(kubeconfig), *args],
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=dict(env) if env is not None else None,
        )
    except FileNotFoundError as exc:
        raise LabError(
            "kubectl is not installed (not found on PATH)",
            fix="install kubectl 1.32 to 1.34 (https://kubernetes.io/docs/tasks/tools/) or run ./scripts/setup",
        ) from exc
