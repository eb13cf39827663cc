"""Every environment variable the package reads is declared once, in rolloutlab.environment, and the docs list
exactly those."""

import ast
import dataclasses
import os
import sys
from pathlib import Path

import pytest

from rolloutlab import environment, i18n, process
from rolloutlab.environment import LAB_CONTEXT, LAB_REGISTRY, VARIABLES, Variable
from rolloutlab.paths import repository

PACKAGE = Path(environment.__file__).parent
# Reading one variable of os.environ; handing all of it on (`dict(os.environ)`, `{**os.environ}`) is a copy.
READS = {"get", "setdefault", "pop"}


def _is_os(node: ast.AST, *, attrs: tuple[str, ...]) -> bool:
    return isinstance(node, ast.Attribute) and node.attr in attrs and isinstance(node.value, ast.Name) and (
        node.value.id == "os"
    )  # fmt: skip


def _reads_of_os_environ(tree: ast.AST) -> list[int]:
    def is_environ(node: ast.AST) -> bool:
        return _is_os(node, attrs=("environ", "environb"))

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in READS and is_environ(node.value):
            lines.append(node.lineno)  # os.environ.get(...)
        elif _is_os(node, attrs=("getenv", "getenvb")):
            lines.append(node.lineno)  # os.getenv(...)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and is_environ(node.value):
            lines.append(node.lineno)  # os.environ["X"]
        elif isinstance(node, ast.Compare) and any(is_environ(c) for c in node.comparators):
            lines.append(node.lineno)  # "X" in os.environ
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            lines += [node.lineno for a in node.names if a.name in ("environ", "environb", "getenv", "getenvb")]
    return sorted(lines)


def test_no_module_reads_the_environment_but_through_its_declaration():
    """No module of the package but rolloutlab.environment reads os.environ (get, [...], in, getenv) itself."""
    found = []
    for path in sorted(set(PACKAGE.rglob("*.py")) - {PACKAGE / "environment.py"}):
        found += [f"{path.relative_to(PACKAGE)}:{n}" for n in _reads_of_os_environ(ast.parse(path.read_text()))]
    assert found == []


def test_the_scan_sees_each_way_of_reading_the_environment():
    """The scan above flags os.environ.get, os.getenv, os.environ[...], `in os.environ` and `from os import
    environ`, and lets a copy handed to a child process pass."""
    code = (
        "import os\nos.environ.get('A')\nos.getenv('B')\nos.environ['C']\n'D' in os.environ\nfrom os import environ\n"
        "env = {**os.environ, 'E': '1'}\nchild = dict(os.environ)\nos.environ['F'] = '1'\n"
    )
    assert _reads_of_os_environ(ast.parse(code)) == [2, 3, 4, 5, 6]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_docs_list_exactly_the_declared_variables(lang):
    """docs/<lang>/environment.md is the page made from the declaration; after a change there, run
    `rolloutlab environment --write-docs`."""
    page = repository().docs_in(lang) / environment.PAGE
    assert page.read_text() == environment.page(lang), "run `.venv/bin/rolloutlab environment --write-docs`"
    for variable in VARIABLES.values():
        assert f"| `{variable.name}` |" in page.read_text()


def test_a_variable_reads_its_value_else_its_default():
    """get gives the value set; unset or empty, the declared default ("" when there is none); is_set tells which."""
    assert environment.get(LAB_REGISTRY, env={}) == "localhost:5001"
    assert environment.get(LAB_REGISTRY, env={"LAB_REGISTRY": ""}) == "localhost:5001"
    assert environment.get(LAB_REGISTRY, env={"LAB_REGISTRY": "kind:5002"}) == "kind:5002"
    assert environment.get(LAB_CONTEXT, env={}) == ""
    assert not environment.is_set(LAB_REGISTRY, env={"LAB_REGISTRY": ""})
    assert environment.is_set(LAB_CONTEXT, env={"LAB_CONTEXT": "kind-kind"})


def test_reading_defaults_to_this_process_environment(monkeypatch):
    """Without `env`, get and is_set read os.environ at the call, so a kernel that changes it is obeyed at once."""
    monkeypatch.setenv("LAB_CONTEXT", "class-cluster")
    assert environment.get(LAB_CONTEXT) == "class-cluster"
    monkeypatch.delenv("LAB_CONTEXT")
    assert not environment.is_set(LAB_CONTEXT)


def test_a_variable_not_declared_cannot_be_read():
    """A Variable made outside the declaration, even a copy of a declared one, is refused: no name is read unlisted."""
    with pytest.raises(KeyError, match="HOME is not declared"):
        environment.get(Variable(name="HOME", help="home"), env={"HOME": "/root"})
    with pytest.raises(KeyError, match="LAB_CONTEXT is not declared"):
        environment.is_set(dataclasses.replace(LAB_CONTEXT, default="x"), env={})


def test_each_variable_is_declared_under_its_own_name_with_one_line_of_help():
    """The module's constant LAB_REGISTRY is the variable LAB_REGISTRY, each declared one is such a constant, and its
    help is one line."""
    constants = {name: value for name, value in vars(environment).items() if isinstance(value, Variable)}
    assert all(name == variable.name for name, variable in constants.items())
    assert set(constants) == set(VARIABLES)
    assert all(v.help.strip() and "\n" not in v.help and "|" not in v.help for v in VARIABLES.values())
    assert {v.name for v in VARIABLES.values() if v.ours} >= {"LAB_REGISTRY", "LAB_LANG", "ROLLOUTLAB_HOME"}


def test_the_command_writes_the_page_of_each_language_into_the_clones_docs(tmp_path):
    """`rolloutlab environment --write-docs` writes docs/en and docs/fr of the clone; without it, prints the page of
    --lang."""
    for folder in ("labs", "app", "docs/en", "docs/fr"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text("")
    env = {**os.environ, "ROLLOUTLAB_REPO": str(tmp_path)}
    command = [sys.executable, "-m", "rolloutlab", "environment"]
    written = process.run([*command, "--write-docs"], env=env, timeout=60, check=True)
    assert written.stdout.split() == [str(tmp_path / "docs" / lang / "environment.md") for lang in i18n.LANGUAGES]
    for lang in i18n.LANGUAGES:
        assert (tmp_path / "docs" / lang / "environment.md").read_text() == environment.page(lang)
    shown = process.run([*command, "--lang", "fr"], env=env, timeout=60, check=True)
    assert shown.stdout == environment.page("fr")
