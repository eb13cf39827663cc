"""A runc for Docker on machines whose capability bounding set lacks some capabilities (this VM has no
CAP_SYS_RESOURCE). Docker 20.10 gives a `--privileged` container every capability it knows, runc cannot grant
what the machine lacks, and the container fails with "unable to apply caps: operation not permitted": so kind's
nodes, which are privileged, cannot start. This wrapper removes from a container's configuration the
capabilities the machine does not have, then runs the real runc. dockerd is started with it as its default runtime
only on such machines (see `Engine.up`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

RUNTIME = "rolloutlab-runc"  # its name among dockerd's runtimes
# Linux capability names by bit number (linux/capability.h).
CAPABILITIES = (
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
    "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
    "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
    "CHECKPOINT_RESTORE",
)  # fmt: skip


def missing_capabilities(status: str) -> list[str]:
    """The capabilities (CAP_...) absent from the bounding set in a /proc/<pid>/status text."""
    for line in status.splitlines():
        if line.startswith("CapBnd:"):
            bits = int(line.split()[1], 16)
            return [f"CAP_{name}" for bit, name in enumerate(CAPABILITIES) if not bits >> bit & 1]
    return []


def interpreter() -> str:
    """The Python the wrapper runs on: the interpreter behind this one's virtual environment, never the
    environment's own link. dockerd keeps the wrapper's path for its whole life, and a clone's .venv goes with the
    clone (`rm -rf` of a CI clone made every `docker run` fail with "fork/exec .../runc-rolloutlab: no such
    file", the kernel's word for a missing interpreter). The wrapper needs the standard library only."""
    return os.path.realpath(sys.executable)


def script(*, runc: str, missing: list[str]) -> str:
    """The wrapper, a Python program of its own (runc is run once per container operation): it trims a new
    container's config.json (`create`, `run`) and the process.json of `exec` (`docker exec --privileged`)."""
    return f"""#!{interpreter()}
# Written by rolloutlab (sandbox/runcwrap.py): drops capabilities this machine lacks, then runs runc.
import json, os, sys
MISSING = set({sorted(missing)!r})
args = sys.argv[1:]


def trim(path, inside):
    with open(path) as f:
        config = json.load(f)
    caps = (config.get("process", {{}}) if inside else config).get("capabilities") or {{}}
    for key, names in caps.items():
        caps[key] = [name for name in names if name not in MISSING]
    with open(path, "w") as f:
        json.dump(config, f)


def value(*flags):
    for flag in flags:
        if flag in args[:-1]:
            return args[args.index(flag) + 1]
    return None


if "create" in args or "run" in args:
    trim(os.path.join(value("--bundle", "-b") or ".", "config.json"), inside=True)
elif "exec" in args and value("--process", "-p"):
    trim(value("--process", "-p"), inside=False)
os.execv({runc!r}, [{runc!r}, *args])
"""


def install(*, folder: Path, runc: str, status: str) -> Path | None:
    """Write the wrapper into `folder` when this machine lacks capabilities; None when it lacks none."""
    missing = missing_capabilities(status)
    if not missing:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "runc-rolloutlab"
    # Written aside, then renamed: dockerd may run it at any moment, and a half-written wrapper fails a container.
    staged = folder / f".runc-rolloutlab.{os.getpid()}"
    staged.write_text(script(runc=runc, missing=missing))
    staged.chmod(0o755)
    os.replace(staged, path)
    return path
