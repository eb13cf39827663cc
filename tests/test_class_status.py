"""`rolloutlab class status` on the sandbox, on the class the suite's lab runs made: each student placed from their
namespace alone, as JSON, as a table and as a live page in Chromium; the rights it needs, and no more."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import Output, chromium, wait_for
from rolloutlab import kubectl, process
from rolloutlab.course import classread, classroom

pytestmark = pytest.mark.sandbox
ROOT = Path(__file__).resolve().parents[1]


def rolloutlab(*args: str, env: dict[str, str], timeout: float = 120) -> process.Result:
    return process.run([sys.executable, "-m", "rolloutlab", *args], env={**os.environ, **env}, timeout=timeout,
                       check=False)  # fmt: skip


@pytest.fixture(scope="module")
def two(lab_runs, tmp_path_factory):
    """A class of two from the suite's class: the student who ran labs 00-02, and the one who ran nothing."""
    record = json.loads((lab_runs.klass / "class.json").read_text())
    ran, idle = lab_runs.namespaces[0], lab_runs.namespaces[-1]
    out = tmp_path_factory.mktemp("two")
    (out / "class.json").write_text(json.dumps({**record, "namespaces": [ran, idle]}))
    return {"out": out, "ran": ran, "idle": idle, "student": lab_runs.klass / ran / "kubeconfig"}


