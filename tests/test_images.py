"""The image pipeline with the real Docker engine and the sandbox's registry."""

import uuid

import docker
import pytest
import requests

from helpers import wait_for
from rolloutlab.errors import LabError
from rolloutlab.lab import images
from rolloutlab.settings import LabSettings

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def settings(sandbox):
    """The sandbox registry, in a repository of this test run's own (the students' first-app-k8s stays clean)."""
    return LabSettings.from_env(
        {"LAB_REGISTRY": sandbox.registry, "LAB_REPOSITORY": f"rolloutlab-tests/app-{uuid.uuid4().hex[:6]}"}
    )


@pytest.fixture(scope="module")
def built(settings):
    """Version 1.0.0 of the app, built from app/Dockerfile by the real engine."""
    tag = f"1.0.0-t{uuid.uuid4().hex[:6]}"
    return tag, images.build(settings=settings, tag=tag, message="!!! Hola is new version !!!")


def test_image_runs_and_serves_its_version(built):
    """The built image runs as a container and answers / with its version and message on a published port."""
    tag, name = built
    api = docker.from_env()
    container = api.containers.run(name, detach=True, ports={"8080/tcp": ("127.0.0.1", None)})
    try:
        container.reload()
        port = container.attrs["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"]

        def home() -> tuple[requests.Response] | None:  # in a tuple: a Response of 4xx or 5xx is falsy itself
            try:
                return (requests.get(f"http://127.0.0.1:{port}/", timeout=2),)
            except requests.ConnectionError:
                return None

        (page,) = wait_for(home, timeout=20, what="the container to answer", interval=0.2)
        assert page.status_code == 200
        assert tag in page.text
        assert "!!! Hola is new version !!!" in page.text
        assert container.attrs["Config"]["User"] == "10001:10001"

        assert requests.get(f"http://127.0.0.1:{port}/error", timeout=5).status_code == 500
        assert container.wait(timeout=20)["StatusCode"] == 1
    finally:
        container.remove(force=True)
        api.close()


def test_two_versions_pushed_and_listed(settings):
    """Two versions pushed to the sandbox registry are listed as its tags."""
    repository = f"rolloutlab-tests/two-{uuid.uuid4().hex[:6]}"
    for tag, message in (("1.0.0", "first"), ("1.1.0", "second")):
        name = images.build(settings=settings, tag=tag, message=message, repository=repository)
        pushed = images.push(settings=settings, tag=tag, repository=repository)
        assert pushed.image == name
    assert images.tags(settings=settings, repository=repository) == ["1.0.0", "1.1.0"]
    assert images.tag_exists(settings=settings, tag="1.1.0", repository=repository)
    assert not images.tag_exists(settings=settings, tag="2.0.0", repository=repository)


def test_reusing_a_tag_with_new_content_is_refused_unless_forced(settings):
    """Pushing different content under an existing tag is refused with the reason; force replaces it."""
    repository = f"rolloutlab-tests/reuse-{uuid.uuid4().hex[:6]}"
    images.build(settings=settings, tag="1.0.0", message="first", repository=repository)
    images.push(settings=settings, tag="1.0.0", repository=repository)
    images.push(settings=settings, tag="1.0.0", repository=repository)  # same content again: fine
    images.build(settings=settings, tag="1.0.0", message="changed", repository=repository)
    with pytest.raises(LabError, match="already exists in the registry with different content") as caught:
        images.push(settings=settings, tag="1.0.0", repository=repository)
    assert "does not roll" in str(caught.value)
    images.push(settings=settings, tag="1.0.0", repository=repository, force=True)


def test_latest_gets_a_warning(settings):
    """Pushing `latest` works but warns why a version tag is better."""
    repository = f"rolloutlab-tests/latest-{uuid.uuid4().hex[:6]}"
    images.build(settings=settings, tag="latest", message="", repository=repository)
    said = []
    pushed = images.push(settings=settings, tag="latest", repository=repository, say=said.append)
    assert pushed.warnings
    assert "'latest' is only a name" in said[0]


def test_bad_tag_is_rejected_with_the_rule(settings):
    """An invalid tag never reaches Docker: the error states the rule."""
    with pytest.raises(LabError, match=r"must not start with '\.' or '-'"):
        images.build(settings=settings, tag="-1.0", message="")


def test_unreachable_registry_is_one_line(built, settings):
    """Pushing to a registry nobody serves: one line saying it cannot be reached."""
    tag, name = built
    elsewhere = LabSettings.from_env({"LAB_REGISTRY": "localhost:5999", "LAB_REPOSITORY": settings.repository})
    api = docker.from_env()
    api.images.get(name).tag(f"localhost:5999/{settings.repository}:{tag}")
    api.close()
    with pytest.raises(LabError, match="cannot be reached") as caught:
        images.push(settings=elsewhere, tag=tag)
    assert "\n" not in str(caught.value)
    assert "connection refused: nothing listens there" in str(caught.value)
    assert "Error" not in str(caught.value)  # no Python exception name


def test_docker_not_running_is_one_line(settings, monkeypatch):
    """With no engine answering (a dead DOCKER_HOST), building says Docker is not running and what to do."""
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(LabError, match="Docker is not running"):
        images.build(settings=settings, tag="1.0.0", message="", base_image="scratch")


def test_a_registry_5xx_is_pushed_again_a_refusal_is_not():
    """A registry's own 500 (two pushes of one layer at once) is worth another push; a refused login is not."""
    from rolloutlab.lab import images as lab_images

    assert lab_images._transient("received unexpected HTTP status: 500 Internal Server Error")
    assert not lab_images._transient("unauthorized: authentication required")
    assert not lab_images._transient("manifest invalid")


def test_rebuilding_the_lessons_images_replaces_what_the_registry_held(settings):
    """`lab.rebuild_images()` builds latest and 1.0.0 from today's app and pushes them over other content (an
    older build, here a scratch image), which a plain push refuses."""
    from helpers import push_scratch_image
    from rolloutlab.lab import helpers as lab_helpers

    for tag in ("latest", "1.0.0"):
        push_scratch_image(registry=settings.registry, repository=settings.repository, tag=tag)
    before = {tag: images.remote_config_digest(image=settings.image(tag)) for tag in ("latest", "1.0.0")}
    assert lab_helpers.rebuild_images(settings=settings) == ["latest", "1.0.0"]
    api = docker.from_env()
    try:
        for tag in ("latest", "1.0.0"):
            after = images.remote_config_digest(image=settings.image(tag))
            assert after != before[tag]
            assert after == api.images.get(settings.image(tag)).id
    finally:
        api.close()
