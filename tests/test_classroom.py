"""The classroom on the sandbox: each student's kubeconfig works in their namespace only."""

import os
import stat
import sys
import uuid

import pytest

from rolloutlab import kubectl, process
from rolloutlab.course import classroom
from rolloutlab.errors import LabError

pytestmark = pytest.mark.sandbox


def as_user(kubeconfig, *args):
    return kubectl.run(args, kubeconfig=kubeconfig, timeout=60, check=False)


def rolloutlab(*args, env):
    return process.run([sys.executable, "-m", "rolloutlab", *args], env={**os.environ, **env}, timeout=300,
                       check=False)  # fmt: skip


@pytest.fixture(scope="module")
def klass(sandbox, tmp_path_factory):
    """A class of two students made with the CLI; deleted with the CLI afterwards."""
    out = tmp_path_factory.mktemp("class")
    suffix = uuid.uuid4().hex[:5]
    names = out / "names.txt"
    names.write_text(f"# the class\nalice-{suffix}\nbob-{suffix}\n")
    env = {"KUBECONFIG": str(sandbox.kubeconfig)}
    made = rolloutlab("class", "create", "--names", str(names), "--out", str(out / "class"), env=env)
    assert made.returncode == 0, made.stderr
    yield {"out": out / "class", "a": f"alice-{suffix}", "b": f"bob-{suffix}", "stdout": made.stdout, "env": env}
    gone = rolloutlab("class", "delete", "--out", str(out / "class"), env=env)
    assert gone.returncode == 0, gone.stderr


def test_kubeconfigs_are_private_and_tokens_never_printed(klass):
    """Each kubeconfig is mode 0600, and the token it holds appears in no output."""
    for who in ("a", "b"):
        path = klass["out"] / klass[who] / "kubeconfig"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        token = path.read_text().split("token: ", 1)[1].split()[0]
        assert len(token) > 100
        assert token not in klass["stdout"]


def test_student_may_work_in_own_namespace_only(klass):
    """A can create Deployments in A's namespace; B's namespace and cluster-wide writes are Forbidden."""
    a = klass["out"] / klass["a"] / "kubeconfig"
    assert as_user(a, "auth", "can-i", "create", "deployments").stdout.strip() == "yes"
    assert as_user(a, "auth", "can-i", "patch", "deployments").stdout.strip() == "yes"
    other = as_user(a, "get", "pods", "-n", klass["b"])
    assert other.returncode != 0
    assert "Forbidden" in other.stderr
    write = as_user(a, "create", "namespace", f"x-{uuid.uuid4().hex[:5]}")
    assert "Forbidden" in write.stderr
    nodes = as_user(a, "delete", "node", "node-1", "--dry-run=server")
    assert "Forbidden" in nodes.stderr
    assert as_user(a, "get", "nodes").returncode == 0


def test_student_runs_the_labs_with_own_kubeconfig(lab_runs):
    """`validate` runs every English lab green as the class's students, each part in that student's namespace with
    that student's kubeconfig and rights only (the suite's one run of the labs)."""
    english = {lab: r for lab, r in lab_runs.results.items() if lab.startswith("en/")}
    assert sorted(lab[:5] for lab in english) == [f"en/0{n}" for n in range(6)]
    for lab, result in english.items():
        assert result.ok, f"{lab} failed at cell {result.failed_cell}: {result.error}"
    by_student = {ns: sorted(lab[3:5] for lab, r in english.items() if r.namespace == ns) for ns in lab_runs.namespaces}
    assert list(by_student.values()) == [["00", "01", "02"], ["03"], ["04"], ["05"], []]


def test_zero_students_is_refused():
    """A class of nobody is one clear line, and nothing is made."""
    with pytest.raises(LabError, match="no students"):
        classroom.student_names(students=0, names_file=None)


def test_bad_name_is_refused(tmp_path):
    """A name that cannot be a namespace says the rule."""
    names = tmp_path / "names"
    names.write_text("Alice Smith\n")
    with pytest.raises(LabError, match="lowercase letters"):
        classroom.student_names(students=None, names_file=names)


def test_existing_namespace_not_ours_changes_nothing(sandbox, tmp_path):
    """If one student's namespace already exists, nothing at all is created, and it is left alone."""
    taken = f"taken-{uuid.uuid4().hex[:5]}"
    fresh = f"fresh-{uuid.uuid4().hex[:5]}"

    def admin(*args, check=False):
        return kubectl.run(args, kubeconfig=sandbox.kubeconfig, timeout=60, check=check)

    admin("create", "namespace", taken, check=True)
    try:
        room = classroom.Classroom(context=None, kubeconfig=str(sandbox.kubeconfig))
        with pytest.raises(LabError, match=f"namespace {taken} already exists"):
            room.create(names=[fresh, taken], out=tmp_path)
        assert admin("get", "namespace", fresh).returncode != 0
        labels = admin("get", "namespace", taken, "-o", "jsonpath={.metadata.labels}").stdout
        assert classroom.LABEL not in labels
    finally:
        admin("delete", "namespace", taken, "--wait=false")


def test_unknown_context_is_one_line(sandbox, tmp_path):
    """A context that is not in the kubeconfig: one line naming it, nothing made."""
    room = classroom.Classroom(context="no-such-context", kubeconfig=str(sandbox.kubeconfig))
    with pytest.raises(LabError, match="no-such-context"):
        room.create(names=["nobody-here"], out=tmp_path)


@pytest.mark.sandbox
def test_a_class_id_that_looks_like_a_number_is_still_a_label(sandbox, tmp_path, monkeypatch):
    """A class id of hex digits that YAML readers take for a number (123456e7) is created and deleted as a label."""
    name = f"t-num-{uuid.uuid4().hex[:6]}"  # before uuid4 is made to give the number-like id
    monkeypatch.setattr(classroom.uuid, "uuid4", lambda: uuid.UUID("123456e7" + "0" * 24))
    room = classroom.Classroom(context=None, kubeconfig=str(sandbox.kubeconfig))
    room.create(names=[name], out=tmp_path)
    try:
        label = kubectl.run(["get", "namespace", name, "-o", "jsonpath={.metadata.labels}"], kubectl=sandbox.kubectl,
                            kubeconfig=sandbox.kubeconfig, timeout=60, check=True)  # fmt: skip
        assert '"123456e7"' in label.stdout
    finally:
        room.delete(out=tmp_path)
