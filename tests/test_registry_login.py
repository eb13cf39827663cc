"""The registry's login: the sandbox's registry asks for one, as Docker Hub does in the course notes."""

import base64
import json
import os
import stat

import pytest
import requests

from rolloutlab.images import credentials, registry
from rolloutlab.lab import checks
from rolloutlab.sandbox import nodeconfig
from rolloutlab.sandbox.nodeconfig import NodeDirs


def docker_config(folder, auths: dict) -> None:
    (folder / "config.json").write_text(json.dumps({"auths": auths}))


def test_docker_login_is_read_from_dockers_config(tmp_path, monkeypatch):
    """What `docker login` stored (base64 user:password under the registry's address) is what the checks read."""
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    docker_config(tmp_path, {"localhost:5001": {"auth": base64.b64encode(b"student:s3cret").decode()}})
    assert credentials.docker_login("localhost:5001") == credentials.Login("student", "s3cret")
    assert credentials.docker_login("localhost:5002") is None
    docker_config(tmp_path, {})
    assert credentials.docker_login("localhost:5001") is None


def test_the_login_given_in_the_environment_wins(tmp_path, monkeypatch):
    """LAB_REGISTRY_USER and LAB_REGISTRY_PASSWORD (what `sandbox env` exports) are used for LAB_REGISTRY; with no
    login known for a remote registry, none is sent, and a student is told any login will do."""
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("ROLLOUTLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LAB_REGISTRY", "registry.class.example:5000")
    monkeypatch.setenv("LAB_REGISTRY_USER", "alice")
    monkeypatch.setenv("LAB_REGISTRY_PASSWORD", "pw")
    assert credentials.for_registry("registry.class.example:5000") == credentials.Login("alice", "pw")
    assert credentials.for_registry("other.example:5000") is None
    monkeypatch.delenv("LAB_REGISTRY_USER")
    assert credentials.to_give("registry.class.example:5000") == credentials.Login("student", "student")


def test_judge_login_says_what_is_missing():
    """No login in Docker, a login the registry refuses, a registry that does not answer: each its own line."""
    assert not checks.judge_login(registry="r:1", username=None, accepted=True).ok
    assert "docker login r:1" in checks.judge_login(registry="r:1", username=None, accepted=False).message
    refused = checks.judge_login(registry="r:1", username="student", accepted=False)
    assert not refused.ok
    assert "wrong password" in refused.message
    assert "does not answer" in checks.judge_login(registry="r:1", username="student", accepted=None).message
    assert checks.judge_login(registry="r:1", username="student", accepted=True).ok


def test_nodes_pull_with_the_registrys_login(tmp_path):
    """Each node's containerd gets the login under registry.configs, as a class cluster's nodes get a private
    registry's; without a login the section is absent."""
    dirs = NodeDirs(state=tmp_path / "node-1", run=tmp_path / "run")
    text = nodeconfig.containerd_config(dirs, sandbox_image="localhost:5001/p:1", registry="localhost:5001",
                                        login=credentials.Login("student", "pw"))  # fmt: skip
    assert '[plugins."io.containerd.grpc.v1.cri".registry.configs."localhost:5001".auth]' in text
    assert 'password = "pw"' in text
    bare = nodeconfig.containerd_config(dirs, sandbox_image="localhost:5001/p:1", registry="localhost:5001", login=None)
    assert "registry.configs" not in bare


@pytest.mark.sandbox
def test_the_sandbox_registry_asks_for_its_login(sandbox):
    """Without a login the registry answers 401 (what `docker push` shows as `unauthorized`); with the sandbox's
    login, kept 0600, it answers; `sandbox env` exports it for scripts."""
    from rolloutlab.paths import Paths

    response = requests.get(f"http://{sandbox.registry}/v2/_catalog", timeout=5)
    assert response.status_code == 401
    login = credentials.sandbox_login()
    assert login is not None
    assert registry.accepts(address=sandbox.registry, login=login) is True
    assert registry.accepts(address=sandbox.registry, login=credentials.Login("student", "wrong")) is False
    assert stat.S_IMODE(Paths.from_env().registry_password.stat().st_mode) == 0o600
    assert os.environ.get("LAB_REGISTRY_USER") == "student"  # ./scripts/test evals `rolloutlab sandbox env`
