"""The sandbox: a real Kubernetes on this machine (control plane, kubelet nodes with containerd), its registry and
Docker engine, and the binaries they are built from. It imports nothing from the other subpackages."""

from rolloutlab.sandbox.lifecycle import Sandbox

__all__ = ["Sandbox"]
