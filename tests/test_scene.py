"""What the live view shows (recording/scene.py), judged from namespaces read on the sandbox (tests/data/seen), no
cluster: the Deployment, its revisions, the pods on the nodes, the latest events, and what keeps it from being whole."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from rolloutlab.recording import scene
from rolloutlab.recording.watched import KINDS, Seen

SEEN = Path(__file__).parent / "data" / "seen"


def read(name: str, *, events: list[dict[str, Any]] = ()) -> Seen:
    """A recorded reading of the lab's namespace, as the live view's watches would hold it."""
    found = json.loads((SEEN / f"{name}.json").read_text())
    objects: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
    if found["deployment"]:
        objects["deployments"]["first-app"] = found["deployment"]
    for kind in ("replicasets", "pods"):
        objects[kind] = {o["metadata"]["name"]: o for o in found[kind]}
    objects["events"] = {e["metadata"]["name"]: e for e in events}
    return Seen(objects=objects, listed=set(KINDS))


def event(name: str, *, kind: str, involved: str, reason: str, type_: str = "Normal", at: str, count: int = 1) -> dict:
    return {"metadata": {"name": name}, "involvedObject": {"kind": kind, "name": involved}, "reason": reason,
            "type": type_, "message": f"{reason} of {involved}", "lastTimestamp": at, "count": count}  # fmt: skip


def frame(seen: Seen, **kwargs: Any) -> dict[str, Any]:
    return scene.scene(seen, namespace="lab", deployments=kwargs.pop("deployments", ["first-app"]), **kwargs)


def test_a_stuck_rollout_shows_its_revisions_its_failing_pods_and_its_deadline():
    """Stuck on the missing 2.0.0: three revisions with their image and container, the new pods in
    ImagePullBackOff on their nodes beside four ready old ones, and Progressing's ProgressDeadlineExceeded marked."""
    shown = frame(read("stuck-on-2.0.0"))
    assert shown["status"] == []
    assert [(row[1], row[2], row[5]) for row in shown["sets"]] == [
        (1, "latest", "first-app-k8s"), (2, "1.0.0", "first-app-k8s"), (3, "2.0.0", "first-app-k8s")]  # fmt: skip
    states = sorted(pod[3] for pod in shown["pods"])
    assert states == ["ImagePullBackOff"] * 3 + ["Ready"] * 4
    assert shown["nodes"] == ["node-1", "node-2", "node-3"]
    assert all(pod[2] in shown["colors"] for pod in shown["pods"])
    lines = shown["deployments"][0]["lines"]
    assert lines[0] == ["Deployment first-app: image localhost:5001/first-app-k8s:2.0.0, container first-app-k8s",
                        "head"]  # fmt: skip
    assert lines[1][0] == "replicas: 5 wanted, 3 updated, 4 ready, 4 available"
    stuck = [line for line in lines if "ProgressDeadlineExceeded" in line[0]]
    assert stuck == [['Progressing: False (ProgressDeadlineExceeded): ReplicaSet "first-app-747b5d5c99" has timed '
                      "out progressing.", "bad"]]  # fmt: skip


def test_the_bounds_are_pod_counts_only_once_no_prediction_waits():
    """With 5 replicas at 25%, the view says at most 7 pods and at least 4 available; while a prediction of them is
    to be graded, it says only the percentages, as written in the Deployment."""
    shown = frame(read("stuck-on-2.0.0"))["deployments"][0]["lines"][2][0]
    assert shown == ("strategy: RollingUpdate, maxSurge 25% (at most 7 pods in all), maxUnavailable 25% (at least 4 "
                     "available)")  # fmt: skip
    hidden = frame(read("stuck-on-2.0.0"), hide_bounds=True)["deployments"][0]["lines"][2][0]
    assert hidden == "strategy: RollingUpdate, maxSurge 25%, maxUnavailable 25%"
    assert "7 pods" not in json.dumps(frame(read("stuck-on-2.0.0"), hide_bounds=True)["deployments"])


