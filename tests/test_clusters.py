"""kind and minikube set-up plans: what cannot run here (no images can be pulled) is checked as generated."""

import os
import subprocess
import sys

import yaml

from rolloutlab.course import clusters


def test_kind_config_follows_the_local_registry_recipe():
    """containerd reads mirrors from certs.d, and the cluster has a control plane and three workers."""
    config = yaml.safe_load(clusters.kind_config(name="rollout-labs"))
    assert config["kind"] == "Cluster"
    assert 'config_path = "/etc/containerd/certs.d"' in config["containerdConfigPatches"][0]
    assert [n["role"] for n in config["nodes"]] == ["control-plane", "worker", "worker", "worker"]


def test_kind_nodes_resolve_localhost_5001_to_the_registry_container():
    """Every node gets hosts.toml under certs.d/localhost:5001 pointing at kind-registry:5000."""
    plan = clusters.kind_plan(name="labs")
    assert plan.files["hosts.toml"] == '[host."http://kind-registry:5000"]\n'
    copies = [c for c in plan.commands if c[:2] == ["docker", "cp"]]
    assert [c[3].split(":")[0] for c in copies] == ["labs-control-plane", "labs-worker", "labs-worker2", "labs-worker3"]
    assert all(c[3].endswith("/etc/containerd/certs.d/localhost:5001/hosts.toml") for c in copies)


def test_kind_plan_order_registry_cluster_network_configmap():
    """Registry on 127.0.0.1:5001 first, then the cluster, then the network link and the discovery ConfigMap."""
    commands = [" ".join(c) for c in clusters.kind_plan().commands]
    assert commands[0].startswith("docker run -d --restart=always -p 127.0.0.1:5001:5000")
    assert commands[1] == "kind create cluster --config kind-config.yaml"
    assert commands[-2] == "docker network connect kind kind-registry"
    configmap = yaml.safe_load(clusters.local_registry_configmap())
    assert configmap["metadata"] == {"name": "local-registry-hosting", "namespace": "kube-public"}
    assert 'host: "localhost:5001"' in configmap["data"]["localRegistryHosting.v1"]


def test_minikube_plan_uses_the_registry_addon():
    """minikube starts 3 nodes with the registry addon; the notes say how to reach it as localhost:5000."""
    plan = clusters.minikube_plan(profile="p")
    assert plan.commands == [["minikube", "start", "-p", "p", "--nodes", "3", "--addons", "registry"]]
    assert any("port-forward service/registry 5000:80" in n for n in plan.notes)
    assert any("LAB_REGISTRY=localhost:5000" in n for n in plan.notes)


def run_cli(*args, path):
    env = {**os.environ, "PATH": path}
    return subprocess.run([sys.executable, "-m", "rolloutlab", *args], capture_output=True, text=True, env=env)


def test_dry_run_prints_the_plan():
    """`rolloutlab cluster kind --dry-run` shows files and commands and runs nothing."""
    proc = run_cli("cluster", "kind", "--dry-run", path=os.environ["PATH"])
    assert proc.returncode == 0
    assert "# write kind-config.yaml:" in proc.stdout
    assert "kind create cluster --config kind-config.yaml" in proc.stdout


def test_missing_kind_is_one_line(tmp_path):
    """Without kind installed, one line says so and points at the dry run; nothing runs."""
    proc = run_cli("cluster", "kind", "--workdir", str(tmp_path / "w"), path=str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "rolloutlab: not installed: docker, kind; the kind cluster cannot be made here. "
        "Install them (docs/clusters.md), or read the plan: `rolloutlab cluster kind --dry-run`."
    ]
    assert not (tmp_path / "w").exists()
