"""What each real node of the sandbox is made of, as data and configuration text (no side effects here).

All nodes share this machine's network namespace, so each gets its own of everything that would clash: a
containerd (socket, root, state, runc root), a bridge with a /24 of the pod range whose gateway address is the
node's InternalIP, a kubelet (root directory, cgroup root, port on its own address). One kube-proxy serves them
all: its iptables rules live in the one network namespace they share.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from rolloutlab.images.credentials import Login

# Private ranges that exist only on this machine: node bridges hold the pod range's /24s; an empty bridge
# holds the routes of both ranges, so that nothing addressed to them ever follows the default route.
POD_RANGE = "10.244.0.0/16"
SERVICE_RANGE = "10.96.0.0/24"
SERVICE_IP = "10.96.0.1"
# NodePorts stop below the ports kwokctl takes for the control plane (from 32767 down).
NODE_PORT_RANGE = "30000-32699"
VOID_BRIDGE = "rl-void"
BRIDGE_PREFIX = "rl-"
CGROUP_PARENT = "rolloutlab"
KUBELET_PORT = 10250
PAUSE_REPOSITORY = "rolloutlab/pause"
# Loopback ports of the one kube-proxy.
PROXY_HEALTHZ = "127.0.0.1:10256"
PROXY_METRICS = "127.0.0.1:10249"
RUN_ROOT = Path("/run/rolloutlab")


@dataclass(frozen=True)
class Node:
    """One real node: its name and number (1, 2, 3), from which every address and folder follows."""

    name: str
    index: int

    @property
    def bridge(self) -> str:
        return f"{BRIDGE_PREFIX}{self.name}"  # at most 15 characters, the kernel's limit

    @property
    def subnet(self) -> str:
        return f"10.244.{self.index}.0/24"

    @property
    def address(self) -> str:
        """The bridge's gateway address: the node's InternalIP, where its kubelet serves."""
        return f"10.244.{self.index}.1"

    @property
    def cgroup_root(self) -> str:
        return f"/{CGROUP_PARENT}/{self.name}"


@dataclass(frozen=True)
class NodeDirs:
    """A node's folders: lasting state under the sandbox folder, sockets and run state under /run."""

    state: Path
    run: Path

    @classmethod
    def of(cls, node: Node, *, sandbox_dir: Path, run_root: Path = RUN_ROOT) -> NodeDirs:
        return cls(state=sandbox_dir / "nodes" / node.name, run=run_root / node.name)

    @property
    def containerd_root(self) -> Path:
        return self.state / "containerd"

    @property
    def containerd_state(self) -> Path:
        return self.run / "containerd"

    @property
    def pod_netns(self) -> Path:
        """Where this node's containerd mounts its pods' network namespaces (netns_mounts_under_state_dir)."""
        return self.containerd_state / "io.containerd.grpc.v1.cri" / "netns"

    @property
    def containerd_socket(self) -> Path:
        return self.run / "containerd.sock"

    @property
    def containerd_config(self) -> Path:
        return self.state / "containerd.toml"

    @property
    def runc_root(self) -> Path:
        return self.run / "runc"

    @property
    def cni_conf(self) -> Path:
        return self.state / "cni" / "net.d"

    @property
    def cni_ipam(self) -> Path:
        return self.state / "cni" / "ipam"

    @property
    def registry_hosts(self) -> Path:
        return self.state / "certs.d"

    @property
    def kubelet_root(self) -> Path:
        return self.state / "kubelet"

    @property
    def pod_logs(self) -> Path:
        return self.state / "pod-logs"

    @property
    def kubelet_config(self) -> Path:
        return self.state / "kubelet.yaml"

    @property
    def kubeconfig(self) -> Path:
        return self.state / "kubeconfig"


def nodes(names: tuple[str, ...]) -> list[Node]:
    return [Node(name=name, index=i) for i, name in enumerate(names, start=1)]


def registry_login_toml(registry: str, login: Login | None) -> str:
    """The node's login to the sandbox registry, as an instructor gives nodes the login of a private registry: CRI
    reads `registry.configs.<host>.auth` for pulls, next to the hosts.toml folders."""
    if login is None:
        return ""
    return (f'\n[plugins."io.containerd.grpc.v1.cri".registry.configs."{registry}".auth]\n'
            f'  username = "{login.username}"\n  password = "{login.password}"\n')  # fmt: skip


