"""Without a cluster, validate and the labs say what to do in one line; with none configured, the sandbox is used."""

import json
import os
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager

from helpers import validate_command
from rolloutlab import process
from rolloutlab.course import classroom
from rolloutlab.errors import LabError
from rolloutlab.lab import cluster
from rolloutlab.settings import LabSettings

NOWHERE = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: gone, context: {cluster: c, user: u}}]
current-context: gone
"""


def _env(tmp_path: Path, kubeconfig: str) -> dict[str, str]:
    config = tmp_path / "config"
    config.write_text(kubeconfig)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAB_")}
    return {**env, "KUBECONFIG": str(config), "ROLLOUTLAB_HOME": str(tmp_path / "home")}


def test_validate_with_no_cluster_and_no_sandbox_is_one_line(tmp_path):
    """No current context, no sandbox: exit 2 and one line naming both ways out, not kubectl's localhost:8080."""
    command = validate_command("00", out=tmp_path / "o")
    proc = process.run(command, env=_env(tmp_path, ""), timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("rolloutlab: no cluster configured: KUBECONFIG=")
    assert "rolloutlab sandbox up" in proc.stderr
    assert "8080" not in proc.stderr


def test_a_configured_cluster_that_does_not_answer_is_named_and_not_replaced(tmp_path, monkeypatch):
    """A current context whose server is down: the context is named; the sandbox is not silently used instead."""
    for name, value in _env(tmp_path, NOWHERE).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(LabError, match="the cluster of context 'gone' does not answer"):
        cluster.choose(LabSettings.from_env(), say=print)


def test_a_kubeconfig_that_does_not_exist_is_named_and_not_replaced_by_the_sandbox(tmp_path):
    """`validate --kubeconfig` with a mistyped path: exit 2, one line naming the path, no report (the running
    sandbox once stood in, and its labs passed as the named cluster's)."""
    missing = tmp_path / "class-cluster.yaml"
    command = [*validate_command("00", out=tmp_path / "o"), "--kubeconfig", str(missing)]
    proc = process.run(command, env=_env(tmp_path, ""), timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"rolloutlab: the kubeconfig {missing} does not exist")
    assert not (tmp_path / "o" / "report.json").exists()


@pytest.mark.parametrize(("written", "said"), [(None, "the kubeconfig .* does not exist"),
                                               ("", "the kubeconfig has no current context")])  # fmt: skip
def test_class_create_names_a_missing_kubeconfig_or_context_without_python_values(tmp_path, written, said):
    """`class create` with a mistyped --kubeconfig, or one with no current context and no --context: one line
    that says which (it once said "context None is not in the kubeconfig")."""
    path = tmp_path / "class.yaml"
    if written is not None:
        path.write_text(written)
    with pytest.raises(LabError, match=said) as raised:
        classroom.Classroom(context=None, kubeconfig=str(path)).create(names=["ana"], out=tmp_path / "out")
    assert "None" not in str(raised.value)
    assert not (tmp_path / "out").exists()


def test_in_a_notebook_the_message_is_one_line_without_a_traceback(tmp_path):
    """`open_lab` with no cluster: the cell's error shows the one line, no Python frames."""
    km = KernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "k"))
    km.start_kernel(env=_env(tmp_path, ""))
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        errors = []
        client.execute_interactive("from rolloutlab.lab import open_lab\nlab = open_lab('00')", timeout=120,
                                   output_hook=lambda m: errors.append(m["content"]) if m["msg_type"] == "error"
                                   else None)  # fmt: skip
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)
    assert len(errors) == 1
    assert errors[0]["ename"] == "LabError"
    assert len(errors[0]["traceback"]) == 1
    assert "rolloutlab: no cluster configured" in errors[0]["traceback"][0]
    assert "File " not in errors[0]["traceback"][0]


@pytest.mark.sandbox
def test_with_nothing_configured_the_running_sandbox_is_used_and_said(sandbox, tmp_path, monkeypatch):
    """No current context but the sandbox runs: its kubeconfig is chosen, and a line says so."""
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "empty"))
    (tmp_path / "empty").write_text("")
    said = []
    chosen = cluster.choose(LabSettings.from_env(), say=said.append)
    assert chosen.kubeconfig == str(sandbox.kubeconfig)
    assert said == [f"no cluster configured: using the running sandbox ({sandbox.kubeconfig})"]


@pytest.mark.sandbox
@pytest.mark.alone
def test_validate_with_nothing_configured_runs_a_recording_lab_on_the_sandbox(sandbox, tmp_path):
    """No current context: validate says it uses the sandbox, and lab 02 (which records) passes there. Straight
    through (`--no-proofs`): the suite's own lab run proves lab 02's checks; here its report says none was proved."""
    (tmp_path / "empty").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAB_")}
    env.update({"KUBECONFIG": str(tmp_path / "empty"), "LAB_REGISTRY": sandbox.registry, "CI": "true"})
    command = [*validate_command("02", out=tmp_path / "o"), "--no-proofs"]
    proc = process.run(command, env=env, timeout=600, check=False)
    assert proc.stdout.splitlines()[0] == f"no cluster configured: using the running sandbox ({sandbox.kubeconfig})"
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["proved"] is False
    assert report["labs"][0]["proofs"] == []
    assert report["labs"][0]["detours"] == []
    assert report["labs"][0]["timelines"] == ["en/02-deploy-and-set-image/02-set-image.json"]
    assert "run with --no-proofs" in (tmp_path / "o" / "report.html").read_text()
