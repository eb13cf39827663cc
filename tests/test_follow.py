"""The list-then-watch loop reads the watch stream the kubernetes client hands it, bookmarks included."""

import json
import threading
from types import SimpleNamespace

from rolloutlab.recording.follow import follow


class Stream:
    """What the client reads a watch from: recorded lines of the API's watch answer."""

    def __init__(self, events: list[dict]) -> None:
        self.body = "".join(json.dumps(e) + "\n" for e in events).encode()

    def stream(self, amt=None, decode_content=False):
        yield self.body

    def close(self) -> None:
        pass

    def release_conn(self) -> None:
        pass


def deployment(version: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "resourceVersion": version}}  # fmt: skip


def test_a_bookmark_moves_the_resume_point_and_is_not_an_error():
    """A BOOKMARK event (left undecoded by the client) sets where the next watch resumes, without an error."""
    stop = threading.Event()
    watched: list[str] = []
    errors: list[str] = []
    seen: list[tuple[str, str]] = []

    def lister(namespace, **kwargs):
        """The shape of AppsV1Api.list_namespaced_deployment, for the client to find the type to decode.

        :return: V1DeploymentList
        """
        if not kwargs.get("watch"):
            return SimpleNamespace(items=[], metadata=SimpleNamespace(resource_version="10"))
        watched.append(kwargs["resource_version"])
        if len(watched) == 2:
            stop.set()
            return Stream([])
        bookmark = {"type": "BOOKMARK", "object": {"kind": "Deployment", "metadata": {"resourceVersion": "42"}}}
        return Stream([{"type": "ADDED", "object": deployment("11")}, bookmark])

    follow(
        lister,
        "default",
        handle=lambda kind, obj: seen.append((kind, obj.metadata.resource_version)),
        stop=stop,
        watch_seconds=20,
        on_error=lambda what, listed_once: errors.append(what) is None,
    )
    assert seen == [("ADDED", "11")]
    assert errors == []
    assert watched == ["10", "42"]
