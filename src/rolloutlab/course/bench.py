"""Benchmark of the sandbox: cold build, warm `sandbox up`, and `set image` to a finished 4-replica rollout.

Figures are written to a JSON file; nothing here asserts a time (machines are noisy).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import re
import resource
import signal
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, Sized
from dataclasses import dataclass
from pathlib import Path

import requests
from kubernetes import client

from rolloutlab import kubectl, process, versions, waiting
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.images.registry import push_scratch_image
from rolloutlab.paths import repository
from rolloutlab.recording.record import Recorder, api_client
from rolloutlab.sandbox.lifecycle import Sandbox

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
    kubectl.run(args, kubeconfig=sandbox.paths.kubeconfig, kubectl=bins.kubectl, input_text=input_text, check=True,
                timeout=600)  # fmt: skip


def stamp() -> dict[str, object]:
    """When and on what a benchmark ran: the first keys of every figures file."""
    return {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}  # fmt: skip


def write(out: Path, result: dict[str, object]) -> dict[str, object]:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return result


def cpu_seconds() -> float:
    """This process's processor time so far, user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class BenchApp:
    """A Deployment `bench` of tiny images tagged a and b, in a namespace of its own, rolled out."""

    sandbox: Sandbox
    namespace: str
    repository: str

    def image(self, tag: str) -> str:
        return f"{self.sandbox.registry.address}/{self.repository}:{tag}"

    def kubectl(self, *args: str, input_text: str | None = None) -> None:
        _kubectl(self.sandbox, "-n", self.namespace, *args, input_text=input_text)

    def roll_to(self, tag: str) -> None:
        """`set image` to `tag`, then wait for `rollout status` to say it is done."""
        self.kubectl("set", "image", "deployment/bench", f"bench={self.image(tag)}")
        self.kubectl("rollout", "status", "deployment/bench", "--timeout=600s")


@contextlib.contextmanager
def bench_app(sandbox: Sandbox, *, name: str, replicas: int = 4) -> Iterator[BenchApp]:
    """The images pushed, the namespace made and `bench` rolled out on tag a; the namespace deleted after."""
    app = BenchApp(sandbox, namespace=f"bench-{uuid.uuid4().hex[:6]}",
                   repository=f"bench/{name}-{uuid.uuid4().hex[:6]}")  # fmt: skip
    for tag in ("a", "b"):
        push_scratch_image(registry=sandbox.registry.address, repository=app.repository, tag=tag,
                           program=_program(sandbox))  # fmt: skip
    _kubectl(sandbox, "create", "namespace", app.namespace)
    try:
        manifest = DEPLOYMENT.replace("replicas: 4", f"replicas: {replicas}")
        app.kubectl("apply", "-f", "-", input_text=manifest.format(image=app.image("a")))
        app.kubectl("rollout", "status", "deployment/bench", "--timeout=600s")
        yield app
    finally:
        _kubectl(sandbox, "delete", "namespace", app.namespace, "--wait=false")


def warm_up_seconds(sandbox: Sandbox, *, runs: int) -> list[float]:
    """`down` then `up` with every binary cached: the time a student waits when starting the sandbox again."""
    times = []
    for _run in range(runs):
        sandbox.down()
        started = time.monotonic()
        sandbox.up(build=False)
        times.append(round(time.monotonic() - started, 2))
    return times


def _program(sandbox: Sandbox) -> Path:
    """Something the real nodes can run in the benchmarks' images (the sandbox's static pause)."""
    return sandbox.binaries(build=False).nodes.pause


def rollout_seconds(sandbox: Sandbox, *, runs: int) -> list[float]:
    """From `kubectl set image` to `rollout status` reporting success, 4 replicas, default strategy."""
    times = []
    with bench_app(sandbox, name="app") as app:
        for run in range(runs):
            started = time.monotonic()
            app.roll_to("b" if run % 2 == 0 else "a")
            times.append(round(time.monotonic() - started, 2))
    return times


