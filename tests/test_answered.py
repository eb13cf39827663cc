"""Answers read from a real IPython shell: a cell that failed to set one is said, not its earlier value judged."""

from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from rolloutlab.lab import answered, checks, student
from rolloutlab.lab.checks import CheckFailed


@pytest.fixture
def shell(monkeypatch):
    """An IPython shell as a lab's kernel has, followed by the hook from a clean start."""
    made = InteractiveShell.instance()
    monkeypatch.setattr(checks, "notebook_shell", lambda: made)
    monkeypatch.setattr(answered, "_FAILED", {})
    monkeypatch.setattr(answered, "_WATCHED", set())
    answered.watch()
    yield made
    made.events.unregister("post_run_cell", answered.after_cell)


def test_a_failed_answer_cell_is_remembered_until_a_cell_sets_the_name_again(shell):
    """`container = 'l'app'` (SyntaxError) and `container = first-app-k8s` (NameError) mark the name broken while
    it keeps its earlier value; a cell that runs clears it; a comparison (`==`) is not an answer."""
    shell.run_cell('container = "first-app"')
    assert answered.given(("container",)) == {"container": "first-app"}
    assert answered.broken(("container",)) == {}
    shell.run_cell("container = 'l'app'")
    assert answered.broken(("container",)) == {"container": "SyntaxError"}
    assert answered.given(("container",)) == {"container": "first-app"}  # what a check judged before
    shell.run_cell("container = first-app-k8s")
    assert answered.broken(("container",)) == {"container": "NameError"}
    shell.run_cell("container == undefined_name")
    assert answered.broken(("container",)) == {"container": "NameError"}
    shell.run_cell('container = "l\'app"')
    assert answered.broken(("container",)) == {}


def test_a_check_after_a_failed_answer_cell_says_so_and_reads_no_cluster(shell, monkeypatch):
    """`lab.check("02.2")` after a failed answer cell stops with one line naming the error and the double quotes,
    without judging the earlier answer (the cluster is never read)."""
    lab = student.Lab("02", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    monkeypatch.setattr(lab, "_judge", lambda *a, **k: pytest.fail("the earlier answer was judged"))
    monkeypatch.setattr(student.events, "note", lambda *a, **k: None)
    shell.run_cell('container = "first-app-k8s"')
    shell.run_cell("container = 'l'app'")
    with pytest.raises(CheckFailed) as failed:
        lab.check("02.2")
    said = str(failed.value)
    assert "the cell that sets `container` stopped on an error (SyntaxError)" in said
    assert 'between double quotes, as in `container = "..."`' in said
    assert "Traceback" not in said


def test_a_first_answer_cell_that_failed_is_named_not_called_unanswered(shell, monkeypatch):
    """`reason = 'l'image'` as the first answer (the name never defined): the check names the failed cell, not a
    cell never run (the student did run it)."""
    lab = student.Lab("03", settings=student.LabSettings.from_env({}), artifacts=Path("/nonexistent"), context="x")
    monkeypatch.setattr(lab, "_judge", lambda *a, **k: pytest.fail("nothing to judge"))
    monkeypatch.setattr(student.events, "note", lambda *a, **k: None)
    shell.user_ns.pop("reason", None)
    shell.run_cell("reason = 'impossible de récupérer l'image'")
    with pytest.raises(CheckFailed) as failed:
        lab.check("03.4")
    assert "the cell that sets `reason` stopped on an error (SyntaxError)" in str(failed.value)


def test_a_shell_command_typed_without_its_bang_says_to_add_it(shell):
    """`kubectl set image ...` or `docker build ...` typed as Python stops with one line asking for the `!`; Python
    that only names them, `!kubectl`, a `%%bash` cell and a triple-quoted text are left to run."""
    from rolloutlab.errors import LabError
    from rolloutlab.lab import notebook

    notebook.show_lab_errors_in_one_line()
    try:
        result = shell.run_cell("kubectl set image deployment/first-app first-app-k8s=localhost:5001/app:2.0.0")
        assert isinstance(result.error_in_exec, LabError)
        assert "`!` before kubectl (`!kubectl ...`)" in str(result.error_in_exec)
        assert "is a shell command" in str(result.error_in_exec)
        for kept in ("kubectl = 1\n", "docker = {'build': 1}\ndocker['build']\n", "!kubectl version --client\n",
                     "%%bash\nkubectl get pods\n", 'notes = """\nkubectl get pods\n"""\n'):  # fmt: skip
            assert notebook.hold_shell_without_bang(kept.splitlines(keepends=True)) == kept.splitlines(keepends=True)
        assert notebook.hold_shell_without_bang(["docker build -t x .\n"]) != ["docker build -t x .\n"]
    finally:
        shell.input_transformers_cleanup.remove(notebook.hold_shell_without_bang)
        shell.set_custom_exc((), None)
