"""The one way rolloutlab runs kubectl: find a kubectl that can talk to the cluster, run it with a timeout, and
turn every failure into one error that carries the command and what kubectl said."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rolloutlab import process, versions
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.process import ProcessError

DEFAULT_TIMEOUT = 120.0


class KubectlError(ProcessError):
    """kubectl failed or did not answer in time; `command`, `returncode` and `output` say how."""

    def __init__(self, *, command: Sequence[str], returncode: int | None, output: str, fix: str) -> None:
        said = [line for line in output.strip().splitlines() if line.strip()]
        typed = process.shown(["kubectl", *command])
        if returncode is None:
            problem = _("`{command}` did not answer in time", command=typed)
        else:
            problem = _("`{command}` failed: {said}", command=typed,
                        said=said[-1] if said else _("exit {code}", code=returncode))  # fmt: skip
        super().__init__(command=["kubectl", *command], returncode=returncode, output=output, problem=problem, fix=fix,
                         reason="timeout" if returncode is None else "failed")  # fmt: skip


@dataclass(frozen=True)
class Found:
    path: str
    minor: int


def client_minor(path: str) -> int | None:
    """The minor version a kubectl reports for itself, or None when it does not answer."""
    try:
        proc = process.run([path, "version", "--client", "-o", "json"], timeout=30, check=False)
    except ProcessError:
        return None
    if not proc.ok:
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


def require_kubeconfig(path: str | None) -> None:
    """LabError when a kubeconfig was named (a file, or a KUBECONFIG-style list) and none of it exists. kubectl
    takes a missing file as an empty configuration; a mistyped path then looks like "no cluster configured"."""
    if path and not any(Path(p).is_file() for p in path.split(os.pathsep) if p):
        raise LabError(
            _("the kubeconfig {path} does not exist", path=path),
            fix=_("check the path in LAB_KUBECONFIG, KUBECONFIG or --kubeconfig; to use the sandbox, unset it"),
        )


# `rollout status` and other waits have their own deadlines; this ceiling only catches a kubectl that hangs.
LONGEST = 1800.0


def run(
    args: Sequence[str],
    *,
    kubeconfig: Path | str | None = None,
    context: str | None = None,
    namespace: str | None = None,
    kubectl: str = "kubectl",
    input_text: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    check: bool,
    fix: str | None = None,
    env: Mapping[str, str] | None = None,
) -> process.Result:
    """Run kubectl; without `kubeconfig` it uses $KUBECONFIG as the notebook's `!kubectl` does.

    A missing kubectl and a timeout raise; a failing command is returned, or raised as KubectlError with
    `check`. `timeout=None` waits as long as the command's own deadline (`rollout status`), up to LONGEST."""
    options: list[str] = []
    if kubeconfig:
        options += ["--kubeconfig", str(kubeconfig)]
    if context:
        options += ["--context", context]
    if namespace:
        options += ["--namespace", namespace]
    limit = LONGEST if timeout is None else timeout
    try:
        proc = process.run([kubectl, *options, *args], timeout=limit, check=False, input_text=input_text, env=env,
                           missing_fix=_("install kubectl 1.32 to 1.34 (https://kubernetes.io/docs/tasks/tools/) or "
                                         "run ./scripts/setup"))  # fmt: skip
    except ProcessError as exc:
        if exc.reason == "timeout":
            raise KubectlError(
                command=args, returncode=None, output=_("no answer within {seconds:.0f} s", seconds=limit),
                fix=_("check that the cluster answers (`kubectl get nodes`), then run it again"),
            ) from exc  # fmt: skip
        raise
    if check and not proc.ok:
        raise KubectlError(command=args, returncode=proc.returncode, output=proc.stderr or proc.stdout,
                           fix=fix or _("fix what kubectl's message says, then run it again"))  # fmt: skip
    return proc
