"""Fixtures for tests that run against the sandbox: its kubeconfig, kubectl, a fresh namespace per test."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# The tests read English messages unless they choose French themselves (a French locale must not change them).
os.environ["LAB_LANG"] = "en"

from helpers import Kubectl, wait_for
from rolloutlab.paths import Paths
from rolloutlab.sandbox.lifecycle import Sandbox
from rolloutlab.settings import LabSettings


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


@pytest.fixture(scope="session")
def validated(sandbox, tmp_path_factory):
    """Every lab, in English and in French, run by `validate` 3 at a time, each in a fresh namespace of the
    sandbox; results by `en/02-deploy-and-set-image`."""
    from rolloutlab.course import validate

    labs = validate.find_lab_sets(languages=("en", "fr"), chosen=None)
    out = tmp_path_factory.mktemp("labs")
    env = {"KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry}
    results = validate.validate(labs=labs, out_dir=out, env=env, jobs=3)
    return out, {r.lab: r for r in results}


@pytest.fixture
def registry_restored(sandbox):
    """The registry's tags as they were before the test: lab 02 run alone builds a version for the student."""
    from rolloutlab.lab import images

    settings = LabSettings.from_env({"LAB_REGISTRY": sandbox.registry})
    before = images.tags(settings=settings)
    yield
    images.remove_new_tags(settings=settings, before=before)
