"""Fixtures for tests that run against the sandbox: its kubeconfig, kubectl, a fresh namespace per test."""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# The tests read English messages unless they choose French themselves (a French locale must not change them).
os.environ["LAB_LANG"] = "en"

from helpers import Kubectl, wait_for
from rolloutlab.paths import Paths, repository
from rolloutlab.process import STDOUT, Running, spawn
from rolloutlab.sandbox.lifecycle import Sandbox
from rolloutlab.settings import LabSettings

# The kind tests run only from ./scripts/test-kind, against the cluster it made.
collect_ignore = [] if os.environ.get("ROLLOUTLAB_KIND_CONTEXT") else ["on_kind"]


@dataclass(frozen=True)
class SandboxInfo:
    kubeconfig: Path
    kubectl: str
    registry: str


@pytest.fixture(scope="session")
def sandbox() -> SandboxInfo:
    """The running sandbox; a test that needs it fails (never skips) when it is not up."""
    box = Sandbox(paths=Paths.from_env(), settings=LabSettings.from_env({}), say=lambda _: None)
    status = box.status()
    if not status.up:
        pytest.fail(f"the sandbox is not up ({box.describe(status)}); run ./scripts/test, which starts it")
    return SandboxInfo(
        kubeconfig=status.kubeconfig,
        kubectl=box.binaries(build=False).kubectl,
        registry=box.registry.address,
    )


@pytest.fixture
def box(sandbox: SandboxInfo) -> Iterator[Sandbox]:
    """The sandbox itself, for tests that stop or kill parts of it; brought back up afterwards whatever happened."""
    instance = Sandbox(paths=Paths.from_env(), settings=LabSettings.from_env({}), say=lambda _: None)
    yield instance
    instance.up(build=False)


