"""A recorded rollout graded as a path, not only as where it ended: the lesson's bounds held at every instant, and
the recording went the way its lab expects (stuck at 3 new and 4 old, an undo landing on the previous revision's
ReplicaSet, each strategy's shape).

Pure functions of a `Timeline`: the lab shows the verdict under its figure, `validate` puts it in its report and
`class status` grades each student's stored recordings with the same code. A history that differs from the lesson's
(two rollouts, a scale in the middle) is described as it is, and judged by what the lesson asks of it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

from rolloutlab.i18n import _, ngettext
from rolloutlab.recording import traffic
from rolloutlab.recording.timeline import DeploymentSample, ReplicaSetSample, Timeline, image_tag


@dataclass(frozen=True)
class Expected:
    """The path a lab expects a recording to take, beyond the bounds every recording keeps: a rollout to a new
    version, one stuck at the bounds, a rollback to the previous revision or to a given one, or a strategy's shape.
    The steps that draw recordings say which (`exercises.py`); a recording of the student's own expects none."""

    path: Literal["any", "new-version", "stuck", "back-to-previous", "back-to-revision", "strategy"] = "any"
    revision: int = 0  # back-to-revision: the revision whose ReplicaSet the rollback reuses


@dataclass(frozen=True)
class Verdict:
    recording: str
    ok: bool
    message: str

    def __str__(self) -> str:
        return _("{status} history of {recording}: {message}", status=_("OK") if self.ok else _("FAIL"),
                 recording=self.recording, message=self.message)  # fmt: skip


@dataclass(frozen=True)
class Rollout:
    """One change of the pod template's image seen in the recording."""

    t: float
    before: str  # tags
    after: str
    revision: int | None  # the Deployment's revision once it took the change
    replicaset: str | None  # the ReplicaSet that runs `after`
    reused_from: int | None  # that ReplicaSet's revision before the change, when it existed already
    images: tuple[str, str] = ("", "")  # before and after, in full


def rollouts(timeline: Timeline) -> list[Rollout]:
    found = []
    samples = timeline.deployments
    for index, (before, now) in enumerate(itertools.pairwise(samples), start=1):
        if now.image == before.image:
            continue
        later = [d for d in samples[index:] if d.image == now.image]
        end = next((d.t for d in samples[index:] if d.image != now.image), timeline.end + 1)
        runs = [r for r in timeline.replicasets if r.image == now.image and r.t < end and not r.deleted]
        name = runs[-1].name if runs else None
        first = next((r for r in timeline.replicasets if r.name == name), None)
        reused = first.revision if first is not None and first.t < now.t and first.revision != runs[-1].revision \
            else None  # fmt: skip
        found.append(Rollout(t=now.t, before=image_tag(before.image), after=image_tag(now.image),
                             revision=later[-1].revision, replicaset=name, reused_from=reused,
                             images=(before.image, now.image)))  # fmt: skip
    return found or _template_rollouts(timeline)


def _template_rollouts(timeline: Timeline) -> list[Rollout]:
    """A rollout that kept the image (lab 05's `set env`): the Deployment's revision moved on, to the ReplicaSet
    that now carries it. Only looked for where no image changed, since an image change moves the revision too."""
    samples = timeline.deployments
    moved = next(((b, a) for b, a in itertools.pairwise(samples) if b.revision and a.revision
                  and a.revision != b.revision), None)  # fmt: skip
    if moved is None:
        return []
    before, now = moved
    revision = samples[-1].revision
    runs = [r for r in timeline.replicasets if r.revision == revision and not r.deleted]
    name = runs[-1].name if runs else None
    first = next((r for r in timeline.replicasets if r.name == name), None)
    reused = first.revision if first is not None and first.t < now.t and first.revision != revision else None
    return [Rollout(t=now.t, before=image_tag(before.image), after=image_tag(now.image), revision=revision,
                    replicaset=name, reused_from=reused, images=(before.image, now.image))]  # fmt: skip


def scales(timeline: Timeline) -> list[tuple[float, int, int]]:
    """(t, from, to) each time the Deployment was asked for another number of replicas."""
    samples = timeline.deployments
    return [(b.t, a.replicas, b.replicas) for a, b in itertools.pairwise(samples) if a.replicas != b.replicas]


