"""What the lesson teaches, checked against the sandbox's real control plane with real kubectl."""

from __future__ import annotations

import re
import threading
import uuid

import pytest
from kubernetes import client, config, watch

from helpers import Kubectl, deployment_manifest, push_scratch_image, wait_for

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def images(sandbox) -> dict[str, str]:
    """Two tags that exist in the sandbox registry, and one that was never pushed."""
    repository = f"rolloutlab-tests/web-{uuid.uuid4().hex[:6]}"
    for tag in ("latest", "1.0.0"):
        push_scratch_image(registry=sandbox.registry, repository=repository, tag=tag)
    base = f"{sandbox.registry}/{repository}"
    return {"latest": f"{base}:latest", "1.0.0": f"{base}:1.0.0", "2.0.0": f"{base}:2.0.0"}


def pods(kube: Kubectl) -> list[dict]:
    return kube.json("get", "pods", "-l", "app=web")["items"]


def waiting_reason(pod: dict) -> str | None:
    for status in pod.get("status", {}).get("containerStatuses") or []:
        waiting = status.get("state", {}).get("waiting")
        if waiting:
            return waiting.get("reason")
    return None


def is_ready(pod: dict) -> bool:
    conditions = pod.get("status", {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def deploy(kube: Kubectl, *, image: str, **options: object) -> None:
    kube("apply", "-f", "-", input_text=deployment_manifest(name="web", image=image, **options))
    kube("rollout", "status", "deployment/web", "--timeout=120s")


class AvailabilityWatch:
    """Every status the Deployment reports, from the API's watch, so a dip in availability cannot hide."""

    def __init__(self, *, kubeconfig: str, namespace: str) -> None:
        self.api = client.AppsV1Api(config.new_client_from_config(config_file=kubeconfig))
        self.namespace = namespace
        self.available: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        w = watch.Watch()
        for event in w.stream(self.api.list_namespaced_deployment, self.namespace, timeout_seconds=300,
                              _request_timeout=330):  # fmt: skip
            self.available.append(event["object"].status.available_replicas or 0)
            if self.stop.is_set():
                w.stop()

    def __enter__(self) -> AvailabilityWatch:
        self.thread.start()
        wait_for(lambda: self.available, timeout=10, what="the first Deployment event")
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()


def test_four_replicas_become_available_on_three_nodes(kube, images):
    """A 4-replica Deployment of an existing image becomes available, its pods spread over the 3 nodes."""
    deploy(kube, image=images["latest"])
    deployment = kube.json("get", "deployment", "web")
    assert deployment["status"]["availableReplicas"] == 4
    current = pods(kube)
    assert len(current) == 4
    assert all(is_ready(p) for p in current)
    assert {p["spec"]["nodeName"] for p in current} == {"node-1", "node-2", "node-3"}


def test_set_image_rolls_through_a_second_replicaset(kube, images):
    """`set image` to a pushed tag creates a second ReplicaSet that takes all 4 replicas; the old one goes to 0."""
    deploy(kube, image=images["latest"])
    kube("set", "image", "deployment/web", f"web={images['1.0.0']}")
    out = kube("rollout", "status", "deployment/web", "--timeout=120s").stdout
    assert 'deployment "web" successfully rolled out' in out
    sets = kube.json("get", "replicasets", "-l", "app=web")["items"]
    assert len(sets) == 2
    by_image = {rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs for rs in sets}
    assert by_image[images["1.0.0"]]["status"]["readyReplicas"] == 4
    assert by_image[images["latest"]]["spec"]["replicas"] == 0
    assert by_image[images["1.0.0"]]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    wait_for(lambda: len(pods(kube)) == 4, timeout=30, what="the old pods to terminate")
    assert {p["spec"]["containers"][0]["image"] for p in pods(kube)} == {images["1.0.0"]}


def test_missing_tag_fails_the_rollout_while_old_pods_serve(sandbox, kube, images):
    """A never-pushed tag: ImagePullBackOff, `rollout status` exceeds the progress deadline, 3 old pods stay Ready."""
    deploy(kube, image=images["1.0.0"], progress_deadline=12)
    with AvailabilityWatch(kubeconfig=str(sandbox.kubeconfig), namespace=kube.namespace) as availability:
        kube("set", "image", "deployment/web", f"web={images['2.0.0']}")
        status = kube("rollout", "status", "deployment/web", "--timeout=120s", check=False)
    assert status.returncode != 0
    assert 'deployment "web" exceeded its progress deadline' in status.stderr

    current = pods(kube)
    new = [p for p in current if p["spec"]["containers"][0]["image"] == images["2.0.0"]]
    old = [p for p in current if p["spec"]["containers"][0]["image"] == images["1.0.0"]]
    # maxSurge 25% of 4 rounds up to 1, maxUnavailable rounds down to 1: 5 pods, 2 new failing, 3 old serving.
    assert (len(current), len(new), len(old)) == (5, 2, 3)
    assert all(is_ready(p) for p in old)
    assert not any(is_ready(p) for p in new)
    wait_for(lambda: all(waiting_reason(p) == "ImagePullBackOff" for p in pods(kube)
                         if p["spec"]["containers"][0]["image"] == images["2.0.0"]),
             timeout=20, what="ImagePullBackOff on the new pods")  # fmt: skip
    message = next(s["state"]["waiting"]["message"] for s in new[0]["status"]["containerStatuses"])
    assert message  # the kubelet-style message travels with the state

    conditions = {c["type"]: c for c in kube.json("get", "deployment", "web")["status"]["conditions"]}
    assert conditions["Progressing"]["reason"] == "ProgressDeadlineExceeded"
    assert conditions["Available"]["status"] == "True"
    # availableReplicas never dropped below replicas - maxUnavailable during the whole failed rollout.
    assert min(availability.available) >= 3

    events = kube("get", "events", "--field-selector", f"involvedObject.name={new[0]['metadata']['name']}").stdout
    assert "ErrImagePull" in events
    assert re.search(r"2\.0\.0.*not found", events)


def revisions(kube: Kubectl) -> list[int]:
    out = kube("rollout", "history", "deployment/web").stdout
    return [int(line.split()[0]) for line in out.splitlines() if line[:1].isdigit()]


def revision_image(kube: Kubectl, revision: int) -> str:
    out = kube("rollout", "history", "deployment/web", f"--revision={revision}").stdout
    return re.search(r"Image:\s+(\S+)", out).group(1)


def test_undo_renumbers_the_reused_revision(kube, images):
    """latest -> 1.0.0 -> 2.0.0 then `undo`: revision 2's ReplicaSet is reused as 4 (history 1, 3, 4); then 5."""
    deploy(kube, image=images["latest"])
    kube("set", "image", "deployment/web", f"web={images['1.0.0']}")
    kube("rollout", "status", "deployment/web", "--timeout=120s")
    kube("set", "image", "deployment/web", f"web={images['2.0.0']}")
    wait_for(lambda: revisions(kube) == [1, 2, 3], timeout=30, what="revision 3 to appear")
    sets_before = {rs["metadata"]["uid"] for rs in kube.json("get", "replicasets", "-l", "app=web")["items"]}

    assert "rolled back" in kube("rollout", "undo", "deployment/web").stdout
    kube("rollout", "status", "deployment/web", "--timeout=120s")
    assert revisions(kube) == [1, 3, 4]
    assert revision_image(kube, 4) == images["1.0.0"]
    assert revision_image(kube, 3) == images["2.0.0"]
    # No ReplicaSet was deleted or created: revision 2's ReplicaSet now carries number 4.
    sets_after = {rs["metadata"]["uid"] for rs in kube.json("get", "replicasets", "-l", "app=web")["items"]}
    assert sets_after == sets_before

    kube("rollout", "undo", "deployment/web", "--to-revision=1")
    kube("rollout", "status", "deployment/web", "--timeout=120s")
    assert revisions(kube) == [3, 4, 5]
    assert revision_image(kube, 5) == images["latest"]
    wait_for(lambda: {p["spec"]["containers"][0]["image"] for p in pods(kube)} == {images["latest"]},
             timeout=30, what="only pods of revision 5")  # fmt: skip


def test_deleting_the_deployment_removes_replicasets_and_pods(kube, images):
    """`kubectl delete deployment` cascades: ReplicaSets and pods go, terminating pods do not linger."""
    deploy(kube, image=images["latest"])
    kube("delete", "deployment", "web", "--wait=true", "--timeout=60s")
    wait_for(lambda: not kube.json("get", "replicasets", "-l", "app=web")["items"], timeout=30,
             what="the ReplicaSets to be deleted")  # fmt: skip
    wait_for(lambda: not pods(kube), timeout=30, what="the pods to be deleted")


def test_unreachable_registry_fails_the_pull_with_a_message_that_says_so(kube):
    """An image on a registry nobody serves fails with the kubelet's ErrImagePull: the connection was refused."""
    kube("run", "lost", "--image=localhost:5999/nowhere/app:1.0", "--restart=Never")

    def reason() -> str | None:
        pod = kube.json("get", "pod", "lost")
        return waiting_reason(pod) if waiting_reason(pod) in ("ErrImagePull", "ImagePullBackOff") else None

    wait_for(reason, timeout=30, what="the pull to fail")
    events = kube("get", "events", "--field-selector", "involvedObject.name=lost").stdout
    assert "connection refused" in events


def test_a_tag_pushed_late_is_pulled_on_retry(sandbox, kube, images):
    """The kubelet retries a failed pull: pushing the missing tag lets the pod start."""
    repository = images["latest"].split("/", 1)[1].rsplit(":", 1)[0]
    tag = f"late-{uuid.uuid4().hex[:6]}"
    kube("run", "late", f"--image={sandbox.registry}/{repository}:{tag}", "--restart=Never")
    wait_for(lambda: waiting_reason(kube.json("get", "pod", "late")) == "ImagePullBackOff", timeout=30,
             what="ImagePullBackOff")  # fmt: skip
    push_scratch_image(registry=sandbox.registry, repository=repository, tag=tag)
    wait_for(lambda: is_ready(kube.json("get", "pod", "late")), timeout=60, what="the pod to start after the push")
