"""The sandbox's real nodes: per node a containerd and a kubelet, and one kube-proxy, as background processes.

The configuration text comes from `nodeconfig`, the machine-level changes (bridges, routes, iptables, cgroups)
from `hostnet`; this module starts, watches and stops the processes, and says what is wrong when they cannot run.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from rolloutlab import environment, kubectl, process, waiting
from rolloutlab.environment import PATH
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.images import credentials
from rolloutlab.paths import Paths
from rolloutlab.sandbox import hostnet, nodeconfig, pause
from rolloutlab.sandbox.nodeconfig import Node, NodeDirs
from rolloutlab.sandbox.procs import Daemon

NODE_NAMES = ("node-1", "node-2", "node-3")
READY_TIMEOUT = 120.0
# What a real node needs from Debian: a command (or file) and the package that brings it.
NODE_PACKAGES = (
    ("containerd", "containerd"),
    ("runc", "runc"),
    ("containerd-shim-runc-v2", "containerd"),
    ("/usr/lib/cni/bridge", "containernetworking-plugins"),
    ("iptables", "iptables"),
    ("conntrack", "conntrack"),
    ("ip", "iproute2"),
)
# The kubelet and containerd call iptables, mount and runc; a non-login root shell may lack the sbin folders.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class NodeBinaries:
    kubelet: Path
    kube_proxy: Path
    pause: Path


def missing_packages() -> list[str]:
    search = os.pathsep.join((environment.get(PATH), SYSTEM_PATH))
    missing = []
    for command, package in NODE_PACKAGES:
        found = Path(command).exists() if command.startswith("/") else shutil.which(command, path=search)
        if not found and package not in missing:
            missing.append(package)
    return missing


def has_overlay() -> bool:
    with contextlib.suppress(OSError):
        if "overlay" in Path("/proc/filesystems").read_text():
            return True
    if shutil.which("modprobe"):
        process.run(["modprobe", "overlay"], timeout=30, check=False)
    with contextlib.suppress(OSError):
        return "overlay" in Path("/proc/filesystems").read_text()
    return False


def port_taken(host: str, port: int) -> bool:
    """Whether binding host:port fails because another program holds it (a listener on 0.0.0.0 counts)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def preflight() -> None:
    """One clear line for each reason real nodes cannot run here."""
    missing = missing_packages()
    if os.geteuid() != 0:
        extra = f"; also install {' '.join(missing)}" if missing else ""
        raise LabError(
            _("the sandbox runs real kubelets and containerd, which need root (cgroups, mounts, bridges, iptables)"),
            fix=_(
                "run it as root, for example `sudo -E .venv/bin/rolloutlab sandbox "
                "up`{extra}; or use a cluster of your own with LAB_CONTEXT "
                "(docs/clusters.md)",
                extra=extra,
            ),
        )
    if missing:
        raise LabError(
            _("the sandbox's nodes need Debian packages that are not installed: {items}", items=", ".join(missing)),
            fix=_("run ./scripts/setup as root, or `apt-get install {items}`", items=" ".join(missing)),
        )
    if not has_overlay():
        raise LabError(
            _("this kernel has no overlay filesystem, which containerd keeps images with"),
            fix=_("load it (`modprobe overlay`) or run on a kernel with OverlayFS"),
        )
    if not hostnet.cgroup_hierarchies():
        raise LabError(
            _("no cgroups are mounted under /sys/fs/cgroup, so no container can run"),
            fix=_("mount cgroups (a container or VM may have to be started with them)"),
        )