def bounds_broken(timeline: Timeline) -> str | None:
    """The first instant the lesson's bounds did not hold, said plainly; None when they always held.

    Pods asked for (the ReplicaSets' desired counts, which maxSurge bounds: the pods themselves may be one more for
    the instant a pod is replaced) stay at or under replicas + maxSurge; available replicas stay at or over
    replicas - maxUnavailable once all were available. After a scale, the bounds of both counts apply: the lower
    one only once the new count is all available."""
    settled: DeploymentSample | None = None  # the last sample at which every replica was available
    for t in sorted(set(timeline.change_times()) | {d.t for d in timeline.deployments}):
        d = timeline.deployment_at(t)
        if d is None:
            continue
        asked = sum(r.desired for r in timeline.replicasets_at(t).values())
        most = max(d.replicas, settled.replicas if settled else 0) + d.max_surge
        if asked > most:
            return _("at {t:.1f} s, {asked} pods were asked for; the bound is {most} (replicas + maxSurge)", t=t,
                     asked=asked, most=most)  # fmt: skip
        if d.available >= d.replicas > 0:
            settled = d
        elif settled is not None and settled.replicas == d.replicas and d.available < d.replicas - d.max_unavailable:
            return _("at {t:.1f} s, {available} replicas were available; the bound is {least} (replicas - "
                     "maxUnavailable)", t=t, available=d.available,
                     least=d.replicas - d.max_unavailable)  # fmt: skip
    return None


def describe(timeline: Timeline) -> str:
    """What the recording shows, in one line: its rollouts and scales."""
    rolls = rollouts(timeline)
    parts = [ngettext("{count} rollout", "{count} rollouts", len(rolls))]
    if rolls:
        images = [rolls[0].images[0], *(r.images[1] for r in rolls)]
        # Two images with one tag (first-app-k8s:1.1.9 typed without the registry) read in full, not both "1.1.9".
        shared = {image_tag(i) for i in images if any(image_tag(o) == image_tag(i) and o != i for o in images)}
        parts[0] += _(": ") + " -> ".join(i if image_tag(i) in shared else image_tag(i) for i in images)
        if len(set(images)) == 1:  # `set env`: the template changed, not the image
            parts[0] += _(" (the same image, another pod template)")
    parts += [_("scaled {before} -> {after} at {t:.0f} s", before=a, after=b, t=t) for t, a, b in scales(timeline)]
    return _("; ").join(parts)


def judge(name: str, timeline: Timeline, *, expected: Expected) -> Verdict:
    """The recording `name` graded: the bounds at every instant, then the path its lab expects."""
    said = describe(timeline)
    broken = bounds_broken(timeline)
    if broken:
        return Verdict(name, False, f"{broken} ({said})")
    rolls = rollouts(timeline)
    if not rolls:
        return Verdict(name, False, _("nothing rolled out while it recorded ({said})", said=said))
    wrong = _path(expected, timeline, rolls)
    if wrong:
        return Verdict(name, False, f"{wrong} ({said})")
    return Verdict(name, True, _("{said}; within the bounds at every instant; {path}", said=said,
                                 path=_went(expected, timeline, rolls)))  # fmt: skip


def _went(expected: Expected, timeline: Timeline, rolls: list[Rollout]) -> str:
    """How a recording that went the expected way ended, in the lesson's terms."""
    if expected.path == "stuck":
        sets = timeline.replicasets_at(timeline.end)
        new = sum(r.desired for n, r in sets.items() if n == rolls[-1].replicaset)
        old = sum(r.desired for n, r in sets.items() if n != rolls[-1].replicaset)
        return _("stuck at {new} new and {old} old pods, no request failed", new=new, old=old)
    if expected.path == "strategy":
        return _("at most {peak} pods asked for, never fewer than {least} available", peak=timeline.peak_desired(),
                 least=timeline.min_available())  # fmt: skip
    roll = rolls[0] if expected.path == "back-to-previous" else rolls[-1]
    if roll.reused_from is not None:
        return _("landed on revision {revision}: the ReplicaSet of revision {earlier}, reused",
                 revision=roll.revision, earlier=roll.reused_from)  # fmt: skip
    return _("landed on revision {revision}: a new ReplicaSet", revision=roll.revision)


