"""What a lab notebook holds: `lab = open_lab("02")`, then `lab.check(step)`, `lab.hint(step)`,
`lab.solution(step)`, `lab.solve(step)`, recordings and drawings. The steps themselves are in `exercises.py`."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rolloutlab import i18n
from rolloutlab.errors import LabError
from rolloutlab.i18n import _, ngettext
from rolloutlab.lab import checks, cluster, exercises, helpers, images, judge, observe
from rolloutlab.lab.checks import Check, CheckFailed
from rolloutlab.paths import repository
from rolloutlab.recording import traffic
from rolloutlab.recording.record import Recording
from rolloutlab.recording.timeline import PULL_ERRORS, Timeline, pod_state
from rolloutlab.settings import DEPLOYMENT, LabSettings

STRATEGIES = {"surge-1-unavail-0": ("1", "0"), "surge-0-unavail-1": ("0", "1"), "surge-25-unavail-25": ("25%", "25%")}
STRATEGY_BOUNDS = {"surge-1-unavail-0": (5, 4), "surge-0-unavail-1": (4, 3), "surge-25-unavail-25": (5, 3)}


def open_lab(number: str) -> Lab:
    """Point kubectl at the lab's cluster and namespace (a private kubeconfig; yours is not changed), and say
    where everything goes."""
    _show_lab_errors_in_one_line()
    i18n.use_lab_language(i18n.folder_language(Path.cwd()))
    i18n.require_known_lab_lang()
    settings = cluster.choose(LabSettings.from_env(), say=print)
    settings.apply_to_kubectl()
    artifacts = Path(os.environ.get("LAB_ARTIFACTS") or repository().build / "labs" / "artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    lab = Lab(number, settings=settings, artifacts=artifacts, context=observe.current_context())
    print(_("lab {number}: context {context}, namespace {namespace}, registry {registry}; pictures and recordings "
            "go to {artifacts}", number=number, context=lab.context, namespace=settings.namespace,
            registry=settings.registry, artifacts=artifacts))  # fmt: skip
    return lab


def _show_lab_errors_in_one_line() -> None:
    """In a notebook, a check that fails or a LabError shows its message, not a Python traceback. The output
    stays an error (the cell stops, `validate` reads the exception's name)."""
    shell = checks.notebook_shell()
    if shell is not None:
        shell.set_custom_exc((LabError, CheckFailed), _one_line)


def before_open_lab() -> None:
    """Installed by `rolloutlab lab` in each kernel's IPython start-up: a lab cell run before the lab's first cell
    (`lab` not defined yet) says so in one line instead of a NameError traceback. `open_lab` then installs its own
    handler in place of this one."""
    shell = checks.notebook_shell()
    if shell is not None:
        shell.set_custom_exc((NameError,), _lab_not_open)


def _lab_not_open(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> Any:
    if getattr(value, "name", None) != "lab":
        return shell.showtraceback((etype, value, tb), tb_offset=tb_offset)  # any other NameError, as IPython shows it
    i18n.use_lab_language(i18n.folder_language(Path.cwd()))
    number = re.match(r"(\d\d)-", _notebook_name(shell) or "")
    first = f'lab = open_lab("{number.group(1)}")' if number else "lab = open_lab(...)"
    text = _("the lab is not open yet: run its first cell (`{first}`), then this one again.", first=first)
    shown = [f"\x1b[31m{text}\x1b[0m"]
    shell._showtraceback(etype, value, shown)
    return shown


def _notebook_name(shell: Any) -> str | None:
    """The notebook's file name where the kernel knows it (JupyterLab passes it to the kernel), else None."""
    name = (getattr(shell, "user_ns", {}) or {}).get("__session__") or os.environ.get("JPY_SESSION_NAME")
    return Path(str(name)).name if name else None


def _one_line(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> list[str]:
    text = str(value) if isinstance(value, CheckFailed) else _("rolloutlab: {error}", error=value)
    shown = [f"\x1b[31m{text}\x1b[0m"]
    shell._showtraceback(etype, value, shown)  # IPython leaves showing a custom traceback to its handler
    return shown


class Lab:
    def __init__(self, number: str, *, settings: LabSettings, artifacts: Path, context: str) -> None:
        self.number = number
        self.settings = settings
        self.artifacts = artifacts
        self.context = context
        self.recordings: dict[str, Recording] = {}
        self.tags_at_start: list[str] = []
        self.new_tag: str = ""
        self.fix_tag: str = ""
        self.crashed: str | None = None  # the pod that answered /error
        self._app: traffic.AppUrl | None = None
        self.patient = True  # checks wait `Step.wait` for the cluster; validate's proof does not

    # -- what the solutions and the prose name -------------------------------------------------------------------
    def image(self, tag: str) -> str:
        return self.settings.image(tag)

    @property
    def manifest(self) -> Path:
        return helpers.write_manifest(settings=self.settings, tag="latest")

    def base_image(self) -> str:
        """The Python image the app is built on: pulled where it can be, else built from Debian packages (once)."""
        from rolloutlab.images import baseimage

        return baseimage.pick_base(say=lambda _: None)

    @property
    def app(self) -> traffic.AppUrl:
        if self._app is None:
            self._app = traffic.app_url()
        return self._app

    # -- where each lab starts ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Bring the namespace to the state this lab starts from, whatever was there."""
        if self.number == "01":
            helpers.ensure_images(settings=self.settings)
            self.tags_at_start = self.registry_tags() or []
            self.new_tag = helpers.next_free_tag(settings=self.settings, series="1.1")
            print(_("the registry has {tags}; a new tag it does not have: {new}", tags=", ".join(self.tags_at_start),
                    new=self.new_tag))  # fmt: skip
            print(_("base image for the build: {image}", image=self.base_image()))
        elif self.number in ("02", "05"):
            helpers.reset()
            pushed = helpers.ensure_images(settings=self.settings)
            print(_("clean namespace; images pushed now: {pushed}",
                    pushed=", ".join(pushed) or _("none, latest and 1.0.0 were there")))  # fmt: skip
        elif self.number in ("03", "04"):
            helpers.catch_up(settings=self.settings, through="02" if self.number == "03" else "03")
            if self.number == "04":
                # Never 2.0.0 itself: it must stay missing for labs 03 and 04 to run again.
                self.fix_tag = helpers.next_free_tag(settings=self.settings, series="2.0", first=1)
            where = {"03": _("latest then 1.0.0 (revisions 1, 2)"), "04": _("5 replicas stuck on 2.0.0 (revision 3)")}
            print(_("first-app is where the last lab left it: {where}", where=where[self.number]))
        if self.number in ("03", "04"):
            found = self.registry_tags() or []
            if helpers.MISSING_TAG in found:
                raise LabError(_("tag {tag} is in the registry, and this lab needs it missing",
                                 tag=helpers.MISSING_TAG),
                               fix=_("delete it from {registry}, or use a fresh registry",
                                     registry=self.settings.registry))  # fmt: skip

    # -- reading ----------------------------------------------------------------------------------------------------
    def seen(self, name: str = DEPLOYMENT) -> observe.Seen:
        return observe.seen(self.settings, lab_context=self.context, name=name)

    def registry_tags(self) -> list[str] | None:
        return observe.registry_tags(self.settings)

    def built_tags(self) -> list[str]:
        return images.local_tags(settings=self.settings)

    def page(self) -> str | None:
        try:
            return traffic.page_text(self.app.url)
        except LabError:
            return None

    def show_tags(self) -> None:
        tags = self.registry_tags()
        print(_("tags in the registry: {tags}", tags=", ".join(tags)) if tags is not None else
              _("the registry does not answer"))  # fmt: skip

    def show_app(self) -> None:
        """Where the app answers, and its page as it answers now."""
        print(_("the app: {url}", url=self.app))
        print(self.page())

    def service_exists(self) -> bool:
        return observe.get("service", DEPLOYMENT) is not None

    def show_replicasets(self, name: str = DEPLOYMENT) -> None:
        for rs in sorted(helpers.replicasets_of(name), key=lambda r: r["metadata"]["creationTimestamp"]):
            revision = (rs["metadata"].get("annotations") or {}).get(judge.REVISION, "?")
            print(_("{name}  revision {revision}  replicas {replicas}  {image}", name=rs["metadata"]["name"],
                    revision=revision, replicas=rs["spec"]["replicas"], image=judge.template_image(rs)))  # fmt: skip

    def setup_check(self, name: str) -> Check:
        readers = {
            "kubectl": checks.kubectl_installed,
            "cluster": lambda: checks.cluster_reachable(self.settings),
            "nodes": lambda: checks.nodes_ready(self.settings),
            "registry": lambda: checks.registry_reachable(self.settings),
            "docker": checks.docker_running,
        }
        return readers[name]()  # fmt: skip

    # -- steps ------------------------------------------------------------------------------------------------------
    def _step(self, step: str) -> exercises.Step:
        found = exercises.STEPS.get(step)
        if found is None:
            raise LabError(
                _("there is no step {step!r}", step=step),
                fix=_("steps of this lab: {steps}", steps=", ".join(self.steps())),
            )
        return found

    def steps(self) -> list[str]:
        return [s.id for s in exercises.steps_of(self.number)]

    def judge(self, step: str, **answers: Any) -> Check:
        """The step's check, without printing or stopping: for tests and for `solve`."""
        found = self._step(step)
        try:
            result = checks.soon(lambda: found.check(self, answers), seconds=found.wait if self.patient else 0)
        except LabError as exc:
            result = Check(_("error"), False, str(exc))
        return Check(f"{step} {result.name}", result.ok, result.message)

    def check(self, step: str, **answers: Any) -> None:
        """Judge the step on the cluster: one OK line, or stop here with what is wrong and how to get help.

        The student's answers are read by name from the notebook (`container = "..."` in the cell above), so a
        skipped answer cell gets the check's own line, never a NameError; `answers` given here win (tests)."""
        found = self._step(step)
        given = answers or _answers(found)
        missing = [name for name in found.answers if name not in given]
        result = self.judge(step, **given) if not missing else unanswered(step, missing)
        shown = str(result)
        if not result.ok:
            shown += _(' (Stuck? lab.hint("{step}") gives a hint, lab.solve("{step}") does it for you.)', step=step)
        checks.publish(step=step, result=result, shown=shown)
        if not result.ok:
            raise CheckFailed(shown)

    def probe(self, step: str) -> None:
        """`validate`'s proof that the step's check can fail: the check, run now, without waiting for the cluster."""
        with self.probing(step):
            self.check(step)

    def hint(self, step: str) -> None:
        found = self._step(step)
        if not found.hint:
            print(_("{step} has no hint: its cell is already written, run it.", step=step))
            return
        print(_("hint for {step}: {hint}", step=step, hint=_(found.hint)))

    def solution(self, step: str) -> None:
        """The step's code, then why it is the answer."""
        print(self._step(step).solution)
        why = exercises.EXPLANATIONS.get(step)
        if why:
            print(_("why: {why}", why=_(why)))

    def solve(self, step: str) -> None:
        """Run the step's solution in this notebook; if its check still fails (an earlier step went another way),
        start the lab afresh and run every step up to this one."""
        shell = _ipython()
        found = self._step(step)
        shell.run_cell(found.solution, store_history=False)
        if self.judge(step, **_answers(found)).ok:
            print(_("solved {step}: the cluster is where the next step expects it", step=step))
            return
        print(_("{step} was not enough on its own: starting lab {number} afresh and running its steps", step=step,
                number=self.number))  # fmt: skip
        self.start()
        for earlier in exercises.steps_of(self.number):
            shell.run_cell(earlier.solution, store_history=False)
            if earlier.id == step:
                break
        self.check(step)

    @contextlib.contextmanager
    def probing(self, step: str) -> Iterator[None]:
        """For `validate`'s proof that a check can fail: no waiting for the cluster, and a set-up step's
        environment broken the way its check must notice."""
        changes = dict(self._step(step).broken_env)
        saved, settings = dict(os.environ), self.settings
        self.patient = False
        with tempfile.TemporaryDirectory(prefix="rolloutlab-broken-") as folder:
            nowhere = Path(folder) / "kubeconfig"
            nowhere.write_text(json.dumps({"apiVersion": "v1", "kind": "Config", "current-context": "nowhere",
                "clusters": [{"name": "nowhere", "cluster": {"server": "https://127.0.0.1:9"}}],
                "contexts": [{"name": "nowhere", "context": {"cluster": "nowhere", "user": "nobody"}}],
                "users": [{"name": "nobody", "user": {}}]}))  # fmt: skip
            os.environ.update({k: v.format(nowhere=nowhere) for k, v in changes.items()})
            self.settings = LabSettings.from_env() if changes else settings
            try:
                yield
            finally:
                os.environ.clear()
                os.environ.update(saved)
                self.settings = settings
                self.patient = True

    # -- recordings and pictures ----------------------------------------------------------------------------------
    def record(self, name: str, *, deployment: str = DEPLOYMENT, requests: bool = True, live: bool = True) -> None:
        """Start recording Deployment `deployment` (and, with `requests`, the app's answers) until `draw(name)`."""
        if name in self.recordings:
            self.recordings.pop(name).stop()
        url = self.app.url if requests else None
        self.recordings[name] = Recording(namespace=self.settings.namespace, deployment=deployment, live=live,
                                          url=url)  # fmt: skip

    def timeline(self, name: str) -> Timeline | None:
        found = self.recordings.get(name)
        return found.timeline if found else None

    def stop(self, name: str) -> Timeline:
        found = self.recordings.get(name)
        if found is None:
            raise LabError(
                _("nothing was recorded as {name!r}", name=name), fix=_("run the cell that starts the recording first")
            )
        timeline = found.stop()
        timeline.save(self.artifacts / f"{name}.json")
        return timeline

    def draw(self, name: str, *, nodes: int = 4) -> None:
        """Stop the recording `name`, save it, and draw it: the rollout figure, then the pods on the nodes. When
        nothing rolled while it recorded, say so in one line and keep recording, for the command still to come."""
        from rolloutlab.recording import plot

        found = self.recordings.get(name)
        if found is not None and not found.timeline.rolled():
            print(_("nothing rolled out while {name} was recording: the pod template did not change (did kubectl "
                    "refuse the command?). The recording goes on: run the step's command, then this cell again.",
                    name=name))  # fmt: skip
            return
        timeline = self.stop(name)
        title = exercises.RECORDINGS.get(name)
        fig = plot.rollout_figure(timeline, title=_(title) if title else None)
        plot.save(fig, self.artifacts / f"{name}.png")
        plot.show(fig)
        if nodes:
            strip = plot.filmstrip(timeline, frames=nodes)
            plot.save(strip, self.artifacts / f"{name}-nodes.png")
            plot.show(strip)

    # -- the demonstrations' helpers ----------------------------------------------------------------------------
    def crash_app(self) -> str:
        pod = traffic.call_error(self.app.url)
        self.crashed = pod
        print(_("the app in pod {pod} answered /error and exited", pod=pod))
        return pod

    @property
    def crashed_pod(self) -> str:
        if self.crashed is None:
            raise LabError(_("no pod has crashed yet"), fix=_("run the /error cell first"))
        return self.crashed

    def crash_check(self) -> Check:
        if self.crashed is None:
            return Check(_("restart"), False, _("no pod has crashed yet: call /error first (the cell above)."))
        # The lab's pods are fresh (lab.start() redeploys): none had restarted before /error.
        return judge.restarted(observe.get("pod", self.crashed), pod=self.crashed, restarts_before=0)

    def wait_for_pull_errors(self, *, seconds: float = 60) -> None:
        def failing() -> Check:
            bad = [p for p in helpers.pods() if pod_state(p) in PULL_ERRORS]
            return Check(
                _("pull"),
                bool(bad),
                ngettext("{count} pod cannot pull its image", "{count} pods cannot pull their image", len(bad)),
            )

        print(checks.soon(failing, seconds=seconds).message)

    def push_version(self, tag: str, *, message: str) -> None:
        helpers.push_version(settings=self.settings, tag=tag, message=message)
        print(_("pushed {image}", image=self.image(tag)))

    def fixed_forward_check(self) -> Check:
        if not self.fix_tag:
            return Check(_("fix forward"), False, _("no fix tag chosen: run the lab's first cells (lab.start())."))
        return judge.rolled_out(self.seen(), tag=self.fix_tag)

    def roll_strategies(self) -> None:
        """Deploy the three strategies at `latest`, then set all three to 1.0.0 at once, each one recorded."""
        for name, (surge, unavailable) in STRATEGIES.items():
            path = helpers.strategy_manifest(settings=self.settings, name=name, max_surge=surge,
                                             max_unavailable=unavailable, tag="latest")  # fmt: skip
            helpers.kubectl("apply", "-f", str(path))
        for name in STRATEGIES:
            helpers.wait_rolled_out(name)
        for name in STRATEGIES:
            self.record(f"05-{name}", deployment=name, requests=False, live=False)
        for name in STRATEGIES:
            print(helpers.kubectl("set", "image", f"deployment/{name}", f"first-app-k8s={self.image('1.0.0')}")
                  .stdout.strip())  # fmt: skip
        for name in STRATEGIES:
            helpers.wait_rolled_out(name)

    def compare_strategies(self) -> None:
        """Stop the three strategies' recordings; draw them side by side, then the slides' one step by step."""
        from IPython.display import HTML, display

        from rolloutlab.recording import plot

        timelines = [self.stop(f"05-{name}") for name in STRATEGIES]
        fig = plot.compare(timelines, titles=list(STRATEGIES))
        plot.save(fig, self.artifacts / "05-strategies.png")
        plot.show(fig)
        strip = plot.filmstrip(timelines[0], frames=5)
        plot.save(strip, self.artifacts / "05-step-by-step-nodes.png")
        plot.show(strip)
        display(HTML(plot.animation_html(plot.animation(timelines[0], frames=30))))

    def show_reuse_refused(self) -> None:
        """Push a demo tag, then other content under the same tag: the helper refuses, and says why."""
        images.build(settings=self.settings, tag="reuse-demo", message="first content")
        images.push(settings=self.settings, tag="reuse-demo", force=True, say=lambda _: None)
        images.build(settings=self.settings, tag="reuse-demo", message="changed content, same tag")
        try:
            images.push(settings=self.settings, tag="reuse-demo", say=lambda _: None)
        except LabError as refused:
            print(_("refused: {why}", why=refused))
            return
        raise LabError(_("other content under an existing tag was pushed without a word"), fix=_("report this bug"))

    def strategies_check(self) -> Check:
        results = [lambda n=n, b=b: judge.recorded_bounds(self.timeline(f"05-{n}"), peak=b[0], min_available=b[1])
                   for n, b in STRATEGY_BOUNDS.items()]  # fmt: skip
        return exercises.both(*results)


def unanswered(step: str, names: list[str]) -> Check:
    """The check's line when the student's answer cell was not run: what to write, before any cluster is read."""
    return Check(_("{step} answer", step=step), False,
                 _("your answer is not there yet: write `{name} = ...` in the cell above this one and run it, then run "
                   "this check again.", name=names[0]))  # fmt: skip


def _ipython() -> Any:
    shell = checks.notebook_shell()
    if shell is None:
        raise LabError(_("lab.solve runs a step's solution in a notebook"), fix=_("call it from a lab notebook"))
    return shell


def _answers(step: exercises.Step) -> dict[str, Any]:
    """The step's answers as the notebook holds them now; a name not defined yet is simply absent."""
    shell = checks.notebook_shell()
    names = shell.user_ns if shell is not None else {}
    return {n: names[n] for n in step.answers if n in names}
