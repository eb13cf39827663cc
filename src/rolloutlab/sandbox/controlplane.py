"""The sandbox's control plane: etcd, kube-apiserver, kube-controller-manager and kube-scheduler, run by kwokctl
with its binary runtime, on 127.0.0.1 only. This module is all that talks to kwokctl."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from rolloutlab import kubectl, process, versions, waiting
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.paths import Paths
from rolloutlab.sandbox import nodeconfig, pki
from rolloutlab.sandbox.nodes import NodeBinaries

CLUSTER = "rolloutlab"
COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
SERVE_TIMEOUT = 120.0


@dataclass(frozen=True)
class Binaries:
    kube_apiserver: Path
    kube_controller_manager: Path
    kube_scheduler: Path
    etcd: Path
    kwokctl: Path
    kubectl: str
    nodes: NodeBinaries


def kwokctl_config(*, pki_dir: Path) -> str:
    """kwokctl's configuration for the sandbox: where components listen, and their extra flags."""
    text = resources.files("rolloutlab").joinpath("data", "kwokctl-config.yaml").read_text()
    values = {"{pki}": str(pki_dir), "{service_range}": nodeconfig.SERVICE_RANGE,
              "{node_port_range}": nodeconfig.NODE_PORT_RANGE}  # fmt: skip
    for key, value in values.items():
        text = text.replace(key, value)
    return text


