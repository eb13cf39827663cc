"""What a check hands to the notebook and to `validate`: a structured result beside the line the student reads,
the answers read by name from the notebook, and a figure that says when nothing rolled."""

import json
import os
from importlib import resources
from pathlib import Path

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from rolloutlab import i18n
from rolloutlab.course import execution, validate
from rolloutlab.lab import checks, exercises, judge, student
from rolloutlab.lab.observe import Seen
from rolloutlab.recording.timeline import ReplicaSetSample, Timeline
from rolloutlab.settings import LabSettings

SEEN = Path(__file__).parent / "data" / "seen"


@pytest.fixture
def shell():
    """An IPython shell in this process, as a notebook's kernel runs one."""
    instance = InteractiveShell.instance()
    yield instance
    InteractiveShell.clear_instance()


def as_outputs(captured) -> list:
    """What a kernel would have stored in the cell: one display_data per rich output."""
    return [nbformat.v4.new_output("display_data", data=o.data, metadata=o.metadata) for o in captured.outputs]


class Reordered:
    """The French catalogue with the check line's format reordered, as a translator might write it."""

    def __init__(self, real) -> None:
        self.real = real

    def gettext(self, message: str) -> str:
        if message == "{status} {name}: {message}":
            return "{message} ({name}\u00a0: {status})"
        return self.real.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.real.ngettext(singular, plural, count)


def test_validate_reads_checks_from_their_results_whatever_the_line_format(shell, monkeypatch):
    """A translator reorders the French check line; the lines follow it, and validate still reads each check's
    verdict, name and message right, from the published results and not from the text."""
    real = i18n._translations("fr")
    monkeypatch.setattr(i18n, "_translations", lambda lang: Reordered(real) if lang == "fr" else real)
    monkeypatch.setenv("LAB_LANG", "fr")
    failing = judge.rolled_out(Seen.load(SEEN / "typed-1.0.1.json"), tag="1.0.0")
    passing = judge.rolled_out(Seen.load(SEEN / "rolled-to-1.0.0.json"), tag="1.0.0")
    cells = []
    for step, result in (("02.3", failing), ("02.3", passing)):
        with capture_output() as captured:
            checks.publish(step=step, result=result, shown=str(result))
        cells.append(nbformat.v4.new_code_cell("lab.check('02.3')", outputs=as_outputs(captured)))
    assert str(passing).endswith("(mise à jour progressive\u00a0: OK)")
    found = execution.published_checks(nbformat.v4.new_notebook(cells=cells))
    assert [(c["ok"], c["name"], c["step"]) for c in found] == [
        (False, "mise à jour progressive", "02.3"),
        (True, "mise à jour progressive", "02.3"),
    ]
    assert found[0]["message"].startswith("le déploiement demande le tag '1.0.1'")
    assert found[1]["message"] == passing.message


def test_a_failing_check_shows_its_line_once(shell):
    """A failing check's bundle carries no text (the error that stops the cell shows the line); a passing one's
    text is its line."""
    result = judge.rolled_out(Seen.load(SEEN / "typed-1.0.1.json"), tag="1.0.0")
    with capture_output() as captured:
        checks.publish(step="02.3", result=result, shown="FAIL ...")
    assert [sorted(o.data) for o in captured.outputs] == [[checks.MIME]]
    assert json.loads(json.dumps(captured.outputs[0].data[checks.MIME]))["ok"] is False


def a_lab(number: str) -> student.Lab:
    settings = LabSettings.from_env({"LAB_NAMESPACE": "lab-x"})
    return student.Lab(number, settings=settings, artifacts=Path("/nonexistent"), context="lab")


@pytest.mark.parametrize("step", [s.id for s in exercises.STEPS.values() if s.answers])
def test_a_skipped_answer_cell_gets_the_checks_own_line(step, shell):
    """The check cell runs with no answer defined (its cell skipped): the check says what to write, in one line,
    before reading any cluster; no NameError."""
    lab = a_lab(step[:2])
    with pytest.raises(checks.CheckFailed) as failed, capture_output() as captured:
        lab.check(step)
    name = exercises.STEPS[step].answers[0]
    assert str(failed.value).startswith(f"FAIL {step} answer: your answer is not in this notebook's kernel yet")
    assert f"write `{name} = ...`" in str(failed.value)
    assert captured.outputs[0].data[checks.MIME]["ok"] is False


