"""The registry client against the sandbox's real registry."""

import uuid

import pytest

from rolloutlab.images.registry import PullResult, check_manifest, is_registry, list_tags, push_scratch_image

pytestmark = pytest.mark.sandbox


def test_pushed_tags_exist_and_are_listed(sandbox):
    """A pushed tag answers 200 on its manifest and shows in the tag list; another tag does not."""
    repository = f"rolloutlab-tests/registry-{uuid.uuid4().hex[:6]}"
    for tag in ("1.0.0", "latest"):
        push_scratch_image(registry=sandbox.registry, repository=repository, tag=tag)
    assert list_tags(registry=sandbox.registry, repository=repository) == ["1.0.0", "latest"]
    assert check_manifest(f"{sandbox.registry}/{repository}:1.0.0") is PullResult.FOUND
    assert check_manifest(f"{sandbox.registry}/{repository}:2.0.0") is PullResult.NOT_FOUND


def test_unknown_repository_has_no_tags(sandbox):
    """Listing a repository that was never pushed gives no tags rather than an error."""
    assert list_tags(registry=sandbox.registry, repository=f"nobody/{uuid.uuid4().hex}") == []


def test_registry_down_is_unreachable_not_missing(sandbox):
    """Nothing listening: the answer is 'unreachable', never 'not found'."""
    assert check_manifest("localhost:5999/app:1.0.0", timeout=1) is PullResult.UNREACHABLE
    assert not is_registry(address="localhost:5999")
    assert is_registry(address=sandbox.registry)
