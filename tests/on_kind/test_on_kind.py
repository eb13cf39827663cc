"""The labs on a kind cluster made by ./scripts/setup-kind: opt-in, run by ./scripts/test-kind after its validate
run (ROLLOUTLAB_KIND_CONTEXT names the cluster, ROLLOUTLAB_KIND_LABS validate's --out folder)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rolloutlab import kubectl, versions
from rolloutlab.recording import traffic
from rolloutlab.recording.timeline import Timeline

CONTEXT = os.environ.get("ROLLOUTLAB_KIND_CONTEXT", "kind-rollout-labs")
LABS = Path(os.environ.get("ROLLOUTLAB_KIND_LABS", "build/kind/labs"))


def kubectl_json(*args: str) -> dict:
    out = kubectl.run([*args, "-o", "json"], context=CONTEXT, timeout=60, check=True).stdout
    return json.loads(out)


def test_nodes_are_real_kubelets_on_containerd():
    """A control plane and two workers, all Ready, each a kubelet of the pinned release over containerd."""
    nodes = kubectl_json("get", "nodes")["items"]
    assert len(nodes) >= 3
    for node in nodes:
        info = node["status"]["nodeInfo"]
        assert info["kubeletVersion"] == f"v{versions.KUBERNETES}"
        assert info["containerRuntimeVersion"].startswith("containerd://")
        ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"]
        assert ready == "True", node["metadata"]["name"]


def test_system_pods_run_from_the_preloaded_images():
    """etcd, the control plane, kube-proxy, CoreDNS and our CNI all run: nothing was pulled from outside."""
    pods = kubectl_json("-n", "kube-system", "get", "pods")["items"]
    running = {p["metadata"]["name"].rsplit("-", 2)[0] if "-" in p["metadata"]["name"] else p["metadata"]["name"]
               for p in pods if p["status"].get("phase") == "Running"}  # fmt: skip
    names = " ".join(p["metadata"]["name"] for p in pods if p["status"].get("phase") == "Running")
    for part in (
        "etcd-",
        "kube-apiserver-",
        "kube-controller-manager-",
        "kube-scheduler-",
        "kube-proxy-",
        "coredns-",
        "rolloutlab-cni-",
    ):
        assert part in names, (part, running)  # fmt: skip


def test_every_lab_passed_with_every_check_seen_failing():
    """validate's report on this cluster: every lab of both languages passed, and none has a check never seen
    failing (validate fails such a lab)."""
    report = json.loads((LABS / "report.json").read_text())
    results = report["labs"]
    assert len(results) == 12
    assert [r["lab"] for r in results if not r["ok"]] == []
    assert report["ok"]


def test_lab_03_served_through_the_service_by_several_pods():
    """In lab 03 (both languages) the requests went through a NodePort on a kind node's address, were answered
    by at least two pods, and none failed."""
    recordings = sorted(LABS.glob("*/03-failed-rollout/*.json"))
    assert {path.parts[-3] for path in recordings} == {"en", "fr"}, recordings
    for path in recordings:
        summary = traffic.summarize(Timeline.load(path).requests)
        assert summary.answered > 100, (path, summary)
        assert summary.failed == 0, (path, summary)
        assert len(summary.pods) >= 2, (path, summary)
