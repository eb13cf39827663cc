"""A kind cluster for the labs, with kind's local-registry recipe, made from what this machine can build.

One action per step, as kind creates its clusters: check what a user can get wrong first (no Docker, too little
memory, the registry's port taken), then the registry, the node image, the cluster, the nodes' registry
configuration, the network link and the registry's discovery ConfigMap. Every step is safe to run again.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rolloutlab import process
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.images import baseimage, engine
from rolloutlab.kind import nodeimage
from rolloutlab.sandbox import runcwrap
from rolloutlab.sandbox.procs import port_open

REGISTRY_NAME = "kind-registry"
REGISTRY_PORT = 5001
WORKERS = 2
# A control plane and two workers with the labs' pods take about 2.5 GiB here; below this, say so first.
MIN_AVAILABLE_GIB = 4.0


@dataclass(frozen=True)
class KindSettings:
    name: str
    registry_port: int

    @property
    def context(self) -> str:
        return f"kind-{self.name}"

    @property
    def nodes(self) -> list[str]:
        workers = [f"{self.name}-worker" + (str(i) if i > 1 else "") for i in range(1, WORKERS + 1)]
        return [f"{self.name}-control-plane", *workers]


def kind_config(*, name: str) -> str:
    """kind's cluster config: containerd reads registry mirrors from /etc/containerd/certs.d (kind's recipe)."""
    workers = "".join("- role: worker\n" for _i in range(WORKERS))
    return f"""kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: {name}
containerdConfigPatches:
- |-
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "/etc/containerd/certs.d"
nodes:
- role: control-plane
{workers}"""


def registry_hosts_toml() -> str:
    """Inside each kind node, localhost:<port> means the registry container on kind's network."""
    return f'[host."http://{REGISTRY_NAME}:5000"]\n'


def local_registry_configmap(*, port: int) -> str:
    """KEP-1755's ConfigMap, so tools in the cluster can discover the local registry."""
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: local-registry-hosting
  namespace: kube-public
data:
  localRegistryHosting.v1: |
    host: "localhost:{port}"
    help: "https://kind.sigs.k8s.io/docs/user/local-registry/"
"""


REGISTRY_CONFIG = """version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
http:
  addr: :5000
