"""Each step is one table entry: a read of the cluster, then a pure judge of what was read."""

import dataclasses
import gzip
import inspect
import json
from pathlib import Path
from typing import ClassVar

import pytest

from rolloutlab import kubectl, process
from rolloutlab.errors import LabError
from rolloutlab.lab import checks, demos, exercises, helpers, reading, state, student
from rolloutlab.lab.checks import Check
from rolloutlab.lab.observe import Seen
from rolloutlab.lab.reading import Reading
from rolloutlab.lab.step import Step
from rolloutlab.recording import traffic
from rolloutlab.recording.timeline import Timeline

SEEN = Path(__file__).parent / "data" / "seen"
# What each set-up step's probe answers when there is nothing to find.
NOTHING_FOUND = {
    "00.1": {"path": None, "client": None},
    "00.2": {"answer": None, "where": "lab", "error": "connection refused"},
    "00.3": {"nodes": None, "error": "connection refused"},
    "00.4": {"address": "127.0.0.1:9", "answers": False},
    "00.5": {"version": None},
    "01.1": {"registry": "localhost:5001", "username": None, "accepted": False},
}
# The answers validate's solutions give, by name: a judge never needs more than its step's own.


def right_answers(step: Step) -> dict[str, object]:
    """The answers the step's solution writes (its Python lines; its `!` lines are shell commands)."""
    names: dict[str, object] = {}
    if not step.answers:
        return {}
    exec("\n".join(line for line in step.solution.splitlines() if not line.startswith(("!", "lab."))), {}, names)
    return {name: names[name] for name in step.answers}


