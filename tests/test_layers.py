"""The package's subpackages import one way: course tooling, then lab, then recording, then kind, then sandbox,
then images, then the base."""

import ast
from pathlib import Path

import rolloutlab

PACKAGE = Path(rolloutlab.__file__).parent
# Lower layers never import higher ones. The base is the top-level modules everything shares.
RANKS = {"base": 0, "images": 1, "sandbox": 2, "kind": 3, "recording": 4, "lab": 5, "course": 6, "cli": 7}


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) < 2 or parts[1] in {"__init__", "__main__", "cli", "commands"}:
        return "cli"
    return parts[1] if parts[1] in RANKS else "base"


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rolloutlab"):
            found += [node.module] if node.module != "rolloutlab" else [f"rolloutlab.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("rolloutlab")]
    return found


def _module(path: Path) -> str:
    return ".".join(("rolloutlab", *path.relative_to(PACKAGE).with_suffix("").parts))


def test_no_module_imports_a_higher_layer():
    """Every import, at the top of a module or inside a function, goes to the same layer or a lower one."""
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _module(path)
        if path.name == "__init__.py" and path.parent != PACKAGE:
            here = here.removesuffix(".__init__") + ".x"
        for target in _imports(path):
            if RANKS[_layer(target)] > RANKS[_layer(here)]:
                upward.append(f"{here} imports {target}")
    assert upward == []


def test_every_subpackage_has_a_readme_and_the_layers_are_all_there():
    """Each job is a subpackage with a README, and the top level holds only the shared base and the CLI."""
    subpackages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert subpackages == {"images", "sandbox", "kind", "recording", "lab", "course"}
    for name in subpackages:
        assert (PACKAGE / name / "README.md").is_file(), name
    top = {p.stem for p in PACKAGE.glob("*.py")}
    assert top == {
        "__init__",
        "__main__",
        "cli",
        "commands",
        "environment",
        "errors",
        "i18n",
        "paths",
        "settings",
        "kubectl",
        "process",
        "waiting",
        "versions",
        "progress",
        "unanswered",
        "typography",
    }


def test_a_notebook_loads_no_sandbox_module():
    """`from rolloutlab.lab import open_lab`, as every lab starts, loads no module of the sandbox (Go builds, PKI,
    nodes): a lab on kind or a class cluster needs none of it."""
    import sys

    from rolloutlab import process

    code = "import sys; from rolloutlab.lab import open_lab; print(sorted(m for m in sys.modules if 'sandbox' in m))"
    loaded = process.run([sys.executable, "-c", code], timeout=60, check=True).stdout.strip()
    assert loaded == "[]"
