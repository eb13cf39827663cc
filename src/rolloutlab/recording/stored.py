"""A recording kept in the student's namespace, so that an instructor can grade its path (`class status`): one
ConfigMap per recording name, its timeline compressed. Recording again under a name replaces its ConfigMap.

Pure: the ConfigMap as a manifest and back. `lab/state.py` applies it with the student's own rights.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from rolloutlab.recording.timeline import Timeline

LABEL = "rolloutlab.dev/recording"
MANAGED = {"app.kubernetes.io/managed-by": "rolloutlab"}
KEY = "timeline.json.gz"
LIMIT = 1024 * 1024  # a ConfigMap's size limit


def name_of(recording: str) -> str:
    return f"rolloutlab-rec-{recording}"


def to_configmap(recording: str, timeline: Timeline) -> dict[str, Any]:
    """The ConfigMap that keeps `timeline`; requests are dropped first if the whole would not fit."""
    packed = _pack(timeline.to_dict())
    if len(packed) * 4 // 3 > LIMIT // 2:
        packed = _pack({**timeline.to_dict(), "requests": []})
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name_of(recording), "labels": {**MANAGED, LABEL: recording}},
            "binaryData": {KEY: base64.b64encode(packed).decode()}}  # fmt: skip


def from_configmap(configmap: dict[str, Any]) -> tuple[str, Timeline] | None:
    """(recording name, timeline) of a ConfigMap `to_configmap` made; None for any other, or one that cannot be
    read (written by another version)."""
    name = ((configmap.get("metadata") or {}).get("labels") or {}).get(LABEL)
    data = (configmap.get("binaryData") or {}).get(KEY)
    if not name or not data:
        return None
    try:
        return name, Timeline.from_dict(json.loads(gzip.decompress(base64.b64decode(data))))
    except (ValueError, KeyError, TypeError, OSError):
        return None


def _pack(data: dict[str, Any]) -> bytes:
    return gzip.compress(json.dumps(data, separators=(",", ":")).encode(), compresslevel=9)
