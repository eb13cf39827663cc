"""The `rolloutlab` command starts fast: a command imports what it needs when it runs, never the whole package."""

import sys

from rolloutlab import process


def test_the_command_loads_no_heavy_module_before_a_command_runs():
    """Importing the CLI (what `rolloutlab --version` and `sandbox env` pay) loads neither nbformat (whose
    jsonschema import alone takes seconds), nor the kubernetes client, nor the sandbox, nor validate."""
    code = (
        "import sys, rolloutlab.cli; print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'nbformat', 'jsonschema', 'kubernetes', 'nbclient', 'matplotlib'}), "
        "sorted(m for m in sys.modules if m.startswith(('rolloutlab.sandbox', 'rolloutlab.course.validate'))))"
    )
    loaded = process.run([sys.executable, "-c", code], timeout=60, check=True).stdout.strip()
    assert loaded == "[] []"
