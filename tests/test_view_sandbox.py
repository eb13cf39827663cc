"""The live view (recording/view.py) against the sandbox: it follows a real rollout, says when the apiserver stops
answering, catches up by itself once it answers again, and says when the Deployment is gone."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from typing import Any

import pytest

from helpers import wait_for
from rolloutlab import versions
from rolloutlab.course.scenarios import DEPLOYMENT
from rolloutlab.images.registry import push_scratch_image
from rolloutlab.paths import Paths
from rolloutlab.recording.record import api_client
from rolloutlab.recording.view import ClusterView
from rolloutlab.sandbox import pause

pytestmark = pytest.mark.sandbox


class Frames:
    """Every frame the view pushed, with when it came."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def __call__(self, frame: dict[str, Any]) -> None:
        with self.lock:
            self.seen.append((time.monotonic(), frame))

    @property
    def last(self) -> dict[str, Any]:
        with self.lock:
            return self.seen[-1][1] if self.seen else {}

    def first_after(self, moment: float, test) -> float | None:
        with self.lock:
            return next((at for at, frame in self.seen if at >= moment and test(frame)), None)


def test_the_view_follows_a_rollout_across_an_apiserver_restart(sandbox, kube, box):
    """Deployed: the view shows it, with its bounds as pod counts until the lesson's ConfigMap, watched, asks to
    hide them. The apiserver killed: the view says the cluster does not answer, and keeps what
    it saw. Started again: the line goes by itself, and a `set image` made then shows its new ReplicaSet within 2 s
    of kubectl's answer. Deleted: the view says the Deployment is gone."""
    program = pause.cached_binary(bin_dir=Paths.from_env().bin, kubernetes=versions.KUBERNETES)
    repository = f"rolloutlab-samples/view-{uuid.uuid4().hex[:6]}"
    for tag in ("latest", "1.0.0"):
        push_scratch_image(registry=sandbox.registry, repository=repository, tag=tag, program=program)
    image = f"{sandbox.registry}/{repository}"
    frames = Frames()
    view = ClusterView(namespace=kube.namespace, deployments=["first-app"],
                       api=api_client(kubeconfig=str(sandbox.kubeconfig)), push=frames, lesson="lesson",
                       hide_bounds=lambda found: found.get("hide") == "yes").start()  # fmt: skip
    try:
        wait_for(lambda: "there is no Deployment first-app" in " ".join(frames.last.get("status", [])), timeout=30,
                 what="the view to say there is no Deployment yet")  # fmt: skip
        kube("apply", "-f", "-", input_text=DEPLOYMENT.format(replicas=2, deadline=60, surge="25%",
                                                              unavailable="25%", image=f"{image}:latest"))  # fmt: skip
        kube("rollout", "status", "deployment/first-app", "--timeout=120s")
        wait_for(lambda: [p[3] for p in frames.last["pods"]] == ["Ready", "Ready"], timeout=10,
                 what="the view to show two ready pods")  # fmt: skip
        assert frames.last["status"] == []
        assert "pods in all" in json.dumps(frames.last["deployments"])
        # The lesson's ConfigMap, changed by another notebook (a later lab asks for a prediction): the bounds go.
        kube("create", "configmap", "lesson", "--from-literal=hide=yes")
        wait_for(lambda: "pods in all" not in json.dumps(frames.last["deployments"]), timeout=10,
                 what="the view to write the bounds as written once the lesson's ConfigMap says so")  # fmt: skip

        os.kill(int((box.control.cluster_dir / "pids" / "kube-apiserver.pid").read_text()), signal.SIGKILL)
        wait_for(lambda: "the cluster does not answer" in " ".join(frames.last["status"]), timeout=30,
                 what="the view to say the cluster does not answer")  # fmt: skip
        assert len(frames.last["pods"]) == 2  # what it saw last, still on screen
        assert box.up(build=False).up
        wait_for(lambda: frames.last["status"] == [], timeout=60, what="the view to catch up by itself")

        kube("set", "image", "deployment/first-app", f"first-app-k8s={image}:1.0.0")
        answered = time.monotonic()
        shown = wait_for(lambda: frames.first_after(answered - 1, lambda f: len(f["sets"]) == 2), timeout=30,
                         what="the new ReplicaSet in the view")  # fmt: skip
        assert shown - answered <= 2.0
        kube("rollout", "status", "deployment/first-app", "--timeout=120s")
        wait_for(lambda: {p[3] for p in frames.last["pods"]} == {"Ready"} and len(frames.last["pods"]) == 2
                 and frames.last["sets"][-1][4] == 2, timeout=30, what="the rollout's end in the view")  # fmt: skip

        kube("delete", "deployment", "first-app")
        wait_for(lambda: "Deployment first-app is gone" in " ".join(frames.last["status"]), timeout=30,
                 what="the view to say the Deployment is gone")  # fmt: skip
    finally:
        view.stop(why="stopped")
    assert "stopped" in frames.last["status"]
    assert not view.running
