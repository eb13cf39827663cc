"""What real nodes change on this machine, made and removed in one place: bridges, routes, iptables rules,
cgroup folders, mounts and network namespaces.

`sweep` removes all of it from what it finds on the machine, not from what a running process remembers, so it
works as well after the sandbox was killed as after a clean stop.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path

from rolloutlab import process
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.sandbox.nodeconfig import BRIDGE_PREFIX, CGROUP_PARENT, POD_RANGE, SERVICE_RANGE, VOID_BRIDGE

CGROUP_FS = Path("/sys/fs/cgroup")
BOUNDARY_CHAIN = "ROLLOUTLAB-BOUNDARY"
# Chains the kubelet and kube-proxy leave behind besides kube-proxy's own rules (`kube-proxy --cleanup`).
KUBE_CHAINS = ("KUBE-FIREWALL", "KUBE-KUBELET-CANARY", "KUBE-PROXY-CANARY", "KUBE-IPTABLES-HINT", "KUBE-MARK-MASQ",
               "KUBE-MARK-DROP", "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES",
               "KUBE-POSTROUTING", "KUBE-PROXY-FIREWALL", "KUBE-NODE-PORT")  # fmt: skip
NETNS_DIR = Path("/run/netns")


def run(argv: Sequence[str], *, check: bool = True) -> process.Result:
    """Run a host command (ip, iptables); a failure is a LabError quoting the command and its last words (the
    command itself says what the sandbox was doing, in no language of ours)."""
    try:
        proc = process.run(argv, timeout=60, check=False)
    except process.ProcessError as exc:
        if exc.reason != "missing":
            raise
        raise LabError(
            _("{argv} is not installed; the sandbox's nodes need it for their network", argv=argv[0]),
            fix=_("run ./scripts/setup as root (it installs the node packages)"),
        ) from exc
    if check and not proc.ok:
        words = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [_("no output")]
        raise LabError(
            _("`{items}` failed: {words}", items=" ".join(argv), words=words[0]),
            fix=_("check that you are root and that the kernel has bridges and iptables"),
        )
    return proc


# -- made by `up` ------------------------------------------------------------------------------------------------
def ensure_bridge(name: str, *, address: str | None = None, prefix: int = 24) -> None:
    if run(["ip", "link", "show", name], check=False).returncode != 0:
        run(["ip", "link", "add", name, "type", "bridge"])
    if address:
        run(["ip", "addr", "replace", f"{address}/{prefix}", "dev", name])
    run(["ip", "link", "set", name, "up"])


def keep_ranges_local() -> None:
    """Route the Service and pod ranges to an empty bridge: an address of theirs that no node holds (a
    ClusterIP while kube-proxy is down, say) then goes nowhere instead of out of the default route."""
    ensure_bridge(VOID_BRIDGE)
    for cidr in (SERVICE_RANGE, POD_RANGE):
        run(["ip", "route", "replace", cidr, "dev", VOID_BRIDGE])


def boundary_rules() -> list[list[str]]:
    """FORWARD rules of the sandbox's own chain: pods talk to pods, and nothing from a pod leaves the machine."""
    return [
        ["-s", POD_RANGE, "-d", POD_RANGE, "-j", "ACCEPT"],
        ["-s", POD_RANGE, "-j", "DROP"],
    ]


def ensure_boundary() -> None:
    if run(["iptables", "-w", "-L", BOUNDARY_CHAIN, "-n"], check=False).returncode != 0:
        run(["iptables", "-w", "-N", BOUNDARY_CHAIN])
    run(["iptables", "-w", "-F", BOUNDARY_CHAIN])
    for rule in boundary_rules():
        run(["iptables", "-w", "-A", BOUNDARY_CHAIN, *rule])
    # First in FORWARD, before Docker's chains (whose policy drops what crosses bridges); Docker puts its own
    # hooks first whenever dockerd starts, so the hook is moved back to the top.
    rules = run(["iptables", "-w", "-S", "FORWARD"]).stdout.splitlines()
    hooks = [line for line in rules if line.startswith("-A FORWARD")]
    if hooks[:1] != [f"-A FORWARD -j {BOUNDARY_CHAIN}"]:
        while run(["iptables", "-w", "-D", "FORWARD", "-j", BOUNDARY_CHAIN], check=False).returncode == 0:
            pass
        run(["iptables", "-w", "-I", "FORWARD", "1", "-j", BOUNDARY_CHAIN])


def cgroup_hierarchies(*, root: Path = CGROUP_FS) -> list[Path]:
    """Every mounted cgroup hierarchy (v1 controllers, named ones, and the v2 `unified` one)."""
    found = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) > 2 and parts[2] in ("cgroup", "cgroup2") and parts[1].startswith(str(root)):
                found.append(Path(parts[1]))
    return found


def ensure_cgroup_root(node_root: str) -> None:
    """The kubelet wants its cgroupRoot to exist in every hierarchy before it starts; a new cpuset has no CPUs
    or memory nodes until they are copied from its parent."""
    hierarchies = cgroup_hierarchies()
    if not hierarchies:
        raise LabError(
            _("no cgroup hierarchy is mounted under /sys/fs/cgroup, so no container can run"),
            fix=_("mount cgroups (a container or VM may need to be started with them)"),
        )
    for hierarchy in hierarchies:
        folder = hierarchy
        for part in node_root.strip("/").split("/"):
            parent, folder = folder, folder / part
            folder.mkdir(exist_ok=True)
            for name in ("cpuset.cpus", "cpuset.mems"):
                if (folder / name).exists() and not (folder / name).read_text().strip():
                    (folder / name).write_text((parent / name).read_text())


