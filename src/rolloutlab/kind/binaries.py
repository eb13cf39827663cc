"""What a kind cluster is made of, built here from the Go module proxy and cached like the sandbox's binaries: the
`kind` command, kubeadm for the nodes, CoreDNS, and (from the sandbox's own build) kubectl, the control plane,
kubelet, kube-proxy, etcd and pause."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from rolloutlab import versions
from rolloutlab.sandbox import gobuild
from rolloutlab.sandbox.lifecycle import Sandbox


@dataclass(frozen=True)
class KindBinaries:
    """Every file the node image and the `kind` command need, by role."""

    kind: Path
    kubeadm: Path
    kubectl: Path
    kubelet: Path
    kube_apiserver: Path
    kube_controller_manager: Path
    kube_scheduler: Path
    kube_proxy: Path
    etcd: Path
    coredns: Path
    pause: Path


def kind_component() -> gobuild.Component:
    return gobuild.Component(
        name="kind",
        version=f"v{versions.KIND}",
        requires={"sigs.k8s.io/kind": f"v{versions.KIND}"},
        commands={"kind": "sigs.k8s.io/kind"},
    )


def coredns_component() -> gobuild.Component:
    return gobuild.Component(
        name="coredns",
        version=f"v{versions.COREDNS}",
        requires={"github.com/coredns/coredns": f"v{versions.COREDNS}"},
        commands={"coredns": "github.com/coredns/coredns"},
    )


def kubeadm_component(kubernetes: gobuild.Component) -> gobuild.Component:
    """kubeadm, built from the same wrapper as the sandbox's Kubernetes but cached apart, so that the sandbox's own
    build is not redone when kind is first set up."""
    return dataclasses.replace(kubernetes, name="kubeadm", commands={"kubeadm": "k8s.io/kubernetes/cmd/kubeadm"})


def build(sandbox: Sandbox) -> KindBinaries:
    """Build (once, then cached) everything a kind node image needs; the sandbox's binaries come first."""
    found = sandbox.binaries(build=True)
    kubernetes = sandbox.components()[0]
    extra = [kind_component(), kubeadm_component(kubernetes), coredns_component()]
    folders = {}
    for component in extra:
        folders[component.name] = sandbox.builder.installed(component) or sandbox.builder.build(component)
    return KindBinaries(
        kind=folders["kind"] / "kind",
        kubeadm=folders["kubeadm"] / "kubeadm",
        kubectl=Path(found.kubectl),
        kubelet=found.nodes.kubelet,
        kube_apiserver=found.kube_apiserver,
        kube_controller_manager=found.kube_controller_manager,
        kube_scheduler=found.kube_scheduler,
        kube_proxy=found.nodes.kube_proxy,
        etcd=found.etcd,
        coredns=folders["coredns"] / "coredns",
        pause=found.nodes.pause,
    )
