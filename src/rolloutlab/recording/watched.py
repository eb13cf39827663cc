"""What a namespace holds now, kept current: its Deployments, ReplicaSets, pods and events (and, when named, one
ConfigMap: the lesson's state), each kind listed then watched (the recorder's own loop, `follow`), for the live
view.

Unlike a recording, nothing is kept of the past: each object as it stands now, or gone. After an error each kind
lists again, so the objects are the cluster's after a gap (an apiserver restart), and a kind that lists again
says the cluster answers again.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client

from rolloutlab.recording.follow import LISTED, follow

WATCH_SECONDS = 20
KINDS = ("deployments", "replicasets", "pods", "events")  # what a frame is drawn from: all listed before it is
CONFIGMAPS = "configmaps"


@dataclass
class Seen:
    """One reading of the namespace, for `scene` to judge: plain JSON objects (the API's camelCase) by name."""

    objects: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in (*KINDS, CONFIGMAPS)}
    )
    nodes: list[str] = field(default_factory=list)  # the cluster's nodes, when the kubeconfig may list them
    listed: set[str] = field(default_factory=set)  # the kinds listed at least once
    trouble: dict[str, str] = field(default_factory=dict)  # kind -> the error its last try met, while it lasts
    trouble_since: float | None = None  # time.time() of the first error of the current trouble


class Watched:
    """Lists then watches the four kinds in `namespace` on threads of their own, until `stop()`; and the ConfigMap
    named `configmap`, when given (watched by name: the lab's recordings are ConfigMaps too, and large)."""

    def __init__(self, api: client.ApiClient, *, namespace: str, on_change: Callable[[], None],
                 configmap: str | None = None) -> None:  # fmt: skip
        self.api = api
        self.namespace = namespace
        self.on_change = on_change
        self.configmap = configmap
        self._seen = Seen()
        self._fresh: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in (*KINDS, CONFIGMAPS)}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def start(self) -> Watched:
        core, apps = client.CoreV1Api(self.api), client.AppsV1Api(self.api)
        listers = {"deployments": apps.list_namespaced_deployment, "replicasets": apps.list_namespaced_replica_set,
                   "pods": core.list_namespaced_pod, "events": core.list_namespaced_event}  # fmt: skip
        if self.configmap:
            listers[CONFIGMAPS] = functools.partial(core.list_namespaced_config_map,
                                                    field_selector=f"metadata.name={self.configmap}")  # fmt: skip
        for kind, lister in listers.items():
            threading.Thread(target=self._follow, args=(kind, lister), name=f"view-{kind}", daemon=True).start()
        threading.Thread(target=self._nodes, args=(core,), name="view-nodes", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def seen(self) -> Seen:
        """A copy of what is seen now, safe to read while the watches go on."""
        with self._lock:
            return Seen(
                objects={kind: dict(found) for kind, found in self._seen.objects.items()},
                nodes=list(self._seen.nodes),
                listed=set(self._seen.listed),
                trouble=dict(self._seen.trouble),
                trouble_since=self._seen.trouble_since,
            )

    def _nodes(self, core: client.CoreV1Api) -> None:
        """The cluster's nodes, once: a node with no pod of the lab is still drawn. A student's kubeconfig may not
        list nodes (its rights stop at its namespace); the nodes its pods run on are drawn then."""
        try:
            found = core.list_node(_request_timeout=10)
        except Exception:  # forbidden, or no answer: the pods' nodes are enough
            return
        with self._lock:
            self._seen.nodes = sorted(n.metadata.name for n in found.items)
        self.on_change()

    def _follow(self, kind: str, lister: Callable[..., Any]) -> None:
        def handle(event: str, data: dict[str, Any]) -> None:
            name = data["metadata"]["name"]
            with self._lock:
                if event == LISTED:
                    self._fresh[kind][name] = data
                    return
                if event == "DELETED":
                    self._seen.objects[kind].pop(name, None)
                else:
                    self._seen.objects[kind][name] = data
                self._answered(kind)
            self.on_change()

        def listed() -> None:
            with self._lock:
                self._seen.objects[kind], self._fresh[kind] = self._fresh[kind], {}
                self._seen.listed.add(kind)
                self._answered(kind)
            self.on_change()

        def failed(what: str, listed_once: bool) -> bool:
            with self._lock:
                self._fresh[kind] = {}
                self._seen.trouble[kind] = what
                if self._seen.trouble_since is None:
                    self._seen.trouble_since = time.time()
            self.on_change()
            return True  # go on: the view says the cluster does not answer, and catches up when it does

        follow(lister, self.namespace, handle=handle, stop=self._stop, watch_seconds=WATCH_SECONDS, on_listed=listed,
               on_error=failed, relist_after_error=True, raw=True)  # fmt: skip

    def _answered(self, kind: str) -> None:
        """Under the lock: this kind reads the cluster again."""
        self._seen.trouble.pop(kind, None)
        if not self._seen.trouble:
            self._seen.trouble_since = None
