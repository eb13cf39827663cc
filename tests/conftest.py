"""Fixtures for tests that run against the sandbox: its kubeconfig, kubectl, a fresh namespace per test."""

from __future__ import annotations

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


@dataclass
class LabRuns:
    """The suite's one run of every lab: results by `en/02-deploy-and-set-image`, where they were written, and the
    class whose students ran the English labs."""

    results: dict[str, Any]
    out: Path
    namespaces: list[str]  # the students who ran labs, in STUDENT_PARTS's order; then the idle one
    klass: Path  # the class's folder (class.json, kubeconfigs)


@pytest.fixture(scope="session")
def lab_runs(sandbox, tmp_path_factory) -> Iterator[LabRuns]:
    from rolloutlab.course import classroom, validate

    out = tmp_path_factory.mktemp("labs")
    env = {"KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry}
    room = classroom.Classroom(context=None, kubeconfig=str(sandbox.kubeconfig))
    klass = tmp_path_factory.mktemp("class")
    suffix = uuid.uuid4().hex[:5]
    names = [f"runner{n}-{suffix}" for n in range(len(STUDENT_PARTS) + 1)]
    room.create(names=names, out=klass)
    english = repository().labs_in("en")
    seats = [validate.Seat(namespace=name, kubeconfig=klass / name / "kubeconfig",
                           labs=tuple(validate.find_labs(labs_dir=english, chosen=list(part))))
             for name, part in zip(names, STUDENT_PARTS, strict=False)]  # fmt: skip
    french = validate.find_lab_sets(languages=("fr",), chosen=None)
    try:
        # Everything ends here, before any test goes on: nothing else runs beside the labs (a browser test slowed
        # down by a lab run in the background is a false failure).
        results = validate.validate(labs=french, out_dir=out, env=env, jobs=3, seats=seats)
        yield LabRuns(results={r.lab: r for r in results}, out=out, namespaces=names, klass=klass)
    finally:
        room.delete(out=klass)


@pytest.fixture(scope="session")
def validated(lab_runs):
    """Every lab, in English and in French, run once by `validate` 3 at a time: the French ones each in a fresh
    namespace of the sandbox, the English ones as class students; results by `en/02-deploy-and-set-image`."""
    return lab_runs.out, lab_runs.results


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
