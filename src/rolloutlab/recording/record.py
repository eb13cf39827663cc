"""Record a Deployment, its ReplicaSets, its pods and their events while a rollout happens.

Event-driven: one watch per kind (never fixed-interval polling), each with a server-side timeout and a client
request timeout, resumed from its last resourceVersion and re-listed when that version has expired.

    with record(namespace="default", deployment="first-app") as rec:
        !kubectl set image deployment/first-app first-app-k8s=localhost:5001/first-app-k8s:1.0.0
        !kubectl rollout status deployment/first-app
    timeline = rec.timeline
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kubernetes import client, config

from rolloutlab import environment, waiting
from rolloutlab.environment import KUBECONFIG
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.recording.follow import LISTED, follow
from rolloutlab.recording.timeline import (
    PULL_ERRORS,
    DeploymentSample,
    EventSample,
    Mark,
    PodSample,
    ReplicaSetSample,
    Timeline,
    pod_state,
    resolve_bound,
)

if TYPE_CHECKING:
    from rolloutlab.recording.live import LiveView

WATCH_SECONDS = 20
REVISION = "deployment.kubernetes.io/revision"


def api_client(*, kubeconfig: str | None = None, context: str | None = None) -> client.ApiClient:
    try:
        # $KUBECONFIG read now: the client's own default was read when it was imported, before `open_lab` pointed
        # $KUBECONFIG at the lab's private copy (with `validate --kubeconfig` that default is another cluster).
        chosen = kubeconfig or environment.get(KUBECONFIG).split(os.pathsep)[0] or None
        return config.new_client_from_config(config_file=chosen, context=context)
    except config.ConfigException as exc:
        raise LabError(
            _("no usable kubeconfig ({exc})", exc=exc),
            fix=_("start the sandbox and `eval $(rolloutlab sandbox env)`, or set LAB_KUBECONFIG / LAB_CONTEXT"),
        ) from exc


def _revision(meta: dict[str, Any]) -> int | None:
    value = (meta.get("annotations") or {}).get(REVISION)
    return int(value) if value and str(value).isdigit() else None


def _first_image(template_spec: dict[str, Any]) -> str:
    containers = template_spec.get("containers") or []
    return str(containers[0].get("image", "")) if containers else ""


class Recorder:
    """Watches one Deployment (by name) and the ReplicaSets and pods matching `selector` in `namespace`."""

    def __init__(
        self,
        *,
        namespace: str,
        deployment: str,
        selector: str | None = None,
        api: client.ApiClient | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.api = api or api_client()
        self.core = client.CoreV1Api(self.api)
        self.apps = client.AppsV1Api(self.api)
        self.namespace = namespace
        self.deployment = deployment
        self.selector = selector or f"app={deployment}"
        self.on_change = on_change
        self.timeline = Timeline(namespace=namespace, deployment=deployment, started_at=time.time())
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._names: set[str] = {deployment}
        self._last_change = time.monotonic()
        self._versions: set[str] = set()  # the Deployment's resourceVersions seen, for `stop`
        self._synced = threading.Barrier(5)
        self.errors: list[str] = []

    # -- life cycle -------------------------------------------------------------------------------------
    def start(self) -> Recorder:
        self.timeline.started_at = time.time()
        watches: list[tuple[str, Callable[..., Any], dict[str, Any], Callable[[str, Any, float], None]]] = [
            ("deployments", self.apps.list_namespaced_deployment,
             {"field_selector": f"metadata.name={self.deployment}"}, self._on_deployment),
            ("replicasets", self.apps.list_namespaced_replica_set, {"label_selector": self.selector},
             self._on_replicaset),
            ("pods", self.core.list_namespaced_pod, {"label_selector": self.selector}, self._on_pod),
            ("events", self.core.list_namespaced_event, {}, self._on_event),
        ]  # fmt: skip
        for name, lister, kwargs, handler in watches:
            thread = threading.Thread(
                target=self._watch, args=(lister, kwargs, handler), name=f"record-{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        # Return once every watch has listed the current state, so the caller's command is seen from its start.
        try:
            self._synced.wait(timeout=30)
        except threading.BrokenBarrierError as exc:
            self.stop()
            raise LabError(
                _(
                    "the recorder could not list the objects in namespace {namespace!r} ({items})",
                    namespace=self.namespace,
                    items="; ".join(self.errors),
                ),
                fix=_("check that the cluster answers (`kubectl get pods`) and the namespace exists"),
            ) from exc
        return self

    def stop(self, *, settle: float = 2.5, max_wait: float = 15.0) -> Timeline:
        """Stop once the Deployment as the API has it now has been recorded (what kubectl has just seen, a passed
        deadline, reaches the watch a moment later) and nothing changed for `settle` seconds (terminating pods
        finish going), `max_wait` at most.

        The watch threads are not joined: they end by themselves at their next event or server timeout, and
        whatever they see after this is ignored.
        """
        began = time.monotonic()
        now = self._current_version()
        caught_up = waiting.until(lambda: now is None or now in self._versions, seconds=max_wait, every=0.05)
        left = max(0.0, max_wait - (time.monotonic() - began))
        waiting.until(lambda: time.monotonic() - self._last_change >= settle, seconds=left, every=0.05)
        self._stop.set()
        with self._lock:
            self.timeline.meta["duration"] = self._now()
            # Kept for whoever reads a recording that lacks its end: why it may (a lagging watch, errors).
            if not caught_up:
                self.timeline.meta["unseen_version"] = now
            if self.errors:
                self.timeline.meta["watch_errors"] = list(self.errors[-5:])
        return self.timeline

    def _current_version(self) -> str | None:
        """The Deployment's resourceVersion now; None when it is gone or cannot be read (nothing to wait for)."""
        try:
            found = self.apps.read_namespaced_deployment(self.deployment, self.namespace, _request_timeout=10)
        except Exception:  # gone, or no answer: stopping must not fail for it
            return None
        return str(found.metadata.resource_version or "") or None

    def mark(self, label: str) -> None:
        """Note a command (set image, undo...) on the time axis."""
        with self._lock:
            self.timeline.marks.append(Mark(t=self._now(), label=label))

    def _now(self) -> float:
        return round(time.time() - self.timeline.started_at, 3)

    # -- watching ---------------------------------------------------------------------------------------
    def _watch(
        self, lister: Callable[..., Any], kwargs: dict[str, Any], handler: Callable[[str, Any, float], None]
    ) -> None:
        synced = threading.Event()

        def listed() -> None:
            if not synced.is_set():
                synced.set()
                self._synced.wait(timeout=30)

        def failed(what: str, listed_once: bool) -> bool:
            self.errors.append(what)
            if not listed_once:
                self._synced.abort()  # start() reports the error instead of waiting
                return False
            return True

        follow(
            lister,
            self.namespace,
            handle=lambda kind, obj: handler(kind, obj, self._now()),
            stop=self._stop,
            watch_seconds=WATCH_SECONDS,
            on_listed=listed,
            on_error=failed,
            **kwargs,
        )

    def _changed(self, *, settling: bool = True) -> None:
        """Something new to draw; `settling`: a change that `stop` waits to see the end of (a stuck rollout's
        events and its pods' pull back-offs come every few seconds forever, and end nothing)."""
        if settling:
            self._last_change = time.monotonic()
        if self.on_change is not None:
            self.on_change()

    # -- turning objects into samples -------------------------------------------------------------------
    def _on_deployment(self, kind: str, obj: client.V1Deployment, t: float) -> None:
        self._versions.add(str(obj.metadata.resource_version))
        data = self.api.sanitize_for_serialization(obj)
        spec, status = data.get("spec") or {}, data.get("status") or {}
        replicas = int(spec.get("replicas", 1))
        rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
        sample = DeploymentSample(
            t=t,
            replicas=replicas,
            updated=int(status.get("updatedReplicas") or 0),
            ready=int(status.get("readyReplicas") or 0),
            available=int(status.get("availableReplicas") or 0),
            unavailable=int(status.get("unavailableReplicas") or 0),
            revision=_revision(data.get("metadata") or {}),
            image=_first_image((spec.get("template") or {}).get("spec") or {}),
            max_surge=resolve_bound(rolling.get("maxSurge", "25%"), replicas=replicas, round_up=True),
            max_unavailable=resolve_bound(rolling.get("maxUnavailable", "25%"), replicas=replicas, round_up=False),
            progress_deadline=int(spec.get("progressDeadlineSeconds") or 600),
            conditions={c["type"]: [c["status"], c.get("reason") or ""] for c in status.get("conditions") or []},
        )
        with self._lock:
            if self._stop.is_set():
                return
            self.timeline.deployments.append(sample)
        self._changed()

    def _on_replicaset(self, kind: str, obj: client.V1ReplicaSet, t: float) -> None:
        data = self.api.sanitize_for_serialization(obj)
        meta, spec, status = data["metadata"], data.get("spec") or {}, data.get("status") or {}
        sample = ReplicaSetSample(
            t=t,
            name=meta["name"],
            revision=_revision(meta),
            image=_first_image((spec.get("template") or {}).get("spec") or {}),
            desired=int(spec.get("replicas") or 0),
            current=int(status.get("replicas") or 0),
            ready=int(status.get("readyReplicas") or 0),
            available=int(status.get("availableReplicas") or 0),
            deleted=kind == "DELETED",
            generation=int(meta.get("generation") or 0),
        )
        with self._lock:
            if self._stop.is_set():
                return
            self._names.add(sample.name)
            self.timeline.replicasets.append(sample)
        self._changed()

    def _on_pod(self, kind: str, obj: client.V1Pod, t: float) -> None:
        data = self.api.sanitize_for_serialization(obj)
        meta = data["metadata"]
        owner = next((o["name"] for o in meta.get("ownerReferences") or [] if o.get("kind") == "ReplicaSet"), None)
        sample = PodSample(
            t=t,
            name=meta["name"],
            replicaset=owner,
            node=(data.get("spec") or {}).get("nodeName"),
            state=pod_state(data),
            image=_first_image(data.get("spec") or {}),
            deleted=kind == "DELETED",
        )
        with self._lock:
            if self._stop.is_set():
                return
            self._names.add(sample.name)
            previous = next((p for p in reversed(self.timeline.pods) if p.name == sample.name), None)
            if previous is not None and _same_pod_state(previous, sample):
                return  # status churn that changes nothing we plot
            self.timeline.pods.append(sample)
        backing_off = previous is not None and {previous.state, sample.state} <= set(PULL_ERRORS)
        self._changed(settling=not backing_off)

    def _on_event(self, kind: str, obj: client.CoreV1Event, t: float) -> None:
        if kind in ("DELETED", LISTED):
            return  # events already there when recording began belong to earlier commands
        involved = obj.involved_object
        with self._lock:
            if self._stop.is_set():
                return
            if involved.name not in self._names and not involved.name.startswith(self.deployment):
                return
            self.timeline.events.append(
                EventSample(
                    t=t,
                    kind=involved.kind or "",
                    name=involved.name or "",
                    type=obj.type or "",
                    reason=obj.reason or "",
                    message=obj.message or "",
                )
            )
        self._changed(settling=False)


