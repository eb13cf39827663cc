"""Lab settings come from the environment, with defaults that work for a student."""

import os

import pytest

from rolloutlab.errors import LabError
from rolloutlab.settings import LabSettings


def test_defaults_work_for_a_student():
    """No variables set: the sandbox's registry and the default namespace."""
    settings = LabSettings.from_env({})
    assert settings.registry == "localhost:5001"
    assert settings.namespace == "default"
    assert settings.image("1.0.0") == "localhost:5001/first-app-k8s:1.0.0"


def test_environment_overrides():
    """LAB_REGISTRY, LAB_NAMESPACE, LAB_CONTEXT and KUBECONFIG are taken as given."""
    settings = LabSettings.from_env(
        {"LAB_REGISTRY": "docker.io/student/", "LAB_NAMESPACE": "alice", "LAB_CONTEXT": "kind-kind",
         "KUBECONFIG": "/tmp/k"}
    )  # fmt: skip
    assert settings.registry == "docker.io/student"
    assert (settings.namespace, settings.context, settings.kubeconfig) == ("alice", "kind-kind", "/tmp/k")
    assert settings.registry_port == 443


def test_registry_url_is_refused_with_the_right_form():
    """A URL in LAB_REGISTRY is a common slip; the message shows the host:port form."""
    with pytest.raises(LabError, match="host:port"):
        LabSettings.from_env({"LAB_REGISTRY": "http://localhost:5001"})


def test_live_view_is_on_for_a_student_and_off_when_asked():
    """A student's figures redraw while they record; LAB_LIVE_VIEW=off (validate's kernels) draws them once."""
    assert LabSettings.from_env({}).live_view
    assert LabSettings.from_env({"LAB_LIVE_VIEW": "on"}).live_view
    for off in ("off", "0", "no", "OFF "):
        assert not LabSettings.from_env({"LAB_LIVE_VIEW": off}).live_view


def test_the_current_context_is_read_from_the_kubeconfig_files_as_kubectl_merges_them(tmp_path, monkeypatch):
    """The first file of $KUBECONFIG that sets a current context gives it; files missing or without one are
    skipped; none at all is ""."""
    from rolloutlab.lab import observe

    (tmp_path / "none").write_text("apiVersion: v1\nkind: Config\n")
    (tmp_path / "a").write_text("apiVersion: v1\nkind: Config\ncurrent-context: first\n")
    (tmp_path / "b").write_text("apiVersion: v1\nkind: Config\ncurrent-context: second\n")
    listed = [tmp_path / "missing", tmp_path / "none", tmp_path / "a", tmp_path / "b"]
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(str(p) for p in listed))
    assert observe.current_context() == "first"
    assert observe.current_context(kubeconfig=str(tmp_path / "b")) == "second"
    assert observe.current_context(kubeconfig=str(tmp_path / "none")) == ""


def test_each_clone_and_each_language_keeps_its_own_jupyterlab_tabs(tmp_path):
    """`rolloutlab lab` saves JupyterLab's open tabs in the clone it serves, one folder per language: a tab opened
    in another clone (or by another language) never comes back here."""
    from rolloutlab.paths import Paths, Repository

    one, other = Repository(root=tmp_path / "one"), Repository(root=tmp_path / "other")
    assert one.workspaces("en") != other.workspaces("en")
    assert one.workspaces("en") != one.workspaces("fr")
    assert one.workspaces("fr").is_relative_to(one.root)
    assert not one.workspaces("fr").is_relative_to(Paths.from_env().cache)
