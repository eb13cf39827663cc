"""One look at a whole class: a few list calls across the class's namespaces (one per kind, by label), never one
per student per check. What each namespace holds is then judged in `standing.py`, with the labs' own judges.

The instructor's kubeconfig needs to read namespaces, and to list Deployments, ReplicaSets, pods, Services,
EndpointSlices and ConfigMaps across namespaces. With read rights in the class's namespaces only, the same kinds
are listed namespace by namespace instead (one kubectl call each, slower on a large class), and the view says so.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rolloutlab import kubectl, process
from rolloutlab.course.classroom import LABEL, ClassRecord
from rolloutlab.errors import LabError
from rolloutlab.i18n import N_, _
from rolloutlab.lab import observe, state
from rolloutlab.recording import stored
from rolloutlab.recording.timeline import Timeline
from rolloutlab.settings import DEPLOYMENT, LabSettings

# What the labs' checks read in a namespace, by the labels the lab gives them.
APP_KINDS = "deployments,replicasets,pods,services"
QUERIES = {
    "app": (APP_KINDS, f"app={DEPLOYMENT}"),
    "slices": ("endpointslices", f"kubernetes.io/service-name={DEPLOYMENT}"),
    "lab": ("configmaps", "app.kubernetes.io/managed-by=rolloutlab"),
}
TIMEOUT = 30.0
NO_RIGHTS = N_(
    "use the kubeconfig that made the class, or one with the class reader's rights in each of its "
    'namespaces (instructor guide, "See the class")'
)
NO_CLUSTER = N_("check --context / --kubeconfig, and that the cluster is up")
# The class reader's rights: read the class's namespaces, and list what the checks judge in them. Bound in each
# class namespace (a RoleBinding to this ClusterRole), they are enough; bound cluster-wide, the lists are one call
# per kind for the whole class.
READER_RULES: list[dict[str, Any]] = [
    {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]},
    {"apiGroups": [""], "resources": ["pods", "services", "configmaps"], "verbs": ["get", "list"]},
    {"apiGroups": ["apps"], "resources": ["deployments", "replicasets"], "verbs": ["get", "list"]},
    {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list"]},
]


@dataclass
class Found:
    """What one student's namespace holds, as the lists returned it."""

    namespace: str
    labels: dict[str, str] | None  # the namespace's labels; None when the namespace is not there
    objects: list[dict[str, Any]] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o.get("kind") == kind]

    def named(self, kind: str, name: str) -> dict[str, Any] | None:
        return next((o for o in self.of_kind(kind) if o["metadata"]["name"] == name), None)

    @property
    def state(self) -> dict[str, str]:
        found = self.named("ConfigMap", state.NAME)
        return dict((found or {}).get("data") or {})

    def recordings(self) -> dict[str, Timeline]:
        kept = (stored.from_configmap(c) for c in self.of_kind("ConfigMap"))
        return dict(k for k in kept if k is not None)


@dataclass
class ClassReading:
    record: ClassRecord
    found: dict[str, Found]
    tags: list[str] | None  # the registry's tags, shared by the class
    image_base: str
    calls: int  # kubectl calls made
    seconds: float
    cluster_wide: bool  # False: the lists were made namespace by namespace (rights in the namespaces only)


