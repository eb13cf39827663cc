"""A recorded rollout as plain data: what the Deployment, its ReplicaSets and pods looked like, and when.

Everything after the cluster (plots, checks, reports) reads a Timeline, never the cluster, so the same code
works on a live rollout and on one saved as JSON and replayed with no cluster.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

FORMAT = 1

# Pod states, in the order a pod usually goes through them; the names the lesson uses.
POD_STATES = (
    "Pending",
    "ContainerCreating",
    "Running-not-ready",
    "Ready",
    "ErrImagePull",
    "ImagePullBackOff",
    "Terminating",
    "Failed",
    "Succeeded",
)
PULL_ERRORS = ("ErrImagePull", "ImagePullBackOff")


def pod_state(pod: dict[str, Any]) -> str:
    """The lesson's name for a pod's state, from the pod as the API returns it (camelCase JSON)."""
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return "Terminating"
    status = pod.get("status") or {}
    phase = status.get("phase") or "Pending"
    if phase in ("Failed", "Succeeded"):
        return phase
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason") in PULL_ERRORS:
            return str(waiting["reason"])
    if phase == "Running":
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
        return "Ready" if ready else "Running-not-ready"
    if not (pod.get("spec") or {}).get("nodeName"):
        return "Pending"
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason") == "ContainerCreating":
            return "ContainerCreating"
    return "Pending" if not status.get("containerStatuses") else "ContainerCreating"


def image_tag(image: str) -> str:
    """The tag (or short digest) of an image reference, for legends."""
    name, _, digest = image.partition("@")
    if digest:
        return digest[:19]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else "latest"


def resolve_bound(value: int | str, *, replicas: int, round_up: bool) -> int:
    """maxSurge/maxUnavailable as a pod count: percentages of replicas, surge rounded up, unavailable down."""
    if isinstance(value, int):
        return value
    text = str(value)
    if text.endswith("%"):
        exact = replicas * int(text[:-1]) / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(text)


@dataclass(frozen=True)
class DeploymentSample:
    t: float
    replicas: int
    updated: int
    ready: int
    available: int
    unavailable: int
    revision: int | None
    image: str
    max_surge: int
    max_unavailable: int
    progress_deadline: int
    conditions: dict[str, list[str]]  # type -> [status, reason]


@dataclass(frozen=True)
class ReplicaSetSample:
    t: float
    name: str
    revision: int | None
    image: str
    desired: int
    current: int
    ready: int
    available: int
    deleted: bool = False
    generation: int = 0  # bumped by the API on every spec change: a gap means a missed scale step


@dataclass(frozen=True)
class PodSample:
    t: float
    name: str
    replicaset: str | None
    node: str | None
    state: str
    image: str
    deleted: bool = False


@dataclass(frozen=True)
class EventSample:
    t: float
    kind: str
    name: str
    type: str
    reason: str
    message: str


@dataclass(frozen=True)
class RequestSample:
    """One HTTP request to the app during the recording: the version that answered, or why it failed."""

    t: float
    version: str | None
    error: str | None = None
    pod: str | None = None  # the pod that answered, as its page names it (recordings made before: None)


@dataclass(frozen=True)
class Mark:
    t: float
    label: str


Named = TypeVar("Named", PodSample, ReplicaSetSample)


def _latest_at(samples: list[Named], t: float) -> dict[str, Named]:
    """Each object's latest sample at or before `t` (samples are in time order), leaving out deleted ones."""
    latest: dict[str, Named] = {}
    for sample in samples:
        if sample.t > t:
            break
        latest[sample.name] = sample
    return {name: s for name, s in latest.items() if not s.deleted}