def status_json(out: Path, *, env: dict[str, str]) -> dict:
    shown = rolloutlab("class", "status", "--out", str(out), "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


@contextlib.contextmanager
def class_page(out: Path, *args: str, env: dict[str, str], window: str) -> Iterator[Any]:
    """`class status --serve` (with `args`) on any free port, and Chromium on its page; both stopped after."""
    served = process.spawn([sys.executable, "-m", "rolloutlab", "class", "status", "--out", str(out), "--serve",
                            "--port", "0", *args], stdout=process.PIPE, stderr=process.PIPE,
                           env={**os.environ, **env})  # fmt: skip
    errors = Output(served.stderr)
    driver = chromium(window=window)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+/", process.first_line(served, timeout=120))
        assert url, errors.text(timeout=10) if served.poll() is not None else "no URL printed"
        driver.get(url.group(0))
        yield driver
    finally:
        driver.quit()
        served.terminate()
        served.wait(timeout=30)  # its pipes are closed by the threads that read them


def test_status_puts_each_student_where_their_namespace_says(sandbox, lab_runs, two):
    """Labs 00-02 run: lab 02's last step; nothing run: the start. The whole class: lab 03 at its answer step,
    labs 04 and 05 done, every recorded history as the lesson says."""
    env = {"KUBECONFIG": str(sandbox.kubeconfig)}
    data = status_json(two["out"], env=env)
    by = {s["student"]: s for s in data["students"]}
    assert (by[two["ran"]]["lab"], by[two["ran"]]["step"], by[two["ran"]]["at"]) == ("02", "02.4", None)
    assert (by[two["idle"]]["lab"], by[two["idle"]]["step"], by[two["idle"]]["at"]) == (None, None, "00.1")
    assert [(v["recording"], v["ok"]) for v in by[two["ran"]]["histories"]] == [("02-set-image", True)]
    assert data["kubectl_calls"] == 4
    assert data["cluster_wide"] is True
    whole = {s["student"]: s for s in status_json(lab_runs.klass, env=env)["students"]}
    places = [(whole[n]["lab"], whole[n]["step"], whole[n]["at"]) for n in lab_runs.namespaces[1:4]]
    # Labs 03 and 04 end on an answer typed in the notebook (03.4, 04.6): the view cannot judge it from the cluster.
    assert places == [("03", "03.3", "03.4"), ("04", "04.5", "04.6"), ("05", "05.9", None)]
    verdicts = [v for s in whole.values() for v in s["histories"]]
    assert {v["recording"] for v in verdicts} == {"02-set-image", "03-failed-rollout", "04-undo", "04-to-revision-1",
                                                  "05-surge-1-unavail-0", "05-surge-0-unavail-1",
                                                  "05-surge-25-unavail-25", "05-history-limit"}  # fmt: skip
    assert all(v["ok"] for v in verdicts), verdicts
    table = rolloutlab("class", "status", "--out", str(two["out"]), env={**env, "COLUMNS": "200"})
    assert table.returncode == 0, table.stderr
    assert re.search(rf"{two['ran']}\s.*lab 02 done \(step 02\.4\)", table.stdout)
    assert re.search(rf"{two['idle']}\s.*at the start\s.*no lab started yet", table.stdout)


def test_watch_redraws_the_table_until_stopped(sandbox, two):
    """`--watch` into a pipe prints the table again every --every seconds, and a SIGTERM ends it in one line."""
    watched = process.run(["timeout", "8", sys.executable, "-m", "rolloutlab", "class", "status", "--out",
                           str(two["out"]), "--watch", "--every", "0.5"], timeout=60, check=False,
                          env={**os.environ, "KUBECONFIG": str(sandbox.kubeconfig), "COLUMNS": "200"})  # fmt: skip
    assert watched.returncode == 124  # stopped by `timeout`
    # Drawn, then drawn again: how many more times fit depends on the machine (the suite's lab run beside it once
    # left room for two tables in 6 s).
    assert watched.stdout.count("students, read in") >= 2
    assert watched.stderr.strip().splitlines()[-1].startswith("rolloutlab: stopped by SIGTERM")


def test_the_live_page_shows_the_same_in_chromium(sandbox, two):
    """`--serve` in French: the grid in Chromium has the first student's 02.4 passed and the second's all not yet."""
    env = {"KUBECONFIG": str(sandbox.kubeconfig), "LAB_LANG": "fr"}
    with class_page(two["out"], env=env, window="1800,900") as driver:
        title = driver.find_element("tag name", "h1").text
        assert title.startswith("classe ")
        ran = driver.find_element("css selector", f"tr[data-student='{two['ran']}']")
        cell = ran.find_element("css selector", "td[data-step='02.4']")
        assert cell.get_attribute("data-status") == "pass"
        assert "redémarré" in cell.get_attribute("title")
        assert "lab 02 terminé" in ran.text
        idle = driver.find_element("css selector", f"tr[data-student='{two['idle']}']")
        statuses = {c.get_attribute("data-status") for c in idle.find_elements("css selector", "td[data-step]")}
        assert statuses == {"not-yet"}
        (ROOT / "build").mkdir(exist_ok=True)
        assert driver.save_screenshot(str(ROOT / "build" / "class-status.png"))


def test_read_rights_in_the_class_namespaces_are_enough(sandbox, two, tmp_path):
    """An assistant bound to the class reader's rights in the two namespaces only sees the same standings, namespace
    by namespace; a student's own kubeconfig is refused in one line."""
    name = f"assistant-{uuid.uuid4().hex[:5]}"
    admin = {"kubeconfig": sandbox.kubeconfig}
    objects = [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": name},
            "rules": classread.READER_RULES,
        },
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": "default"}},
    ]
    objects += [{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                 "metadata": {"name": name, "namespace": ns},
                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
                 "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": "default"}]}
                for ns in (two["ran"], two["idle"])]  # fmt: skip
    kubectl.run(["apply", "-f", "-"], input_text=yaml.safe_dump_all(objects), check=True, **admin)
    try:
        token = kubectl.run(["create", "token", name, "-n", "default"], check=True, **admin).stdout.strip()
        config = yaml.safe_load(kubectl.run(["config", "view", "--minify", "--flatten", "-o", "yaml"], check=True,
                                            **admin).stdout)  # fmt: skip
        config["users"] = [{"name": name, "user": {"token": token}}]
        config["contexts"][0]["context"]["user"] = name
        assistant = tmp_path / "assistant"
        assistant.write_text(yaml.safe_dump(config))
        as_admin = status_json(two["out"], env={"KUBECONFIG": str(sandbox.kubeconfig)})
        as_assistant = status_json(two["out"], env={"KUBECONFIG": str(assistant)})
        assert as_assistant["cluster_wide"] is False
        for student in as_admin["students"] + as_assistant["students"]:  # read a few seconds apart
            student["progress"].pop("on_step_seconds")
        assert as_assistant["students"] == as_admin["students"]
        refused = rolloutlab("class", "status", "--out", str(two["out"]), "--json",
                             env={"KUBECONFIG": str(two["student"])})  # fmt: skip
        assert refused.returncode != 0
        assert refused.stdout == ""
        assert len(refused.stderr.strip().splitlines()) == 1
        assert "cannot read" in refused.stderr
    finally:
        kubectl.run(["delete", "clusterrole", name, "--ignore-not-found"], check=False, **admin)
        kubectl.run(["delete", "serviceaccount", name, "-n", "default", "--ignore-not-found"], check=False, **admin)