@pytest.fixture
def kube(sandbox: SandboxInfo) -> Iterator[Kubectl]:
    """kubectl in a namespace of its own, deleted after the test whatever its outcome."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    kubectl = Kubectl(path=sandbox.kubectl, kubeconfig=sandbox.kubeconfig, namespace=name)
    kubectl("create", "namespace", name)
    # Pods are refused until the controller manager made the namespace's default ServiceAccount.
    wait_for(lambda: kubectl("get", "serviceaccount", "default", check=False).returncode == 0, timeout=60,
             what="the default ServiceAccount")  # fmt: skip
    try:
        yield kubectl
    finally:
        kubectl("delete", "namespace", name, "--wait=false", check=False)


# The suite runs each lab once: the French labs in fresh namespaces, as an instructor's `validate` does, and the
# English labs as the students of a class run them, each in their own namespace with their own kubeconfig and
# rights, split between four students (a part's labs one after the other: they share the student's namespace; no
# part longer than the longest lab, so that three at a time end together). Lab 02 goes with lab 01, whose version
# it rolls out. A fifth student runs nothing: `class status` must place each of them. Three labs at a time at most,
# as on the day before class: more at once on 2 cores starved the app's readiness probe (a pod briefly unready, an
# "available" count one below the lesson's bound).
STUDENT_PARTS = (("00", "01", "02"), ("03",), ("04",), ("05",))
LABS_TIMEOUT = 1800.0

# That run starts with the session, in a process of its own (tests/suite_labs.py), and lasts about six minutes,
# mostly spent waiting on rollouts: the tests that cannot disturb it run meanwhile. These wait until it is over:
# the ones that read its results, stop or kill parts of the sandbox (`box`), or remove tags they did not push
# (`registry_restored`); and those marked `alone`, which count kernels or namespaces of the whole machine, drive
# a browser (slowed down beside the labs, a browser test fails for nothing), or run a lab of their own: the two
# cores are full while the labs run (lab 02 alone took 34 s, beside them 90 s), and after them they are not.
READS_THE_LABS = {"lab_runs", "validated"}
AFTER_THE_LABS = READS_THE_LABS | {"box", "registry_restored"}


def _after_the_labs(item: pytest.Item) -> bool:
    return bool(AFTER_THE_LABS & set(getattr(item, "fixturenames", ()))) or item.get_closest_marker("alone") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_after_the_labs)  # stable: each group keeps the files' order


@dataclass
class LabRuns:
    """The suite's one run of every lab: results by `en/02-deploy-and-set-image`, where they were written, and the
    class whose students ran the English labs."""

    results: dict[str, Any]
    out: Path
    namespaces: list[str]  # the students who ran labs, in STUDENT_PARTS's order; then the idle one
    klass: Path  # the class's folder (class.json, kubeconfigs)


@dataclass
class BackgroundLabs:
    process: Running[str]
    out: Path
    namespaces: list[str]
    klass: Path
    log: Path


@pytest.fixture(scope="session", autouse=True)
def _labs_in_background(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[BackgroundLabs | str | None]:
    """Start the run of every lab if this session has a test that reads it, and the sandbox is up (if not,
    `lab_runs` fails with the sandbox's own message; if it cannot start, with why, as a string)."""
    from rolloutlab.course import classroom, validate

    if not any(READS_THE_LABS & set(getattr(i, "fixturenames", ())) for i in request.session.items):
        yield None
        return
    try:
        info: SandboxInfo = request.getfixturevalue("sandbox")
    except pytest.fail.Exception:
        yield None
        return
    out = tmp_path_factory.mktemp("labs")
    env = {"KUBECONFIG": str(info.kubeconfig), "LAB_REGISTRY": info.registry}
    room = classroom.Classroom(context=None, kubeconfig=str(info.kubeconfig))
    klass = tmp_path_factory.mktemp("class")
    suffix = uuid.uuid4().hex[:5]
    names = [f"runner{n}-{suffix}" for n in range(len(STUDENT_PARTS) + 1)]
    try:
        room.create(names=names, out=klass)
    except Exception as exc:  # an autouse fixture's error would fail every test: only the labs' readers fail
        yield f"the suite's class could not be made: {exc}"
        if (klass / "class.json").exists():  # what it made before failing
            room.delete(out=klass)
        return
    english = repository().labs_in("en")
    seats = [{"namespace": name, "kubeconfig": str(klass / name / "kubeconfig"),
              "labs": [str(p) for p in validate.find_labs(labs_dir=english, chosen=list(part))]}
             for name, part in zip(names, STUDENT_PARTS, strict=False)]  # fmt: skip
    french = [str(p) for p in validate.find_lab_sets(languages=("fr",), chosen=None)]
    spec = out.parent / f"{out.name}-spec.json"
    spec.write_text(json.dumps({"out": str(out), "env": env, "labs": french, "seats": seats, "jobs": 3}))
    log = out.parent / f"{out.name}.log"
    with log.open("wb") as sink:
        process = spawn([sys.executable, str(Path(__file__).parent / "suite_labs.py"), str(spec)], stdout=sink,
                        stderr=STDOUT, env={**os.environ, "CI": "true"})  # fmt: skip
    # Both lanes at the same priority: with the tests niced (+10) the labs ended 86 s before the tests beside them,
    # whose kubectl, Docker and drawing work then waited for the processor (test_plot took 29 s instead of 8).
    running = BackgroundLabs(process=process, out=out, namespaces=names, klass=klass, log=log)
    try:
        yield running
    finally:
        if process.poll() is None:  # the session was cut short: validate stops its kernels and namespaces
            process.terminate()
            process.wait(timeout=180)
        room.delete(out=klass)


@pytest.fixture(scope="session")
def lab_runs(sandbox, _labs_in_background: BackgroundLabs | str | None) -> LabRuns:
    from rolloutlab.course.validate import LabResult

    running = _labs_in_background
    assert running is not None, "the labs were not started (is the sandbox up?)"
    if isinstance(running, str):
        pytest.fail(running)
    code = running.process.wait(timeout=LABS_TIMEOUT)
    report = running.out / "report.json"
    if code != 0 or not report.exists():
        pytest.fail(f"the labs' run failed ({code}): {running.log.read_text()[-3000:]}")
    results = [LabResult(**lab) for lab in json.loads(report.read_text())["labs"]]
    return LabRuns(results={r.lab: r for r in results}, out=running.out, namespaces=running.namespaces,
                   klass=running.klass)  # fmt: skip


@pytest.fixture(scope="session")
def validated(lab_runs):
    """Every lab, in English and in French, run once by `validate` 3 at a time: the French ones each in a fresh
    namespace of the sandbox, the English ones as class students; results by `en/02-deploy-and-set-image`."""
    return lab_runs.out, lab_runs.results


@dataclass(frozen=True)
class LabPlace:
    """Where a test runs a lab itself: the namespaces' keeper `run_lab` wants, and the one namespace it runs in."""

    namespaces: Any
    namespace: str
    env: dict[str, str]


@pytest.fixture
def lab_place(sandbox) -> Iterator[LabPlace]:
    """A namespace for a lab the test runs itself; afterwards the tags that lab pushed (read from its lab state, as
    validate does) and the namespace go. Other runs' tags stay: this can run beside the suite's lab run."""
    from rolloutlab.course import validate
    from rolloutlab.lab import images, state

    env = {"KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry}
    settings = LabSettings.from_env(env)
    namespaces = validate.Namespaces(settings=settings)
    namespace = namespaces.create("labt")
    try:
        yield LabPlace(namespaces=namespaces, namespace=namespace, env=env)
    finally:
        pushed = state.pushed_tags(state.read_in(namespace, kubeconfig=str(sandbox.kubeconfig), context=None))
        images.remove_tags(settings=settings, chosen=pushed)
        namespaces.delete_all()


@pytest.fixture
def registry_restored(sandbox):
    """The registry's tags as they were before the test: lab 02 run alone builds a version for the student."""
    from rolloutlab.lab import images

    settings = LabSettings.from_env({"LAB_REGISTRY": sandbox.registry})
    before = images.tags(settings=settings)
    yield
    # Only the version lab 02 built, never another run's tags that appeared meanwhile.
    images.remove_tags(settings=settings, chosen=[t for t in images.tags(settings=settings) if t not in before
                                                  and t.startswith("1.1.")])  # fmt: skip


@pytest.fixture(autouse=True)
def _events_stay_off_the_cluster(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test without the sandbox that calls `lab.check` keeps its events nowhere: its Lab's kubectl is not pointed
    at a lab namespace, and would write them wherever the kubeconfig in the environment points."""
    if request.node.get_closest_marker("sandbox") is None:
        from rolloutlab.lab import events

        monkeypatch.setattr(events, "_append", lambda key, value: None)
