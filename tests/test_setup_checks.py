"""Lab 00's set-up checks judged on recorded answers: each one's pass and each of its failure messages."""

from rolloutlab.lab import checks

CLIENT_132 = {"major": "1", "minor": "32", "gitVersion": "v1.32.3"}
SERVER_133 = {"major": "1", "minor": "33", "gitVersion": "v1.33.13"}
SERVER_135 = {"major": "1", "minor": "35", "gitVersion": "v1.35.0"}


def test_kubectl_missing_or_silent_or_there():
    """No kubectl says how to install it; one that does not answer is named; one that answers passes."""
    assert "not on your PATH" in checks.judge_kubectl(path=None, client=None).message
    assert "does not answer" in checks.judge_kubectl(path="/usr/bin/kubectl", client=None, error="boom").message
    assert checks.judge_kubectl(path="/usr/bin/kubectl", client=CLIENT_132).ok


def test_cluster_within_skew_passes():
    """kubectl 1.32 against a 1.33 cluster: one minor apart, supported."""
    result = checks.judge_cluster({"clientVersion": CLIENT_132, "serverVersion": SERVER_133}, where="x", error="")
    assert result.ok
    assert "v1.33.13" in result.message


def test_cluster_out_of_skew_is_unsupported_not_unreachable():
    """kubectl 1.32 against 1.35: said to be unsupported, and that commands may still work (or misbehave)."""
    result = checks.judge_cluster({"clientVersion": CLIENT_132, "serverVersion": SERVER_135}, where="x", error="")
    assert not result.ok
    assert "does not support" in result.message
    assert "some commands may fail or misbehave" in result.message


def test_no_cluster_names_the_context_and_kubectl_error():
    """No server version: the message names the context and kubectl's last error line, and how to start one."""
    result = checks.judge_cluster({"clientVersion": CLIENT_132}, where="kind-x", error="a\nconnection refused")
    assert not result.ok
    assert "kind-x (connection refused)" in result.message
    assert "sandbox up" in result.message


def test_nodes():
    """Nodes: unreadable, none Ready, and Ready ones named."""
    node = {"metadata": {"name": "node-1"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    sick = {"metadata": {"name": "node-2"}, "status": {"conditions": [{"type": "Ready", "status": "False"}]}}
    assert "cannot list nodes: EOF" in checks.judge_nodes(None, error="EOF").message
    assert "no node is Ready" in checks.judge_nodes([sick]).message
    assert checks.judge_nodes([node, sick]).message == "1 Ready: node-1"


def test_registry_and_docker():
    """Registry and Docker: answering passes; silent says what starts them."""
    assert checks.judge_registry(address="localhost:5001", answers=True).ok
    assert "LAB_REGISTRY" in checks.judge_registry(address="127.0.0.1:9", answers=False).message
    assert checks.judge_docker("20.10.24").ok
    assert "docker info" in checks.judge_docker(None).message
