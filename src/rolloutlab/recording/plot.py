"""Plots of a recorded rollout (a Timeline): pods per ReplicaSet, pod states, and pods on nodes.

Every function reads a Timeline only, so it draws a live recording and a replayed JSON file alike.
"""

from __future__ import annotations

import html
import io
import re
import zlib
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.animation import FuncAnimation
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.ticker import MaxNLocator

from rolloutlab.i18n import N_, _
from rolloutlab.recording.timeline import POD_STATES, RequestSample, Timeline, image_tag

STATE_COLORS = {
    "Pending": "#bdbdbd",
    "ContainerCreating": "#9e9e9e",
    "Running-not-ready": "#a5d6a7",
    "Ready": "#2e7d32",
    "ErrImagePull": "#ef5350",
    "ImagePullBackOff": "#b71c1c",
    "Terminating": "#7e57c2",
    "Failed": "#000000",
    "Succeeded": "#607d8b",
}
VERSION_COLORS = ("#1f77b4", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
CONDITION_LABELS = {
    ("Progressing", "ProgressDeadlineExceeded"): N_("progress deadline exceeded"),
    ("Progressing", "NewReplicaSetAvailable"): N_("rollout complete"),
    ("Available", "MinimumReplicasUnavailable"): N_("unavailable"),
}


def replicaset_labels(timeline: Timeline) -> dict[str, str]:
    """ReplicaSet name -> 'rev N: tag', with the latest revision number it carried, in order of appearance."""
    labels: dict[str, str] = {}
    for sample in timeline.replicasets:
        revision = _("rev {number}", number=sample.revision if sample.revision is not None else "?")
        labels[sample.name] = revision + _(": ") + image_tag(sample.image)
    return labels


# The lesson's versions, each its own colour in every figure, player and live view.
LESSON_TAGS = ("latest", "1.0.0", "2.0.0")


def version_color(image: str) -> str:
    """A colour per version (the image's tag): a ReplicaSet an undo renumbers, or the same version in another
    recording or another Deployment, keeps its colour. Tags past the lesson's own share the other colours, by a
    checksum that every process computes alike."""
    tag = image_tag(image)
    if tag in LESSON_TAGS:
        return VERSION_COLORS[LESSON_TAGS.index(tag)]
    others = VERSION_COLORS[len(LESSON_TAGS) :]
    return others[zlib.crc32(tag.encode()) % len(others)]


def replicaset_colors(timeline: Timeline) -> dict[str, str]:
    images = {s.name: s.image for s in timeline.replicasets}
    for pod in timeline.pods:
        if pod.replicaset:
            images.setdefault(pod.replicaset, pod.image)
    return {name: version_color(image) for name, image in images.items()}


def _steps(timeline: Timeline) -> list[float]:
    times = timeline.change_times()
    end = max(timeline.end, times[-1] if times else 0.0)
    return [*times, end]


def _legend(ax: Axes) -> None:
    """The legend beside the plot, left out while nothing is drawn: a live view's first frame may come before
    the recorder saw a pod or the Deployment, and matplotlib warns of an empty legend (an error under `-W error`,
    which stops the live view's thread)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)


def plot_replicasets(timeline: Timeline, ax: Axes, *, bounds: bool = True) -> None:
    """Pods per ReplicaSet, stacked, with the desired count and (with `bounds`) the maxSurge / maxUnavailable
    bounds."""
    times = _steps(timeline)
    labels = replicaset_labels(timeline)
    colors = replicaset_colors(timeline)
    # Terminating pods no longer count for their ReplicaSet (nor for the Deployment controller): the pods-by-state
    # plot shows them.
    counts = [timeline.pod_counts_by_replicaset(t, count_terminating=False) for t in times]
    base = [0] * len(times)
    for name, color in colors.items():
        top = [b + c.get(name, 0) for b, c in zip(base, counts, strict=True)]
        if any(t != b for t, b in zip(top, base, strict=True)):
            ax.fill_between(times, base, top, step="post", color=color, alpha=0.85, linewidth=0,
                            label=labels.get(name, name))  # fmt: skip
        base = top
    deployments = [timeline.deployment_at(t) for t in times]
    if any(deployments):
        xs = [t for t, d in zip(times, deployments, strict=True) if d]
        ds = [d for d in deployments if d]
        ax.step(xs, [d.replicas for d in ds], where="post", color="black", linestyle="--", label=_("desired replicas"))
        if bounds:
            ax.step(xs, [d.replicas + d.max_surge for d in ds], where="post", color="#c62828", linestyle=":",
                    label=_("replicas + maxSurge (most pods)"))  # fmt: skip
            ax.step(xs, [d.replicas - d.max_unavailable for d in ds], where="post", color="#ef6c00", linestyle=":",
                    label=_("replicas - maxUnavailable (fewest available)"))  # fmt: skip
        ax.step(xs, [d.available for d in ds], where="post", color="#2e7d32", linewidth=2, label=_("available"))
    ax.set_ylabel(_("pods"))
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(ax)
    # Room above for the labels of the commands and conditions drawn by draw_marks.
    ax.set_title(_("Pods per ReplicaSet, not counting terminating pods"), loc="left", fontsize="medium", pad=44)


def plot_states(timeline: Timeline, ax: Axes) -> None:
    """Pods by state over time, stacked: ready, not ready, image pull errors, terminating..."""
    times = _steps(timeline)
    counts = [timeline.state_counts(t) for t in times]
    base = [0] * len(times)
    for state in POD_STATES:
        top = [b + c.get(state, 0) for b, c in zip(base, counts, strict=True)]
        if any(t != b for t, b in zip(top, base, strict=True)):
            ax.fill_between(times, base, top, step="post", color=STATE_COLORS[state], linewidth=0,
                            label=_(OWN_STATE_WORDS[state]) if state in OWN_STATE_WORDS else state)  # fmt: skip
        base = top
    ax.set_ylabel(_("pods"))
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(ax)
    ax.set_title(_("Pods by state"), loc="left", fontsize="medium")


# The states are kubectl's words, which the student reads in `kubectl get pods` in any language; this one is the
# recorder's own, and is said in the student's.
OWN_STATE_WORDS = {"Running-not-ready": N_("Running, not Ready")}

PODS = ("#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#ad1457", "#4e342e", "#558b2f")


def _lane(index: int, count: int) -> float:
    """A small vertical offset per pod, so that the pods answering one version show as separate lines."""
    return 0.0 if count < 2 else (index / (count - 1) - 0.5) * 0.5


def plot_requests(timeline: Timeline, ax: Axes) -> None:
    """Each request to the app as a dot at the version that answered it; failed requests on a row of their own."""
    versions = sorted({r.version for r in timeline.requests if r.version is not None})
    rows = {version: index for index, version in enumerate(versions, start=1)}
    answered = [r for r in timeline.requests if r.version is not None]
    failed = [r for r in timeline.requests if r.version is None]
    # One colour per pod that answered (when the answers name it): the Service spreads them over its ready pods.
    by_pod: dict[str | None, list[RequestSample]] = {}
    for answer in answered:
        by_pod.setdefault(answer.pod, []).append(answer)
    for index, (pod, answers) in enumerate(sorted(by_pod.items(), key=lambda item: item[0] or "")):
        ax.scatter([r.t for r in answers], [rows[r.version or ""] + _lane(index, len(by_pod)) for r in answers], s=4,
                   color=PODS[index % len(PODS)] if pod else "#1565c0",
                   label=_("pod …{end}", end=pod[-5:]) if pod else _("answered"))  # fmt: skip
    ax.scatter([r.t for r in failed], [0] * len(failed), s=8, color="#c62828", label=_("failed"))
    ax.set_yticks([0, *rows.values()], [_("failed"), *(_("version {version}", version=v) for v in rows)])
    ax.set_ylim(-0.5, len(rows) + 0.5)
    pods = [pod for pod in by_pod if pod]
    if pods:
        ax.set_title(_("Requests to the app through the Service: answered {answered} by {pods} pods (a colour each), "
                       "failed {failed}", answered=len(answered), pods=len(pods), failed=len(failed)), loc="left",
                     fontsize="medium")  # fmt: skip
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="xx-small", frameon=False,
                  ncol=2 if len(pods) > 5 else 1, markerscale=2)  # fmt: skip
    else:
        ax.set_title(_("Requests to the app through the Service: answered {answered}, failed {failed}",
                       answered=len(answered), failed=len(failed)), loc="left", fontsize="medium")  # fmt: skip


def draw_marks(timeline: Timeline, axes: Sequence[Axes]) -> None:
    """Commands (set image, undo...) as vertical lines labelled on the top axis; key condition changes too."""
    marks = [(m.t, m.label, "#37474f", "-") for m in timeline.marks]
    first = timeline.deployments[0].t if timeline.deployments else None
    for t, kind, _status, reason in timeline.condition_changes():
        label = CONDITION_LABELS.get((kind, reason))
        if label and t != first:  # the state found when recording began is not an event of this recording
            color = "#c62828" if reason == "ProgressDeadlineExceeded" else "#78909c"
            marks.append((t, _(label), color, "--"))
    marks.sort()
    top = axes[0]
    for index, (t, label, color, style) in enumerate(marks):
        for ax in axes:
            ax.axvline(t, color=color, linestyle=style, linewidth=1)
        # Staggered heights keep labels of close events from overlapping.
        top.annotate(label, xy=(t, 1.0), xycoords=("data", "axes fraction"), xytext=(3, 3 + 12 * (index % 3)),
                     textcoords="offset points", fontsize="x-small", color=color, rotation=0)  # fmt: skip


def rollout_figure(timeline: Timeline, *, title: str | None = None, bounds: bool = True) -> Figure:
    """Pods per ReplicaSet above pods by state (and the requests to the app, when recorded), commands marked.
    Without `bounds`, no maxSurge / maxUnavailable lines: a prediction of them is still to be graded."""
    # Figure() rather than pyplot: no global state, so the live view can draw from its own thread.
    panels = 3 if timeline.requests else 2
    fig = Figure(figsize=(11, 6.5 if panels == 2 else 8.5), layout="constrained")
    axes = fig.subplots(panels, 1, sharex=True, height_ratios=[3, 3, 1.6][:panels])
    top, bottom = axes[0], axes[-1]
    plot_replicasets(timeline, top, bounds=bounds)
    plot_states(timeline, axes[1])
    if timeline.requests:
        plot_requests(timeline, bottom)
    draw_marks(timeline, list(axes))
    bottom.set_xlabel(_("seconds since recording started"))
    bottom.set_xlim(0, max(timeline.end, 1.0))
    heading = title or _("deployment/{deployment} in namespace {namespace}", deployment=timeline.deployment,
                         namespace=timeline.namespace)  # fmt: skip
    fig.suptitle(heading, x=0.01, ha="left", y=1.06, fontsize="large")
    return fig


def compare(timelines: Sequence[Timeline], *, titles: Sequence[str]) -> Figure:
    """Pods per ReplicaSet of several rollouts side by side, on the same scales, to compare strategies."""
    fig = Figure(figsize=(5.2 * len(timelines), 4.2), layout="constrained")
    axes = fig.subplots(1, len(timelines), sharey=True, squeeze=False)[0]
    end = max(t.end for t in timelines)
    for ax, timeline, title in zip(axes, timelines, titles, strict=True):
        plot_replicasets(timeline, ax)
        ax.set_title(title, loc="left", fontsize="medium")
        ax.set_xlim(0, max(end, 1.0))
        ax.set_xlabel(_("seconds"))
        legend = ax.get_legend()
        if legend is not None and ax is not axes[-1]:
            legend.remove()
    return fig


def nodes_of(timeline: Timeline) -> list[str]:
    return sorted({p.node for p in timeline.pods if p.node})


def draw_nodes(timeline: Timeline, ax: Axes, *, t: float, nodes: Sequence[str] | None = None) -> None:
    """Pods on nodes at instant `t`, like the course slides: one box per node, pods coloured by version."""
    nodes = list(nodes or nodes_of(timeline)) or ["(no node)"]
    colors = replicaset_colors(timeline)
    labels = replicaset_labels(timeline)
    pods = sorted(timeline.pods_at(t).values(), key=lambda p: p.name)
    ax.set_xlim(0, len(nodes))
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    per_node: dict[str, list] = {n: [] for n in nodes}
    for pod in pods:
        per_node.setdefault(pod.node or nodes[0], []).append(pod)
    for index, node in enumerate(nodes):
        ax.add_patch(FancyBboxPatch((index + 0.05, 0.05), 0.9, 0.8, boxstyle="round,pad=0.01",
                                    facecolor="#f5f5f5", edgecolor="#616161"))  # fmt: skip
        ax.text(index + 0.5, 0.9, node, ha="center", va="center", fontsize="small", fontweight="bold")
        for slot, pod in enumerate(per_node.get(node, [])):
            col, row = slot % 3, slot // 3
            x, y = index + 0.12 + col * 0.27, 0.6 - row * 0.28
            color = colors.get(pod.replicaset or "", "#9e9e9e")
            ready = pod.state == "Ready"
            ax.add_patch(Rectangle((x, y), 0.22, 0.2, facecolor=color, alpha=1.0 if ready else 0.35,
                                   edgecolor=STATE_COLORS.get(pod.state, "black"),
                                   linewidth=2.5 if not ready else 0.5,
                                   linestyle="--" if pod.state == "Terminating" else "-"))  # fmt: skip
            short = {
                "Ready": _("ready"),
                "ImagePullBackOff": _("backoff"),
                "ErrImagePull": _("pull err"),
                "Terminating": _("term."),
                "Running-not-ready": _("starting"),
                "ContainerCreating": _("creating"),
            }
            ax.text(x + 0.11, y + 0.1, labels.get(pod.replicaset or "", "?").split(":")[-1].strip(),
                    ha="center", va="center", fontsize="xx-small", color="white" if ready else "black")  # fmt: skip
            ax.text(x + 0.11, y - 0.035, short.get(pod.state, pod.state), ha="center", va="center",
                    fontsize="xx-small")  # fmt: skip
    ax.set_title(f"t = {t:.1f} s", fontsize="small")


def filmstrip(timeline: Timeline, *, instants: Sequence[float] | None = None, frames: int = 4) -> Figure:
    """Pods on nodes at a few instants, side by side (evenly spaced over the recording by default)."""
    if instants is None:
        # From the first pod seen (the recording's own start shows nothing yet) to the end.
        start = min((p.t for p in timeline.pods), default=0.0)
        end = max(timeline.end, start + 1.0)
        instants = [start + (end - start) * i / (frames - 1) for i in range(frames)] if frames > 1 else [end]
    fig = Figure(figsize=(4.2 * len(instants), 2.2), layout="constrained")
    axes = fig.subplots(1, len(instants), squeeze=False)
    nodes = nodes_of(timeline)
    for ax, t in zip(axes[0], instants, strict=True):
        draw_nodes(timeline, ax, t=t, nodes=nodes)
    fig.suptitle(_("Pods on nodes: deployment/{deployment}", deployment=timeline.deployment), x=0.01, ha="left",
                 fontsize="medium")  # fmt: skip
    return fig


# matplotlib's player draws its buttons with Font Awesome from a CDN; the course fetches nothing from the internet,
# so the same buttons get plain characters instead, from Latin-1 and the geometric shapes every font has (the media
# symbols U+23EE and the like were blank squares in Chromium on a machine without an emoji font).
_CDN_LINK = re.compile(r'<link rel="stylesheet"\s+href="https://maxcdn\.bootstrapcdn\.com/[^"]*">')
_BUTTONS = {"fast-backward": "«", "step-backward": "\u2039", "play.fa-flip-horizontal": "◀", "pause": "||",
            "play": "▶", "step-forward": "\u203a", "fast-forward": "»", "minus": "-", "plus": "+"}  # fmt: skip
# The player's own words, shown in the student's language.
_PLAYER_WORDS = {">Once<": N_("Once"), ">Loop<": N_("Loop"), ">Reflect<": N_("Reflect"),
                 '"Decrease speed"': N_("Decrease speed"), '"First frame"': N_("First frame"),
                 '"Previous frame"': N_("Previous frame"), '"Play backwards"': N_("Play backwards"),
                 '"Pause"': N_("Pause"), '"Play"': N_("Play"), '"Next frame"': N_("Next frame"),
                 '"Last frame"': N_("Last frame"), '"Increase speed"': N_("Increase speed"),
                 '"Repetition mode"': N_("Repetition mode")}  # fmt: skip


def animation_html(anim: FuncAnimation) -> str:
    """The animation as a self-contained HTML player (no CDN stylesheet; buttons drawn with characters; its words
    in the student's language)."""
    rules = " ".join(f'.fa.fa-{name}::before{{content:"{char}"}}' for name, char in _BUTTONS.items())
    player = _CDN_LINK.sub("", anim.to_jshtml())
    for english, word in _PLAYER_WORDS.items():
        player = player.replace(english, english[0] + html.escape(_(word)) + english[-1])
    return f"<style>.fa{{font-style:normal}} {rules}</style>" + player


def animation(timeline: Timeline, *, frames: int = 40, interval_ms: int = 250) -> FuncAnimation:
    """Pods on nodes as an animation; in a notebook show it with `IPython.display.HTML(animation_html(anim))`."""
    fig, ax = plt.subplots(figsize=(9, 3), layout="constrained")
    nodes = nodes_of(timeline)
    end = max(timeline.end, 1.0)

    def frame(index: int) -> list:
        ax.clear()
        draw_nodes(timeline, ax, t=end * index / max(frames - 1, 1), nodes=nodes)
        return []

    anim = FuncAnimation(fig, frame, frames=frames, interval=interval_ms, blit=False)
    plt.close(fig)
    return anim


SAVED_DPI = 130
SHOWN_DPI = 100


def save(fig: Figure, path: Path | str) -> Path:
    """Save as PNG or SVG (by suffix), with room for the outside legends."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=SAVED_DPI, bbox_inches="tight")
    return out


def show(fig: Figure) -> None:
    """Show a figure in a notebook (as PNG), whatever matplotlib backend the kernel has."""
    from IPython.display import Image, display

    display(Image(data=png_bytes(fig)))


def save_and_show(fig: Figure, path: Path | str) -> Path:
    """Save as PNG and show that same picture, at the size `show` gives: drawn once, not twice (a drawing costs
    most of a second of processor)."""
    from IPython.display import Image, display

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    png = png_bytes(fig, dpi=SAVED_DPI)
    out.write_bytes(png)
    width = int.from_bytes(png[16:20], "big")  # the PNG header's IHDR chunk
    display(Image(data=png, width=round(width * SHOWN_DPI / SAVED_DPI)))
    return out


def png_bytes(fig: Figure, *, dpi: int = SHOWN_DPI) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()
