"""The lesson's manifests (app/k8s), with the image pointed at the lab's registry and tag."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rolloutlab.paths import repository
from rolloutlab.settings import CONTAINER, LabSettings


def lesson_objects(*, settings: LabSettings, tag: str, manifests_dir: Path | None = None) -> list[dict[str, Any]]:
    """The Deployment and Service of the lesson, the container's image set to `tag` in the lab's registry."""
    objects = []
    for path in sorted((manifests_dir or repository().manifests).glob("*.yaml")):
        objects += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for obj in objects:
        if obj["kind"] == "Deployment":
            for container in obj["spec"]["template"]["spec"]["containers"]:
                if container["name"] == CONTAINER:
                    container["image"] = settings.image(tag)
    return objects


def lesson_yaml(*, settings: LabSettings, tag: str) -> str:
    """`lesson_objects` as one YAML stream for `kubectl apply -f -`."""
    return yaml.safe_dump_all(lesson_objects(settings=settings, tag=tag), sort_keys=False)