def test_class_delete_removes_the_stored_recordings(sandbox, tmp_path):
    """A recording kept with the student's own rights lives in their namespace, and `class delete` takes it away."""
    name = f"keeper-{uuid.uuid4().hex[:5]}"
    room = classroom.Classroom(context=None, kubeconfig=str(sandbox.kubeconfig))
    room.create(names=[name], out=tmp_path)
    own = tmp_path / name / "kubeconfig"
    from rolloutlab.recording import stored
    from test_history import recorded

    configmap = json.dumps(stored.to_configmap("02-set-image", recorded("02-set-image")))
    kept = kubectl.run(
        ["apply", "--server-side", "-f", "-"], input_text=configmap, kubeconfig=own, namespace=name, check=False
    )
    assert kept.returncode == 0, kept.stderr
    listed = kubectl.run(
        ["get", "configmaps", "-l", stored.LABEL, "-o", "name"], kubeconfig=own, namespace=name, check=False
    )
    assert listed.stdout.split() == ["configmap/rolloutlab-rec-02-set-image"]
    room.delete(out=tmp_path)

    def gone() -> bool:
        left = kubectl.run(["get", "configmaps", "-l", stored.LABEL, "-o", "name"], kubeconfig=sandbox.kubeconfig,
                           namespace=name, check=False)  # fmt: skip
        return left.returncode == 0 and not left.stdout.strip()

    wait_for(gone, timeout=120, what=f"the recordings of {name} to go with its namespace")


# Run as one student, with their own kubeconfig: two failed checks of 00.2 and a hint, as `lab.check` and
# `lab.hint` keep them.
NOTE = """
import sys
from rolloutlab.lab import checks, events
failed = checks.judge_cluster(None, where="the class cluster", error="connection refused")
events.note("check", "00.2", ok=False, message=failed.message)
events.note("hint", "00.2")
events.note("check", "00.2", ok=False, message=failed.message)
"""


def test_the_students_events_show_who_is_stuck_and_the_mistake_they_share(sandbox, lab_runs, two):
    """Events written with each student's own rights are read by `class status` with the calls it already makes:
    tries, help used and a score per student, stuck when only failures followed the last pass (`--stuck-minutes
    0`), and the failure both met named in the instructor's language. One student cannot read another's events.
    The French page shows it in Chromium (build/class-gradebook.png)."""
    idle_config = lab_runs.klass / two["idle"] / "kubeconfig"
    for config in (two["student"], idle_config):
        wrote = process.run([sys.executable, "-c", NOTE], env={**os.environ, "KUBECONFIG": str(config)},
                            timeout=120, check=False)  # fmt: skip
        assert wrote.returncode == 0, wrote.stderr
    peek = kubectl.run(["get", "configmap", "rolloutlab-events", "-n", two["ran"], "-o", "name"],
                       kubeconfig=idle_config, check=False, timeout=60)  # fmt: skip
    assert peek.returncode != 0
    assert "forbidden" in peek.stderr.lower()
    env = {"KUBECONFIG": str(sandbox.kubeconfig)}
    shown = rolloutlab("class", "status", "--out", str(two["out"]), "--json", "--stuck-minutes", "0", env=env)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["kubectl_calls"] == 4
    by = {s["student"]: s["progress"] for s in data["students"]}
    idle, ran = by[two["idle"]], by[two["ran"]]
    assert (idle["stuck"], idle["steps"]["00.2"]["tries"], idle["hints"], idle["score"]) == (True, 2, 1, 0)
    assert ran["steps"]["02.1"]["passed"], ran["steps"]  # kept by the lab's own kernel as it ran lab 02
    assert ran["score"] > 0
    [shared] = [m for m in data["common_mistakes"] if m["step"] == "00.2"]
    assert shared["students"] == 2
    assert shared["what"].startswith("no cluster answers for …")
    with class_page(two["out"], "--stuck-minutes", "0", env={**env, "LAB_LANG": "fr"}, window="1800,1100") as driver:
        flagged = driver.find_element("css selector", f"#summary tr[data-who='{two['idle']}']")
        assert flagged.get_attribute("class") == "stuck"
        assert "BLOQUÉ" in flagged.text
        named = " ".join(driver.find_element("css selector", "#mistakes li[data-step='00.2']").text.split())
        assert named.replace("\u202f", " ").startswith("00.2 : 2 étudiants")
        assert "aucun cluster ne répond" in named
        (ROOT / "build").mkdir(exist_ok=True)
        assert driver.save_screenshot(str(ROOT / "build" / "class-gradebook.png"))
