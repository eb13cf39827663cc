"""A half-started sandbox is reported as such, and `sandbox up` brings back what was killed."""

import functools
import os
import signal
import sys
import uuid
from pathlib import Path

import pytest

from helpers import push_scratch_image, wait_for
from rolloutlab import kubectl, process
from rolloutlab.images.registry import list_tags

pytestmark = pytest.mark.sandbox


def status_cli() -> process.Result:
    return process.run([sys.executable, "-m", "rolloutlab", "sandbox", "status"], timeout=60, check=False)


def admin(box) -> functools.partial[process.Result]:
    """kubectl.run as the sandbox's admin, with the sandbox's own kubectl, 60 s at most a call."""
    return functools.partial(kubectl.run, kubeconfig=box.paths.kubeconfig, kubectl=box.binaries(build=False).kubectl,
                             timeout=60, check=False)  # fmt: skip


def test_killed_node_processes_are_reported_and_restarted(box):
    """A killed kubelet, containerd or kube-proxy: status names it (exit 1); `up` restarts it, nodes Ready again."""
    for daemon in (box.nodes.kubelet["node-2"], box.nodes.containerd["node-3"], box.nodes.proxy):
        os.kill(daemon.pid(), signal.SIGKILL)
        wait_for(lambda d=daemon: d.pid() is None, timeout=10, what=f"{daemon.name} to die")
    proc = status_cli()
    assert proc.returncode == 1
    for name in ("kubelet (node-2)", "containerd (node-3)", "kube-proxy"):
        assert f"{name}: stopped" in proc.stdout
    status = box.up(build=False)
    assert status.up
    assert status.nodes_ready == 3


def test_killed_controller_manager_is_restarted_by_up(box):
    """With kube-controller-manager killed, status names it; `up` starts it again and the cluster is whole."""
    pid = int((box.control.cluster_dir / "pids" / "kube-controller-manager.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not box.control.component_running()["kube-controller-manager"], timeout=10, what="kcm to die")
    proc = status_cli()
    assert proc.returncode == 1
    assert "not running: kube-controller-manager" in proc.stdout
    status = box.up(build=False)
    assert status.components["kube-controller-manager"]
    # Working again, not only running: a new namespace gets its default ServiceAccount from the controllers.
    namespace = f"t-kcm-{uuid.uuid4().hex[:6]}"
    run = admin(box)
    run(["create", "namespace", namespace], check=True)
    try:
        wait_for(lambda: run(["-n", namespace, "get", "serviceaccount", "default"]).ok,
                 timeout=90, what="the restarted controller manager to create the default ServiceAccount")  # fmt: skip
    finally:
        run(["delete", "namespace", namespace, "--wait=false"])


def test_images_survive_a_registry_restart(box):
    """A stopped registry is reported; `up` starts it again on the same storage, so pushed tags remain."""
    repository = f"rolloutlab-tests/keep-{uuid.uuid4().hex[:6]}"
    push_scratch_image(registry=box.registry.address, repository=repository, tag="1.0.0")
    box.registry.down()
    proc = status_cli()
    assert proc.returncode == 1
    assert "registry not running" in proc.stdout
    box.up(build=False)
    assert list_tags(registry=box.registry.address, repository=repository) == ["1.0.0"]


def test_a_registry_of_an_earlier_version_is_started_again_with_todays_login(box):
    """A registry running an older login file (bcrypt at the usual cost, slow on every request) is not current: `up`
    starts it again with today's, and the sandbox's login still works."""
    import bcrypt

    from rolloutlab.images import credentials, registry

    login = credentials.sandbox_login()
    assert login is not None
    slow = bcrypt.hashpw(login.password.encode(), bcrypt.gensalt(rounds=10)).decode()
    box.paths.registry_htpasswd.write_text(f"{login.username}:{slow}\n")
    assert not box.registry.is_current()
    box.up(build=False)
    assert box.registry.is_current()
    assert registry.accepts(address=box.registry.address, login=login) is True


def _default_serviceaccount_seconds(box) -> float:
    """Seconds until a new namespace gets its default ServiceAccount: the controllers are at work."""
    import time

    namespace = f"t-ready-{uuid.uuid4().hex[:6]}"
    run = admin(box)
    run(["create", "namespace", namespace], check=True)
    started = time.monotonic()
    try:
        wait_for(lambda: run(["-n", namespace, "get", "serviceaccount", "default"]).ok,
                 timeout=60, what="the default ServiceAccount")  # fmt: skip
        return time.monotonic() - started
    finally:
        run(["delete", "namespace", namespace, "--wait=false"])


def test_restarted_sandbox_works_at_once(box):
    """After `down` and `up` the controllers act right away (no leader lease to wait for)."""
    box.down()
    box.up(build=False)
    assert _default_serviceaccount_seconds(box) < 10


def test_down_delete_gives_a_fresh_cluster_and_keeps_images(box):
    """`down --delete` forgets the cluster (its namespaces go) but the registry keeps its images."""
    repository = f"rolloutlab-tests/fresh-{uuid.uuid4().hex[:6]}"
    push_scratch_image(registry=box.registry.address, repository=repository, tag="1.0.0")
    run = admin(box)
    run(["create", "namespace", "t-forgotten"], check=True)
    box.down(delete=True)
    assert not box.paths.kubeconfig.exists()
    box.up(build=False)
    gone = run(["get", "namespace", "t-forgotten"])
    assert gone.returncode != 0
    assert "NotFound" in gone.stderr
    assert list_tags(registry=box.registry.address, repository=repository) == ["1.0.0"]
    assert _default_serviceaccount_seconds(box) < 10


def test_a_killed_component_left_as_a_zombie_is_started_again(box):
    """A dead component whose pid is still a zombie: status says stopped, and `up` starts it (kwokctl alone would
    count the zombie as running)."""
    pid_file = box.control.cluster_dir / "pids" / "kube-scheduler.pid"
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    zombie = process.spawn(["true"], stdout=None, stderr=None)  # not waited for: a zombie while the test holds it
    stat = Path(f"/proc/{zombie.pid}/stat")
    wait_for(lambda: stat.read_text().split(") ")[1].startswith("Z"), timeout=10, what="`true` to end as a zombie")
    pid_file.write_text(str(zombie.pid))
    try:
        assert not box.control.component_running()["kube-scheduler"]
        status = box.up(build=False)
        assert status.components["kube-scheduler"]
    finally:
        zombie.wait(timeout=10)
