"""Read what the lesson's checks judge: the Deployment, its ReplicaSets and pods, the registry's tags, and
where kubectl points. One read per check, through the one kubectl runner; the judging is in `judge.py`."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rolloutlab import environment, kubectl
from rolloutlab.environment import KUBECONFIG
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
    proc = kubectl.run(["get", *args, "-o", "json"], timeout=READ_TIMEOUT, check=False)
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
    """The current context of `kubeconfig` (default: $KUBECONFIG, as `!kubectl` reads it); "" when it has none.

    Read from the files as kubectl merges them (the first file that sets it wins), not by running kubectl: every
    check asks, and a kubectl process costs a tenth of a second of processor."""
    listed = kubeconfig or environment.get(KUBECONFIG) or str(Path.home() / ".kube" / "config")
    for name in listed.split(os.pathsep):
        try:
            loaded = yaml.safe_load(Path(name).read_text()) if name else None
        except (OSError, yaml.YAMLError):
            continue  # kubectl skips a file it cannot read or parse the same way
        found = loaded.get("current-context") if isinstance(loaded, dict) else None
        if found:
            return str(found)
    return ""


def namespaces_with(name: str) -> list[str]:
    """Other namespaces holding a Deployment `name`; none known when the user may not list across namespaces (a
    student's own namespace on a class cluster)."""
    proc = kubectl.run(["get", "deployments", "--all-namespaces", "--field-selector", f"metadata.name={name}", "-o",
                        "json"], timeout=READ_TIMEOUT, check=False)  # fmt: skip
    if proc.returncode != 0:
        return []
    return sorted(d["metadata"]["namespace"] for d in json.loads(proc.stdout).get("items") or [])


def registry_tags(settings: LabSettings) -> list[str] | None:
    from rolloutlab.lab import images

    try:
        return images.tags(settings=settings)
    except LabError:
        return None


def _labelled(objects: list[dict[str, Any]], *, kind: str, key: str, value: str) -> list[dict[str, Any]]:
    return [o for o in objects if o.get("kind") == kind and ((o.get("metadata") or {}).get("labels") or {}).get(key)
            == value]  # fmt: skip


def seen(settings: LabSettings, *, lab_context: str, name: str = DEPLOYMENT, with_tags: bool = True) -> Seen:
    """Everything a check on Deployment `name` may judge, read now: the namespace's four kinds in one kubectl call
    (each call is a process), picked out here as `kubectl get` would by name and label."""
    objects = items("deployments,replicasets,pods,endpointslices")
    deployment = next((o for o in objects if o.get("kind") == "Deployment" and o["metadata"]["name"] == name), None)
    elsewhere = [] if deployment else [n for n in namespaces_with(name) if n != settings.namespace]
    return Seen(
        namespace=settings.namespace,
        lab_context=lab_context,
        current_context=current_context(),
        image_base=f"{settings.registry}/{settings.repository}",
        deployment=deployment,
        elsewhere=elsewhere,
        replicasets=_labelled(objects, kind="ReplicaSet", key="app", value=name),
        pods=_labelled(objects, kind="Pod", key="app", value=name),
        tags=registry_tags(settings) if with_tags else None,
        slices=_labelled(objects, kind="EndpointSlice", key="kubernetes.io/service-name", value=name),
    )