"""


def registry_image() -> str:
    return "rolloutlab/kind-registry:debian"


def available_gib(meminfo: str) -> float:
    """MemAvailable of /proc/meminfo, in GiB."""
    for line in meminfo.splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def steps_shown(settings: KindSettings) -> list[str]:
    """What `setup` does, for --dry-run."""
    port = settings.registry_port
    return [
        _("check: Docker answers, {gib:.0f} GiB of memory available, 127.0.0.1:{port} free or kind's registry",
          gib=MIN_AVAILABLE_GIB, port=port),
        _("build (once, then cached): kind {kind}, kubeadm, kubectl, CoreDNS from the Go module proxy; the node "
          "image {image} (Debian bookworm, Debian's containerd, kind's entrypoint, the control plane's images)",
          kind=f"v{nodeimage.versions.KIND}", image=nodeimage.node_image()),
        f"docker run -d --restart=always -p 127.0.0.1:{port}:5000 --name {REGISTRY_NAME} {registry_image()}",
        f"kind create cluster --name {settings.name} --image {nodeimage.node_image()} --config kind-config.yaml",
        *(f"docker exec {node} ... /etc/containerd/certs.d/localhost:{port}/hosts.toml" for node in settings.nodes),
        f"docker network connect kind {REGISTRY_NAME}",
        f"kubectl --context {settings.context} apply -f local-registry-hosting.yaml",
        f"kubectl --context {settings.context} wait --for=condition=Ready node --all",
    ]  # fmt: skip


class KindCluster:
    def __init__(self, *, settings: KindSettings, kind: Path | None, workdir: Path, say: Callable[[str], None]) -> None:
        self.settings = settings
        self.kind = kind
        self.workdir = workdir
        self.say = say

    # -- checks ---------------------------------------------------------------------------------------------
    def check(self, *, meminfo: str) -> None:
        """What a user can get wrong, each in one line, before anything is made."""
        api = engine.client()
        try:
            runtime = str(api.info().get("DefaultRuntime", ""))
        finally:
            api.close()
        missing = runcwrap.missing_capabilities(Path("/proc/self/status").read_text())
        if missing and runtime != runcwrap.RUNTIME:
            raise LabError(
                _("this machine lacks {caps}, and Docker's engine runs kind's privileged nodes without the runc "
                  "wrapper that leaves it out, so they would not start", caps=", ".join(missing)),
                fix=_("restart Docker's engine through rolloutlab (`rolloutlab sandbox down`, then "
                      "`rolloutlab sandbox up`), or give your dockerd that runtime (sandbox/runcwrap.py)"),
            )  # fmt: skip
        if not self.exists():
            gib = available_gib(meminfo)
            if gib < MIN_AVAILABLE_GIB:
                raise LabError(
                    _("only {gib:.1f} GiB of memory is available; a kind cluster for the labs needs about "
                      "{need:.0f} GiB", gib=gib, need=MIN_AVAILABLE_GIB),
                    fix=_("stop what you can (the sandbox: `rolloutlab sandbox down`), then run this again"),
                )  # fmt: skip
        published = self._registry_port()
        if published is not None and published != self.settings.registry_port:
            raise LabError(
                _("kind's registry ({name}) already runs on 127.0.0.1:{published}, not {port}", name=REGISTRY_NAME,
                  published=published, port=self.settings.registry_port),
                fix=_("give --registry-port {published}, or remove it first (./scripts/setup-kind --delete)",
                      published=published),
            )  # fmt: skip
        if published is None and port_open(port=self.settings.registry_port):
            raise LabError(
                _("127.0.0.1:{port} is taken, and kind's registry is published there (the sandbox's registry uses "
                  "it too)", port=self.settings.registry_port),
                fix=_("stop the sandbox (`rolloutlab sandbox down`) or give another port: ./scripts/setup-kind "
                      "--registry-port 5002, then run the labs with LAB_REGISTRY=localhost:5002"),
            )  # fmt: skip

    def exists(self) -> bool:
        if self.kind is None:
            return False
        found = process.run([self.kind, "get", "clusters"], timeout=60, check=True).stdout.split()
        return self.settings.name in found

    # -- steps ----------------------------------------------------------------------------------------------
    def registry(self) -> None:
        state = self._registry_state()
        if state == "running":
            self.say(_("registry: {name} already runs", name=REGISTRY_NAME))
            return
        if state:
            process.run(["docker", "start", REGISTRY_NAME], timeout=60, check=True)
            return
        if not baseimage.has_image(registry_image()):
            self._build_registry_image()
        port = self.settings.registry_port
        process.run(["docker", "run", "-d", "--restart=always", "-p", f"127.0.0.1:{port}:5000", "--name",
                     REGISTRY_NAME, registry_image()], timeout=120, check=True)  # fmt: skip
        self.say(_("registry: {name} on 127.0.0.1:{port}", name=REGISTRY_NAME, port=port))

    def create(self, *, image: str) -> None:
        assert self.kind is not None
        if self.exists():
            self.say(_("kind cluster {name} is already there: kept (./scripts/setup-kind --delete removes it)",
                       name=self.settings.name))  # fmt: skip
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "kind-config.yaml"
        config.write_text(kind_config(name=self.settings.name))
        started = time.monotonic()
        proc = process.run([self.kind, "create", "cluster", "--name", self.settings.name, "--image", image,
                            "--config", config, "--wait", "5m"], timeout=900, check=False)  # fmt: skip
        if not proc.ok:
            raise LabError(
                _("kind could not create the cluster: {tail}", tail=proc.tail(4)),
                fix=_("read `kind export logs` for the nodes' logs; ./scripts/setup-kind --delete cleans up"),
            )
        self.say(_("kind create cluster: {seconds:.0f} s", seconds=time.monotonic() - started))

    def nodes_pull_from_registry(self) -> None:
        folder = f"/etc/containerd/certs.d/localhost:{self.settings.registry_port}"
        for node in self.settings.nodes:
            process.run(["docker", "exec", "-i", node, "sh", "-c", f"mkdir -p {folder} && cat > {folder}/hosts.toml"],
                        timeout=60, input_text=registry_hosts_toml(), check=True)  # fmt: skip

    def connect_registry(self) -> None:
        networks = process.run(["docker", "inspect", "-f", "{{json .NetworkSettings.Networks}}", REGISTRY_NAME],
                               timeout=60, check=True).stdout  # fmt: skip
        if "kind" not in json.loads(networks or "{}"):
            process.run(["docker", "network", "connect", "kind", REGISTRY_NAME], timeout=60, check=True)

    def announce_registry(self) -> None:
        process.run(["kubectl", "--context", self.settings.context, "apply", "-f", "-"], timeout=60,
                    input_text=local_registry_configmap(port=self.settings.registry_port), check=True)  # fmt: skip

    def wait_ready(self) -> float:
        started = time.monotonic()
        context = self.settings.context
        process.run(["kubectl", "--context", context, "wait", "--for=condition=Ready", "node", "--all",
                     "--timeout=300s"], timeout=330,
                    fix=_("see `kubectl --context {context} describe nodes`", context=context), check=True)  # fmt: skip
        return time.monotonic() - started

    def delete(self) -> None:
        if self.kind is not None and self.exists():
            process.run([self.kind, "delete", "cluster", "--name", self.settings.name], timeout=300, check=True)
            self.say(_("kind cluster {name} deleted", name=self.settings.name))
        if self._registry_state():
            process.run(["docker", "rm", "-f", REGISTRY_NAME], timeout=120, check=True)
            self.say(_("registry {name} removed", name=REGISTRY_NAME))

    # -- helpers ----------------------------------------------------------------------------------------------
    def _registry_state(self) -> str:
        proc = process.run(["docker", "inspect", "-f", "{{.State.Status}}", REGISTRY_NAME], timeout=60, check=False)
        return proc.stdout.strip() if proc.ok else ""

    def _registry_port(self) -> int | None:
        """The port on 127.0.0.1 the registry container is published on; None when there is no such container."""
        proc = process.run(["docker", "inspect", "-f", "{{json .HostConfig.PortBindings}}", REGISTRY_NAME],
                           timeout=60, check=False)  # fmt: skip
        if not proc.ok:
            return None
        bindings = (json.loads(proc.stdout or "{}") or {}).get("5000/tcp") or [{}]
        port = bindings[0].get("HostPort")
        return int(port) if port else None

    def _build_registry_image(self) -> None:
        """kind's recipe runs `registry:2`, which cannot be pulled here: the same distribution registry from
        Debian's docker-registry package, on the node's userland (it needs the C library)."""
        binary = shutil.which("docker-registry")
        if binary is None:
            raise LabError(
                _("Debian's docker-registry is not installed, and kind's registry image is made from it"),
                fix=_("run ./scripts/setup as root (it installs docker-registry)"),
            )
        nodeimage.build_files_image(
            image=registry_image(),
            base=nodeimage.userland_image(),
            files={"usr/bin/docker-registry": (Path(binary).read_bytes(), 0o755),
                   "etc/docker/registry/config.yml": (REGISTRY_CONFIG.encode(), 0o644)},
            entrypoint=["/usr/bin/docker-registry", "serve", "/etc/docker/registry/config.yml"],
        )  # fmt: skip