def read_class(record: ClassRecord, *, context: str | None, kubeconfig: str | None,
               settings: LabSettings) -> ClassReading:  # fmt: skip
    """Everything the class's checks judge, read now: the namespaces, then the lesson's objects in them."""
    kubectl.require_kubeconfig(kubeconfig)
    started = time.monotonic()

    def get(*args: str) -> process.Result:
        return kubectl.run(
            ["get", *args, "-o", "json"], kubeconfig=kubeconfig, context=context, timeout=TIMEOUT, check=False
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        tags = pool.submit(observe.registry_tags, settings)
        spaces = pool.submit(get, "namespaces", "-l", f"{LABEL}={record.class_id}")
        lists = {key: pool.submit(get, kinds, "--all-namespaces", "-l", selector)
                 for key, (kinds, selector) in QUERIES.items()}  # fmt: skip
        answers = {key: future.result() for key, future in lists.items()}
        namespaces = spaces.result()
    calls = 1 + len(QUERIES)
    labels = {n["metadata"]["name"]: n["metadata"].get("labels") or {} for n in _items(namespaces.stdout)}
    # Namespaces the label did not find (gone, relabelled), or all of them for an instructor who may not list
    # namespaces: asked for by name. kubectl sends one request per name, at most 5 a second after the first 10.
    unlisted = [n for n in record.namespaces if n not in labels]
    if unlisted:
        named = get("namespaces", *unlisted, "--ignore-not-found")
        calls += 1
        if named.returncode != 0 and (not named.stdout.strip() or "forbidden" in named.stderr.lower()):
            refused = "forbidden" in named.stderr.lower()
            raise LabError(_("cannot read the class's namespaces: {said}", said=_last_line(named.stderr)),
                           fix=_(NO_RIGHTS) if refused else _(NO_CLUSTER))  # fmt: skip
        labels.update({n["metadata"]["name"]: n["metadata"].get("labels") or {} for n in _items(named.stdout)})
    found = {ns: Found(namespace=ns, labels=labels.get(ns)) for ns in record.namespaces}
    wide = all(a.returncode == 0 for a in answers.values())
    if wide:
        for answer in answers.values():
            for item in _items(answer.stdout):
                where = found.get(item["metadata"].get("namespace", ""))
                if where is not None:
                    where.objects.append(item)
    else:
        forbidden = [a for a in answers.values() if a.returncode != 0 and "forbidden" not in a.stderr.lower()]
        if forbidden:
            raise LabError(_("the cluster does not answer: {said}", said=_last_line(forbidden[0].stderr)),
                           fix=_(NO_CLUSTER))  # fmt: skip
        calls += _read_each(found, get=get)
    return ClassReading(record=record, found=found, tags=tags.result(),
                        image_base=f"{settings.registry}/{settings.repository}", calls=calls,
                        seconds=time.monotonic() - started, cluster_wide=wide)  # fmt: skip


def _read_each(found: dict[str, Found], *, get: Callable[..., process.Result]) -> int:
    """The lists namespace by namespace, for an instructor who may read the class's namespaces only."""
    kinds = ",".join(dict.fromkeys(k for kinds, _selector in QUERIES.values() for k in kinds.split(",")))
    present = [f for f in found.values() if f.labels is not None]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda f: get(kinds, "-n", f.namespace), present))
    refused = [f.namespace for f, a in zip(present, answers, strict=True) if a.returncode != 0]
    if refused:
        said = next(a.stderr for a in answers if a.returncode != 0)
        raise LabError(_("cannot read the objects of {namespaces}: {said}", namespaces=", ".join(refused),
                         said=_last_line(said)), fix=_(NO_RIGHTS))  # fmt: skip
    for where, answer in zip(present, answers, strict=True):
        where.objects.extend(i for i in _items(answer.stdout) if _wanted(i))
    return len(present)


def _wanted(item: dict[str, Any]) -> bool:
    labels = item["metadata"].get("labels") or {}
    return any(_matches(labels, selector) for _kinds, selector in QUERIES.values())


def _matches(labels: dict[str, str], selector: str) -> bool:
    key, _sep, value = selector.partition("=")
    return labels.get(key) == value


def _items(text: str) -> Sequence[dict[str, Any]]:
    try:
        data = json.loads(text)
    except ValueError:  # nothing, or what kubectl says instead of JSON (a prompt for a user name it cannot ask)
        return []
    return data.get("items") or ([data] if data.get("kind") and data.get("kind") != "List" else [])


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else _("no answer")


def in_class(found: Found, record: ClassRecord) -> bool:
    return (found.labels or {}).get(LABEL) == record.class_id
