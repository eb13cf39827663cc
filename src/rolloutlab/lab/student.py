"""What a lab notebook holds: `lab = open_lab("02")`, then `lab.check(step)`, `lab.hint(step)`,
`lab.solution(step)`, `lab.solve(step)`, recordings and drawings. The steps themselves are in `exercises.py`."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolloutlab import environment, i18n
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.images import credentials
from rolloutlab.lab import (
    answered,
    checks,
    cluster,
    demos,
    events,
    exercises,
    helpers,
    notebook,
    observe,
    reading,
    starts,
    state,
)
from rolloutlab.lab.checks import Check, CheckFailed
from rolloutlab.lab.notebook import before_open_lab as before_open_lab
from rolloutlab.lab.step import Step
from rolloutlab.paths import repository
from rolloutlab.recording import history, traffic
from rolloutlab.recording.record import Recording
from rolloutlab.recording.timeline import Timeline
from rolloutlab.settings import DEPLOYMENT, LabSettings

if TYPE_CHECKING:
    from rolloutlab.recording.live import LiveView
    from rolloutlab.recording.view import ClusterView


def open_lab(number: str) -> Lab:
    """Point kubectl at the lab's cluster and namespace (a private kubeconfig; yours is not changed), and say
    where everything goes."""
    notebook.show_lab_errors_in_one_line()
    notebook.end_lines_as_a_terminal_does()
    i18n.use_lab_language(i18n.folder_language(Path.cwd()))
    i18n.require_known_lab_lang()
    settings = cluster.choose(LabSettings.from_env(), say=print)
    settings.apply_to_kubectl()
    artifacts = Path(environment.get(environment.LAB_ARTIFACTS) or repository().build / "labs" / "artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    lab = Lab(number, settings=settings, artifacts=artifacts, context=observe.current_context())
    notebook.lab_is_open()
    print(_("lab {number}: context {context}, namespace {namespace}, registry {registry}; pictures and recordings "
            "go to {artifacts}", number=number, context=lab._context_name, namespace=settings.namespace,
            registry=settings.registry, artifacts=artifacts))  # fmt: skip
    return lab


# What `{lab.crashed_pod}` gives a `!kubectl` line before any pod crashed. IPython fills a `!` line's braces in
# silently, and on an error leaves them as typed: kubectl then named `{lab.crashed_pod}` itself.
NO_CRASH = "no-pod-crashed-yet"


class Lab:
    """The notebook's handle on its lab: where it runs, its recordings, and the steps of `exercises.py`. It holds
    no lesson state: what a step hands on to a later one lives in the namespace (`state.py`)."""

    def __init__(self, number: str, *, settings: LabSettings, artifacts: Path, context: str) -> None:
        self._number = number
        self.settings = settings
        self._artifacts = artifacts
        self._context_name = context
        self._running: dict[str, Recording] = {}
        self._view: ClusterView | None = None
        answered.watch()
        self.demo = demos.Demo(lambda: self.settings, artifacts=artifacts, app=lambda: self._app,
                               record=lambda name, d: self._record(name, deployment=d, requests=False, live=False),
                               stop=self._stop, recorded=self._recorded)  # fmt: skip

    # -- what the solutions and the prose name -------------------------------------------------------------------
    def image(self, tag: str) -> str:
        return self.settings.image(tag)

    @property
    def manifest(self) -> Path:
        return helpers.write_manifest(settings=self.settings, tag="latest")

    def base_image(self) -> str:
        return starts.base_image()

    @property
    def _app(self) -> traffic.AppUrl:
        """Where the app answers now, read from its Service each time: `lab.start()` and `lab.solve` make the
        Service again, and it gets another NodePort."""
        return traffic.app_url()

    @property
    def login(self) -> credentials.Login:
        """What to give `docker login` for the lab's registry (step 01.1)."""
        return credentials.to_give(self.settings.registry)

    @property
    def new_tag(self) -> str:
        """Lab 01's tag, chosen by its start."""
        return state.read().get(state.NEW_TAG, "")

    @property
    def fix_tag(self) -> str:
        """Lab 04's tag that fixes the stuck rollout forward, chosen by its start."""
        return state.read().get(state.FIX_TAG, "")

    @property
    def crashed_pod(self) -> str:
        try:
            return demos.crashed_pod()
        except LabError as exc:
            print(_("rolloutlab: {error}", error=exc))
            return NO_CRASH

    @property
    def strategies(self) -> list[str]:
        """Lab 05's three Deployments, one per strategy."""
        return list(exercises.STRATEGIES)

    def start(self) -> None:
        """Bring the namespace to the state this lab starts from, whatever was there."""
        starts.start(self._number, settings=self.settings, say=print)

    # -- steps ------------------------------------------------------------------------------------------------------
    def _step(self, step: str) -> Step:
        found = exercises.STEPS.get(step)
        if found is None:
            raise LabError(
                _("there is no step {step!r}", step=step),
                fix=_("steps of this lab: {steps}", steps=", ".join(self._steps())),
            )
        return found

    def _steps(self) -> list[str]:
        return [s.id for s in exercises.steps_of(self._number)]

    def _context(self) -> reading.Context:
        return reading.Context(settings=self.settings, lab_context=self._context_name, app=lambda: self._app,
                               timelines=self._recordings())  # fmt: skip

    def _recordings(self) -> reading.Recordings:
        """This kernel's recordings, else those kept in the namespace (after a kernel restart)."""
        return reading.Recordings({name: r.timeline for name, r in self._running.items()})

    def _judge(self, step: str, *, answers: Mapping[str, Any], wait: float | None = None) -> Check:
        """The step's check, without printing or stopping: read the cluster, judge what was read, and read again
        for `wait` seconds (default: the step's own) while it fails."""
        found = self._step(step)

        def once() -> Check:
            return found.judge(found.read(self._context()), answers)

        try:
            result = checks.soon(once, seconds=found.wait if wait is None else wait, say=print)
            if result.pending and wait != 0:
                result = checks.soon(once, seconds=result.pending_for, say=print)
        except LabError as exc:
            result = Check(_("error"), False, str(exc))
        except Exception as exc:  # a check that breaks on a state nobody foresaw still answers in one line
            result = Check(_("error"), False, _("this check could not judge what it read ({error}): report this bug, "
                                                "with the output of `kubectl get deployment first-app -o yaml`",
                                                error=f"{type(exc).__name__}: {exc}"))  # fmt: skip
        return Check(f"{step} {result.name}", result.ok, result.message)

    def check(self, step: str, *, wait: float | None = None) -> None:
        """Judge the step on the cluster: one OK line, or stop here with what is wrong and how to get help.

        The student's answers are read by name from the notebook (`container = "..."` in the cell above), so a
        skipped answer cell gets the check's own line, never a NameError."""
        found = self._step(step)
        given = _answers(found)
        missing = [name for name in found.answers if name not in given]
        failed = answered.broken(found.answers)
        if failed:  # before `missing`: a first answer cell that failed leaves its name undefined
            result = answered.failed_cell(step, *next(iter(failed.items())))
        elif missing:
            result = answered.unanswered(step, missing)
        else:
            result = self._judge(step, answers=given, wait=wait)
        # Only a prediction (an answer judged on a recording) withholds anything until it is graded.
        if (
            found.answers
            and _timelines_read(found)
            and not missing
            and not failed
            and wait != 0
            and not self._recordings_not_made(found)
        ):
            with contextlib.suppress(LabError):  # the answers were compared: what withheld them may show them now
                state.remember(**{state.graded_key(step): datetime.now(UTC).isoformat(timespec="seconds")})
        if result.ok:
            self._keep_passed(found)
        shown = str(result)
        prediction = bool(found.answers and _timelines_read(found))
        if not result.ok and not prediction:  # a graded prediction's line says the answer: no hint can help then
            shown += _(' (Stuck? lab.hint("{step}") gives a hint, lab.solve("{step}") does it for you.)', step=step)
        checks.publish(step=step, result=result, shown=shown)
        events.note("check", step, ok=result.ok, message=result.message)
        if not result.ok:
            raise CheckFailed(shown)

    def hint(self, step: str) -> None:
        found = self._step(step)
        events.note("hint", step)
        if not found.hint:
            print(_("{step} has no hint: its cell is already written, run it.", step=step))
            return
        print(_("hint for {step}: {hint}", step=step, hint=_(found.hint)))

    def solution(self, step: str) -> None:
        """The step's code, then why it is the answer."""
        print(self._step(step).solution)
        events.note("solution", step)
        why = self._step(step).explanation
        if why:
            print(_("why: {why}", why=_(why)))

    def solve(self, step: str) -> None:
        """Run the step's solution in this notebook; if its check still fails (an earlier step went another way),
        start the lab afresh and run every step up to this one."""
        shell = _ipython()
        found = self._step(step)
        events.note("solve", step)
        # Run again, a passing step's solution would move the cluster on (a second undo goes back to 2.0.0).
        if self._judge(step, answers=_answers(found), wait=0).ok:
            print(_("{step} already passes: its solution was not run again, which would change the cluster. Go on "
                    "to the next step.", step=step))  # fmt: skip
            return
        shell.run_cell(found.solution, store_history=False)
        first = self._judge(step, answers=_answers(found))
        if first.ok and found.answers:  # a question: the solution wrote the answer, the cluster was only read
            print(_("solved {step}: the solution set {answers}, and its check says: {said}",
                    step=step, answers=", ".join(f"`{n}`" for n in found.answers), said=first.message))  # fmt: skip
            return
        if first.ok:
            print(_("solved {step}: the cluster is where the next step expects it", step=step))
            return
        # A lost recording raises its own line here: starting afresh is the student's call.
        later = self._recordings_not_made(found)
        if later:  # starting afresh would not make it: the cells below do (03.2 is judged after 03.3's rollout)
            print(_("{step} is set: its check judges the recording {name}, which the cells below make. Run on; the "
                    "cell `lab.check(\"{step}\")` judges it there.", step=step, name=later[0]))  # fmt: skip
            return
        print(first)
        print(_("{step} was not enough on its own: starting lab {number} afresh and running its steps", step=step,
                number=self._number))  # fmt: skip
        self.start()
        for code in starts.replay(self._number, until=step):
            shell.run_cell(code, store_history=False)
        self.check(step)

    def _recordings_not_made(self, step: Step) -> list[str]:
        """The recordings an answer step's check reads (03.2's prediction is judged on the rollout that follows it)
        that exist neither in this kernel nor in the namespace. A step that rolls out itself has its recording
        started above it: for those, none is listed."""
        names = _timelines_read(step) if step.answers else ()
        known = self._recordings()
        return [name for name in names if known.get(name) is None]

    # -- recordings and pictures ----------------------------------------------------------------------------------
    def record(self, name: str, *, deployment: str = DEPLOYMENT, requests: bool = True, live: bool = True) -> None:
        """Start recording Deployment `deployment` (and, with `requests`, the app's answers) until `draw(name)`, and
        say so: a cell with no output reads as one that did nothing."""
        self._record(name, deployment=deployment, requests=requests, live=live)
        if requests:
            print(_("recording {name}: {deployment}'s ReplicaSets and pods, and the app's answers; now run the step's "
                    "command", name=name, deployment=deployment))  # fmt: skip
        else:
            print(_("recording {name}: {deployment}'s ReplicaSets and pods; now run the step's command", name=name,
                    deployment=deployment))  # fmt: skip

    def _record(self, name: str, *, deployment: str, requests: bool, live: bool) -> None:
        if name in self._running:
            self._running.pop(name).stop()
        # A recording of the same Deployment still running would go on into this one's rollout and show it as its
        # own (lab 04's undo ran on through --to-revision=1): it stops here, kept for its draw cell.
        for other, running in list(self._running.items()):
            if running.recorder.deployment == deployment and not running.stopped:
                self._stop(other)
        predicted = self._take_predictions(name)
        url = self._app.url if requests else None
        # A live view on screen shows the rollout already: no figure redrawn under this cell besides it.
        viewed = self._view is not None and self._view.running and deployment in self._view.deployments
        view: bool | LiveView = live and self.settings.live_view and not viewed
        if view and predicted:  # no bound lines on screen while a prediction of them is still to be graded
            from rolloutlab.recording.live import LiveView  # matplotlib only when a picture is wanted

            view = LiveView(bounds=False)
        self._running[name] = Recording(namespace=self.settings.namespace, deployment=deployment, live=view,
                                        url=url)  # fmt: skip
        with contextlib.suppress(LabError):  # only a restarted kernel's message needs it
            state.remember(**{state.recording_key(name): state.RUNNING})

    def view(self, *deployments: str) -> None:
        """Show the lab's Deployment (or `deployments`) live: its revisions, its pods on the nodes and the latest
        events, as they change. A second call replaces the first."""
        from IPython.display import display

        from rolloutlab.recording.record import api_client
        from rolloutlab.recording.view import ClusterView

        if not self.settings.live_view:
            print(_("no live view: LAB_LIVE_VIEW is off"))
            return
        if self._view is not None:
            self._view.stop(why=_("this view has stopped: a newer `lab.view()` took its place"))
        self._view = ClusterView(
            namespace=self.settings.namespace,
            deployments=list(deployments) or [DEPLOYMENT],
            api=api_client(),
            lesson=state.NAME,
            hide_bounds=lambda found: predictions_pending(found, lab=self._number),
        ).start()
        display(self._view.widget)
        print(_("to keep it in sight, right-click it and choose \"Create New View for Cell Output\": it opens below "
                "the notebook (drag its tab to the right edge to keep it beside) and follows the cluster while you "
                "work"))  # fmt: skip

    def _take_predictions(self, name: str) -> list[str]:
        """The prediction steps judged on recording `name` and not graded yet (03.2 on the failed rollout). Their
        answers as they are now, before anything could show the result, are kept in the namespace; the first ones
        stay, a later recording of the same name does not replace them."""
        found = []
        lesson = state.read()
        for step in exercises.steps_of(self._number):
            if not step.answers or name not in _timelines_read(step) or state.graded_key(step.id) in lesson:
                continue
            found.append(step.id)
            given = _answers(step)
            if state.prediction_key(step.id) not in lesson and all(given.get(n) is not None for n in step.answers):
                taken = {"answers": given, "at": datetime.now(UTC).isoformat(timespec="seconds")}
                state.remember(**{state.prediction_key(step.id): json.dumps(taken, default=str)})
        return found

    def _keep_passed(self, step: Step) -> None:
        """A step whose check passed keeps what its recordings saw so far in the namespace, while they go on: a
        kernel restarted before their draw cell would otherwise lose the rollout the check just judged."""
        for recording in step.recordings:
            running = self._running.get(recording.name)
            if running is not None and not running.stopped:
                with contextlib.suppress(LabError):  # the check passed; only a later restart would miss it
                    state.keep_recording(recording.name, running.timeline)

    def _stop(self, name: str) -> Timeline:
        found = self._running.get(name)
        if found is None:
            raise _not_recorded(name)
        timeline = found.stop()
        timeline.save(self._artifacts / f"{name}.json")
        try:
            state.keep_recording(name, timeline)
        except LabError as exc:  # the figure and the check do not need it: only the instructor's view does
            print(_("the recording {name} is not kept in your namespace, so your instructor will not see it: {error}",
                    name=name, error=exc))  # fmt: skip
        return timeline

    def _recorded(self, name: str) -> Timeline:
        """A recording made by this kernel or, after a restart, kept in the namespace; one line when there is none."""
        try:
            return self._recordings()[name]  # a recording lost with its kernel raises its own line
        except KeyError:
            raise _not_recorded(name) from None

    def draw(self, name: str, *, nodes: int = 4) -> None:
        """Stop the recording `name`, save it, and draw it: the rollout figure, then the pods on the nodes. When
        nothing rolled while it recorded, say so in one line and keep recording, for the command still to come."""
        from rolloutlab.recording import plot

        found = self._running.get(name)
        if found is not None and not found.stopped and not found.timeline.rolled():
            print(_("nothing rolled out while {name} was recording: the pod template did not change (did kubectl "
                    "refuse the command?). The recording goes on: run the step's command, then this cell again. If "
                    "the rollout happened before this recording started (a restarted kernel), run the lab's start "
                    "cell (`lab.start()`) and the cells from there.", name=name))  # fmt: skip
            return
        if found is None:  # a restarted kernel: the recording made before the restart, as the namespace keeps it
            timeline = self._recorded(name)
            print(_("{name} was recorded before this kernel started: drawn from the recording kept in your namespace",
                    name=name))  # fmt: skip
        elif found.stopped:  # stopped when another recording of its Deployment began, and kept then
            timeline = found.timeline
        else:
            timeline = self._stop(name)
        known = exercises.RECORDINGS.get(name)
        fig = plot.rollout_figure(timeline, title=_(known.title) if known and known.title else None)
        plot.save_and_show(fig, self._artifacts / f"{name}.png")
        print(history.judge(name, timeline, expected=exercises.expected(name)))
        if nodes:
            strip = plot.filmstrip(timeline, frames=nodes)
            plot.save_and_show(strip, self._artifacts / f"{name}-nodes.png")
        # The same recording replayed: pods on the nodes, ReplicaSets and requests at each instant.
        from IPython.display import HTML, display

        from rolloutlab.recording import player

        display(HTML(player.html(timeline, title=_(known.title) if known and known.title else name)))


def _not_recorded(name: str) -> LabError:
    """Why there is no recording `name` in this kernel: a kernel that stopped while it ran, or none made."""
    if state.lost(name):
        return reading.lost_recording(name)
    return LabError(
        _("nothing was recorded as {name!r}", name=name), fix=_("run the cell that starts the recording first")
    )


def _ipython() -> Any:
    shell = checks.notebook_shell()
    if shell is None:
        raise LabError(_("lab.solve runs a step's solution in a notebook"), fix=_("call it from a lab notebook"))
    return shell


def predictions_pending(lesson: Mapping[str, str], *, lab: str) -> bool:
    """A prediction of the lab started last (`lesson`'s, else `lab`) is still to be graded: a live view then shows
    no bound as a pod count, whichever lab's notebook opened it (lab 02's view, pinned, stays open in lab 03)."""
    started = lesson.get(state.LAB) or lab
    return any(step.answers and _timelines_read(step) and state.graded_key(step.id) not in lesson
               for step in exercises.steps_of(started))  # fmt: skip


def _timelines_read(step: Step) -> tuple[str, ...]:
    return step.read.timelines if isinstance(step.read, reading.Reads) else ()


def _answers(step: Step) -> dict[str, Any]:
    return answered.given(step.answers)
