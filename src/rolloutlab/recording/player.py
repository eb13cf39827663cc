"""A recording replayed in the page: the pods on the nodes, coloured by revision and showing their state, the
ReplicaSets, and the requests each version answered, at each instant of the recording, with play / pause, a
scrubber and a speed. One self-contained block of HTML (its data and its script inline, nothing fetched), shown
under `lab.draw(...)` in JupyterLab and kept as it is in the course site's pages, which need no server.

The frames are computed here, in Python, from the timeline: the script only draws them.
"""

from __future__ import annotations

import functools
import json
import secrets
from importlib import resources
from typing import Any

from rolloutlab.i18n import N_, _
from rolloutlab.recording.plot import STATE_COLORS, replicaset_colors, replicaset_labels
from rolloutlab.recording.timeline import Timeline, image_tag

MOST_FRAMES = 240  # a long recording is sampled: a frame at most every (length / MOST_FRAMES) seconds
WORDS = {"play": N_("Play"), "pause": N_("Pause"), "speed": N_("speed"), "nodes": N_("Pods on nodes"),
         "replicasets": N_("ReplicaSets"), "revision": N_("revision"), "image": N_("image"), "desired": N_("desired"),
         "ready": N_("ready"), "requests": N_("Requests answered, by version"), "failed": N_("failed"),
         "instant": N_("instant"), "replicaset": N_("ReplicaSet"), "container": N_("container"),
         "cause": N_("change-cause"), "events": N_("Latest events"),
         "live": N_("Live view; last change seen at"),
         "stale": N_("This view has stopped: its kernel restarted or stopped, so what it shows may be old. Run the "
                     "`lab.view()` cell again.")}  # fmt: skip


def frames(timeline: Timeline) -> list[dict[str, Any]]:
    """What the player shows at each instant something changed (sampled to MOST_FRAMES)."""
    times = sorted({round(t, 1) for t in timeline.change_times()} | {round(timeline.end, 1)})
    if len(times) > MOST_FRAMES:
        step = (times[-1] - times[0]) / MOST_FRAMES
        kept, last = [], None
        for t in times:
            if last is None or t - last >= step or t == times[-1]:
                kept.append(t)
                last = t
        times = kept
    requests = sorted(timeline.requests, key=lambda r: r.t)
    shown = []
    for t in times:
        pods = sorted(timeline.pods_at(t).values(), key=lambda p: p.name)
        sets = sorted(timeline.replicasets_at(t).values(), key=lambda r: (r.revision or 0, r.name))
        answered: dict[str, int] = {}
        for r in requests:
            if r.t > t:
                break
            key = r.version or "-"
            answered[key] = answered.get(key, 0) + 1
        shown.append({
            "t": t,
            "pods": [[p.name, p.node or "", p.replicaset or "", p.state] for p in pods],
            "sets": [[s.name, s.revision, image_tag(s.image), s.desired, s.ready] for s in sets],
            "answered": answered,
        })  # fmt: skip
    return shown


def html(timeline: Timeline, *, title: str = "") -> str:
    """The player for `timeline`, as one HTML block with no blank line (Markdown keeps such a block as it is)."""
    labels = replicaset_labels(timeline)
    data = {
        "title": title,
        "frames": frames(timeline),
        "nodes": sorted({p.node for p in timeline.pods if p.node}),
        "colors": replicaset_colors(timeline),
        "labels": {name: label.split(":")[-1].strip() for name, label in labels.items()},
        "states": STATE_COLORS,
        "words": words(),
    }
    # `<` escaped: the data sits in a <script> element, which a `</script>` in a string would close.
    payload = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    ident = f"rl-player-{secrets.token_hex(4)}"
    code = script("draw.js", "player.js").replace("__ID__", ident)  # in a function of its own: a page has several
    return (f"<div class='rl-player' id='{ident}' style='font-family:sans-serif;font-size:12px'>"
            f"<script type='application/json'>{payload}</script>"
            f"<script>(function(){{\n{code}\n}})();</script></div>")  # fmt: skip


def words() -> dict[str, str]:
    """The player's and the live view's words, in the student's language."""
    return {key: _(word) for key, word in WORDS.items()}


@functools.cache
def script(*names: str) -> str:
    """The scripts `names` of data/, one after the other: the shared drawing (draw.js), then the player's controls
    or the live view's module. Plain DOM, no library. Their lines are kept apart and none is blank, so that
    Markdown leaves the block alone; their comment lines are dropped."""
    lines = []
    for name in names:
        text = resources.files("rolloutlab").joinpath(f"data/{name}").read_text(encoding="utf-8")
        lines += [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("//")]
    return "\n".join(lines)