def test_answers_are_read_by_name_from_the_notebook(shell):
    """What the answer cell defined is what the check judges: a step's names, and only those."""
    shell.user_ns.update({"container": "first-app-k8s", "reason": "ImagePullBackOff"})
    assert student._answers(exercises.STEPS["02.2"]) == {"container": "first-app-k8s"}
    assert student._answers(exercises.STEPS["03.2"]) == {}


def test_check_cells_name_their_step_and_nothing_else():
    """A check cell is `lab.check("<step>")`: it never refers to a variable the student may not have defined."""
    for path in validate.find_lab_sets(languages=("en", "fr"), chosen=None):
        for cell in nbformat.read(path, as_version=4).cells:
            step = execution.check_of(cell)
            if step:
                assert cell.source == f'lab.check("{step}")', (path.name, cell.source)


def still() -> Timeline:
    """A recording in which the Deployment's ReplicaSets never changed (a `set image` that kubectl refused)."""
    timeline = Timeline(namespace="lab", deployment="first-app", started_at=0.0)
    timeline.replicasets += [ReplicaSetSample(t=0.1, name="first-app-a", revision=1, image="x:latest", desired=4,
                                              current=4, ready=4, available=4)]  # fmt: skip
    timeline.meta["duration"] = 42.0
    return timeline


def test_a_recording_where_nothing_rolled_says_so_and_covers_its_time():
    """No ReplicaSet changed: not rolled; the recorded rollouts shipped with the package did roll; the time axis
    reaches the recording's stop, not its last sample."""
    assert not still().rolled()
    assert still().end == 42.0
    samples = resources.files("rolloutlab").joinpath("data/timelines")
    for name in ("update", "failed", "rollback"):
        assert Timeline.from_dict(json.loads(samples.joinpath(f"{name}.json").read_text())).rolled(), name


def test_draw_of_a_still_recording_is_one_line_in_the_students_language(monkeypatch, capsys):
    """`lab.draw` where nothing rolled: one French line, no empty figure, and the recording goes on."""
    monkeypatch.setenv("LAB_LANG", "fr")
    lab = a_lab("02")

    class Going:
        timeline = still()
        stopped = False

    lab._running["02-set-image"] = Going()  # type: ignore[assignment]
    lab.draw("02-set-image")
    said = capsys.readouterr().out.strip().splitlines()
    assert said == [
        "aucune mise à jour progressive pendant l'enregistrement 02-set-image\u00a0: le modèle de pod n'a pas changé "
        "(kubectl a-t-il refusé la commande\u202f?). L'enregistrement continue\u00a0: lancez la commande de l'étape, "
        "puis cette cellule à nouveau. Si la mise à jour progressive a eu lieu avant le début de cet enregistrement "
        "(un noyau redémarré), lancez la cellule de démarrage du lab (`lab.start()`) et les cellules qui suivent."
    ]
    assert "02-set-image" in lab._running


def test_figure_titles_come_from_the_catalogue(monkeypatch):
    """Each drawn recording has its title in the catalogue, translated (the notebook no longer writes it)."""
    monkeypatch.setenv("LAB_LANG", "fr")
    assert i18n._(exercises.RECORDINGS["02-set-image"].title) == "kubectl set image\u00a0: latest → votre version"