def test_the_change_cause_of_each_revision_is_shown():
    """An annotated ReplicaSet's change-cause is in its row, as `rollout history` lists it."""
    seen = read("rolled-to-1.0.0")
    name = next(n for n, rs in seen.objects["replicasets"].items() if "1.0.0" in json.dumps(rs["spec"]))
    seen.objects["replicasets"][name]["metadata"].setdefault("annotations", {})["kubernetes.io/change-cause"] = "v1"
    rows = {row[0]: row for row in frame(seen)["sets"]}
    assert rows[name][6] == "v1"


def test_events_are_the_latest_scaling_and_pod_warnings():
    """The Deployment's and ReplicaSets' events and the pods' warnings, newest last, at most LATEST_EVENTS; a pod's
    ordinary life, another app's events, the sandbox's DNS warnings and a kubelet's retried token mount are left
    out; any other mount failure is shown."""
    seen = read("stuck-on-2.0.0")
    pod = next(iter(seen.objects["pods"]))
    events = [event(f"e{i}", kind="Deployment", involved="first-app", reason="ScalingReplicaSet",
                    at=f"2026-11-22T06:42:{i:02d}Z") for i in range(10)]  # fmt: skip
    events += [
        event("pull", kind="Pod", involved=pod, reason="Failed", type_="Warning", at="2026-11-22T06:42:30Z", count=3),
        event("started", kind="Pod", involved=pod, reason="Started", at="2026-11-22T06:42:31Z"),
        event("dns", kind="Pod", involved=pod, reason="MissingClusterDNS", type_="Warning", at="2026-11-22T06:42:32Z"),
        {
            **event(
                "token", kind="Pod", involved=pod, reason="FailedMount", type_="Warning", at="2026-11-22T06:42:32Z"
            ),
            "message": 'MountVolume.SetUp failed for volume "kube-api-access-kcpqk" : failed to sync configmap cache: '
            "timed out waiting for the condition",
        },
        event(
            "other", kind="Deployment", involved="another-app", reason="ScalingReplicaSet", at="2026-11-22T06:42:33Z"
        ),
    ]
    seen.objects["events"] = {e["metadata"]["name"]: e for e in events}
    shown = frame(seen)["events"]
    assert len(shown) == scene.LATEST_EVENTS
    assert shown[-1][1:] == ["Warning", f"Failed pod/{pod}: Failed of {pod} (\u00d73)"]
    assert all("ScalingReplicaSet deployment/first-app" in e[2] for e in shown[:-1])
    assert shown[0][2].endswith("first-app")
    other = {**event("mount", kind="Pod", involved=pod, reason="FailedMount", type_="Warning",
                     at="2026-11-22T06:42:40Z"), "message": 'MountVolume.SetUp failed for volume "data"'}  # fmt: skip
    seen.objects["events"]["mount"] = other
    assert frame(seen)["events"][-1][1] == "Warning"
    assert "FailedMount" in frame(seen)["events"][-1][2]


def test_what_keeps_the_view_from_being_whole_is_said():
    """Nothing listed yet, no Deployment yet, a Deployment deleted since it was seen, a cluster that stopped
    answering, and one that refuses: each gets its own line, and the objects seen last stay on screen."""
    assert frame(Seen()) ["status"] == ["reading the cluster..."]  # fmt: skip
    half = read("stuck-on-2.0.0")
    half.listed = {"deployments", "replicasets"}  # the pods not listed yet: nothing drawn, rather than no pods
    assert frame(half)["status"] == ["reading the cluster..."]
    assert frame(half)["deployments"] == []
    empty = read("nothing-deployed")
    assert "there is no Deployment first-app in namespace lab yet" in frame(empty)["status"][0]
    assert "Deployment first-app is gone" in frame(empty, ever_seen={"first-app"})["status"][0]
    down = read("stuck-on-2.0.0")
    down.trouble = {"pods": "MaxRetryError: connection refused"}
    down.trouble_since = 0.0
    shown = frame(down)
    assert shown["status"][0].startswith("the cluster does not answer (since ")
    assert len(shown["pods"]) == 7
    refused = copy.deepcopy(down)
    refused.trouble = {"pods": "403 Forbidden"}
    assert frame(refused)["status"][0].startswith("the cluster refuses to show the pods of namespace lab (403")