@dataclass
class Timeline:
    """Samples in the order they were seen; `t` is seconds since `started_at` (a Unix time)."""

    namespace: str
    deployment: str
    started_at: float
    deployments: list[DeploymentSample] = field(default_factory=list)
    replicasets: list[ReplicaSetSample] = field(default_factory=list)
    pods: list[PodSample] = field(default_factory=list)
    events: list[EventSample] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    requests: list[RequestSample] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    # -- saving ---------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = FORMAT
        return data

    def save(self, path: Path | str) -> Path:
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(self.to_dict(), indent=1))
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Timeline:
        if data.get("format") != FORMAT:
            raise ValueError(f"timeline format {data.get('format')!r} is not {FORMAT}")
        return cls(
            namespace=data["namespace"],
            deployment=data["deployment"],
            started_at=data["started_at"],
            deployments=[DeploymentSample(**d) for d in data["deployments"]],
            replicasets=[ReplicaSetSample(**r) for r in data["replicasets"]],
            pods=[PodSample(**p) for p in data["pods"]],
            events=[EventSample(**e) for e in data["events"]],
            marks=[Mark(**m) for m in data["marks"]],
            # Recordings made before requests were recorded have none.
            requests=[RequestSample(**r) for r in data.get("requests") or []],
            meta=data.get("meta") or {},
        )

    @classmethod
    def load(cls, path: Path | str) -> Timeline:
        return cls.from_dict(json.loads(Path(path).read_text()))

    # -- reading --------------------------------------------------------------------------------------------
    @property
    def end(self) -> float:
        """The last instant recorded: the recording's stop when known, else its last sample of any kind."""
        times = [s.t for group in (self.deployments, self.replicasets, self.pods, self.events, self.marks,
                                   self.requests) for s in group]  # fmt: skip
        return max([*times, float(self.meta.get("duration") or 0.0)], default=0.0)

    def rolled(self) -> bool:
        """Whether anything rolled during the recording: a ReplicaSet asked for another number of pods, or one was
        made. A `set image` that kubectl refused (a wrong container name) rolls nothing."""
        first_seen: dict[str, float] = {}
        for sample in self.replicasets:
            first_seen.setdefault(sample.name, sample.t)
        listed = min(first_seen.values(), default=0.0)  # what the recorder found when it started
        made = any(t > listed + 1.0 for t in first_seen.values())
        return made or any(len(self.replicaset_steps(name)) > 1 for name in first_seen)

    def change_times(self) -> list[float]:
        """Every instant at which a pod or ReplicaSet changed, sorted: where step plots step."""
        return sorted({s.t for s in self.pods} | {s.t for s in self.replicasets} | {0.0})

    def pods_at(self, t: float) -> dict[str, PodSample]:
        """The pods that exist at time `t` (Terminating ones included), each in its latest state by then."""
        return _latest_at(self.pods, t)

    def replicasets_at(self, t: float) -> dict[str, ReplicaSetSample]:
        return _latest_at(self.replicasets, t)

    def deployment_at(self, t: float) -> DeploymentSample | None:
        found = None
        for sample in self.deployments:
            if sample.t > t:
                break
            found = sample
        return found

    def pod_counts_by_replicaset(self, t: float, *, count_terminating: bool = True) -> dict[str, int]:
        counts: dict[str, int] = {}
        for pod in self.pods_at(t).values():
            if not count_terminating and pod.state == "Terminating":
                continue
            key = pod.replicaset or "?"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def state_counts(self, t: float) -> dict[str, int]:
        counts = dict.fromkeys(POD_STATES, 0)
        for pod in self.pods_at(t).values():
            counts[pod.state] = counts.get(pod.state, 0) + 1
        return counts

    def peak_pods(self, *, count_terminating: bool = True) -> int:
        """The most pods that existed at once."""
        peak = 0
        for t in self.change_times():
            pods = self.pods_at(t).values()
            peak = max(peak, sum(1 for p in pods if count_terminating or p.state != "Terminating"))
        return peak

    def peak_desired(self) -> int:
        """The most pods the ReplicaSets were asked for at once: what maxSurge bounds.

        The pods themselves can, for an instant, be one more: the ReplicaSet controller may create a new
        ReplicaSet's pod a moment before it deletes the old ReplicaSet's pod it was told to remove.
        """
        return max((sum(r.desired for r in self.replicasets_at(t).values()) for t in self.change_times()), default=0)

    def min_available(self) -> int | None:
        """The fewest available replicas the Deployment reported after its first full availability."""
        seen_full = False
        lowest = None
        for sample in self.deployments:
            if sample.available >= sample.replicas > 0:
                seen_full = True
            if seen_full:
                lowest = sample.available if lowest is None else min(lowest, sample.available)
        return lowest

    def replicaset_steps(self, name: str) -> list[int]:
        """The desired replica counts a ReplicaSet went through, without repeats."""
        steps: list[int] = []
        for sample in self.replicasets:
            if sample.name == name and not sample.deleted and (not steps or steps[-1] != sample.desired):
                steps.append(sample.desired)
        return steps

    def missed_scale_steps(self) -> dict[str, int]:
        """Per ReplicaSet, how many spec changes the API made (generation) that the recording did not see."""
        missed = {}
        for name in dict.fromkeys(r.name for r in self.replicasets):
            samples = [r for r in self.replicasets if r.name == name and not r.deleted]
            if not samples:
                continue
            changes = samples[-1].generation - samples[0].generation
            seen = len(self.replicaset_steps(name)) - 1
            if changes > seen:
                missed[name] = changes - seen
        return missed

    def condition_changes(self) -> list[tuple[float, str, str, str]]:
        """(t, type, status, reason) each time a Deployment condition changed."""
        changes = []
        last: dict[str, list[str]] = {}
        for sample in self.deployments:
            for kind, value in sample.conditions.items():
                if last.get(kind) != value:
                    changes.append((sample.t, kind, value[0], value[1]))
                    last[kind] = value
        return changes

    def states_seen(self) -> set[str]:
        return {p.state for p in self.pods}

    def revision_images(self) -> dict[int, str]:
        """Revision number -> image, as the ReplicaSets last reported them."""
        found: dict[int, str] = {}
        for sample in self.replicasets:
            if sample.revision is not None:
                found[sample.revision] = sample.image
        return found
