"""Stopped from outside (SIGTERM as `timeout` and CI runners send, SIGHUP as a closed terminal), validate and
`rolloutlab lab` clean up as on Ctrl-C: kernels gone, namespaces deleted, no credentials left, one line."""

import json
import os
import re
import signal
import sys
from pathlib import Path

import pytest
import requests
import yaml

from helpers import Output, validate_command, wait_for
from rolloutlab import kubectl, process
from rolloutlab.course import jupyter

ROOT = Path(__file__).resolve().parents[1]


def _kernels(home: Path) -> set[int]:
    """The kernels started for ROLLOUTLAB_HOME=`home`: this test's, never those of the suite's lab run beside it."""
    found = set()
    mark = f"ROLLOUTLAB_HOME={home}".encode()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (b"ipykernel_launcher" in (proc / "cmdline").read_bytes()
                        and mark in (proc / "environ").read_bytes().split(b"\0")):  # fmt: skip
                    found.add(int(proc.name))
            except OSError:
                pass
    return found


def _kubeconfig_namespace(home: Path) -> str | None:
    """The namespace of the lab's private kubeconfig, once the lab has written it there."""
    for path in (home / "kernels").glob("*/kubeconfig"):
        try:
            config = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError):  # being written
            continue
        current = [c for c in config.get("contexts") or [] if c["name"] == config.get("current-context")]
        if current and current[0]["context"].get("namespace"):
            return current[0]["context"]["namespace"]
    return None


def _namespaces(sandbox, prefix: str) -> dict[str, bool]:
    """Namespaces named `prefix`…, each with whether it is still active (not being deleted)."""
    out = kubectl.run(["get", "namespaces", "-o", "json"], kubeconfig=sandbox.kubeconfig, kubectl=sandbox.kubectl,
                      timeout=60, check=True).stdout  # fmt: skip
    return {i["metadata"]["name"]: "deletionTimestamp" not in i["metadata"] for i in json.loads(out)["items"]
            if i["metadata"]["name"].startswith(prefix)}  # fmt: skip


@pytest.mark.sandbox
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_validate_stopped_mid_lab_leaves_nothing(sandbox, tmp_path, stop):
    """Mid-lab signal: exit 128+n, one line naming it, no kernel, the lab's namespace deleted, no private folder."""
    home = tmp_path / "home"
    env = {**os.environ, "KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry, "CI": "true",
           "ROLLOUTLAB_HOME": str(home)}  # fmt: skip
    command = validate_command("03", out=tmp_path / "o")
    proc = process.spawn(command, env=env, stdout=process.PIPE, stderr=process.PIPE)
    errors = Output(proc.stderr)
    assert "03-failed-rollout: started" in process.first_line(proc, timeout=120)
    wait_for(lambda: _kernels(home), timeout=60, what="the lab's kernel")
    # The lab's own namespace, as its private kubeconfig says once it is written: another lab 03 may run beside.
    namespace = wait_for(lambda: _kubeconfig_namespace(home), timeout=60, what="the lab to open")
    assert _namespaces(sandbox, namespace) == {namespace: True}
    proc.send_signal(stop)
    proc.wait(timeout=120)
    err = errors.text(timeout=30)
    assert proc.returncode == 128 + stop.value
    assert err.strip().splitlines() == [
        f"rolloutlab: stopped by {stop.name}; what it had started was stopped and removed"
    ]
    assert _kernels(home) == set()
    assert _namespaces(sandbox, namespace).get(namespace) in (None, False)
    assert list((home / "kernels").iterdir()) == []


@pytest.mark.sandbox
def test_rolloutlab_lab_stopped_by_sigterm_stops_its_kernels(sandbox, tmp_path):
    """JupyterLab with a running kernel, SIGTERM to `rolloutlab lab`: the server and the kernel are gone, one line."""
    home = tmp_path / "home"
    env = {**os.environ, "KUBECONFIG": str(sandbox.kubeconfig), "ROLLOUTLAB_HOME": str(home)}
    port = jupyter.free_port(18988)
    proc = process.spawn([sys.executable, "-m", "rolloutlab", "lab", "--no-browser", "--port", str(port)], cwd=ROOT,
                         env=env, stdout=process.PIPE, stderr=process.PIPE)  # fmt: skip
    errors = Output(proc.stderr)
    url = re.search(r"(http://127\.0\.0\.1:\d+)/lab/tree/en\?token=(\S+)", process.first_line(proc, timeout=120))
    assert url
    base, token = url.group(1), url.group(2)

    def started() -> bool:
        try:
            answer = requests.post(f"{base}/api/kernels", headers={"Authorization": f"token {token}"},
                                   json={"name": "python3"}, timeout=10)  # fmt: skip
        except requests.ConnectionError:
            return False
        return answer.status_code == 201

    wait_for(started, timeout=60, what="JupyterLab to start a kernel")
    wait_for(lambda: _kernels(home), timeout=60, what="the kernel process")
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=90)
    err = errors.text(timeout=30)
    assert proc.returncode == 143
    assert err.strip().splitlines()[-1] == "rolloutlab: stopped by SIGTERM; what it had started was stopped and removed"
    wait_for(lambda: _kernels(home) == set(), timeout=10, what="the kernels to be gone", interval=0.2)
