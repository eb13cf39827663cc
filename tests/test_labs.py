"""The labs: stored clean, and each one runs green against the sandbox through the same code as `validate`."""

from pathlib import Path

import nbformat
import pytest

from rolloutlab import validate

LABS = sorted(validate.LABS_DIR.glob("[0-9][0-9]-*.ipynb"))


def test_there_are_labs():
    """The labs folder holds at least the set-up lab."""
    assert any(p.name.startswith("00-") for p in LABS)


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_lab_is_stored_without_outputs(path: Path):
    """Executed notebooks are build artifacts: the stored lab has no outputs or execution counts."""
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells {dirty} of {path.name} hold outputs; clear them before committing"


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_lab_starts_with_a_parameters_cell(path: Path):
    """The first code cell is tagged `parameters` and reads its settings from the environment."""
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", [])
    assert "os.environ.get(" in first.source


@pytest.mark.sandbox
@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_lab_runs_green_on_the_sandbox(path: Path, sandbox, tmp_path):
    """The lab runs top to bottom against the sandbox with no error output."""
    env = {"KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry}
    result = validate.run_lab(path, out_dir=tmp_path, env=env)
    assert result.ok, f"{result.lab} failed at cell {result.failed_cell}: {result.error}"
    executed = nbformat.read(result.executed, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert "FAIL" not in printed