@pytest.fixture
def no_cluster(monkeypatch):
    """Any process or HTTP request fails the test: a judge reads nothing."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a judge ran a process or a request: {args!r}")

    monkeypatch.setattr(process, "run", refuse)
    monkeypatch.setattr(kubectl, "run", refuse)
    monkeypatch.setattr(traffic, "page_text", refuse)


def before(step: Step) -> Reading:
    """A namespace where the step has not been done: nothing deployed, or, for the clean-up, all still there."""
    if step.id in ("05.8", "05.9"):
        return Reading(seen=Seen.load(SEEN / "deployed-latest.json"), service_left=True)
    return Reading(seen=Seen.load(SEEN / "nothing-deployed.json"), probe=NOTHING_FOUND.get(step.id, {}),
                   state={state.NEW_TAG: "1.1.0", state.TAGS_AT_START: "latest", state.CRASHED_POD: "first-app-x",
                          state.FIX_TAG: "2.0.1"})  # fmt: skip


@pytest.mark.parametrize("step", list(exercises.STEPS))
def test_every_judge_is_pure_and_fails_before_its_step(step, no_cluster):
    """A step's judge reads nothing itself (no process, no request) and fails, with a message, on a namespace
    where the step was not done (nothing runs; for the clean-up, everything does), even given the right answers."""
    found = exercises.STEPS[step]
    result = found.judge(before(found), right_answers(found))
    assert not result.ok, step
    assert result.message.strip(), step


def test_a_judge_passes_on_what_its_step_leaves():
    """The same judge, given a recorded reading of the cluster after the step, passes: 02.1 on a Deployment rolled
    out at latest, 03.4 on the stuck rollout with the right reason, 01.2 on the lab's own tag pushed with a line
    of its own (and not without one)."""
    deployed, stuck = Seen.load(SEEN / "deployed-latest.json"), Seen.load(SEEN / "stuck-on-2.0.0.json")
    assert exercises.STEPS["02.1"].judge(Reading(seen=deployed), {}).ok
    assert exercises.STEPS["03.4"].judge(Reading(seen=stuck), {"reason": "ImagePullBackOff"}).ok
    pushed = Reading(state={state.NEW_TAG: "1.1.3", state.TAGS_AT_START: "latest,1.0.0"},
                     tags=["latest", "1.0.0", "1.1.3"], built=("latest", "1.1.3"), line="Hola")  # fmt: skip
    assert exercises.STEPS["01.2"].judge(pushed, {}).ok
    no_line = exercises.STEPS["01.2"].judge(dataclasses.replace(pushed, line=""), {})
    assert not no_line.ok
    assert "APP_MESSAGE" in no_line.message


def test_lesson_state_is_not_held_by_the_lab():
    """The Lab keeps no lesson state of its own: the tags and the crashed pod are read from the namespace."""
    lab = student.Lab("04", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    assert set(vars(lab)) == {"_number", "settings", "_artifacts", "_context_name", "_running", "_view", "demo"}
    assert isinstance(inspect.getattr_static(student.Lab, "fix_tag"), property)


def test_a_rollout_still_running_is_read_again_but_not_in_a_proof(monkeypatch):
    """A pending failure ("the rollout is still running") is read again until it passes; a proof (wait=0) and any
    other failure are judged once."""
    looks = []
    still = Check("rollout", False, "still running", pending=True, pending_for=5.0)
    verdicts = iter([still] * 2 + [Check("rollout", True, "done")])

    def judging(r, a):
        looks.append(1)
        return next(verdicts)

    step = dataclasses.replace(exercises.STEPS["02.1"], read=lambda ctx: Reading(), judge=judging)
    monkeypatch.setitem(exercises.STEPS, "02.1", step)
    lab = student.Lab("02", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    assert not lab._judge("02.1", answers={}, wait=0).ok
    assert len(looks) == 1
    assert lab._judge("02.1", answers={}).ok
    assert len(looks) == 3
    step = dataclasses.replace(step, judge=lambda r, a: looks.append(1) or Check("rollout", False, "wrong tag"))
    monkeypatch.setitem(exercises.STEPS, "02.1", step)
    assert not lab._judge("02.1", answers={}).ok
    assert len(looks) == 4


def test_a_pending_failure_is_read_again_for_as_long_as_it_declares(monkeypatch):
    """A check that fails as pending ("1 pod is still terminating") names how long to read again: the lab (so
    validate) waits that long for it, not a bound of its own."""
    waits: list[float] = []
    real_soon = checks.soon

    def soon(check, *, seconds=30.0, say=None):
        waits.append(seconds)
        return real_soon(check, seconds=0)

    terminating = Check("clean up", False, "1 pod is still terminating", pending=True, pending_for=60.0)
    step = dataclasses.replace(exercises.STEPS["05.9"], read=lambda ctx: Reading(), judge=lambda r, a: terminating)
    monkeypatch.setitem(exercises.STEPS, "05.9", step)
    monkeypatch.setattr(checks, "soon", soon)
    lab = student.Lab("05", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    assert not lab._judge("05.9", answers={}).ok
    assert waits == [step.wait, 60.0]


def test_a_check_that_reads_again_says_so_first(monkeypatch):
    """A check that fails at first and will read again for some seconds says so in one line before it waits (a
    cell silent for 30 s looked stuck); one that passes at once, or a proof (no wait), says nothing."""
    from rolloutlab import waiting

    monkeypatch.setattr(waiting, "until", lambda probe, **kwargs: probe())
    said: list[str] = []
    failing = Check("restart", False, "no pod has crashed yet")
    assert not checks.soon(lambda: failing, seconds=30, say=said.append).ok
    assert said == ["not yet: looking again for up to 30 s..."]
    assert not checks.soon(lambda: failing, seconds=0, say=said.append).ok
    assert checks.soon(lambda: Check("restart", True, "ok"), seconds=30, say=said.append).ok
    assert len(said) == 1


def test_a_step_reads_only_what_it_asks_for(monkeypatch):
    """`reads()` with nothing asked reads nothing: no kubectl call, no request, an empty reading."""
    monkeypatch.setattr(kubectl, "run", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read")))
    ctx = reading.Context(settings=student.LabSettings.from_env({}), lab_context="x",
                          app=lambda: (_ for _ in ()).throw(AssertionError("app")), timelines={})  # fmt: skip
    assert reading.reads(seen=False)(ctx) == Reading()


def test_recording_names_are_written_once():
    """Every recording a notebook starts is one the step table names (and titles), and every named one is used."""
    import nbformat

    from rolloutlab.course import validate

    used = set()
    for path in validate.find_lab_sets(languages=("en", "fr"), chosen=None):
        for cell in nbformat.read(path, as_version=4).cells:
            used |= {line.split('"')[1] for line in cell.source.splitlines() if line.startswith("lab.record(")}
    used |= {f"05-{name}" for name in exercises.STRATEGIES}  # recorded by lab.roll_strategies()
    assert used == set(exercises.RECORDINGS)


def test_labs_01_and_02_of_a_language_share_a_namespace():
    """validate runs lab 01 then lab 02 of the same language in one namespace (lab 02 rolls out lab 01's version);
    every other lab runs alone, and 02 without 01 runs alone too."""
    from rolloutlab.course import validate

    both = validate.find_lab_sets(languages=("en", "fr"), chosen=None)
    grouped = [[f"{p.parent.name}/{p.stem[:2]}" for p in chain] for chain in validate.chains(both)]
    assert ["en/01", "en/02"] in grouped
    assert ["fr/01", "fr/02"] in grouped
    assert all(len(chain) == 1 for chain in grouped if chain[0][-2:] != "01")
    alone = validate.chains(validate.find_lab_sets(languages=("en",), chosen=["02", "03"]))
    assert [len(chain) for chain in alone] == [1, 1]


def test_the_tags_a_lab_pushed_are_those_it_handed_on():
    """validate removes a lab's own version and its fix tag, read from the lab state; nothing else it holds."""
    handed_on = {state.NEW_TAG: "1.1.7", state.FIX_TAG: "2.0.3", state.CRASHED_POD: "first-app-x",
                 state.TAGS_AT_START: "latest,1.0.0"}  # fmt: skip
    assert state.pushed_tags(handed_on) == ["1.1.7", "2.0.3"]
    assert state.pushed_tags({state.CRASHED_POD: ""}) == []


def test_no_login_is_no_mistake_where_the_registry_asks_for_none():
    """Step 01.2's French run plays `docker push` without `docker login`; against a registry that asks for no login
    (kind's) that is no mistake, so the run plays another one."""
    step = exercises.STEPS["01.2"]
    assert step.mistake_for("fr").kind == "no-login"
    assert step.mistake_for("fr", login_asked=False).kind == "push-first"
    assert step.mistake_for("en", login_asked=False).kind == "push-first"


def test_a_check_that_breaks_on_an_unforeseen_state_is_one_line_naming_a_bug(monkeypatch):
    """A judge that raises something other than a LabError gives a failing check saying it is a bug, never a
    traceback in the student's cell."""
    step = dataclasses.replace(exercises.STEPS["02.1"], read=lambda ctx: Reading(), judge=lambda r, a: {}["strategy"])
    monkeypatch.setitem(exercises.STEPS, "02.1", step)
    lab = student.Lab("02", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    result = lab._judge("02.1", answers={}, wait=0)
    assert not result.ok
    assert "report this bug" in result.message
    assert "KeyError: 'strategy'" in result.message


def test_waiting_for_a_rollout_gives_up_when_its_status_stands_still(monkeypatch):
    """A Deployment whose status never moves (no controller marks it, for example the controller manager is down)
    ends the wait with one line past its progress deadline, instead of waiting forever."""
    stuck = {
        "metadata": {"generation": 2},
        "spec": {"replicas": 4, "progressDeadlineSeconds": 1},
        "status": {"observedGeneration": 2, "updatedReplicas": 1, "availableReplicas": 3, "replicas": 5},
    }
    monkeypatch.setattr(helpers, "deployment", lambda name="first-app": stuck)
    monkeypatch.setattr(helpers, "STALLED_MARGIN", 0.0)
    with pytest.raises(LabError, match="has not moved for 1 s"):
        helpers.wait_rolled_out()


def test_the_reuse_demonstration_tag_is_the_namespaces_own():
    """Two labs at once never build over each other's demonstration tag: it is named for the namespace, and handed
    on so that validate deletes it with the lab's other tags."""
    first = demos.reuse_tag(student.LabSettings.from_env({"LAB_NAMESPACE": "rl-en-01"}))
    second = demos.reuse_tag(student.LabSettings.from_env({"LAB_NAMESPACE": "rl-fr-01"}))
    assert first != second
    assert state.pushed_tags({state.REUSE_TAG: first}) == [first]


def test_a_restarted_kernel_judges_the_recording_kept_in_the_namespace(monkeypatch):
    """A new kernel has no recorder running, yet a check that judges a recording finds it: the one `lab.draw` kept
    in the namespace before the restart."""
    recorded = Path(__file__).parent / "data" / "recordings" / "03-failed-rollout.json.gz"
    kept = Timeline.from_dict(json.loads(gzip.decompress(recorded.read_bytes())))
    monkeypatch.setattr(state, "kept_recording", lambda name: kept if name == "03-failed-rollout" else None)
    monkeypatch.setattr(state, "read", lambda: {})
    lab = student.Lab("03", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    found = reading.reads(seen=False, timelines=("03-failed-rollout", "02-set-image"))(lab._context())
    assert found.timelines == {"03-failed-rollout": kept, "02-set-image": None}


def test_a_recording_lost_with_its_kernel_is_told_apart_from_one_never_made(monkeypatch):
    """`lab.draw` in a new kernel, of a recording that was still running when the old kernel stopped, says so and
    what to run again; of one never started, says to start it."""
    marks = {state.recording_key("03-failed-rollout"): state.RUNNING}
    monkeypatch.setattr(state, "read", lambda: marks)
    monkeypatch.setattr(state, "kept_recording", lambda name: None)
    lab = student.Lab("03", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    with pytest.raises(LabError, match="lost: the notebook's kernel stopped while it ran"):
        lab.draw("03-failed-rollout")
    with pytest.raises(LabError, match="lost: the notebook's kernel stopped while it ran"):
        reading.reads(seen=False, timelines=("03-failed-rollout",))(lab._context())
    with pytest.raises(LabError, match="nothing was recorded as '04-undo'"):
        lab.draw("04-undo")


def test_the_crashed_pod_before_any_crash_is_a_line_and_a_name_kubectl_reports(monkeypatch, capsys):
    """`!kubectl get pod {lab.crashed_pod}` before the /error cell: one line says to run it first, and kubectl is
    given a name it reports as not found, never the braces as typed."""
    monkeypatch.setattr(state, "read", lambda: {})
    lab = student.Lab("02", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    assert lab.crashed_pod == student.NO_CRASH
    assert "no pod has crashed yet" in capsys.readouterr().out


def test_solving_a_prediction_before_its_recording_sets_it_and_goes_on(monkeypatch, capsys):
    """`lab.solve("03.2")` before the recorded rollout that judges it: the answer is set and the student is told the
    check comes after the cells below; the lab is not started afresh (which erased the student's progress)."""

    names: dict = {}

    class Shell:
        user_ns = names

        def run_cell(self, code, store_history=False):
            exec(code, self.user_ns)  # the step's solution: two assignments

    monkeypatch.setattr(checks, "notebook_shell", Shell)
    monkeypatch.setattr(state, "kept_recording", lambda name: None)
    monkeypatch.setattr(state, "read", lambda: {})
    lab = student.Lab("03", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    monkeypatch.setattr(lab, "start", lambda: pytest.fail("the lab was started afresh"))
    lab.solve("03.2")
    said = capsys.readouterr().out
    assert "03.2 is set: its check judges the recording 03-failed-rollout" in said
    assert names["most_pods"] == 7


def test_solving_a_step_that_already_passes_runs_nothing(monkeypatch, capsys):
    """`lab.solve("04.1")` once 04.1 passes: its solution (an undo) is not run again, which would undo once more
    and fail the step; the student is told it passes and to go on."""

    class Shell:
        user_ns: ClassVar[dict[str, int]] = {}

        def run_cell(self, code, store_history=False):
            pytest.fail(f"the solution was run again: {code}")

    monkeypatch.setattr(checks, "notebook_shell", Shell)
    lab = student.Lab("04", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    monkeypatch.setattr(lab, "_judge", lambda step, *, answers, wait=None: Check(f"{step} undo", True, "undone"))
    monkeypatch.setattr(lab, "start", lambda: pytest.fail("the lab was started afresh"))
    lab.solve("04.1")
    assert "04.1 already passes: its solution was not run again" in capsys.readouterr().out


def test_solving_a_question_says_the_answer_was_set_not_that_the_cluster_moved(monkeypatch, capsys):
    """`lab.solve("02.2")`, a question: the line says the solution set `container` and what its check says, not
    that the cluster is where the next step expects it (nothing in the cluster changed)."""
    names: dict = {}

    class Shell:
        user_ns = names

        def run_cell(self, code, store_history=False):
            names["container"] = "first-app-k8s"  # the solution's answer; its jsonpath line needs a cluster

    monkeypatch.setattr(checks, "notebook_shell", Shell)
    lab = student.Lab("02", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    answered = {True: Check("02.2 container", True, "the container is first-app-k8s")}
    monkeypatch.setattr(
        lab, "_judge", lambda step, *, answers, wait=None: answered.get(bool(answers), Check("x", False, "no"))
    )
    lab.solve("02.2")
    said = capsys.readouterr().out
    assert said == "solved 02.2: the solution set `container`, and its check says: the container is first-app-k8s\n"


def test_every_exercise_has_another_way_and_both_languages_play_them_all():
    """Each exercise lists another way to its state (of a kind the report can name); validate's English and French
    runs together play every way of every lab, and each run plays at least one per lab that has any."""
    from rolloutlab.lab.step import WAYS

    for step in exercises.STEPS.values():
        assert step.ways or not step.exercise, step.id
        assert all(w.kind in WAYS and w.code for w in step.ways), step.id
    for lab in sorted({s.lab for s in exercises.STEPS.values()}):
        listed = {(s.id, w.kind) for s in exercises.steps_of(lab) for w in s.ways}
        played = [{(s, w.kind) for s, w in exercises.ways_played(lab, lang).items()} for lang in ("en", "fr")]
        assert played[0] | played[1] == listed, lab
        assert all(p for p in played) or not listed, lab


def test_solving_afresh_replays_the_shell_cells_between_the_steps():
    """`lab.solve` starting lab 05 afresh runs the steps' solutions and the notebook's shell cells between them: the
    cell that deploys first-app again after the strategies is among them (without it, 05.2 to 05.5 had nothing to
    act on); cells that draw or check are not."""
    from rolloutlab.lab import starts

    codes = starts.replay("05", until="05.4")
    assert codes[0] == exercises.STEPS["05.1"].solution
    assert codes[-1] == exercises.STEPS["05.4"].solution
    assert any(code.startswith("!kubectl apply -f {lab.manifest}") for code in codes)
    assert not any("lab.check(" in code or "lab.draw(" in code or "compare_strategies" in code for code in codes)
    with pytest.raises(LabError, match=r"no step '09\.9'"):
        starts.replay("05", until="09.9")


def test_a_pending_prediction_is_taken_at_the_recording_and_hides_the_bounds_until_graded(monkeypatch, capsys):
    """`lab.record` of the rollout 03.2 predicts says in one line what it records, keeps the answers as they are
    then (with when), and its live figure draws no bound lines; once 03.2 is graded, the same recording draws them
    and takes nothing."""
    from rolloutlab.recording.live import LiveView

    class Shell:
        user_ns: ClassVar[dict[str, int]] = {"most_pods": 6, "fewest_available": 4}

    made: list = []

    class FakeRecording:
        def __init__(self, *, namespace, deployment, live, url):
            made.append(live)
            self.recorder, self.stopped = dataclasses.make_dataclass("R", ["deployment"])(deployment), False

        def stop(self):
            self.stopped = True

    marks: dict[str, str] = {}
    monkeypatch.setattr(checks, "notebook_shell", Shell)
    monkeypatch.setattr(student, "Recording", FakeRecording)
    monkeypatch.setattr(state, "read", lambda: dict(marks))
    monkeypatch.setattr(state, "remember", lambda **kept: marks.update(kept))
    monkeypatch.setattr(LiveView, "__init__", lambda self, *, bounds=True: setattr(self, "bounds", bounds))
    settings = student.LabSettings.from_env({"LAB_LIVE_VIEW": "on"})
    lab = student.Lab("03", settings=settings, artifacts=Path("/nonexistent"), context="x")
    monkeypatch.setattr(type(lab), "_app", property(lambda self: type("App", (), {"url": None})()), raising=False)
    lab.record("03-failed-rollout", requests=False)
    assert capsys.readouterr().out == ("recording 03-failed-rollout: first-app's ReplicaSets and pods; now run the "
                                       "step's command\n")  # fmt: skip
    assert isinstance(made[0], LiveView)
    assert made[0].bounds is False
    taken = json.loads(marks[state.prediction_key("03.2")])
    assert taken["answers"] == {"most_pods": 6, "fewest_available": 4}
    assert taken["at"]
    marks[state.graded_key("03.2")] = "2026-12-04T10:00:00+00:00"
    Shell.user_ns = {"most_pods": 7, "fewest_available": 4}
    lab.record("03-failed-rollout", requests=False)
    assert made[1] is True  # the ordinary live figure, bounds drawn
    assert json.loads(marks[state.prediction_key("03.2")])["answers"]["most_pods"] == 6  # the first stays


def test_show_app_says_in_one_line_why_nothing_answers(capsys):
    """`lab.demo.show_app()` on an address where nothing listens prints the app's address and one line saying
    nothing answers there and what to check, never a bare None."""
    where = traffic.AppUrl(url="http://127.0.0.1:9/", via="nodeport")  # port 9 (discard): nothing listens here
    empty = Timeline(namespace="ns", deployment="first-app", started_at=0.0)
    demo = demos.Demo(lambda: student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), app=lambda: where,
                      record=lambda a, b: None, stop=lambda name: empty, recorded=lambda name: empty)  # fmt: skip
    demo.show_app()
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].endswith("http://127.0.0.1:9/")
    assert printed[1].startswith("nothing answers at http://127.0.0.1:9/")
    assert "None" not in printed[1]


@pytest.mark.parametrize(
    ("answers", "said", "fails"),
    [
        ([(1, 'Error from server (NotFound): namespaces "mine" not found'), (0, "namespace/mine created")],
         "namespace mine did not exist: made it", False),
        ([(1, 'Error from server (Forbidden): namespaces "mine" is forbidden')], "", False),
        ([(0, "namespace/mine")], "", False),
        ([(1, 'Error from server (NotFound): namespaces "mine" not found'),
          (1, 'Error from server (Forbidden): namespaces is forbidden: cannot create resource "namespaces"')],
         "", True),
    ],
)  # fmt: skip
def test_a_lab_start_makes_a_missing_namespace_or_says_in_one_line_what_to_do(monkeypatch, answers, said, fails):
    """A LAB_NAMESPACE that does not exist is made at the lab's start and the student is told; one that exists,
    or that a class student may not even read, is used as it is; one that cannot be made is one line naming
    LAB_NAMESPACE."""
    from rolloutlab.lab import starts

    given = iter(answers)

    def run(args, **kwargs):
        code, said_back = next(given)
        return process.Result(list(args), code, said_back if code == 0 else "", "" if code == 0 else said_back)

    monkeypatch.setattr(starts.kubectl, "run", run)
    settings = dataclasses.replace(student.LabSettings.from_env({}), namespace="mine")
    printed: list[str] = []
    if fails:
        with pytest.raises(LabError) as raised:
            starts._namespace_there(settings, printed.append)
        assert "LAB_NAMESPACE" in str(raised.value)
        assert "cannot create" in str(raised.value)
    else:
        starts._namespace_there(settings, printed.append)
        assert printed == ([said] if said else [])


def test_a_passing_check_keeps_its_running_recording_so_a_restarted_kernel_still_has_it(monkeypatch):
    """04.1 passes while its recording 04-undo still runs (its draw cell comes later): the recording as it stands is
    kept in the namespace then, so a kernel restarted before the draw finds it; a failing check keeps nothing."""
    kept: dict[str, Timeline] = {}
    monkeypatch.setattr(state, "keep_recording", lambda name, timeline: kept.update({name: timeline}))
    monkeypatch.setattr(state, "remember", lambda **values: None)
    monkeypatch.setattr(checks, "publish", lambda **kwargs: None)
    seen_so_far = Timeline(namespace="ns", deployment="first-app", started_at=0.0)

    class Running:
        stopped = False
        timeline = seen_so_far

    lab = student.Lab("04", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    lab._running["04-undo"] = Running()  # type: ignore[assignment]
    verdicts = iter([Check("undo", False, "not yet"), Check("undo", True, "back on 1.0.0")])
    step = dataclasses.replace(exercises.STEPS["04.1"], read=lambda ctx: Reading(), judge=lambda r, a: next(verdicts))
    monkeypatch.setitem(exercises.STEPS, "04.1", step)
    with pytest.raises(checks.CheckFailed):
        lab.check("04.1", wait=0)
    assert kept == {}
    lab.check("04.1", wait=0)
    assert kept == {"04-undo": seen_so_far}


def test_a_graded_prediction_that_failed_offers_no_hint_nor_solve(monkeypatch):
    """A wrong prediction's line already says the answer and why: it is not followed by "Stuck? lab.hint(...)
    ... lab.solve(...)", which a step to do gets."""
    monkeypatch.setattr(state, "remember", lambda **values: None)
    monkeypatch.setattr(checks, "publish", lambda **kwargs: None)

    class Running:
        stopped = False
        timeline = Timeline(namespace="ns", deployment="first-app", started_at=0.0)

    lab = student.Lab("04", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    lab._running["04-undo"] = Running()  # type: ignore[assignment]
    wrong = Check("04.0 prediction", False, "you predicted [1, 2, 3, 4]; after one undo the history lists [1, 3, 4]")
    monkeypatch.setattr(lab, "_judge", lambda step, *, answers, wait=None: wrong)
    monkeypatch.setattr(student, "_answers", lambda found: {"revisions_after_undo": [1, 2, 3, 4]})
    with pytest.raises(checks.CheckFailed) as failed:
        lab.check("04.0", wait=0)
    assert "lab.hint" not in str(failed.value)
    assert "lab.solve" not in str(failed.value)


def test_bounds_stay_hidden_while_the_lab_started_last_has_a_prediction_to_grade():
    """A live view hides the bounds as pod counts while a prediction of the lab started last is ungraded, whichever
    lab's notebook opened it: lab 02's view, still pinned in lab 03, must not show lab 03's answer."""
    assert student.predictions_pending({state.LAB: "03"}, lab="02")
    assert not student.predictions_pending({state.LAB: "03", state.graded_key("03.2"): "now"}, lab="02")
    assert not student.predictions_pending({state.LAB: "02"}, lab="02")
    assert student.predictions_pending({}, lab="03")  # the namespace's state not read yet: the view's own lab


def test_passing_checks_joined_start_each_sentence_with_a_capital():
    """`both` joins passing lines: after one that ends its sentence the next starts with a capital (a French 04.3
    line read "... du texte. au plus 7 pods"); otherwise a semicolon joins them as they are."""
    from rolloutlab.lab.step import both

    ended = both(lambda: Check("a", True, "kept the text's numbers."), lambda: Check("b", True, "at most 7 pods"))
    assert ended.message == "kept the text's numbers. At most 7 pods"
    going = both(lambda: Check("a", True, "undone"), lambda: Check("b", True, "at most 7 pods"))
    assert going.message == "undone; at most 7 pods"
