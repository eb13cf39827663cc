"""Version pinning: one place, parsed strictly, staging versions derived from the release."""

import pytest

from rolloutlab import versions


def test_release_parses_with_or_without_v():
    """`1.33.13` and `v1.33.13` are the same release."""
    assert versions.Release.parse("v1.33.13") == versions.Release.parse("1.33.13")
    assert versions.Release.parse("1.33.13").tag == "v1.33.13"


@pytest.mark.parametrize("bad", ["1.33", "v1.33.x", "latest", "1.33.13.1", ""])
def test_release_rejects_malformed(bad):
    """Anything but MAJOR.MINOR.PATCH is refused with the expected form in the message."""
    with pytest.raises(ValueError, match=r"like 1\.33\.13"):
        versions.Release.parse(bad)


def test_staging_version_follows_the_release():
    """Staging modules of Kubernetes 1.Y.Z are published as v0.Y.Z."""
    assert versions.Release.parse("1.33.13").staging == "v0.33.13"
    assert versions.Release.parse("1.34.2").staging == "v0.34.2"


def test_pinned_kubernetes_is_within_skew_of_the_machines_kubectl():
    """The pinned release stays within one minor of kubectl 1.32, the machine image's kubectl."""
    release = versions.kubernetes_release()
    assert versions.kubectl_skew_ok(client_minor=32, server_minor=release.minor)


def test_kubectl_skew_rule():
    """kubectl is supported one minor either side of the apiserver, not two."""
    assert versions.kubectl_skew_ok(client_minor=34, server_minor=33)
    assert versions.kubectl_skew_ok(client_minor=32, server_minor=33)
    assert not versions.kubectl_skew_ok(client_minor=31, server_minor=33)
