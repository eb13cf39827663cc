"""The demonstrations' helpers: what a lab's prose runs for the student (crash the app, push a fix, roll three
strategies at once, try to reuse a tag), each a function of where the lab runs. The notebooks call them through
`lab.demo` (`lab.demo.crash_app()`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rolloutlab.errors import LabError
from rolloutlab.i18n import _, ngettext
from rolloutlab.lab import checks, exercises, helpers, images, judge, observe, state
from rolloutlab.lab.checks import Check
from rolloutlab.recording import history, traffic
from rolloutlab.recording.timeline import PULL_ERRORS, Timeline, pod_state
from rolloutlab.settings import DEPLOYMENT, LabSettings


def crash_app(url: str) -> str:
    """Call the app's /error: the pod that answered exits, and the lab's state remembers which one it was."""
    pod = traffic.call_error(url)
    state.remember(crashed_pod=pod)
    print(_("the app in pod {pod} answered /error and exited", pod=pod))
    return pod


def crashed_pod() -> str:
    pod = state.read().get(state.CRASHED_POD)
    if not pod:
        raise LabError(_("no pod has crashed yet"), fix=_("run the /error cell first"))
    return pod


def wait_for_pull_errors(*, seconds: float) -> None:
    def failing() -> Check:
        bad = [p for p in helpers.pods() if pod_state(p) in PULL_ERRORS]
        return Check(_("pull"), bool(bad),
                     ngettext("{count} pod cannot pull its image", "{count} pods cannot pull their image",
                              len(bad)))  # fmt: skip

    print(checks.soon(failing, seconds=seconds).message)


def push_version(*, settings: LabSettings, tag: str, message: str) -> None:
    helpers.push_version(settings=settings, tag=tag, message=message)
    print(_("pushed {image}", image=settings.image(tag)))


def rebuild_images(*, settings: LabSettings) -> None:
    tags = helpers.rebuild_images(settings=settings)
    print(_("built again from today's app and pushed: {tags}; run the lab's start cell again",
            tags=", ".join(settings.image(t) for t in tags)))  # fmt: skip


def roll_strategies(
    *, settings: LabSettings, record: Callable[[str, str], None], stop: Callable[[str], Timeline]
) -> None:
    """Deploy the three strategies at `latest`, then set all three to 1.0.0 at once, each one recorded. The
    recordings stop (and are kept in the namespace) once all three rolled out: a kernel restarted before the next
    cells does not lose them."""
    for name, (surge, unavailable) in exercises.STRATEGIES.items():
        path = helpers.strategy_manifest(settings=settings, name=name, max_surge=surge, max_unavailable=unavailable,
                                         tag="latest")  # fmt: skip
        helpers.kubectl("apply", "-f", str(path), check=True)
    for name in exercises.STRATEGIES:
        helpers.wait_rolled_out(name)
    for name in exercises.STRATEGIES:
        record(f"05-{name}", name)
    for name in exercises.STRATEGIES:
        print(helpers.kubectl("set", "image", f"deployment/{name}", f"first-app-k8s={settings.image('1.0.0')}",
                              check=True).stdout.strip())  # fmt: skip
    for name in exercises.STRATEGIES:
        helpers.wait_rolled_out(name)
    for name in exercises.STRATEGIES:
        stop(f"05-{name}")


def compare_strategies(*, recorded: Callable[[str], Timeline], artifacts: Path) -> None:
    """Draw the three strategies' recordings side by side, then the slides' one step by step."""
    from IPython.display import HTML, display

    from rolloutlab.recording import plot

    timelines = [recorded(f"05-{name}") for name in exercises.STRATEGIES]
    fig = plot.compare(timelines, titles=list(exercises.STRATEGIES))
    plot.save_and_show(fig, artifacts / "05-strategies.png")
    for name, timeline in zip(exercises.STRATEGIES, timelines, strict=True):
        print(history.judge(f"05-{name}", timeline, expected=exercises.expected(f"05-{name}")))
    strip = plot.filmstrip(timelines[0], frames=5)
    plot.save_and_show(strip, artifacts / "05-step-by-step-nodes.png")
    display(HTML(plot.animation_html(plot.animation(timelines[0], frames=30))))


def show_reuse_refused(*, settings: LabSettings) -> None:
    """Push a demo tag, then other content under the same tag: the helper refuses, and says why. The tag is this
    namespace's own: two labs at once (validate runs several, a class shares one registry) would otherwise build
    over each other's local tag between a build and its push."""
    tag = reuse_tag(settings)
    state.remember(reuse_tag=tag)  # so that validate deletes it with the lab's other tags
    images.build(settings=settings, tag=tag, message="first content")
    images.push(settings=settings, tag=tag, force=True, say=lambda _: None)
    images.build(settings=settings, tag=tag, message="changed content, same tag")
    try:
        images.push(settings=settings, tag=tag, say=lambda _: None)
    except LabError as refused:
        print(_("refused: {why}", why=refused))
        return
    raise LabError(_("other content under an existing tag was pushed without a word"), fix=_("report this bug"))


