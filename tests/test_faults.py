"""Failures a user can cause get one clear line saying what is wrong and what to do, and a non-zero exit."""

import os
import socket
import sys

import pytest

from rolloutlab import kubectl, process, versions
from rolloutlab.errors import LabError
from rolloutlab.paths import Paths
from rolloutlab.sandbox.engine import Engine
from rolloutlab.sandbox.lifecycle import Sandbox
from rolloutlab.sandbox.localregistry import LocalRegistry
from rolloutlab.settings import LabSettings


def rolloutlab(*args, home):
    env = {**os.environ, "ROLLOUTLAB_HOME": str(home)}
    return process.run([sys.executable, "-m", "rolloutlab", *args], env=env, timeout=120, check=False)


@pytest.fixture
def busy_port():
    """A port held by a plain TCP listener that is not a registry."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_registry_port_in_use_is_named(tmp_path, busy_port):
    """A non-registry program on the registry's port: the error names the port and how to free it."""
    registry = LocalRegistry(paths=Paths(cache=tmp_path), port=busy_port)
    with pytest.raises(LabError) as caught:
        registry.up()
    message = str(caught.value)
    assert f"port {busy_port} is in use" in message
    assert "LAB_REGISTRY" in message
    assert "\n" not in message


def test_missing_kubectl_is_one_line():
    """Running kubectl that is not installed says so and where to get it, instead of a traceback."""
    with pytest.raises(LabError, match="kubectl is not installed"):
        kubectl.run(["version"], kubeconfig="/dev/null", kubectl="/nonexistent/kubectl", check=False)


def test_no_root_no_engine_says_what_to_do(monkeypatch):
    """Without a Docker engine and without root, the message asks to start Docker rather than failing obscurely."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr("rolloutlab.sandbox.engine.shutil.which", lambda name: "/usr/sbin/dockerd")
    problem = Engine(paths=Paths(cache=__import__("pathlib").Path("/nonexistent")))._why_not()
    assert "start Docker" in problem


def test_up_without_binaries_and_no_build_exits_2(tmp_path):
    """`sandbox up --no-build` on an empty cache: exit 2 and one line saying how to build."""
    proc = rolloutlab("sandbox", "up", "--no-build", home=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("rolloutlab: the sandbox's binaries are not built yet")
    assert "rolloutlab sandbox build" in lines[-1]


def test_status_of_a_sandbox_that_never_ran(tmp_path):
    """`sandbox status` on an empty home reports it down (exit 1), with the pinned versions."""
    proc = rolloutlab("sandbox", "status", home=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("sandbox: down")
    assert "Kubernetes 1.33.13" in proc.stdout


def test_sandbox_refuses_a_remote_registry(tmp_path):
    """The sandbox serves its registry on localhost; LAB_REGISTRY elsewhere is refused with the fix."""
    with pytest.raises(LabError, match="Unset LAB_REGISTRY"):
        Sandbox(paths=Paths(cache=tmp_path), settings=LabSettings.from_env({"LAB_REGISTRY": "docker.io/me"}))


def test_env_prints_export_lines(tmp_path):
    """`sandbox env` prints lines a shell can eval: the sandbox's own kubeconfig and the registry."""
    proc = rolloutlab("sandbox", "env", home=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [
        f"export KUBECONFIG={tmp_path}/sandbox/kubeconfig",
        "export LAB_REGISTRY=localhost:5001",
    ]


@pytest.mark.sandbox
def test_env_puts_the_sandboxs_own_kubectl_first(sandbox):
    """With the sandbox built, a shell that evals `sandbox env` runs the sandbox's kubectl for `kubectl`: its
    cluster's version exactly, whatever kubectl (or version dispatcher) the machine has on PATH."""
    script = 'eval "$(rolloutlab sandbox env)"; command -v kubectl; kubectl version --client -o json'
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
    proc = process.run(["bash", "-c", script], env=env, timeout=60, check=False)
    where, _, version = proc.stdout.partition("\n")
    assert where == sandbox.kubectl
    assert f'"gitVersion": "v{versions.KUBERNETES}"' in version


def test_real_nodes_without_root_say_so(monkeypatch):
    """Not root: one line saying real nodes need root, and what to run instead."""
    from rolloutlab.sandbox import nodes

    monkeypatch.setattr(nodes.os, "geteuid", lambda: 1000)
    with pytest.raises(LabError, match="need root") as caught:
        nodes.preflight()
    assert "sudo" in str(caught.value)


def test_real_nodes_name_the_missing_packages(monkeypatch):
    """Root but no containerd: the line names the Debian packages to install."""
    from rolloutlab.sandbox import nodes

    monkeypatch.setattr(nodes.os, "geteuid", lambda: 0)
    monkeypatch.setattr(nodes, "missing_packages", lambda: ["containerd", "runc"])
    with pytest.raises(LabError, match="apt-get install containerd runc"):
        nodes.preflight()


def test_a_taken_port_is_seen(busy_port):
    """A port another program listens on is reported as taken; a free one is not."""
    from rolloutlab.sandbox.nodes import port_taken

    assert port_taken("127.0.0.1", busy_port)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert not port_taken("127.0.0.1", free)
