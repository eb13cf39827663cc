"""The control plane's own ports stay its own: no Service can take one as its NodePort, and rules a killed
kube-proxy left on one do not keep the sandbox from starting again."""

import os
import re
import signal
from pathlib import Path

import pytest

from helpers import wait_for
from rolloutlab import process
from rolloutlab.paths import Paths
from rolloutlab.sandbox.controlplane import COMPONENTS, ControlPlane, kwokctl_config


def _control_plane_ports(box) -> set[int]:
    pids = {(box.control.cluster_dir / "pids" / f"{name}.pid").read_text().strip() for name in COMPONENTS}
    listening = process.run(["ss", "-ltnpH"], timeout=30, check=True).stdout.splitlines()
    ports = set()
    for line in listening:
        if set(re.findall(r"pid=(\d+)", line)) & pids:
            ports.add(int(line.split()[3].rpartition(":")[2]))
    return ports


@pytest.mark.sandbox
def test_no_service_can_take_a_port_the_control_plane_listens_on(box, kube):
    """Every port etcd, the apiserver, the controller manager and the scheduler listen on is refused as a NodePort."""
    ports = _control_plane_ports(box)
    assert int(box.control.apiserver_url().rpartition(":")[2]) in ports
    for port in sorted(ports):
        proc = kube("create", "service", "nodeport", f"t-{port}", "--tcp=80:80", f"--node-port={port}", check=False)
        assert proc.returncode != 0, f"a Service took port {port}, which the control plane listens on"
        assert "not in the valid range" in proc.stderr


@pytest.mark.sandbox
def test_up_comes_back_although_a_dead_kube_proxy_sent_the_apiserver_port_elsewhere(box):
    """kube-proxy and the apiserver killed, a leftover NodePort rule on the apiserver's port: `up` is whole again."""
    port = box.control.apiserver_url().rpartition(":")[2]
    # What a Service once given this port leaves behind when kube-proxy dies: 127.0.0.1's connections to the
    # apiserver sent to a pod that is gone (here a closed port, so they are refused at once).
    rule = ["-t", "nat", "-I", "KUBE-NODEPORTS", "-p", "tcp", "--dport", port, "-j", "DNAT",
            "--to-destination", "127.0.0.1:1"]  # fmt: skip
    os.kill(box.nodes.proxy.pid(), signal.SIGKILL)
    os.kill(int((box.control.cluster_dir / "pids" / "kube-apiserver.pid").read_text()), signal.SIGKILL)
    wait_for(lambda: box.nodes.proxy.pid() is None and not box.control.component_running()["kube-apiserver"],
             timeout=10, what="kube-proxy and the apiserver to die")  # fmt: skip
    process.run(["iptables", "-w", *rule], timeout=60, check=True)
    try:
        status = box.up(build=False)
        assert status.up
        assert status.nodes_ready == 3
    finally:
        process.run(["iptables", "-w", *["-D" if word == "-I" else word for word in rule]], timeout=60, check=False)


def test_a_cluster_made_with_other_flags_is_made_again(tmp_path: Path):
    """A cluster is made again when the flags it was made with differ from today's, or were never written down."""
    control = ControlPlane(paths=Paths(cache=tmp_path), say=lambda _: None)
    assert not control.made_with_another_config()  # no cluster yet: nothing to make again
    control.cluster_dir.mkdir(parents=True)
    (control.cluster_dir / "kwok.yaml").write_text("kind: Stage\n")
    assert control.made_with_another_config()  # made before the flags were kept
    control.config_file.write_text(kwokctl_config(pki_dir=control.pki_dir))
    assert not control.made_with_another_config()
    control.config_file.write_text(kwokctl_config(pki_dir=control.pki_dir).replace("30000-32699", "30000-32767"))
    assert control.made_with_another_config()