class RealNodes:
    def __init__(self, *, paths: Paths, registry: str) -> None:
        self.paths = paths
        self.registry = registry
        self.nodes = nodeconfig.nodes(NODE_NAMES)
        self.dirs = {n.name: NodeDirs.of(n, sandbox_dir=paths.sandbox) for n in self.nodes}
        self.containerd = {n.name: self._daemon(f"containerd-{n.name}") for n in self.nodes}
        self.kubelet = {n.name: self._daemon(f"kubelet-{n.name}") for n in self.nodes}
        self.proxy = self._daemon("kube-proxy")

    def _daemon(self, name: str) -> Daemon:
        return Daemon(name=name, run_dir=self.paths.run, log_dir=self.paths.logs)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    def running(self) -> dict[str, bool]:
        found = {}
        for node in self.nodes:
            found[f"containerd ({node.name})"] = self.containerd[node.name].pid() is not None
            found[f"kubelet ({node.name})"] = self.kubelet[node.name].pid() is not None
        found["kube-proxy"] = self.proxy.pid() is not None
        return found

    # -- up -------------------------------------------------------------------------------------------------
    def up(self, *, bins: NodeBinaries, pki: Path, server: str, admin_kubeconfig: Path, kubectl_path: str) -> None:
        preflight()
        sandbox_image = pause.push(binary=bins.pause, registry_address=self.registry)
        hostnet.keep_ranges_local()
        hostnet.ensure_boundary()
        env = {**os.environ, PATH.name: os.pathsep.join((environment.get(PATH), SYSTEM_PATH))}
        for node in self.nodes:
            self._write_files(node, sandbox_image=sandbox_image, pki=pki, server=server)
            hostnet.ensure_bridge(node.bridge, address=node.address)
            hostnet.ensure_cgroup_root(node.cgroup_root)
            self._containerd_up(node, env=env)
        for node in self.nodes:
            self._kubelet_up(node, bins=bins, env=env)
        self._proxy_up(bins=bins, pki=pki, server=server, env=env)
        self.wait_ready(admin_kubeconfig=admin_kubeconfig, kubectl_path=kubectl_path)

    def _write_files(self, node: Node, *, sandbox_image: str, pki: Path, server: str) -> None:
        dirs = self.dirs[node.name]
        for folder in (dirs.state, dirs.run, dirs.cni_conf, dirs.cni_ipam, dirs.kubelet_root, dirs.pod_logs):
            folder.mkdir(parents=True, exist_ok=True)
        login = credentials.for_registry(self.registry)
        config = nodeconfig.containerd_config(dirs, sandbox_image=sandbox_image, registry=self.registry, login=login)
        dirs.containerd_config.write_text(config)
        dirs.containerd_config.chmod(0o600)  # it holds the registry's password
        hosts = dirs.registry_hosts / self.registry / "hosts.toml"
        hosts.parent.mkdir(parents=True, exist_ok=True)
        hosts.write_text(nodeconfig.registry_hosts_toml(self.registry))
        (dirs.cni_conf / "10-rolloutlab.conflist").write_text(nodeconfig.cni_config(node, dirs))
        dirs.kubelet_config.write_text(nodeconfig.kubelet_config(node, dirs, pki=pki))
        dirs.kubeconfig.write_text(nodeconfig.kubeconfig(server=server, pki=pki, user=f"kubelet-{node.name}"))
        dirs.kubeconfig.chmod(0o600)

    def _started(self, daemon: Daemon, *, what: str) -> None:
        if daemon.exited_early(seconds=1.0):
            raise LabError(
                _("{what} stopped as it started ({log_tail})", what=what, log_tail=daemon.log_tail()),
                fix=_("read {log_file}", log_file=daemon.log_file),
            )

    def _containerd_up(self, node: Node, *, env: dict[str, str]) -> None:
        daemon, dirs = self.containerd[node.name], self.dirs[node.name]
        if daemon.pid() is not None:
            return
        containerd = shutil.which("containerd", path=env["PATH"]) or "containerd"
        daemon.start(argv=[containerd, "--config", str(dirs.containerd_config)], env=env)

        def answers() -> bool:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                return sock.connect_ex(str(dirs.containerd_socket)) == 0

        if daemon.wait_for(answers, seconds=20, every=0.1):
            return
        raise LabError(
            _(
                "containerd of {name} did not answer on {containerd_socket} ({log_tail})",
                name=node.name,
                containerd_socket=dirs.containerd_socket,
                log_tail=daemon.log_tail(),
            ),
            fix=_("read {log_file}", log_file=daemon.log_file),
        )

    def _kubelet_up(self, node: Node, *, bins: NodeBinaries, env: dict[str, str]) -> None:
        daemon, dirs = self.kubelet[node.name], self.dirs[node.name]
        if daemon.pid() is not None:
            return
        if port_taken(node.address, nodeconfig.KUBELET_PORT):
            raise LabError(
                _(
                    "port {KUBELET_PORT} is taken on {address}, so the kubelet of {name} "
                    "cannot serve there (another kubelet on this machine?)",
                    KUBELET_PORT=nodeconfig.KUBELET_PORT,
                    address=node.address,
                    name=node.name,
                ),
                fix=_("stop that program (`ss -ltnp 'sport = :{KUBELET_PORT}'`)", KUBELET_PORT=nodeconfig.KUBELET_PORT),
            )
        daemon.start(
            argv=[str(bins.kubelet), "--config", str(dirs.kubelet_config), "--kubeconfig", str(dirs.kubeconfig),
                  "--root-dir", str(dirs.kubelet_root), "--hostname-override", node.name,
                  "--node-ip", node.address, "--node-labels", "rolloutlab.dev/node=real"],
            env=env,
        )  # fmt: skip
        self._started(daemon, what=f"the kubelet of {node.name}")

    def _proxy_up(self, *, bins: NodeBinaries, pki: Path, server: str, env: dict[str, str]) -> None:
        if self.proxy.pid() is not None:
            return
        for address in (nodeconfig.PROXY_HEALTHZ, nodeconfig.PROXY_METRICS):
            host, port = address.split(":")
            if port_taken(host, int(port)):
                raise LabError(
                    _("port {port} on {host} is in use, and kube-proxy needs it", port=port, host=host),
                    fix=_("stop that program (`ss -ltnp 'sport = :{port}'`)", port=port),
                )
        folder = self.paths.sandbox / "kube-proxy"
        folder.mkdir(parents=True, exist_ok=True)
        config_file, kubeconfig_file = folder / "config.yaml", folder / "kubeconfig"
        kubeconfig_file.write_text(nodeconfig.kubeconfig(server=server, pki=pki, user="kube-proxy"))
        kubeconfig_file.chmod(0o600)
        config_file.write_text(nodeconfig.kube_proxy_config(kubeconfig=kubeconfig_file, hostname=self.nodes[0].name))
        self.proxy.start(argv=[str(bins.kube_proxy), "--config", str(config_file)], env=env)
        self._started(self.proxy, what="kube-proxy")

    def forget_dead_proxy(self, *, kube_proxy: Path) -> None:
        """Remove the rules of a kube-proxy that was killed: they still send ports to pods that are gone, and
        one of those ports may now be the apiserver's. Done before the control plane starts; the new kube-proxy
        writes its own."""
        if self.proxy.pid() is None:
            hostnet.clear_proxy_rules(kube_proxy)

    def ready_nodes(self, *, admin_kubeconfig: Path, kubectl_path: str) -> list[str]:
        proc = kubectl.run(["get", "nodes", "-o", "json"], kubeconfig=admin_kubeconfig, kubectl=kubectl_path,
                           timeout=15, check=False)  # fmt: skip
        if proc.returncode != 0:
            return []
        ready = []
        for item in json.loads(proc.stdout)["items"]:
            conditions = {c["type"]: c["status"] for c in item["status"].get("conditions") or []}
            if conditions.get("Ready") == "True" and item["metadata"]["name"] in self.names:
                ready.append(item["metadata"]["name"])
        return sorted(ready)

    def wait_ready(self, *, admin_kubeconfig: Path, kubectl_path: str) -> None:
        def look() -> list[str]:
            ready = self.ready_nodes(admin_kubeconfig=admin_kubeconfig, kubectl_path=kubectl_path)
            dead = [name for name, running in self.running().items() if not running]
            if len(ready) < len(self.nodes) and dead:
                raise LabError(
                    _("{items} stopped while the nodes were starting", items=", ".join(dead)),
                    fix=_("read the logs in {logs}", logs=self.paths.logs),
                )
            return ready

        ready = waiting.until(look, seconds=READY_TIMEOUT, every=0.5, done=lambda found: len(found) == len(self.nodes))
        if len(ready) == len(self.nodes):
            return
        raise LabError(
            _(
                "only {count} of {count2} nodes became Ready in {READY_TIMEOUT:.0f} s",
                count=len(ready),
                count2=len(self.nodes),
                READY_TIMEOUT=READY_TIMEOUT,
            ),
            fix=_("read the kubelet logs in {logs}", logs=self.paths.logs),
        )

    # -- down -----------------------------------------------------------------------------------------------
    def down(self, *, kube_proxy: Path | None, delete: bool) -> list[str]:
        """Stop the nodes' processes, then remove what they left on the machine (also after a kill)."""
        stopped = []
        if self.proxy.stop():
            stopped.append("kube-proxy")
        for node in self.nodes:
            if self.kubelet[node.name].stop(grace=15):
                stopped.append(f"kubelet ({node.name})")
        for node in self.nodes:
            if self.containerd[node.name].stop(grace=15):
                stopped.append(f"containerd ({node.name})")
        states = [self.dirs[n.name].state for n in self.nodes]
        swept = hostnet.sweep(run_root=nodeconfig.RUN_ROOT, state_dirs=states, kube_proxy=kube_proxy)
        for node in self.nodes:
            # The pods were killed without their network being released: free their addresses.
            shutil.rmtree(self.dirs[node.name].cni_ipam, ignore_errors=True)
        if delete:
            for folder in states:
                shutil.rmtree(folder, ignore_errors=True)
        if any(swept.values()):
            stopped.append("node leftovers (" + ", ".join(f"{v} {k}" for k, v in swept.items() if v) + ")")
        return stopped