def reuse_tag(settings: LabSettings) -> str:
    """The demonstration's tag, named for the lab's namespace (a tag has at most 128 characters)."""
    return f"reuse-demo-{settings.namespace}"[:128]


def show_replicasets(name: str = DEPLOYMENT) -> None:
    for rs in sorted(helpers.replicasets_of(name), key=lambda r: r["metadata"]["creationTimestamp"]):
        revision = (rs["metadata"].get("annotations") or {}).get(judge.REVISION, "?")
        print(_("{name}  revision {revision}  replicas {replicas}  {image}", name=rs["metadata"]["name"],
                revision=revision, replicas=rs["spec"]["replicas"], image=judge.template_image(rs)))  # fmt: skip


class Demo:
    """`lab.demo`: what the labs show rather than ask, each one cell of the prose (`lab.demo.crash_app()`), apart
    from the student's own API on `Lab` (start, check, hint, solution, solve, record, draw)."""

    def __init__(
        self,
        settings: Callable[[], LabSettings],
        *,
        artifacts: Path,
        app: Callable[[], traffic.AppUrl],
        record: Callable[[str, str], None],
        stop: Callable[[str], Timeline],
        recorded: Callable[[str], Timeline],
    ) -> None:
        self._settings, self._artifacts, self._app = settings, artifacts, app
        self._record, self._stop, self._recorded = record, stop, recorded

    def crash_app(self) -> None:
        crash_app(self._app().url)  # it prints the pod: a returned name would show as the cell's Out[n]

    def wait_for_pull_errors(self, *, seconds: float = 60) -> None:
        wait_for_pull_errors(seconds=seconds)

    def push_version(self, tag: str, *, message: str | None = None) -> None:
        """Build the app with `message` as its page's line (by default one saying it is a fix, in the lab's
        language) and push it as `tag`."""
        push_version(settings=self._settings(), tag=tag, message=message or _("fixed by a new version"))

    def rebuild_images(self) -> None:
        """The lesson's tags (latest, 1.0.0) built again from today's app and pushed over the registry's."""
        rebuild_images(settings=self._settings())

    def roll_strategies(self) -> None:
        roll_strategies(settings=self._settings(), record=self._record, stop=self._stop)

    def compare_strategies(self) -> None:
        compare_strategies(recorded=self._recorded, artifacts=self._artifacts)

    def show_reuse_refused(self) -> None:
        show_reuse_refused(settings=self._settings())

    def show_replicasets(self) -> None:
        show_replicasets()

    def registry_tags(self) -> list[str] | None:
        return observe.registry_tags(self._settings())

    def show_tags(self) -> None:
        tags = self.registry_tags()
        print(_("tags in the registry: {tags}", tags=", ".join(tags)) if tags is not None else
              _("the registry does not answer"))  # fmt: skip

    def show_app(self) -> None:
        """Where the app answers, and its page as it answers now."""
        app = self._app()
        print(_("the app: {url}", url=app))
        try:
            print(traffic.page_text(app.url))
        except LabError as exc:  # the page's own line (nothing answers, and why), not a bare None
            print(exc)
