"""Each real node's configuration: nothing shared that would clash, nothing listening beyond the sandbox."""

import ipaddress
import json
from pathlib import Path

import yaml

from rolloutlab.sandbox import nodeconfig
from rolloutlab.sandbox.nodeconfig import NodeDirs


def _layout():
    nodes = nodeconfig.nodes(("node-1", "node-2", "node-3"))
    return nodes, {n.name: NodeDirs.of(n, sandbox_dir=Path("/s"), run_root=Path("/run/rl")) for n in nodes}


def test_nodes_share_nothing_that_would_clash():
    """Bridges, subnets, addresses, sockets, roots and cgroup roots differ from node to node."""
    nodes, dirs = _layout()
    for attribute in ("bridge", "subnet", "address", "cgroup_root"):
        assert len({getattr(n, attribute) for n in nodes}) == 3, attribute
    for attribute in (
        "containerd_socket",
        "containerd_root",
        "containerd_state",
        "pod_netns",
        "runc_root",
        "kubelet_root",
        "pod_logs",
    ):
        assert len({getattr(d, attribute) for d in dirs.values()}) == 3, attribute
    assert all(len(n.bridge) <= 15 for n in nodes)


def test_node_addresses_stay_in_the_pod_range():
    """Each node's subnet and address lie inside the pod range, which the sandbox keeps on the machine."""
    pods = ipaddress.ip_network(nodeconfig.POD_RANGE)
    nodes, _ = _layout()
    for node in nodes:
        assert ipaddress.ip_network(node.subnet).subnet_of(pods)
        assert ipaddress.ip_address(node.address) in ipaddress.ip_network(node.subnet)
    assert ipaddress.ip_address(nodeconfig.SERVICE_IP) in ipaddress.ip_network(nodeconfig.SERVICE_RANGE)


def test_kubelet_refuses_anonymous_clients_and_serves_on_its_bridge():
    """The kubelet requires certificates of the cluster CA, authorizes by webhook, and binds its node address."""
    nodes, dirs = _layout()
    config = yaml.safe_load(nodeconfig.kubelet_config(nodes[1], dirs["node-2"], pki=Path("/pki")))
    assert config["authentication"]["anonymous"]["enabled"] is False
    assert config["authentication"]["x509"]["clientCAFile"] == "/pki/ca.crt"
    assert config["authorization"]["mode"] == "Webhook"
    assert config["address"] == nodes[1].address
    assert config["readOnlyPort"] == 0
    assert config["healthzPort"] == 0
    assert config["cgroupDriver"] == "cgroupfs"
    assert config["containerRuntimeEndpoint"] == f"unix://{dirs['node-2'].containerd_socket}"


def test_containerd_pulls_from_the_registry_folder_and_restricts_oom_score():
    """containerd reads registry hosts from its own folder, keeps runc state apart, and streams on loopback."""
    _, dirs = _layout()
    text = nodeconfig.containerd_config(
        dirs["node-1"], sandbox_image="localhost:5001/rolloutlab/pause:3.10.1", registry="localhost:5001", login=None
    )
    assert f'config_path = "{dirs["node-1"].registry_hosts}"' in text
    assert "restrict_oom_score_adj = true" in text
    assert 'stream_server_address = "127.0.0.1"' in text
    assert f'Root = "{dirs["node-1"].runc_root}"' in text
    assert 'sandbox_image = "localhost:5001/rolloutlab/pause:3.10.1"' in text
    hosts = nodeconfig.registry_hosts_toml("localhost:5001")
    assert 'server = "http://localhost:5001"' in hosts


def test_pod_network_never_masquerades():
    """The CNI bridge uses the node's own bridge and subnet, and does not masquerade pod traffic off the machine."""
    nodes, dirs = _layout()
    conf = json.loads(nodeconfig.cni_config(nodes[2], dirs["node-3"]))
    bridge = conf["plugins"][0]
    assert bridge["bridge"] == nodes[2].bridge
    assert bridge["ipMasq"] is False
    assert bridge["ipam"]["ranges"] == [[{"subnet": nodes[2].subnet, "gateway": nodes[2].address}]]


def test_kube_proxy_serves_node_ports_on_loopback_only():
    """NodePorts answer on 127.0.0.0/8 only; kube-proxy's own ports are on loopback."""
    config = yaml.safe_load(nodeconfig.kube_proxy_config(kubeconfig=Path("/k"), hostname="node-1"))
    assert config["nodePortAddresses"] == ["127.0.0.0/8"]
    assert config["healthzBindAddress"].startswith("127.0.0.1:")
    assert config["metricsBindAddress"].startswith("127.0.0.1:")
    assert config["mode"] == "iptables"
