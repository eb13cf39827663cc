"""Read what the lesson's checks judge: the Deployment, its ReplicaSets and pods, the registry's tags, and
where kubectl points. One read per check, through the one kubectl runner; the judging is in `judge.py`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rolloutlab import kubectl
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.settings import DEPLOYMENT, LabSettings

READ_TIMEOUT = 30.0


@dataclass(frozen=True)
class Seen:
    """One look at the lesson's objects in the lab's namespace, as kubectl returned them."""

    namespace: str
    lab_context: str  # the context the lab set up in its private kubeconfig
    current_context: str  # the one kubectl uses now (a student may have switched)
    image_base: str  # registry/repository, the part of an image name before ":tag"
    deployment: dict[str, Any] | None
    elsewhere: list[str]  # other namespaces with a Deployment of the lesson's name
    replicasets: list[dict[str, Any]]
    pods: list[dict[str, Any]]
    tags: list[str] | None  # the registry's tags; None when it does not answer
    slices: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def load(cls, path: Path | str) -> Seen:
        return cls(**json.loads(Path(path).read_text()))


def get(*args: str) -> dict[str, Any] | None:
    """`kubectl get <args> -o json` with the lab's kubeconfig ($KUBECONFIG); None when the object is not there."""
    proc = kubectl.run(["get", *args, "-o", "json"], timeout=READ_TIMEOUT)
    if proc.returncode != 0:
        if "NotFound" in proc.stderr or "not found" in proc.stderr:
            return None
        raise kubectl.KubectlError(command=["get", *args], returncode=proc.returncode, output=proc.stderr,
                                   fix=_("check that the cluster answers (`kubectl get nodes`)"))  # fmt: skip
    found: dict[str, Any] = json.loads(proc.stdout)
    return found


def items(*args: str) -> list[dict[str, Any]]:
    found = get(*args)
    return list((found or {}).get("items") or [])


def current_context(*, kubeconfig: str | None = None) -> str:
    """The current context of `kubeconfig` (default: $KUBECONFIG, as `!kubectl` reads it); "" when it has none."""
    return kubectl.run(["config", "current-context"], kubeconfig=kubeconfig, timeout=READ_TIMEOUT).stdout.strip()


def namespaces_with(name: str) -> list[str]:
    """Other namespaces holding a Deployment `name`; none known when the user may not list across namespaces (a
    student's own namespace on a class cluster)."""
    proc = kubectl.run(["get", "deployments", "--all-namespaces", "--field-selector", f"metadata.name={name}", "-o",
                        "json"], timeout=READ_TIMEOUT)  # fmt: skip
    if proc.returncode != 0:
        return []
    return sorted(d["metadata"]["namespace"] for d in json.loads(proc.stdout).get("items") or [])


def registry_tags(settings: LabSettings) -> list[str] | None:
    from rolloutlab.lab import images

    try:
        return images.tags(settings=settings)
    except LabError:
        return None


def seen(settings: LabSettings, *, lab_context: str, name: str = DEPLOYMENT, with_tags: bool = True) -> Seen:
    """Everything a check on Deployment `name` may judge, read now."""
    deployment = get("deployment", name)
    elsewhere = [] if deployment else [n for n in namespaces_with(name) if n != settings.namespace]
    return Seen(
        namespace=settings.namespace,
        lab_context=lab_context,
        current_context=current_context(),
        image_base=f"{settings.registry}/{settings.repository}",
        deployment=deployment,
        elsewhere=elsewhere,
        replicasets=items("replicasets", "-l", f"app={name}"),
        pods=items("pods", "-l", f"app={name}"),
        tags=registry_tags(settings) if with_tags else None,
        slices=items("endpointslices", "-l", f"kubernetes.io/service-name={name}"),
    )
