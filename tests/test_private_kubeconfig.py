"""A lab kernel's copy of the credentials lives in a folder of its own, 0700/0600, and outlives no kernel."""

import os
import signal
import stat
from pathlib import Path

from jupyter_client.manager import KernelManager

from rolloutlab.settings import sweep_private_folders

FAKE_KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: u, user: {token: secret-token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
"""


def _kernel(tmp_path: Path) -> KernelManager:
    (tmp_path / "config").write_text(FAKE_KUBECONFIG)
    env = {**os.environ, "ROLLOUTLAB_HOME": str(tmp_path / "home"), "KUBECONFIG": str(tmp_path / "config"),
           "LAB_NAMESPACE": "lab-x"}  # fmt: skip
    km = KernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "k"))
    km.start_kernel(env=env)
    return km


def _private_copy(km: KernelManager) -> Path:
    client = km.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    found: list[str] = []
    client.execute_interactive("from rolloutlab.settings import LabSettings\n"
                               "print(LabSettings.from_env().apply_to_kubectl())",
                               output_hook=lambda m: found.append(m["content"].get("text", "")),
                               timeout=60)  # fmt: skip
    client.stop_channels()
    return Path("".join(found).strip())


def test_the_copy_is_private_and_goes_when_the_kernel_shuts_down(tmp_path):
    """Folder 0700, file 0600 holding the token, namespace set; a clean kernel shutdown removes the folder."""
    before = set(Path("/tmp").glob("rolloutlab-*.kubeconfig"))
    km = _kernel(tmp_path)
    copy = _private_copy(km)
    assert set(Path("/tmp").glob("rolloutlab-*.kubeconfig")) == before, "no copy in /tmp any more"
    assert copy.parent.parent == tmp_path / "home" / "kernels"
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert "secret-token" in copy.read_text()
    assert "namespace: lab-x" in copy.read_text()
    km.shutdown_kernel(now=False)
    assert list((tmp_path / "home" / "kernels").iterdir()) == []


def test_a_killed_kernel_leaves_its_copy_until_the_next_sweep(tmp_path):
    """SIGKILL skips the kernel's own clean-up; the next sweep (a new kernel, validate, `rolloutlab lab`) removes it."""
    km = _kernel(tmp_path)
    copy = _private_copy(km)
    os.kill(km.provisioner.pid, signal.SIGKILL)
    km.provisioner.process.wait(timeout=10)
    assert copy.exists()
    started = Path(f"/proc/{os.getpid()}/stat").read_text().rsplit(") ", 1)[1].split()[19]
    live = tmp_path / "home" / "kernels" / f"{os.getpid()}-{started}"
    live.mkdir()
    assert sweep_private_folders(tmp_path / "home" / "kernels") == [copy.parent]
    assert not copy.parent.exists()
    assert live.exists(), "a live process's folder must be kept"
    km.cleanup_resources()
