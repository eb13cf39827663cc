"""The sandbox's real nodes: secure kubelets, traffic that stays on the machine, a clean `down` even after a kill,
and the lesson's behaviour back after a kubelet died mid-rollout."""

import os
import signal
import uuid
from pathlib import Path

import pytest
import requests

from helpers import deployment_manifest, push_scratch_image, wait_for
from rolloutlab import process
from rolloutlab.sandbox import hostnet, nodeconfig

pytestmark = pytest.mark.sandbox


def _route_device(address: str) -> str:
    words = process.run(["ip", "route", "get", address], timeout=30, check=True).stdout.split()
    return words[words.index("dev") + 1]


def test_kubelets_refuse_anonymous_clients(box):
    """A kubelet on its bridge address answers 401 to a client without a certificate (TLS checked by the CA)."""
    node = box.nodes.nodes[0]
    ca = box.control.pki_dir / "ca.crt"
    answer = requests.get(f"https://{node.address}:{nodeconfig.KUBELET_PORT}/pods", verify=str(ca), timeout=5)
    assert answer.status_code == 401


def test_kubectl_logs_exec_and_port_forward_reach_the_kubelets(kube, sandbox):
    """The apiserver reaches kubelets (InternalIP, client certificate): logs, exec and port-forward work."""
    push_scratch_image(registry=sandbox.registry, repository="rolloutlab-tests/run", tag="1")
    kube("run", "one", f"--image={sandbox.registry}/rolloutlab-tests/run:1", "--restart=Never")
    kube("wait", "--for=condition=Ready", "pod/one", "--timeout=60s")
    assert kube("logs", "one").returncode == 0
    denied = kube("exec", "one", "--", "/nothing-here", check=False)
    # The exec reached the container runtime: it ran and failed there, not at the apiserver or kubelet.
    assert "executable file not found" in denied.stderr or "no such file" in denied.stderr.lower()


def test_ranges_never_follow_the_default_route_even_without_kube_proxy(box):
    """ClusterIPs and unused pod addresses route to the sandbox's empty bridge, with kube-proxy killed too."""
    os.kill(box.nodes.proxy.pid(), signal.SIGKILL)
    wait_for(lambda: box.nodes.proxy.pid() is None, timeout=10, what="kube-proxy to die")
    assert _route_device("10.96.0.77") == nodeconfig.VOID_BRIDGE
    assert _route_device("10.244.200.9") == nodeconfig.VOID_BRIDGE
    assert _route_device(box.nodes.nodes[1].address.rsplit(".", 1)[0] + ".77") == box.nodes.nodes[1].bridge
    forward = process.run(["iptables", "-S", "FORWARD"], timeout=60, check=True).stdout
    hooks = [line for line in forward.splitlines() if line.startswith("-A FORWARD")]
    assert hooks[0] == f"-A FORWARD -j {hostnet.BOUNDARY_CHAIN}"
    chain = process.run(["iptables", "-S", hostnet.BOUNDARY_CHAIN], timeout=60, check=False).stdout
    assert f"-A {hostnet.BOUNDARY_CHAIN} -s {nodeconfig.POD_RANGE} -j DROP" in chain


def _cmdline(proc: Path) -> bytes:
    """A process's command line; b"" for one that ended while /proc was read (no race with a dying process)."""
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def _leftovers(box) -> dict[str, object]:
    save = process.run(["iptables-save"], timeout=60, check=False).stdout
    shims = [p for p in Path("/proc").iterdir() if p.name.isdigit() and str(nodeconfig.RUN_ROOT).encode()
             in _cmdline(p)]  # fmt: skip
    return {
        "bridges": hostnet.our_bridges(),
        "chains": [line for line in save.splitlines() if "KUBE-" in line or hostnet.BOUNDARY_CHAIN in line],
        "mounts": hostnet.mounts_under([nodeconfig.RUN_ROOT, box.paths.sandbox / "nodes"]),
        "cgroups": [h for h in hostnet.cgroup_hierarchies() if (h / nodeconfig.CGROUP_PARENT).exists()],
        "netns": [p.name for p in hostnet.NETNS_DIR.glob("cni-*")] if hostnet.NETNS_DIR.exists() else [],
        "node netns": [p.name for dirs in box.nodes.dirs.values() for p in dirs.pod_netns.glob("cni-*")],
        "processes": shims,
    }


def test_down_after_a_kill_leaves_nothing_behind(box, kube, sandbox):
    """Pods running, every node process SIGKILLed: `down` still removes bridges, rules, mounts, cgroups, netns."""
    push_scratch_image(registry=sandbox.registry, repository="rolloutlab-tests/run", tag="1")
    kube(
        "apply",
        "-f",
        "-",
        input_text=deployment_manifest(name="web", image=f"{sandbox.registry}/rolloutlab-tests/run:1"),
    )
    kube("rollout", "status", "deployment/web", "--timeout=90s")
    daemons = [*box.nodes.kubelet.values(), *box.nodes.containerd.values(), box.nodes.proxy]
    for daemon in daemons:
        os.kill(daemon.pid(), signal.SIGKILL)
    before = _leftovers(box)
    assert before["bridges"]
    assert before["mounts"]
    assert before["processes"]
    assert before["node netns"]
    box.down()
    after = _leftovers(box)
    assert after == {key: [] for key in after}


def test_a_kubelet_that_dies_mid_rollout_makes_its_node_notready_and_up_recovers(box, kube, sandbox):
    """With a kubelet killed during a rollout its node goes NotReady; after `up` the rollout finishes."""
    repository = f"rolloutlab-tests/mid-{uuid.uuid4().hex[:6]}"
    for tag in ("1", "2"):
        push_scratch_image(registry=sandbox.registry, repository=repository, tag=tag)
    kube("apply", "-f", "-", input_text=deployment_manifest(name="web", image=f"{sandbox.registry}/{repository}:1"))
    kube("rollout", "status", "deployment/web", "--timeout=90s")
    os.kill(box.nodes.kubelet["node-1"].pid(), signal.SIGKILL)
    kube("set", "image", "deployment/web", f"web={sandbox.registry}/{repository}:2")

    def node_1_ready() -> str:
        return kube("get", "node", "node-1", "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}").stdout

    wait_for(lambda: node_1_ready() == "Unknown", timeout=60, what="node-1 to be marked NotReady")
    box.up(build=False)
    wait_for(lambda: node_1_ready() == "True", timeout=60, what="node-1 Ready again")
    kube("rollout", "status", "deployment/web", "--timeout=120s")
