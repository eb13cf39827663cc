"""What the live view costs the kernel: its processor time through a rollout, against the live matplotlib figure's
(`rolloutlab bench view`). Both run in this process, as they would in a student's kernel, each through the same
rollouts of the same Deployment; each frame is serialised as the kernel would send it (JSON for the view's frame,
the PNG for the figure), and not sent."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rolloutlab.course.bench import DEPLOYMENT, _kubectl, _program
from rolloutlab.images.registry import push_scratch_image
from rolloutlab.recording.record import Recording, api_client
from rolloutlab.recording.view import ClusterView
from rolloutlab.sandbox.lifecycle import Sandbox


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def view_cost(sandbox: Sandbox, *, out: Path, replicas: int, rounds: int) -> dict[str, object]:
    """`rounds` rollouts of `replicas` pods watched by each, alternately; processor seconds and frames of each."""
    kubeconfig = str(sandbox.paths.kubeconfig)
    registry = sandbox.registry.address
    repository = f"bench/view-{uuid.uuid4().hex[:6]}"
    for tag in ("a", "b"):
        push_scratch_image(registry=registry, repository=repository, tag=tag, program=_program(sandbox))
    namespace = f"bench-{uuid.uuid4().hex[:6]}"
    _kubectl(sandbox, "create", "namespace", namespace)
    tags = iter(["b", "a"] * rounds * 2)

    def rollout() -> None:
        _kubectl(sandbox, "-n", namespace, "set", "image", "deployment/bench", f"bench={registry}/{repository}:"
                 f"{next(tags)}")  # fmt: skip
        _kubectl(sandbox, "-n", namespace, "rollout", "status", "deployment/bench", "--timeout=600s")

    def with_view() -> tuple[float, int]:
        frames: list[int] = []
        view = ClusterView(namespace=namespace, deployments=["bench"], api=api_client(kubeconfig=kubeconfig),
                           push=lambda frame: frames.append(len(json.dumps(frame))))  # fmt: skip
        before = _cpu()
        view.start()
        rollout()
        time.sleep(2)  # the last pods' exits, as a student's view would draw them
        view.stop()
        return _cpu() - before, len(frames)

    def with_figure() -> tuple[float, int]:
        from rolloutlab.recording.live import LiveView

        figure = LiveView(show=lambda png: None)
        before = _cpu()
        recording = Recording(namespace=namespace, deployment="bench", kubeconfig=kubeconfig, live=figure)
        rollout()
        recording.stop()
        return _cpu() - before, figure.frames

    measured: dict[str, list[tuple[float, int]]] = {"view": [], "figure": []}
    ways: dict[str, Callable[[], tuple[float, int]]] = {"view": with_view, "figure": with_figure}
    try:
        manifest = DEPLOYMENT.replace("replicas: 4", f"replicas: {replicas}")
        _kubectl(sandbox, "-n", namespace, "apply", "-f", "-",
                 input_text=manifest.format(image=f"{registry}/{repository}:a"))  # fmt: skip
        _kubectl(sandbox, "-n", namespace, "rollout", "status", "deployment/bench", "--timeout=600s")
        for _round in range(rounds):
            for name, way in ways.items():
                measured[name].append(way())
    finally:
        _kubectl(sandbox, "delete", "namespace", namespace, "--wait=false")
    summary: dict[str, Any] = {}
    for name, runs in measured.items():
        seconds = [round(cpu, 3) for cpu, _ in runs]
        summary[name] = {"cpu_seconds": {"min": min(seconds), "median": statistics.median(seconds),
                                         "max": max(seconds)}, "frames": [frames for _, frames in runs]}  # fmt: skip
    result: dict[str, object] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "replicas": replicas,
        "rounds": rounds,
        **summary,
        "ratio_of_medians": round(summary["view"]["cpu_seconds"]["median"]
                                  / summary["figure"]["cpu_seconds"]["median"], 3),
    }  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return result
