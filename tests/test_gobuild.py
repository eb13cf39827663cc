"""The wrapper modules that build Kubernetes, etcd and kwok from the Go module proxy."""

from pathlib import Path

import pytest

from rolloutlab import versions
from rolloutlab.errors import LabError
from rolloutlab.sandbox import gobuild

RECORDED_GO_MOD = (Path(__file__).parent / "data" / "kubernetes-v1.33.13.go.mod").read_text()


def test_staging_modules_are_read_from_the_release_go_mod():
    """Every `=> ./staging/...` line of the real 1.33.13 go.mod is found, and nothing else."""
    staging = gobuild.staging_modules(RECORDED_GO_MOD)
    assert len(staging) == RECORDED_GO_MOD.count("=> ./staging/")
    assert {"k8s.io/api", "k8s.io/client-go", "k8s.io/kubectl", "k8s.io/kube-aggregator"} <= set(staging)
    assert "k8s.io/klog/v2" not in staging


def test_kubernetes_wrapper_replaces_staging_with_published_twins():
    """The wrapper go.mod pins k8s.io/kubernetes and points each staging module at v0.MINOR.PATCH."""
    release = versions.Release.parse("1.33.13")
    component = gobuild.kubernetes_component(release=release, go_mod=RECORDED_GO_MOD)
    text = gobuild.wrapper_go_mod(component)
    assert "\tk8s.io/kubernetes v1.33.13" in text
    assert "\tk8s.io/client-go => k8s.io/client-go v0.33.13" in text
    assert text.count(" => ") == len(gobuild.staging_modules(RECORDED_GO_MOD))
    assert "godebug default=go1.24" in text
    assert "kubectl" not in component.commands


def test_kubernetes_binaries_are_version_stamped():
    """kwokctl reads `--version`: the build stamps gitVersion, gitMajor and gitMinor."""
    release = versions.Release.parse("1.33.13")
    component = gobuild.kubernetes_component(release=release, go_mod=RECORDED_GO_MOD)
    flags = " ".join(component.ldflags)
    assert "k8s.io/component-base/version.gitVersion=v1.33.13" in flags
    assert "version.gitMinor=33" in flags


def test_kubectl_is_built_apart_from_the_same_wrapper():
    """kubectl has a folder of its own (what `sandbox env` puts on PATH holds nothing else), stamped and pinned
    exactly as the cluster's binaries."""
    kubernetes = gobuild.kubernetes_component(release=versions.Release.parse("1.33.13"), go_mod=RECORDED_GO_MOD)
    component = gobuild.kubectl_component(kubernetes)
    assert component.commands == {"kubectl": "k8s.io/kubernetes/cmd/kubectl"}
    assert component.folder == "kubectl-v1.33.13"
    assert gobuild.wrapper_go_mod(component).splitlines()[1:] == gobuild.wrapper_go_mod(kubernetes).splitlines()[1:]
    assert component.ldflags == kubernetes.ldflags


def test_go_mod_without_staging_is_refused():
    """A go.mod that lists no staging modules means a wrong pin, said as such."""
    with pytest.raises(LabError, match="no staging modules"):
        gobuild.kubernetes_component(release=versions.Release.parse("1.33.13"), go_mod="module k8s.io/kubernetes\n")


def test_tools_file_imports_every_command():
    """The build-tagged tools.go keeps every main package in the wrapper's module graph; of kwok only kwokctl is
    built (its node simulator would fight the real kubelets, and is not started)."""
    component = gobuild.kwok_component(version="0.7.0")
    text = gobuild.wrapper_tools_go(component)
    assert text.startswith("//go:build tools")
    assert '_ "sigs.k8s.io/kwok/cmd/kwokctl"' in text
    assert '_ "sigs.k8s.io/kwok/cmd/kwok"\n' not in text


def test_missing_go_is_one_clear_error(tmp_path):
    """With no go on the search path the error says Go is missing and where to get it."""
    with pytest.raises(LabError) as caught:
        gobuild.find_go(search_path=str(tmp_path))
    message = str(caught.value)
    assert "Go is not installed" in message
    assert "go.dev" in message
    assert "\n" not in message


def test_too_old_go_is_refused(tmp_path):
    """A Go older than 1.24 cannot build Kubernetes 1.33: the error names the version found."""
    fake = tmp_path / "go"
    fake.write_text("#!/bin/sh\necho go1.19.8\n")
    fake.chmod(0o755)
    with pytest.raises(LabError, match=r"Go 1\.19 is too old"):
        gobuild.find_go(search_path=str(tmp_path))


def test_release_go_mod_is_fetched_into_a_brand_new_home(tmp_path):
    """On a new machine the cache folder does not exist yet; fetching the release's go.mod creates it."""
    from rolloutlab.paths import Paths

    builder = gobuild.Builder(paths=Paths(cache=tmp_path / "new-home"), say=lambda _: None)
    text = builder.module_go_mod(module="k8s.io/kubernetes", version=f"v{versions.KUBERNETES}")
    assert gobuild.staging_modules(text) == gobuild.staging_modules(RECORDED_GO_MOD)
