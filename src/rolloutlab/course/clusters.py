"""Set-up plans for a student's own cluster: kind with a local registry, or minikube with its registry addon.

Both keep the labs' default registry, `localhost:5001`, so the labs run unchanged. A plan is a list of
commands (and the files they need), so it can be shown (`--dry-run`), tested, and run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rolloutlab import process

REGISTRY_NAME = "kind-registry"
REGISTRY_PORT = 5001


@dataclass(frozen=True)
class Plan:
    """Files to write, then commands to run in order. `stdin` feeds a command its input."""

    files: dict[str, str] = field(default_factory=dict)
    commands: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def show(self) -> str:
        lines = [f"# write {path}:\n{text}" for path, text in self.files.items()]
        lines += [" ".join(_quote(part) for part in command) for command in self.commands]
        lines += [f"# {note}" for note in self.notes]
        return "\n".join(lines)

    def run(self, *, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            (workdir / name).write_text(text)
        for command in self.commands:
            said = process.run(command, cwd=workdir, timeout=1800)
            print(said.stdout + said.stderr, end="")
        for note in self.notes:
            print(note)


def _quote(part: str) -> str:
    return f"'{part}'" if any(c in part for c in ' \n"$*') else part


def kind_config(*, name: str) -> str:
    """kind's cluster config: containerd reads registry mirrors from /etc/containerd/certs.d (kind's recipe)."""
    return f"""kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: {name}
containerdConfigPatches:
- |-
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "/etc/containerd/certs.d"
nodes:
- role: control-plane
- role: worker
- role: worker
- role: worker
"""


def registry_hosts_toml() -> str:
    """Inside each kind node, localhost:5001 means the registry container on kind's network."""
    return f'[host."http://{REGISTRY_NAME}:5000"]\n'


def local_registry_configmap() -> str:
    """KEP-1755's ConfigMap, so tools in the cluster can discover the local registry."""
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: local-registry-hosting
  namespace: kube-public
data:
  localRegistryHosting.v1: |
    host: "localhost:{REGISTRY_PORT}"
    help: "https://kind.sigs.k8s.io/docs/user/local-registry/"
"""


def kind_plan(*, name: str = "rollout-labs") -> Plan:
    """kind's local-registry recipe: a registry container on 127.0.0.1:5001, a 3-worker cluster that pulls
    `localhost:5001/...` from it, the registry joined to kind's network."""
    nodes = [f"{name}-control-plane", f"{name}-worker", f"{name}-worker2", f"{name}-worker3"]
    certs = f"/etc/containerd/certs.d/localhost:{REGISTRY_PORT}"
    commands: list[list[str]] = [
        ["docker", "run", "-d", "--restart=always", "-p", f"127.0.0.1:{REGISTRY_PORT}:5000", "--network", "bridge",
         "--name", REGISTRY_NAME, "registry:2"],
        ["kind", "create", "cluster", "--config", "kind-config.yaml"],
    ]  # fmt: skip
    for node in nodes:
        commands.append(["docker", "exec", node, "mkdir", "-p", certs])
        commands.append(["docker", "cp", "hosts.toml", f"{node}:{certs}/hosts.toml"])
    commands += [
        ["docker", "network", "connect", "kind", REGISTRY_NAME],
        ["kubectl", "--context", f"kind-{name}", "apply", "-f", "local-registry-hosting.yaml"],
    ]
    return Plan(
        files={
            "kind-config.yaml": kind_config(name=name),
            "hosts.toml": registry_hosts_toml(),
            "local-registry-hosting.yaml": local_registry_configmap(),
        },
        commands=commands,
        notes=[
            f"kubectl now uses context kind-{name}; the labs' defaults (LAB_REGISTRY=localhost:5001) work as they are"
        ],
    )


def minikube_plan(*, profile: str = "rollout-labs") -> Plan:
    """minikube with 3 nodes and its registry addon. The addon serves the registry on port 5000 of every node
    (so pods pull `localhost:5000/...`); a port-forward gives the host the same address to push to."""
    return Plan(
        commands=[["minikube", "start", "-p", profile, "--nodes", "3", "--addons", "registry"]],
        notes=[
            "in another terminal, keep this running: "
            f"kubectl --context {profile} -n kube-system port-forward service/registry 5000:80",
            "then run the labs with: export LAB_REGISTRY=localhost:5000",
        ],
    )