class ControlPlane:
    def __init__(self, *, paths: Paths, say: Callable[[str], None]) -> None:
        self.paths = paths
        self.say = say

    @property
    def cluster_dir(self) -> Path:
        return self.paths.kwok_workdir / "clusters" / CLUSTER

    @property
    def pki_dir(self) -> Path:
        return self.cluster_dir / "pki"

    @property
    def kubeconfig(self) -> Path:
        """kwokctl's own kubeconfig of the cluster (the sandbox hands out a copy)."""
        return self.cluster_dir / "kubeconfig.yaml"

    @property
    def config_file(self) -> Path:
        return self.paths.sandbox / "kwokctl-config.yaml"

    def exists(self) -> bool:
        return (self.cluster_dir / "kwok.yaml").exists()

    def half_up_fix(self) -> str:
        return (
            f"read the logs in {self.paths.logs} and {self.cluster_dir / 'logs'}, then run "
            "`rolloutlab sandbox down --delete` and `rolloutlab sandbox up` to start afresh (images are kept)"
        )

    def component_running(self) -> dict[str, bool]:
        running = {}
        for name in COMPONENTS:
            pid_file = self.cluster_dir / "pids" / f"{name}.pid"
            try:
                pid = int(pid_file.read_text().strip())
                os.kill(pid, 0)
                stat = Path(f"/proc/{pid}/stat").read_text()
                running[name] = not stat.split(") ")[1].startswith("Z")
            except (OSError, ValueError, IndexError):
                running[name] = False
        return running

    def made_with_another_config(self) -> bool:
        """A cluster keeps the flags it was made with: one made before a change of them must be made again."""
        if not self.exists():
            return False
        try:
            return self.config_file.read_text() != kwokctl_config(pki_dir=self.pki_dir)
        except OSError:
            return True

    def apiserver_url(self) -> str:
        config = yaml.safe_load(self.kubeconfig.read_text())
        return str(config["clusters"][0]["cluster"]["server"])

    # -- kwokctl ----------------------------------------------------------------------------------------
    def _env(self, bins: Binaries) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "KWOK_WORKDIR": str(self.paths.kwok_workdir),
                # Forced: with Docker present kwokctl would pick it and try to pull component images.
                "KWOK_RUNTIME": "binary",
                "KWOK_KUBE_VERSION": f"v{versions.KUBERNETES}",
                "KWOK_ETCD_VERSION": versions.ETCD,
                "KWOK_KUBE_APISERVER_BINARY": str(bins.kube_apiserver),
                "KWOK_KUBE_CONTROLLER_MANAGER_BINARY": str(bins.kube_controller_manager),
                "KWOK_KUBE_SCHEDULER_BINARY": str(bins.kube_scheduler),
                "KWOK_ETCD_BINARY": str(bins.etcd),
                "KWOK_KUBECTL_BINARY": bins.kubectl,
            }
        )
        return env

    def _kwokctl(self, bins: Binaries, *args: str, what: str) -> None:
        proc = process.run([bins.kwokctl, *args], env=self._env(bins), timeout=300, check=False)
        if proc.returncode == 0:
            return
        lines = [line for line in (proc.stderr + proc.stdout).strip().splitlines() if line.strip()]
        raise LabError(_("{what} failed: {items}", what=what, items=" | ".join(lines[-3:])), fix=self.half_up_fix())

    # -- up / down --------------------------------------------------------------------------------------
    def up(self, bins: Binaries, *, identities: list[pki.Identity]) -> None:
        """Create the cluster, or start its stopped components, and wait until the apiserver is ready."""
        exists = self.exists()
        if exists and not (self.pki_dir / "apiserver-kubelet-client.crt").exists():
            raise LabError(
                _("this sandbox was made before its nodes were real, and its apiserver cannot reach kubelets"),
                fix=_("run `rolloutlab sandbox down --delete`, then `rolloutlab sandbox up` (images are kept)"),
            )
        pki.ensure(self.pki_dir, identities)
        if exists:
            if all(self.component_running().values()) and self.served(bins):
                self.say(_("cluster: already running"))
            else:
                self.say(_("cluster: starting the stopped components"))
                # kwokctl counts a killed component that is still a zombie (not yet reaped) as running, and
                # would not start it again: its pid file goes, so kwokctl sees it stopped, as we do.
                for name, running in self.component_running().items():
                    if not running:
                        (self.cluster_dir / "pids" / f"{name}.pid").unlink(missing_ok=True)
                self._kwokctl(bins, "start", "cluster", "--name", CLUSTER, what="kwokctl start cluster")
        else:
            self.say(
                _(
                    "cluster: creating (Kubernetes {KUBERNETES}, etcd {ETCD}, kwok {KWOK})",
                    KUBERNETES=versions.KUBERNETES,
                    ETCD=versions.ETCD,
                    KWOK=versions.KWOK,
                )
            )
            self.config_file.parent.mkdir(parents=True, exist_ok=True)
            self.config_file.write_text(kwokctl_config(pki_dir=self.pki_dir))
            self._kwokctl(
                bins, "--config", str(self.config_file), "create", "cluster", "--name", CLUSTER,
                # kwok's controller simulates nodes; the sandbox's nodes are real kubelets, so it is not started
                # (nor built).
                "--disable", "kwok-controller",
                # "" keeps kwokctl from writing a context into the user's ~/.kube/config.
                "--kubeconfig", "", "--wait", "0s", what="kwokctl create cluster",
            )  # fmt: skip
        self._wait_served(bins)
        self.paths.kubeconfig.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.kubeconfig, self.paths.kubeconfig)
        self.paths.kubeconfig.chmod(0o600)

    def served(self, bins: Binaries) -> bool:
        proc = kubectl.run(
            ["get", "--raw", "/readyz"], kubeconfig=self.kubeconfig, kubectl=bins.kubectl, timeout=10, check=False
        )
        return proc.returncode == 0

    def _wait_served(self, bins: Binaries) -> None:
        started = time.monotonic()

        def state() -> str:
            if self.kubeconfig.exists() and self.served(bins):
                return "served"
            # A kube-apiserver still not running after its first 20 s is not coming: no need to wait the rest.
            gone = not self.component_running().get("kube-apiserver", False)
            return "gone" if gone and time.monotonic() - started > SERVE_TIMEOUT - 100 else ""

        if waiting.until(state, seconds=SERVE_TIMEOUT, every=0.25) == "served":
            return
        raise LabError(
            _(
                "the sandbox's kube-apiserver did not become ready within {SERVE_TIMEOUT:.0f} s",
                SERVE_TIMEOUT=SERVE_TIMEOUT,
            ),
            fix=self.half_up_fix(),
        )

    def stop(self, bins: Binaries) -> bool:
        """Stop the running components; False when none ran."""
        if not any(self.component_running().values()):
            return False
        self._kwokctl(bins, "stop", "cluster", "--name", CLUSTER, what="kwokctl stop cluster")
        return True

    def delete(self, bins: Binaries) -> None:
        # Our own kubeconfig, never the user's: kwokctl removes the cluster's context from it.
        self._kwokctl(bins, "delete", "cluster", "--name", CLUSTER, "--kubeconfig", str(self.paths.kubeconfig),
                      what="kwokctl delete cluster")  # fmt: skip
        self.paths.kubeconfig.unlink(missing_ok=True)
