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