def containerd_config(dirs: NodeDirs, *, sandbox_image: str, registry: str, login: Login | None) -> str:
    """containerd 1.6's configuration for one node (version 2 format)."""
    runc = 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc'
    return f"""version = 2
root = "{dirs.containerd_root}"
state = "{dirs.containerd_state}"
# Snapshotters and services that need what this machine lacks, and that the sandbox does not use.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "{dirs.containerd_socket}"

[ttrpc]
  address = "{dirs.containerd_socket}.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "{dirs.containerd_root}/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{sandbox_image}"
  # Lowering a process's oom_score_adj is refused on some machines (this VM among them); without this, runc
  # fails every pod sandbox with "can't get final child's PID from pipe".
  restrict_oom_score_adj = true
  # exec, attach and port-forward streams: loopback only, a free port.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # The pods' network namespaces under this node's run folder, not the machine's /run/netns: `down` removes them
  # all with the folder, also one caught half made or half released (no address in it) when the node was killed.
  netns_mounts_under_state_dir = true

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[{runc}]
  runtime_type = "io.containerd.runc.v2"

[{runc}.options]
  # cgroup v1 without systemd as PID 1: the kubelet's cgroupDriver is cgroupfs too.
  SystemdCgroup = false
  # Each node's containerd keeps its containers apart from the other nodes'.
  Root = "{dirs.runc_root}"

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "{dirs.cni_conf}"

[plugins."io.containerd.grpc.v1.cri".registry]
  # One folder per registry host with its hosts.toml (kind's recipe): the sandbox's registry is plain HTTP.
  config_path = "{dirs.registry_hosts}"
""" + registry_login_toml(registry, login)


def registry_hosts_toml(registry: str) -> str:
    """hosts.toml for `registry` (host:port on this machine), served over plain HTTP."""
    return f'server = "http://{registry}"\n\n[host."http://{registry}"]\n  capabilities = ["pull", "resolve"]\n'


def cni_config(node: Node, dirs: NodeDirs) -> str:
    """The node's pod network: its own bridge (made beforehand with the gateway address), no masquerade."""
    conf = {
        "cniVersion": "1.0.0",
        "name": f"rolloutlab-{node.name}",
        "plugins": [
            {
                "type": "bridge",
                "bridge": node.bridge,
                "isGateway": True,
                # No masquerade: pods have no business off this machine, and the sandbox drops what tries.
                "ipMasq": False,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": node.subnet, "gateway": node.address}]],
                    "dataDir": str(dirs.cni_ipam),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    return json.dumps(conf, indent=2) + "\n"


def kubelet_config(node: Node, dirs: NodeDirs, *, pki: Path) -> str:
    config = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        # Served on the node's bridge address only; the apiserver reaches it there (InternalIP).
        "address": node.address,
        "port": KUBELET_PORT,
        "readOnlyPort": 0,
        "healthzPort": 0,
        "tlsCertFile": str(pki / f"kubelet-{node.name}-serving.crt"),
        "tlsPrivateKeyFile": str(pki / f"kubelet-{node.name}-serving.key"),
        # No anonymous access: a client must show a certificate of the cluster's CA, and the apiserver decides
        # what it may do.
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(pki / "ca.crt")},
        },
        "authorization": {"mode": "Webhook"},
        "containerRuntimeEndpoint": f"unix://{dirs.containerd_socket}",
        # Not the shared /var/log/pods: each kubelet deletes the log folders of pods it does not run.
        "podLogsDir": str(dirs.pod_logs),
        "cgroupDriver": "cgroupfs",
        "cgroupRoot": node.cgroup_root,
        # Kubernetes 1.33 runs on cgroup v1 with a warning; this machine has no cgroup v2 only.
        "failCgroupV1": False,
        "failSwapOn": False,
        "serializeImagePulls": False,
        # A laptop's disk can be fuller than a server's: evict only when really short.
        "evictionHard": {
            "memory.available": "100Mi",
            "nodefs.available": "2%",
            "imagefs.available": "2%",
            "nodefs.inodesFree": "2%",
        },
        "imageGCHighThresholdPercent": 95,
        "imageGCLowThresholdPercent": 90,
        "maxPods": 110,
    }
    return yaml.safe_dump(config, sort_keys=False)


def kube_proxy_config(*, kubeconfig: Path, hostname: str) -> str:
    config = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(kubeconfig)},
        "hostnameOverride": hostname,
        "mode": "iptables",
        "bindAddress": "127.0.0.1",
        "healthzBindAddress": PROXY_HEALTHZ,
        "metricsBindAddress": PROXY_METRICS,
        "clusterCIDR": POD_RANGE,
        # NodePorts answer on 127.0.0.1 only (kube-proxy sets route_localnet for it), never on the network.
        "nodePortAddresses": ["127.0.0.0/8"],
        # Leave the machine's conntrack settings as they are (a VM may refuse to change them).
        "conntrack": {"maxPerCore": 0, "min": 0, "tcpEstablishedTimeout": "0s", "tcpCloseWaitTimeout": "0s"},
    }
    return yaml.safe_dump(config, sort_keys=False)


def kubeconfig(*, server: str, pki: Path, user: str, ca: str = "ca.crt") -> str:
    """A kubeconfig for one of the sandbox's identities (its certificate and key in `pki`)."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "rolloutlab", "cluster": {"server": server, "certificate-authority": str(pki / ca)}}],
        "users": [
            {
                "name": user,
                "user": {"client-certificate": str(pki / f"{user}.crt"), "client-key": str(pki / f"{user}.key")},
            }
        ],
        "contexts": [{"name": "rolloutlab", "context": {"cluster": "rolloutlab", "user": user}}],
        "current-context": "rolloutlab",
    }
    return yaml.safe_dump(config, sort_keys=False)