# -- removed by `down` ------------------------------------------------------------------------------------------
def _pids_in(folder: Path) -> set[int]:
    pids: set[int] = set()
    for procs in folder.rglob("cgroup.procs"):
        with contextlib.suppress(OSError, ValueError):
            pids.update(int(p) for p in procs.read_text().split())
    return pids


def kill_cgroup_tree() -> int:
    """SIGKILL every process in the sandbox's cgroups (the pods' containers and pause processes)."""
    killed: set[int] = set()
    for _attempt in range(20):
        pids = set().union(*(_pids_in(h / CGROUP_PARENT) for h in cgroup_hierarchies() if (h / CGROUP_PARENT).exists()))
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        killed |= pids
        time.sleep(0.2)
    return len(killed)


def kill_shims(*, run_root: Path) -> int:
    """containerd's shims outlive containerd: stop the ones serving the sandbox's containerds."""
    count = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            cmdline
            and cmdline[0].endswith(b"containerd-shim-runc-v2")
            and any(part.startswith(str(run_root).encode()) for part in cmdline)
        ):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGKILL)
                count += 1
    return count


def mounts_under(prefixes: Sequence[Path]) -> list[str]:
    """Mount points at or below any of `prefixes`, deepest first."""
    found = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            point = line.split()[4].replace("\\040", " ")
            if any(point == str(p) or point.startswith(f"{p}/") for p in prefixes):
                found.append(point)
    return sorted(set(found), key=lambda p: p.count("/"), reverse=True)


def unmount_under(prefixes: Sequence[Path]) -> int:
    points = mounts_under(prefixes)
    for point in points:
        if not run(["umount", point], check=False).ok:
            run(["umount", "-l", point], check=False)
    return len(points)


def _in_pod_range(namespace: str) -> bool:
    proc = run(["ip", "-n", namespace, "-4", "-o", "addr"], check=False)
    network = ipaddress.ip_network(POD_RANGE)
    for word in proc.stdout.split():
        with contextlib.suppress(ValueError):
            if "/" in word and ipaddress.ip_interface(word).ip in network:
                return True
    return False


def delete_pod_netns() -> int:
    """Pods' network namespaces in /run/netns (cni-*) that hold an address of the pod range: where sandboxes made
    before the nodes kept them under their run folder left theirs."""
    count = 0
    if not NETNS_DIR.exists():
        return 0
    for entry in NETNS_DIR.glob("cni-*"):
        if _in_pod_range(entry.name):
            run(["ip", "netns", "delete", entry.name], check=False)
            count += 1
    return count


def remove_cgroups() -> int:
    count = 0
    for hierarchy in cgroup_hierarchies():
        top = hierarchy / CGROUP_PARENT
        if not top.exists():
            continue
        folders = sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True)
        for folder in [*folders, top]:
            with contextlib.suppress(OSError):
                folder.rmdir()
                count += 1
    return count


def our_bridges() -> list[str]:
    proc = run(["ip", "-o", "link", "show", "type", "bridge"], check=False)
    names = [line.split(":")[1].strip().split("@")[0] for line in proc.stdout.splitlines() if ":" in line]
    return [name for name in names if name.startswith(BRIDGE_PREFIX)]


def delete_bridges() -> list[str]:
    names = our_bridges()
    for name in names:
        run(["ip", "link", "delete", name], check=False)
    return names


def _chains(binary: str, table: str) -> list[str]:
    proc = run([binary, "-w", "-t", table, "-S"], check=False)
    return [line.split()[1] for line in proc.stdout.splitlines() if line.startswith(("-N ", "-P "))]


def delete_chains(names: Sequence[str]) -> list[str]:
    """Unhook and delete `names` wherever they are (filter, nat, mangle; IPv4 and IPv6)."""
    deleted = []
    for binary in ("iptables", "ip6tables"):
        for table in ("filter", "nat", "mangle"):
            present = [c for c in _chains(binary, table) if c in names]
            if not present:
                continue
            rules = run([binary, "-w", "-t", table, "-S"], check=False).stdout.splitlines()
            for rule in rules:
                words = rule.split()
                if words[:1] == ["-A"] and "-j" in words and words[words.index("-j") + 1] in present:
                    run([binary, "-w", "-t", table, "-D", *words[1:]], check=False)
            for chain in present:
                run([binary, "-w", "-t", table, "-F", chain], check=False)
            for chain in present:
                if run([binary, "-w", "-t", table, "-X", chain], check=False).ok:
                    deleted.append(f"{binary}/{table}/{chain}")
    return deleted


def clear_proxy_rules(kube_proxy: Path) -> None:
    """kube-proxy's own rules (Services, NodePorts), removed by kube-proxy itself; to be called with it stopped."""
    if kube_proxy.exists():
        run([str(kube_proxy), "--cleanup"], check=False)


def sweep(*, run_root: Path, state_dirs: Sequence[Path], kube_proxy: Path | None) -> dict[str, int]:
    """Remove what real nodes leave on the machine; what stays is the nodes' images (their containerd roots)."""
    done = {"processes": kill_cgroup_tree(), "shims": kill_shims(run_root=run_root)}
    done["mounts"] = unmount_under([run_root, *state_dirs])
    done["netns"] = delete_pod_netns()
    done["cgroups"] = remove_cgroups()
    done["bridges"] = len(delete_bridges())
    if kube_proxy is not None:
        clear_proxy_rules(kube_proxy)
    done["chains"] = len(delete_chains([BOUNDARY_CHAIN, *KUBE_CHAINS]))
    with contextlib.suppress(LabError):
        run(["rm", "-rf", str(run_root)], check=False)
    return done