def test_several_deployments_share_the_nodes_each_pod_labelled_by_its_deployment():
    """Lab 05's view of three Deployments: each its own box, pods labelled with its name, and a colour per version,
    the same in each Deployment: a new ReplicaSet of one Deployment repaints none of the other's pods."""
    one = read("rolled-to-1.0.0")
    seen = Seen(listed=set(KINDS))
    for copy_name in ("surge-1", "surge-0"):
        text = json.dumps(one.objects).replace("first-app", copy_name)
        for kind, found in json.loads(text).items():
            seen.objects[kind].update(found)
    shown = frame(seen, deployments=["surge-1", "surge-0"])
    assert [d["name"] for d in shown["deployments"]] == ["surge-1", "surge-0"]
    tag = {row[0]: row[2] for row in shown["sets"]}
    by_tag = {(tag[name], color) for name, color in shown["colors"].items()}
    assert len(by_tag) == len(set(tag.values())) == len({c for _t, c in by_tag}), by_tag  # one colour per version
    assert {label.split()[0] for label in shown["labels"].values()} == {"surge-1", "surge-0"}
    assert shown["sets"][0][0].startswith("surge-1")
    newest = max(rs for rs in seen.objects["replicasets"] if rs.startswith("surge-1"))
    fewer = copy.deepcopy(seen)
    del fewer.objects["replicasets"][newest]
    before = frame(fewer, deployments=["surge-1", "surge-0"])["colors"]
    assert {n: c for n, c in shown["colors"].items() if n.startswith("surge-0")} == {
        n: c for n, c in before.items() if n.startswith("surge-0")
    }


def test_a_quiet_view_beats_and_a_stopped_one_says_it_stopped_on_purpose(monkeypatch):
    """With nothing changing, the view's widget beats every BEAT seconds (the page says the view stopped when the
    beats stop: a restarted kernel); `stop()` sets the beat to -1, so the page does not blame the kernel. Saved
    with the notebook, the widget reads as one line, not an object's address."""
    from kubernetes import client

    from rolloutlab import waiting
    from rolloutlab.recording import view

    monkeypatch.setattr(view, "BEAT", 0.05)
    monkeypatch.setattr(view.Watched, "start", lambda self: None)
    monkeypatch.setattr(view.Watched, "stop", lambda self: None)
    shown = view.ClusterView(namespace="lab", deployments=["first-app"], api=client.ApiClient()).start()
    try:
        assert waiting.until(lambda: shown.widget.beat >= 3, seconds=5, every=0.05)
    finally:
        shown.stop()
    assert shown.widget.beat == -1
    assert "0x" not in repr(shown.widget)
    assert "lab.view()" in repr(shown.widget)


def test_a_replicaset_an_undo_renumbers_keeps_its_colour_in_the_view_and_the_figures():
    """An undo gives 1.0.0's ReplicaSet a new revision number: its colour, a version's, stays, in the live view
    and in every recording's figure and player, whatever order the recording met the ReplicaSets in."""
    from rolloutlab.recording import plot
    from rolloutlab.recording.timeline import ReplicaSetSample, Timeline

    before = read("rolled-to-1.0.0")
    after = copy.deepcopy(before)
    for rs in after.objects["replicasets"].values():
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "9"
    assert frame(before)["colors"] == frame(after)["colors"]

    def timeline(order: list[str]) -> Timeline:
        found = Timeline(namespace="lab", deployment="first-app", started_at=0.0)
        for i, tag in enumerate(order):
            found.replicasets.append(ReplicaSetSample(t=float(i), name=f"rs-{tag}", revision=i + 1,
                                                      image=f"registry/app:{tag}", desired=1, current=1, ready=1,
                                                      available=1))  # fmt: skip
        return found

    lab03, lab04 = (
        plot.replicaset_colors(timeline(["1.0.0", "2.0.0"])),
        plot.replicaset_colors(timeline(["2.0.0", "latest", "1.0.0"])),
    )
    assert lab03["rs-1.0.0"] == lab04["rs-1.0.0"] != lab04["rs-2.0.0"] == lab03["rs-2.0.0"]
    assert len(set(lab04.values())) == 3
