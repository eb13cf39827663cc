"""Benchmark of the sandbox: cold build, warm `sandbox up`, and `set image` to a finished 4-replica rollout.

Figures are written to a JSON file; nothing here asserts a time (machines are noisy).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
import uuid
from pathlib import Path

from rolloutlab import versions
from rolloutlab.registry import push_scratch_image
from rolloutlab.sandbox import Sandbox

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: bench}}
spec:
  replicas: 4
  selector: {{matchLabels: {{app: bench}}}}
  template:
    metadata: {{labels: {{app: bench}}}}
    spec:
      containers: [{{name: bench, image: "{image}"}}]
"""


def _kubectl(sandbox: Sandbox, *args: str, input_text: str | None = None) -> None:
    bins = sandbox.binaries(build=False)
    cmd = [bins.kubectl, "--kubeconfig", str(sandbox.paths.kubeconfig), *args]
    subprocess.run(cmd, input=input_text, capture_output=True, text=True, check=True, timeout=300)


def warm_up_seconds(sandbox: Sandbox, *, runs: int) -> list[float]:
    """`down` then `up` with every binary cached: the time a student waits when starting the sandbox again."""
    times = []
    for _ in range(runs):
        sandbox.down()
        started = time.monotonic()
        sandbox.up(build=False)
        times.append(round(time.monotonic() - started, 2))
    return times


def rollout_seconds(sandbox: Sandbox, *, runs: int) -> list[float]:
    """From `kubectl set image` to `rollout status` reporting success, 4 replicas, default strategy."""
    repository = f"bench/app-{uuid.uuid4().hex[:6]}"
    registry = sandbox.registry.address
    for tag in ("a", "b"):
        push_scratch_image(registry=registry, repository=repository, tag=tag)
    namespace = f"bench-{uuid.uuid4().hex[:6]}"
    _kubectl(sandbox, "create", "namespace", namespace)
    times = []
    try:
        image = f"{registry}/{repository}:a"
        _kubectl(sandbox, "-n", namespace, "apply", "-f", "-", input_text=DEPLOYMENT.format(image=image))
        _kubectl(sandbox, "-n", namespace, "rollout", "status", "deployment/bench", "--timeout=300s")
        for run in range(runs):
            tag = "b" if run % 2 == 0 else "a"
            started = time.monotonic()
            _kubectl(
                sandbox, "-n", namespace, "set", "image", "deployment/bench", f"bench={registry}/{repository}:{tag}"
            )
            _kubectl(sandbox, "-n", namespace, "rollout", "status", "deployment/bench", "--timeout=300s")
            times.append(round(time.monotonic() - started, 2))
    finally:
        _kubectl(sandbox, "delete", "namespace", namespace, "--wait=false")
    return times


def run(*, sandbox: Sandbox, out: Path, runs: int) -> dict[str, object]:
    build_times_file = sandbox.paths.bin / "build-times.json"
    build_times = json.loads(build_times_file.read_text()) if build_times_file.exists() else {}
    warm = warm_up_seconds(sandbox, runs=runs)
    rollout = rollout_seconds(sandbox, runs=runs)
    result: dict[str, object] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "versions": {"kubernetes": versions.KUBERNETES, "etcd": versions.ETCD, "kwok": versions.KWOK},
        "cold_build_seconds": {
            "per_binary": build_times,
            "total": round(sum(sum(b.values()) for b in build_times.values()), 1),
            "note": "recorded when the cache was filled (Go build cache state at that time)",
        },
        "warm_sandbox_up_seconds": {"runs": warm, "median": statistics.median(warm), "max": max(warm)},
        "set_image_to_rolled_out_seconds": {
            "replicas": 4,
            "runs": rollout,
            "median": statistics.median(rollout),
            "max": max(rollout),
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return result
