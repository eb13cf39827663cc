"""What the live view costs the kernel: its processor time through a rollout, against the live matplotlib figure's
(`rolloutlab bench view`). Both run in this process, as they would in a student's kernel, each through the same
rollouts of the same Deployment; each frame is serialised as the kernel would send it (JSON for the view's frame,
the PNG for the figure), and not sent."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rolloutlab.course.bench import BenchApp, bench_app, cpu_seconds, stamp, write
from rolloutlab.lab import state
from rolloutlab.lab.student import predictions_pending
from rolloutlab.recording.record import Recording, api_client
from rolloutlab.recording.view import ClusterView
from rolloutlab.sandbox.lifecycle import Sandbox


def view_cost(sandbox: Sandbox, *, out: Path, replicas: int, rounds: int) -> dict[str, object]:
    """`rounds` rollouts of `replicas` pods watched by each, alternately; processor seconds and frames of each."""
    kubeconfig = str(sandbox.paths.kubeconfig)
    tags = iter(["b", "a"] * rounds * 2)

    def with_view(app: BenchApp) -> tuple[float, int]:
        frames: list[int] = []
        # As `lab.view()` opens it: watching the lesson's state too, judged on each frame.
        view = ClusterView(namespace=app.namespace, deployments=["bench"], api=api_client(kubeconfig=kubeconfig),
                           lesson=state.NAME, hide_bounds=lambda found: predictions_pending(found, lab="03"),
                           push=lambda frame: frames.append(len(json.dumps(frame))))  # fmt: skip
        before = cpu_seconds()
        view.start()
        app.roll_to(next(tags))
        time.sleep(2)  # the last pods' exits, as a student's view would draw them
        view.stop()
        return cpu_seconds() - before, len(frames)

    def with_figure(app: BenchApp) -> tuple[float, int]:
        from rolloutlab.recording.live import LiveView

        figure = LiveView(show=lambda png: None)
        before = cpu_seconds()
        recording = Recording(namespace=app.namespace, deployment="bench", kubeconfig=kubeconfig, live=figure)
        app.roll_to(next(tags))
        recording.stop()
        return cpu_seconds() - before, figure.frames

    measured: dict[str, list[tuple[float, int]]] = {"view": [], "figure": []}
    ways: dict[str, Callable[[BenchApp], tuple[float, int]]] = {"view": with_view, "figure": with_figure}
    with bench_app(sandbox, name="view", replicas=replicas) as app:
        for _round in range(rounds):
            for name, way in ways.items():
                measured[name].append(way(app))
    summary: dict[str, Any] = {}
    for name, runs in measured.items():
        seconds = [round(cpu, 3) for cpu, _ in runs]
        summary[name] = {"cpu_seconds": {"min": min(seconds), "median": statistics.median(seconds),
                                         "max": max(seconds)}, "frames": [frames for _, frames in runs]}  # fmt: skip
    return write(out, {
        **stamp(),
        "replicas": replicas,
        "rounds": rounds,
        **summary,
        "ratio_of_medians": round(summary["view"]["cpu_seconds"]["median"]
                                  / summary["figure"]["cpu_seconds"]["median"], 3),
    })  # fmt: skip