def run(*, sandbox: Sandbox, out: Path, runs: int) -> dict[str, object]:
    build_times_file = sandbox.paths.bin / "build-times.json"
    build_times = json.loads(build_times_file.read_text()) if build_times_file.exists() else {}
    warm = warm_up_seconds(sandbox, runs=runs)
    rollout = rollout_seconds(sandbox, runs=runs)
    result: dict[str, object] = {
        **stamp(),
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
    return write(out, result)


def recorder_lag_and_cost(sandbox: Sandbox, *, out: Path, changes: int, replicas: int) -> dict[str, object]:
    """Recorder lag (API change -> sample) over `changes` patches, and CPU/memory while a `replicas` rollout
    is recorded, with the missed-step check on that recording."""
    kubeconfig = str(sandbox.paths.kubeconfig)
    api = api_client(kubeconfig=kubeconfig)
    apps = client.AppsV1Api(api)
    with bench_app(sandbox, name="rec", replicas=replicas) as app:
        recorder = Recorder(namespace=app.namespace, deployment="bench", api=api_client(kubeconfig=kubeconfig)).start()
        lags = []
        for index in range(changes):
            before = len(recorder.timeline.deployments)
            sent = time.time()
            apps.patch_namespaced_deployment("bench", app.namespace,
                                             {"metadata": {"annotations": {"bench/n": str(index)}}})  # fmt: skip
            waiting.until(functools.partial(_grew, recorder.timeline.deployments, before), seconds=10, every=0.001)
            sample = recorder.timeline.deployments[-1]
            lags.append(round(recorder.timeline.started_at + sample.t - sent, 4))
        recorder.stop()

        cpu_before = cpu_seconds()
        rss_before = _rss_mib()
        started = time.monotonic()
        recorder = Recorder(namespace=app.namespace, deployment="bench", api=api_client(kubeconfig=kubeconfig)).start()
        app.roll_to("b")
        timeline = recorder.stop()
        wall = time.monotonic() - started
        cpu = cpu_seconds() - cpu_before
    return write(out, {
        **stamp(),
        "lag_seconds": {"changes": changes, "median": round(statistics.median(lags), 4), "max": max(lags),
                        "note": "from just before the PATCH is sent to the sample being recorded"},
        "rollout": {
            "replicas": replicas,
            "wall_seconds": round(wall, 2),
            "recorder_cpu_seconds": round(cpu, 2),
            "recorder_cpu_share": round(cpu / wall, 3),
            "rss_mib_before": rss_before,
            "rss_mib_after": _rss_mib(),
            "samples": {"deployments": len(timeline.deployments), "replicasets": len(timeline.replicasets),
                        "pods": len(timeline.pods), "events": len(timeline.events)},
            "missed_scale_steps": timeline.missed_scale_steps(),
            "peak_pods": timeline.peak_pods(count_terminating=False),
            "peak_desired": timeline.peak_desired(),
        },
    })  # fmt: skip


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def validate_wall_times(*, out: Path, env: dict[str, str], parallel_jobs: int) -> dict[str, object]:
    """`validate` of every lab, serial then parallel, beside each lab's own duration (its Kubernetes waits)."""
    from rolloutlab.course import validate

    labs = validate.find_labs(labs_dir=repository().labs_in("en"), chosen=None)
    runs: dict[int, dict[str, object]] = {}
    serial: list[float] = []
    expected: list[float] = []
    walls: dict[int, float] = {}
    for jobs in (1, parallel_jobs):
        started = time.monotonic()
        results = validate.validate(labs=labs, out_dir=out.parent / f"validate-jobs-{jobs}", env=env, jobs=jobs)
        per_lab = {r.lab: {"seconds": r.seconds, "expected": r.expected_seconds} for r in results}
        runs[jobs] = {"wall": round(time.monotonic() - started, 1), "ok": all(r.ok for r in results), "labs": per_lab}
        walls[jobs] = round(time.monotonic() - started, 1)
        if jobs == 1:
            serial = [r.seconds for r in results]
            expected = [r.expected_seconds or 0 for r in results]
    longest = max(serial)
    result: dict[str, object] = {
        **stamp(),
        "serial": runs[1],
        "parallel": {"jobs": parallel_jobs, **runs[parallel_jobs]},
        "sum_of_expected_waits": sum(expected),
        "longest_lab_alone_seconds": longest,
        "parallel_over_longest_lab": round(walls[parallel_jobs] / longest, 2),
    }
    return write(out, result)


def _grew(samples: Sized, before: int) -> bool:
    return len(samples) != before


def lab_start(*, out: Path, runs: int, sandbox: Sandbox) -> dict[str, object]:
    """`./scripts/lab --no-browser`, warm (set-up done, binaries built): seconds to its printed URL and to JupyterLab
    answering, with the sandbox running, then with it stopped (`sandbox up` inside the start)."""
    result = stamp()
    for case in ("sandbox running", "sandbox stopped"):
        timings = []
        for _run in range(runs):
            if case == "sandbox stopped":
                sandbox.down(delete=False)
            timings.append(_time_lab_start())
        result[case] = {"url_seconds": [t[0] for t in timings], "answering_seconds": [t[1] for t in timings]}
    return write(out, result)


def _time_lab_start() -> tuple[float, float]:
    root = repository().root
    with tempfile.TemporaryDirectory(prefix="rolloutlab-bench-") as folder:
        log = Path(folder) / "lab.log"
        started = time.monotonic()
        with log.open("w") as out:
            proc = process.spawn([root / "scripts" / "lab", "--no-browser"], cwd=root, stdout=out, new_session=True)
        try:
            found = waiting.until(lambda: re.search(r"(http://127\.0\.0\.1:\d+)/lab/\S*token=(\S+)", log.read_text()),
                                  seconds=600, every=0.1)  # fmt: skip
            if found is None:
                raise LabError(_("./scripts/lab printed no URL in 600 s: {said}", said=log.read_text()[-300:]),
                               fix=_("run ./scripts/lab yourself and read what it says"))  # fmt: skip
            printed = time.monotonic() - started
            waiting.until(lambda: _answers(f"{found.group(1)}/api/status?token={found.group(2)}"), seconds=120,
                          every=0.1)  # fmt: skip
            return round(printed, 1), round(time.monotonic() - started, 1)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
    except requests.ConnectionError:
        return False
    return True
