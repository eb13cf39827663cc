"""kind and minikube set-up plans: what cannot run here (no images can be pulled) is checked as generated."""

import os
import socket
import sys

import pytest
import yaml

from rolloutlab import process
from rolloutlab.course import clusters
from rolloutlab.errors import LabError
from rolloutlab.kind import cluster


def test_kind_config_follows_the_local_registry_recipe():
    """containerd reads mirrors from certs.d, and the cluster has a control plane and two workers."""
    config = yaml.safe_load(cluster.kind_config(name="rollout-labs"))
    assert config["kind"] == "Cluster"
    assert 'config_path = "/etc/containerd/certs.d"' in config["containerdConfigPatches"][0]
    assert [n["role"] for n in config["nodes"]] == ["control-plane", "worker", "worker"]


def test_kind_nodes_and_registry_discovery():
    """Node names follow kind's (worker, worker2), hosts.toml points at kind-registry:5000, and the KEP-1755
    ConfigMap names the port the registry is published on."""
    settings = cluster.KindSettings(name="labs", registry_port=5002)
    assert settings.nodes == ["labs-control-plane", "labs-worker", "labs-worker2"]
    assert settings.context == "kind-labs"
    assert cluster.registry_hosts_toml() == '[host."http://kind-registry:5000"]\n'
    configmap = yaml.safe_load(cluster.local_registry_configmap(port=5002))
    assert configmap["metadata"] == {"name": "local-registry-hosting", "namespace": "kube-public"}
    assert 'host: "localhost:5002"' in configmap["data"]["localRegistryHosting.v1"]


def test_memory_is_read_from_meminfo():
    """MemAvailable is what the memory check compares; a meminfo without it counts as nothing available."""
    assert cluster.available_gib("MemTotal: 24000000 kB\nMemAvailable:    4194304 kB\n") == 4.0
    assert cluster.available_gib("MemTotal: 1 kB\n") == 0.0


def test_minikube_plan_uses_the_registry_addon():
    """minikube starts 3 nodes with the registry addon; the notes say how to reach it as localhost:5000."""
    plan = clusters.minikube_plan(profile="p")
    assert plan.commands == [["minikube", "start", "-p", "p", "--nodes", "3", "--addons", "registry"]]
    assert any("port-forward service/registry 5000:80" in n for n in plan.notes)
    assert any("LAB_REGISTRY=localhost:5000" in n for n in plan.notes)


def run_cli(*args, path):
    env = {**os.environ, "PATH": path}
    return process.run([sys.executable, "-m", "rolloutlab", *args], env=env, timeout=120, check=False)


def test_dry_run_prints_the_steps():
    """`rolloutlab cluster kind --dry-run` shows the steps, the registry's port included, and runs nothing."""
    proc = run_cli("cluster", "kind", "--dry-run", "--registry-port", "5002", path=os.environ["PATH"])
    assert proc.returncode == 0, proc.stderr
    assert "docker run -d --restart=always -p 127.0.0.1:5002:5000 --name kind-registry" in proc.stdout
    assert "kind create cluster --name rollout-labs --image rolloutlab/kind-node:v1.33.13" in proc.stdout


def test_missing_minikube_is_one_line(tmp_path):
    """Without minikube installed, one line says so and points at the dry run; nothing runs."""
    proc = run_cli("cluster", "minikube", "--workdir", str(tmp_path / "w"), path=str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "rolloutlab: minikube is not installed; the minikube cluster cannot be made here. "
        "Install minikube (docs/clusters.md), or read the plan: `rolloutlab cluster minikube --dry-run`."
    ]
    assert not (tmp_path / "w").exists()


def _kind(tmp_path, *, port: int) -> cluster.KindCluster:
    settings = cluster.KindSettings(name="rollout-labs-test", registry_port=port)
    kind = cluster.KindCluster(settings=settings, kind=None, workdir=tmp_path, say=lambda _: None)
    kind._registry_port = lambda: None  # type: ignore[method-assign]  # as on a machine without kind's registry
    return kind


def test_too_little_memory_is_one_line_before_anything_is_made(tmp_path):
    """With 1 GiB available, setup stops at its checks with one line naming the memory and what to stop."""
    with pytest.raises(LabError) as caught:
        _kind(tmp_path, port=5999).check(meminfo="MemAvailable: 1048576 kB\n")
    assert str(caught.value).startswith("only 1.0 GiB of memory is available; a kind cluster for the labs needs")
    assert "rolloutlab sandbox down" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_taken_registry_port_is_one_line_naming_another(tmp_path):
    """When 127.0.0.1:<port> is held by another program (the sandbox's registry, say), setup says so and names
    --registry-port and LAB_REGISTRY."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with pytest.raises(LabError) as caught:
            _kind(tmp_path, port=port).check(meminfo="MemAvailable: 20971520 kB\n")
    assert f"127.0.0.1:{port} is taken" in str(caught.value)
    assert "--registry-port 5002" in str(caught.value)