def _same_pod_state(a: PodSample, b: PodSample) -> bool:
    return (a.replicaset, a.node, a.state, a.image, a.deleted) == (b.replicaset, b.node, b.state, b.image, b.deleted)


class Recording:
    """A recorder (and, with `url`, a request loop) started now and stopped by `stop()`, for a recording that spans
    notebook cells; or around one block, as `with record(...) as rec:`, the timeline complete when the block ends.

    With `live=True` (in a notebook) the rollout figure redraws in place while it records. With `url`, requests go
    to the app all along, and the timeline holds which version answered each (or that it failed).
    """

    def __init__(
        self,
        *,
        namespace: str,
        deployment: str,
        selector: str | None = None,
        kubeconfig: str | None = None,
        context: str | None = None,
        live: bool | LiveView = False,
        url: str | None = None,
    ) -> None:
        self.view: LiveView | None = None
        if live is True:
            from rolloutlab.recording.live import LiveView as _LiveView  # matplotlib only when a picture is wanted

            self.view = _LiveView()
        elif live:
            self.view = live
        self.recorder = Recorder(
            namespace=namespace,
            deployment=deployment,
            selector=selector,
            api=api_client(kubeconfig=kubeconfig, context=context),
            on_change=self.view.changed if self.view else None,
        )
        self.recorder.start()
        self.loop = None
        if url:
            from rolloutlab.recording.traffic import RequestLoop

            timeline = self.recorder.timeline
            self.loop = RequestLoop(url, origin=timeline.started_at, on_answer=timeline.requests.append)
            self.loop.start()
        if self.view:
            self.view.start(self.recorder.timeline)
        self.stopped = False

    @property
    def timeline(self) -> Timeline:
        return self.recorder.timeline

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> Timeline:
        if not self.stopped:
            self.stopped = True
            self.recorder.stop()
            if self.loop:
                self.loop.stop()
            if self.view:
                self.view.stop()
        return self.recorder.timeline


# `with record(...) as rec:` reads as the lesson's verb; it is the class itself, used as a context manager.
record = Recording
