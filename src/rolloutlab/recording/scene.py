"""What the live view shows, judged from one reading of the namespace (`watched.Seen`): a pure function, so that
recorded objects test it, and a frame the shared drawing (data/draw.js) draws as the player's frames are drawn.

A frame: the Deployments (their lines, in the student's language), the nodes with their pods, the revisions (one
row per ReplicaSet), the latest events, and what keeps the view from being whole (status lines).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rolloutlab.i18n import _
from rolloutlab.recording.plot import version_color
from rolloutlab.recording.timeline import image_tag, pod_state, resolve_bound
from rolloutlab.recording.watched import KINDS, Seen

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
LATEST_EVENTS = 8
# A kubelet with no cluster DNS (the sandbox's) warns of it for every pod: it says nothing of the rollout.
NOISE = {"MissingClusterDNS"}
# A busy kubelet may warn once that it could not yet mount a new pod's service-account token, then mounts it: red
# in the view, it read to a student as something they broke. Any other mount failure is shown.
TOKEN_MOUNT_RETRY = re.compile(r'volume "kube-api-access-\w+" : failed to sync configmap cache')


def scene(
    seen: Seen, *, namespace: str, deployments: list[str], ever_seen: Iterable[str] = (), hide_bounds: bool = False,
    now: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The frame for `deployments` in `namespace`. `ever_seen`: the Deployments this view saw before, so that one
    deleted since is said gone; `hide_bounds`: the strategy's bounds as written, not as pod counts (a prediction of
    them is still to be graded)."""
    found = seen.objects
    if not seen.trouble and not set(KINDS) <= seen.listed:
        found = {kind: {} for kind in KINDS}
    sets = [rs for rs in found["replicasets"].values() if _owner(rs, "Deployment") in deployments]
    sets.sort(key=lambda rs: (deployments.index(_owner(rs, "Deployment") or ""), _revision(rs) or 0, _name(rs)))
    set_names = {_name(rs) for rs in sets}
    pods = sorted((p for p in found["pods"].values() if _owner(p, "ReplicaSet") in set_names), key=_name)
    several = len(deployments) > 1
    # A colour is a version, as in the figures and the player: renumbered by an undo, or in another Deployment of
    # lab 05, a ReplicaSet keeps it.
    colors = {_name(rs): version_color(_image(rs)) for rs in sets}
    labels = {}
    for rs in sets:
        tag = image_tag(_image(rs))
        labels[_name(rs)] = f"{_owner(rs, 'Deployment')} {tag}" if several else tag
    related = set(deployments) | set_names | {_name(p) for p in pods}
    return {
        "clock": _clock(now if now is not None else time.time()),
        "status": _status(seen, namespace=namespace, deployments=deployments, ever_seen=set(ever_seen)),
        "deployments": [_deployment(found["deployments"][name], hide_bounds=hide_bounds)
                        for name in deployments if name in found["deployments"]],
        "nodes": sorted(set(seen.nodes) | {node for p in pods if (node := (p.get("spec") or {}).get("nodeName"))}),
        "pods": [[_name(p), (p.get("spec") or {}).get("nodeName") or "", _owner(p, "ReplicaSet"), pod_state(p)]
                 for p in pods],
        "sets": [_row(rs) for rs in sets],
        "colors": colors,
        "labels": labels,
        "events": _events(found["events"].values(), related=related, deployments=deployments),
    }  # fmt: skip


def _status(seen: Seen, *, namespace: str, deployments: list[str], ever_seen: set[str]) -> list[str]:
    lines = []
    if seen.trouble:
        kind, what = next(iter(sorted(seen.trouble.items())))
        if what.startswith(("401", "403")):
            lines.append(_("the cluster refuses to show the {kind} of namespace {namespace} ({what}): check the "
                           "context of your kubeconfig (`kubectl config current-context`)", kind=kind,
                           namespace=namespace, what=what))  # fmt: skip
        else:
            since = _clock(seen.trouble_since) if seen.trouble_since else "?"
            lines.append(_("the cluster does not answer (since {since}): the view shows what it saw last, and "
                           "catches up by itself when the cluster answers again", since=since))  # fmt: skip
    elif not set(KINDS) <= seen.listed:  # a Deployment listed before its pods would be drawn with none
        lines.append(_("reading the cluster..."))
        return lines
    for name in deployments:
        if name in seen.objects["deployments"] or "deployments" not in seen.listed:
            continue
        if name in ever_seen:
            lines.append(_("Deployment {name} is gone: it was deleted. The view shows it again when it is created "
                           "again.", name=name))  # fmt: skip
        else:
            lines.append(_("there is no Deployment {name} in namespace {namespace} yet: the view shows it as soon "
                           "as one of the lab's cells creates it", name=name, namespace=namespace))  # fmt: skip
    return lines


