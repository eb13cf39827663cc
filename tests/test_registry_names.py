"""Image references and naming rules, parsed the way Docker and the kubelet read them."""

import pytest

from rolloutlab.images.registry import ImageRef, api_base, naming_problem


@pytest.mark.parametrize(
    ("text", "registry", "repository", "reference"),
    [
        ("localhost:5001/first-app-k8s:1.0.0", "localhost:5001", "first-app-k8s", "1.0.0"),
        ("localhost:5001/first-app-k8s", "localhost:5001", "first-app-k8s", "latest"),
        ("rhannachi1991/first-app-k8s:2.0.0", "docker.io", "rhannachi1991/first-app-k8s", "2.0.0"),
        ("nginx:alpine", "docker.io", "library/nginx", "alpine"),
        ("nginx", "docker.io", "library/nginx", "latest"),
        ("localhost/app:1", "localhost", "app", "1"),
        ("registry.example.com:443/a/b/c:v2", "registry.example.com:443", "a/b/c", "v2"),
        ("localhost:5001/app@sha256:" + "a" * 64, "localhost:5001", "app", "sha256:" + "a" * 64),
    ],
)
def test_image_reference_parsing(text, registry, repository, reference):
    """Registry, repository and tag/digest are split as Docker does, Docker Hub by default."""
    ref = ImageRef.parse(text)
    assert (ref.registry, ref.repository, ref.reference) == (registry, repository, reference)


def test_local_registries_speak_http_others_https():
    """localhost registries are reached over plain HTTP, as Docker allows; Docker Hub through its API host."""
    assert api_base("localhost:5001") == "http://localhost:5001"
    assert api_base("127.0.0.1:5001") == "http://127.0.0.1:5001"
    assert api_base("docker.io") == "https://registry-1.docker.io"


@pytest.mark.parametrize(
    ("repository", "tag", "rule"),
    [
        ("First-App", "1.0.0", "lowercase"),
        ("first-app", "-1.0", "must not start"),
        ("first-app", "1.0.0 ", "tag '1.0.0 ' is invalid"),
        ("first-app", "x" * 129, "1 to 128"),
        ("first--app/", "1", "repository"),
    ],
)
def test_invalid_names_say_the_rule(repository, tag, rule):
    """A bad repository or tag is rejected with the rule it broke."""
    problem = naming_problem(repository=repository, tag=tag)
    assert problem is not None
    assert rule in problem


def test_valid_names_pass():
    """The lesson's names are valid."""
    assert naming_problem(repository="first-app-k8s", tag="1.0.0") is None
    assert naming_problem(repository="rhannachi1991/first-app-k8s", tag="latest") is None