def test_a_cell_run_before_the_labs_first_cell_is_one_line(monkeypatch, tmp_path):
    """In a kernel started as `rolloutlab lab` starts them (its IPython start-up file), a French lab's check run
    before `lab = open_lab("02")` says in one French line what to run first, and so does a `!kubectl` cell, which
    does not run until the lab is open, and a `kubectl` line without its `!`; any other NameError stays IPython's."""
    from nbclient import NotebookClient
    from traitlets.config import Config

    from rolloutlab.course import jupyter
    from rolloutlab.paths import repository

    monkeypatch.setenv("ROLLOUTLAB_HOME", str(tmp_path))
    monkeypatch.delenv("LAB_LANG", raising=False)
    labs = repository().labs_in("fr")
    env = {**os.environ, "IPYTHONDIR": str(jupyter.ipython_dir()),
           "JPY_SESSION_NAME": str(labs / "02-deploy-and-set-image.ipynb")}  # fmt: skip
    sources = ['lab.check("02.3")', "no_such_name", "pods = !kubectl get pods\nprint('ran')",
               "from rolloutlab.lab import notebook\nnotebook.lab_is_open()",
               "!kubectl --help > /dev/null 2>&1; echo ran", "kubectl get pods"]  # fmt: skip
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])
    config = Config({"KernelManager": {"transport": "ipc", "ip": str(tmp_path / "kernel")}})
    client = NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True, config=config,
                            resources={"metadata": {"path": str(labs)}})  # fmt: skip
    with client.setup_kernel(env=env):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    first, second, held = (next(o for o in cell.outputs if o.output_type == "error") for cell in nb.cells[:3])
    shown = "\n".join(first.traceback)
    assert shown == ("\x1b[31mle lab n'est pas encore ouvert\u00a0: exécutez sa première cellule "
                     '(`lab = open_lab("02")`), puis celle-ci à nouveau.\x1b[0m')  # fmt: skip
    assert second.ename == "NameError"
    assert "no_such_name" in "\n".join(second.traceback)
    # kubectl, before the lab is open, would read the kernel's own kubeconfig (the `default` namespace): held.
    assert held.traceback == ["\x1b[31mkubectl n'a pas été lancé\u00a0: le lab n'est pas encore ouvert dans ce noyau "
                              "(un noyau redémarré repart de zéro), et kubectl utiliserait le namespace de votre "
                              "propre kubeconfig, pas celui du lab. Exécutez la première cellule du lab "
                              '(`lab = open_lab("02")`), puis celle-ci à nouveau.\x1b[0m']  # fmt: skip
    assert not any(o.get("text") for o in nb.cells[2].outputs)  # nothing ran, not even the cell's print
    assert [o.output_type for o in nb.cells[4].outputs] == ["stream"]  # the lab open: kubectl runs
    assert "ran" in nb.cells[4].outputs[0].text
    bare = next(o for o in nb.cells[5].outputs if o.output_type == "error")  # the `!` forgotten: said, in French
    assert bare.traceback == ["\x1b[31mrolloutlab\u00a0: `kubectl get pods` est une commande shell, et une cellule de "
                              "notebook n'en lance une qu'après un `!`. Mettez un `!` devant kubectl (`!kubectl ...`), "
                              "puis relancez la cellule.\x1b[0m"]  # fmt: skip


def test_a_kubectl_cell_is_held_before_the_lab_is_open_unless_it_opens_the_lab():
    """Before `open_lab`, a cell is held when one of its lines runs kubectl through IPython (`!kubectl`,
    `out = !kubectl`, `!!kubectl`), not when kubectl is only named, nor when the cell opens the lab first."""
    from rolloutlab.lab.notebook import HOLD, hold_kubectl

    for held in ("!kubectl get pods\n", "x = 1\nout = !kubectl get rs\n", "  !! kubectl rollout status d/x\n"):
        assert hold_kubectl(held.splitlines(keepends=True)) == [HOLD], held
    for kept in ("# !kubectl get pods\n", 'print("!kubectl")\n', "kubectl = 1\n",
                 'lab = open_lab("02")\n!kubectl get pods\n'):  # fmt: skip
        assert hold_kubectl(kept.splitlines(keepends=True)) == kept.splitlines(keepends=True), kept


def test_a_free_tag_is_free_in_the_registry_and_in_the_local_docker(monkeypatch, tmp_path):
    """A tag the registry lost (validate deletes its own) but Docker still holds built is not offered again: a
    `docker push` before `docker build` would push the old build under the student's "new" tag."""
    from rolloutlab.lab import helpers, images

    monkeypatch.setenv("ROLLOUTLAB_HOME", str(tmp_path))
    monkeypatch.setattr(images, "tags", lambda *, settings: ["latest", "1.0.0", "1.1.0"])
    monkeypatch.setattr(images, "local_tags", lambda *, settings: ["1.1.1", "1.1.2"])
    assert helpers.next_free_tag(settings=LabSettings.from_env({}), series="1.1") == "1.1.3"


@pytest.mark.parametrize(("ename", "line"), [
    ("KubectlError", "kubectl set image failed: deployments.apps \"web\" not found"),
    ("NameError", "NameError: name 'contianer' is not defined"),
])  # fmt: skip
def test_validate_names_a_failed_cell_by_its_sentence_or_its_python_error(ename, line):
    """A lab cell that ended in one of the course's errors is reported by its sentence alone; any other error
    (a bug, a student's typo) keeps its Python name, which is then the news."""
    said = line.removeprefix(f"{ename}: ")
    cells = [nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("error", ename=ename, evalue=said,
                                                                              traceback=[])])]  # fmt: skip
    assert execution.failure(nbformat.v4.new_notebook(cells=cells), RuntimeError("stopped")) == (0, line)
