"""The one way rolloutlab runs kubectl: find a kubectl that can talk to the cluster, run it with a timeout, and
turn every failure into one error that carries the command and what kubectl said."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rolloutlab import versions
from rolloutlab.errors import LabError
from rolloutlab.i18n import _

DEFAULT_TIMEOUT = 120.0


class KubectlError(LabError):
    """kubectl failed or did not answer in time; `command`, `returncode` and `output` say how."""

    def __init__(self, *, command: Sequence[str], returncode: int | None, output: str, fix: str) -> None:
        self.command = list(command)
        self.returncode = returncode
        self.output = output.strip()
        said = [line for line in self.output.splitlines() if line.strip()]
        shown = shlex.join(["kubectl", *self.command])
        if returncode is None:
            problem = f"`{shown}` did not answer in time"
        else:
            problem = f"`{shown}` failed: {said[-1] if said else f'exit {returncode}'}"
        super().__init__(problem, fix=fix)


@dataclass(frozen=True)
class Found:
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


def find_kubectl(*, built: Path | None = None) -> Found | None:
    """The kubectl on PATH if it is within the supported skew of the sandbox's Kubernetes, else the built one."""
    server_minor = versions.kubernetes_release().minor
    candidates = [p for p in (shutil.which("kubectl"), str(built) if built else None) if p]
    for path in candidates:
        minor = client_minor(path)
        if minor is not None and versions.kubectl_skew_ok(client_minor=minor, server_minor=server_minor):
            return Found(path=path, minor=minor)
    return None


def run(
    args: Sequence[str],
    *,
    kubeconfig: Path | str | None = None,
    context: str | None = None,
    namespace: str | None = None,
    kubectl: str = "kubectl",
    input_text: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    check: bool = False,
    fix: str = "read kubectl's message above",
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run kubectl; without `kubeconfig` it uses $KUBECONFIG as the notebook's `!kubectl` does.

    A missing kubectl and a timeout raise; a failing command is returned, or raised as KubectlError with
    `check`. `timeout=None` waits as long as the command does (`rollout status` has its own deadline)."""
    options: list[str] = []
    if kubeconfig:
        options += ["--kubeconfig", str(kubeconfig)]
    if context:
        options += ["--context", context]
    if namespace:
        options += ["--namespace", namespace]
    try:
        proc = subprocess.run(
            [kubectl, *options, *args],
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=dict(env) if env is not None else None,
        )
    except FileNotFoundError as exc:
        raise LabError(
            _("kubectl is not installed (not found on PATH)"),
            fix=_("install kubectl 1.32 to 1.34 (https://kubernetes.io/docs/tasks/tools/) or run ./scripts/setup"),
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise KubectlError(
            command=args, returncode=None, output=f"no answer within {timeout:.0f} s",
            fix="check that the cluster answers (`kubectl get nodes`), then run it again",
        ) from exc  # fmt: skip
    if check and proc.returncode != 0:
        raise KubectlError(command=args, returncode=proc.returncode, output=proc.stderr or proc.stdout, fix=fix)
    return proc


def get_json(args: Sequence[str], **options: Any) -> dict[str, Any]:
    """`kubectl <args> -o json`, parsed; a failure raises KubectlError."""
    proc = run([*args, "-o", "json"], check=True, **options)
    try:
        return json.loads(proc.stdout)
    except ValueError as exc:
        raise KubectlError(command=args, returncode=proc.returncode, output="its output is not JSON",
                           fix="check the kubectl version (`kubectl version`)") from exc  # fmt: skip