def _path(expected: Expected, timeline: Timeline, rolls: list[Rollout]) -> str | None:
    """Why the recording did not go the way its lab expects; None when it did (or the lab expects nothing more)."""
    last = timeline.deployments[-1]
    if expected.path == "new-version":
        if rolls[-1].reused_from is not None:
            return _("the last rollout went back to an earlier ReplicaSet, not to a new version")
        if last.updated != last.replicas or last.available != last.replicas:
            return _("the rollout had not finished when the recording stopped")
    elif expected.path == "stuck":
        return _stuck(timeline, rolls[-1], last)
    elif expected.path in ("back-to-previous", "back-to-revision"):
        # An undo lands on the ReplicaSet of an earlier revision: the previous one, or the one it names.
        roll = rolls[0] if expected.path == "back-to-previous" else rolls[-1]
        start = timeline.deployments[0].revision or 0
        earlier = [r.revision or 0 for r in _first_seen(timeline).values() if (r.revision or 0) < start]
        want = expected.revision if expected.path == "back-to-revision" else max(earlier, default=0)
        if roll.reused_from != want:
            return _("the rollback landed on {landed}, not on the ReplicaSet of revision {want}",
                     landed=_("a new ReplicaSet") if roll.reused_from is None else
                     _("the ReplicaSet of revision {n}", n=roll.reused_from), want=want)  # fmt: skip
    elif expected.path == "strategy":
        return _shape(timeline, last)
    return None


def _stuck(timeline: Timeline, roll: Rollout, last: DeploymentSample) -> str | None:
    """Lab 03: the new pods never become ready, so the rollout stops at the bounds: maxSurge + maxUnavailable new
    pods asked for, replicas - maxUnavailable old ones, and the old ones answer every request."""
    sets = timeline.replicasets_at(timeline.end)
    new = sum(r.desired for n, r in sets.items() if n == roll.replicaset)
    old = sum(r.desired for n, r in sets.items() if n != roll.replicaset)
    want_new, want_old = last.max_surge + last.max_unavailable, last.replicas - last.max_unavailable
    if (new, old) != (want_new, want_old):
        return _("it ended with {new} new and {old} old pods asked for; stuck, it stays at {want_new} new and "
                 "{want_old} old", new=new, old=old, want_new=want_new, want_old=want_old)  # fmt: skip
    ready = sum(r.ready for n, r in sets.items() if n == roll.replicaset)
    if ready:
        return ngettext("{count} new pod became ready: this rollout was not stuck",
                        "{count} new pods became ready: this rollout was not stuck", ready)  # fmt: skip
    summary = traffic.summarize(timeline.requests)
    if summary.failed:
        return ngettext("{count} request failed while the old pods should have answered them all",
                        "{count} requests failed while the old pods should have answered them all",
                        summary.failed)  # fmt: skip
    return None


def _shape(timeline: Timeline, last: DeploymentSample) -> str | None:
    """Lab 05: each strategy reaches its bounds exactly, and starts the way its settings say: with maxSurge 0 the
    old ReplicaSet scales down first, with maxUnavailable 0 the new one scales up first."""
    peak, least = timeline.peak_desired(), timeline.min_available()
    want_peak, want_least = last.replicas + last.max_surge, last.replicas - last.max_unavailable
    if (peak, least) != (want_peak, want_least):
        return _("it reached {peak} pods asked for and {least} available; its settings reach {want_peak} and "
                 "{want_least}", peak=peak, least=least, want_peak=want_peak, want_least=want_least)  # fmt: skip
    first = _first_move(timeline, rollouts(timeline)[0])
    want = "down" if last.max_surge == 0 else "up" if last.max_unavailable == 0 else first
    if first != want:
        return (
            _("the new ReplicaSet scaled up first, where maxSurge 0 scales the old one down first")
            if want == "down"
            else _("the old ReplicaSet scaled down first, where maxUnavailable 0 scales the new one up first")
        )
    return None


def _first_seen(timeline: Timeline) -> dict[str, ReplicaSetSample]:
    """Each ReplicaSet as the recording first saw it (a revision it had before the rollout renumbered it)."""
    found: dict[str, ReplicaSetSample] = {}
    for sample in timeline.replicasets:
        found.setdefault(sample.name, sample)
    return found


def _first_move(timeline: Timeline, roll: Rollout) -> str:
    """ "up" when the new ReplicaSet was asked for a pod before an old one was asked for fewer, else "down"."""
    start = {n: r.desired for n, r in _first_seen(timeline).items() if n != roll.replicaset}
    for sample in timeline.replicasets:
        if sample.name == roll.replicaset and sample.desired > 0:
            return "up"
        if sample.name in start and sample.desired < start[sample.name]:
            return "down"
    return "up"