def _deployment(dep: dict[str, Any], *, hide_bounds: bool) -> dict[str, Any]:
    spec, status = dep.get("spec") or {}, dep.get("status") or {}
    template = (spec.get("template") or {}).get("spec") or {}
    container = (template.get("containers") or [{}])[0]
    replicas = int(spec.get("replicas", 1))
    lines: list[list[str]] = [
        [_("Deployment {name}: image {image}, container {container}", name=_name(dep),
           image=container.get("image", "?"), container=container.get("name", "?")), "head"],
        [_("replicas: {wanted} wanted, {updated} updated, {ready} ready, {available} available", wanted=replicas,
           updated=int(status.get("updatedReplicas") or 0), ready=int(status.get("readyReplicas") or 0),
           available=int(status.get("availableReplicas") or 0)), ""],
        [_strategy(spec.get("strategy") or {}, replicas=replicas, hide_bounds=hide_bounds), ""],
    ]  # fmt: skip
    for condition in status.get("conditions") or []:
        stuck = condition.get("reason") == "ProgressDeadlineExceeded" or (
            condition.get("type") == "Available" and condition.get("status") != "True"
        )
        text = f"{condition.get('type')}: {condition.get('status')} ({condition.get('reason') or '-'})"
        lines.append([text + (f": {condition.get('message')}" if stuck and condition.get("message") else ""),
                      "bad" if stuck else ""])  # fmt: skip
    return {"name": _name(dep), "lines": lines}


def _strategy(strategy: dict[str, Any], *, replicas: int, hide_bounds: bool) -> str:
    kind = strategy.get("type") or "RollingUpdate"
    if kind != "RollingUpdate":
        return _("strategy: {kind}", kind=kind)
    rolling = strategy.get("rollingUpdate") or {}
    surge, unavailable = rolling.get("maxSurge", "25%"), rolling.get("maxUnavailable", "25%")
    if hide_bounds:
        return _("strategy: RollingUpdate, maxSurge {surge}, maxUnavailable {unavailable}", surge=surge,
                 unavailable=unavailable)  # fmt: skip
    return _("strategy: RollingUpdate, maxSurge {surge} (at most {most} pods in all), maxUnavailable {unavailable} "
             "(at least {fewest} available)", surge=surge, unavailable=unavailable,
             most=replicas + resolve_bound(surge, replicas=replicas, round_up=True),
             fewest=replicas - resolve_bound(unavailable, replicas=replicas, round_up=False))  # fmt: skip


def _row(rs: dict[str, Any]) -> list[Any]:
    """[name, revision, image, desired, ready, container, change-cause]: the Dashboard's ReplicaSet view."""
    template = ((rs.get("spec") or {}).get("template") or {}).get("spec") or {}
    container = (template.get("containers") or [{}])[0]
    return [_name(rs), _revision(rs), image_tag(container.get("image", "")),
            int((rs.get("spec") or {}).get("replicas") or 0), int((rs.get("status") or {}).get("readyReplicas") or 0),
            container.get("name", "?"), _annotations(rs).get(CHANGE_CAUSE, "")]  # fmt: skip


def _events(events: Iterable[dict[str, Any]], *, related: set[str], deployments: list[str]) -> list[list[str]]:
    """The latest events of the Deployments and their ReplicaSets (scaling), and the warnings of their pods (pull
    errors, back-offs), as [time, type, text]. A pod's ordinary life (scheduled, pulled, started) is on the nodes."""
    chosen = []
    for event in events:
        involved = event.get("involvedObject") or {}
        name = involved.get("name") or ""
        if event.get("reason") in NOISE or (involved.get("kind") == "Pod" and event.get("type") != "Warning"):
            continue
        if event.get("reason") == "FailedMount" and TOKEN_MOUNT_RETRY.search(event.get("message") or ""):
            continue
        if name in related or any(name.startswith(f"{deployment}-") for deployment in deployments):
            chosen.append(event)
    chosen.sort(key=_event_time)
    shown = []
    for event in chosen[-LATEST_EVENTS:]:
        involved = event.get("involvedObject") or {}
        count = int(event.get("count") or 1)
        text = (
            f"{event.get('reason', '')} {str(involved.get('kind', '')).lower()}/{involved.get('name', '')}: "
            + (event.get("message") or "").strip()
        )
        shown.append([_event_clock(event), event.get("type") or "", text + (f" (\u00d7{count})" if count > 1 else "")])
    return shown


def _event_time(event: dict[str, Any]) -> str:
    """The event's last time as the API writes it (RFC 3339, which sorts as text)."""
    series = (event.get("series") or {}).get("lastObservedTime")
    return str(series or event.get("lastTimestamp") or event.get("eventTime")
               or (event.get("metadata") or {}).get("creationTimestamp") or "")  # fmt: skip


def _event_clock(event: dict[str, Any]) -> str:
    try:
        return _clock(datetime.fromisoformat(_event_time(event).replace("Z", "+00:00")).timestamp())
    except ValueError:
        return "--:--:--"


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%H:%M:%S")


def _name(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _annotations(obj: dict[str, Any]) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("annotations") or {}


def _revision(obj: dict[str, Any]) -> int | None:
    value = _annotations(obj).get(REVISION)
    return int(value) if value and str(value).isdigit() else None


def _owner(obj: dict[str, Any], kind: str) -> str | None:
    owners = (obj.get("metadata") or {}).get("ownerReferences") or []
    return next((str(o["name"]) for o in owners if o.get("kind") == kind), None)


def _image(rs: dict[str, Any]) -> str:
    template = ((rs.get("spec") or {}).get("template") or {}).get("spec") or {}
    return str(((template.get("containers") or [{}])[0]).get("image", ""))
