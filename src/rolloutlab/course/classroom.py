"""One shared cluster for a class: a namespace per student, with just the rights the labs need there.

`create` makes, per student, a namespace, a ServiceAccount, a Role and RoleBinding for the lab's objects in
that namespace only, a ResourceQuota, read access to nodes and to the student's own namespace object (lab 00
checks them), and a kubeconfig with a token of its own (file mode 0600; tokens are never printed). `delete`
removes only what `create` made, as recorded in `DIR/class.json` and labelled on every object.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rolloutlab import kubectl, process
from rolloutlab.errors import LabError
from rolloutlab.i18n import _

LABEL = "rolloutlab.dev/class"
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$")
# What the labs do in their namespace: deployments and their rollouts, pods and their logs and events, services.
STUDENT_RULES: list[dict[str, Any]] = [
    {"apiGroups": ["apps"], "resources": ["deployments", "replicasets"],
     "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
    {"apiGroups": ["apps"], "resources": ["deployments/scale", "deployments/rollback"],
     "verbs": ["get", "update", "patch", "create"]},
    {"apiGroups": [""], "resources": ["pods", "services", "configmaps"],
     "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
    {"apiGroups": [""], "resources": ["pods/log", "events", "endpoints", "resourcequotas"],
     "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list", "watch"]},
]  # fmt: skip
QUOTA = {"pods": "40", "services": "5", "count/deployments.apps": "10", "count/replicasets.apps": "60"}


@dataclass(frozen=True)
class Student:
    name: str
    namespace: str
    kubeconfig: Path


def student_names(*, students: int | None, names_file: Path | None, prefix: str = "student") -> list[str]:
    """The class list: `student-01`... for a count, or one name per line of a file (# comments allowed)."""
    if names_file is not None:
        try:
            lines = names_file.read_text().splitlines()
        except OSError as exc:
            raise LabError(
                _("cannot read {names_file}: {strerror}", names_file=names_file, strerror=exc.strerror),
                fix=_("give a file with one name per line"),
            ) from exc
        names = [line.split("#", 1)[0].strip().lower() for line in lines]
        names = [n for n in names if n]
    elif students is not None:
        names = [f"{prefix}-{i:02d}" for i in range(1, students + 1)]
    else:
        raise LabError(_("no students given"), fix=_("pass --students N or --names FILE"))
    if not names:
        raise LabError(
            _("the class has no students"), fix=_("pass --students 1 or more, or a names file that lists some")
        )
    bad = [n for n in names if not NAME_RE.match(n)]
    if bad:
        raise LabError(
            _("{items} cannot be a namespace name", items=", ".join(bad)),
            fix=_("use lowercase letters, digits and '-', starting and ending with a letter or digit, 52 at most"),
        )
    if len(set(names)) != len(names):
        raise LabError(_("a name appears twice in the class list"), fix=_("make every name unique"))
    return names


@dataclass(frozen=True)
class ClassRecord:
    """What `create` wrote in DIR/class.json: the class's id and what it made, by kind."""

    class_id: str
    made: dict[str, list[str]]

    @property
    def namespaces(self) -> list[str]:
        return list(self.made.get("namespaces") or [])

    @classmethod
    def load(cls, out: Path) -> ClassRecord:
        record = out / "class.json"
        try:
            data = json.loads(record.read_text())
            return cls(class_id=data["class"], made={k: list(v) for k, v in data.items() if k != "class"})
        except (OSError, ValueError, KeyError) as exc:
            raise LabError(
                _("no class record at {record}", record=record), fix=_("give the --out folder `class create` wrote")
            ) from exc


class Classroom:
    def __init__(self, *, context: str | None, kubeconfig: str | None) -> None:
        kubectl.require_kubeconfig(kubeconfig)
        self.context = context
        self.kubeconfig = kubeconfig

    def _kubectl(self, *args: str, input_text: str | None = None, check: bool = True) -> process.Result:
        return kubectl.run(args, kubeconfig=self.kubeconfig, context=self.context, input_text=input_text, check=check,
                           fix=_("check the cluster and your rights"))  # fmt: skip

    def _cluster_access(self) -> dict[str, Any]:
        """The instructor's cluster entry (server, CA), flattened; an unknown context is refused here."""
        proc = self._kubectl("config", "view", "--minify", "--flatten", "-o", "json", check=False)
        if proc.returncode != 0 and self.context is None:
            raise LabError(
                _("the kubeconfig has no current context ({strip})", strip=proc.stderr.strip()),
                fix=_("name the class cluster's context with --context (`kubectl config get-contexts`)"),
            )
        if proc.returncode != 0:
            raise LabError(
                _(
                    "context {context!r} is not in the kubeconfig ({strip})",
                    context=self.context,
                    strip=proc.stderr.strip(),
                ),
                fix=_("list contexts with `kubectl config get-contexts`"),
            )
        return json.loads(proc.stdout)

    def create(self, *, names: list[str], out: Path, token_hours: int = 336) -> list[Student]:
        access = self._cluster_access()
        if self._kubectl("version", "--request-timeout=10s", check=False).returncode != 0:
            raise LabError(_("the cluster does not answer"), fix=_("start it, or check --context / --kubeconfig"))
        existing = set(self._kubectl("get", "namespaces", "-o", "jsonpath={.items[*].metadata.name}").stdout.split())
        taken = [n for n in names if n in existing]
        if taken:
            raise LabError(
                _(
                    "namespace {items} already exists; rolloutlab will not take over what it did not make",
                    items=", ".join(taken),
                ),
                fix=_("pick other names, or delete those namespaces first if they are yours to delete"),
            )
        out.mkdir(parents=True, exist_ok=True)
        class_id = uuid.uuid4().hex[:8]
        made: dict[str, list[str]] = {"namespaces": [], "clusterroles": [], "clusterrolebindings": []}
        record = out / "class.json"
        cluster = access["clusters"][0]
        students = []
        try:
            for name in names:
                # JSON, not YAML: a class id such as 123456e7 is a string to PyYAML, which leaves it unquoted, and
                # a number to kubectl's YAML reader, which then refuses it as a label.
                objects = {"apiVersion": "v1", "kind": "List", "items": self._objects(name, class_id)}
                self._kubectl("apply", "-f", "-", input_text=json.dumps(objects))
                made["namespaces"].append(name)
                made["clusterroles"].append(f"rolloutlab-student-{name}")
                made["clusterrolebindings"].append(f"rolloutlab-student-{name}")
                record.write_text(json.dumps({"class": class_id, **made}, indent=2))
                token = self._kubectl(
                    "create", "token", "student", "-n", name, f"--duration={token_hours}h"
                ).stdout.strip()
                students.append(self._write_kubeconfig(name=name, cluster=cluster, token=token, out=out))
        except BaseException:
            record.write_text(json.dumps({"class": class_id, **made}, indent=2))
            raise
        return students

    def _objects(self, name: str, class_id: str) -> list[dict[str, Any]]:
        labels = {LABEL: class_id}
        meta = {"name": name, "labels": labels}
        ns_meta = {"namespace": name, "labels": labels}
        cluster_name = f"rolloutlab-student-{name}"
        return [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": meta},
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "student", **ns_meta}},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
             "metadata": {"name": "lab-student", **ns_meta}, "rules": STUDENT_RULES},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
             "metadata": {"name": "lab-student", **ns_meta},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "lab-student"},
             "subjects": [{"kind": "ServiceAccount", "name": "student", "namespace": name}]},
            {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "lab-quota", **ns_meta},
             "spec": {"hard": QUOTA}},
            # Read-only, cluster-scoped: the nodes (lab 00 lists them) and this student's own namespace.
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
             "metadata": {"name": cluster_name, "labels": labels},
             "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch"]},
                       {"apiGroups": [""], "resources": ["namespaces"], "resourceNames": [name], "verbs": ["get"]}]},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
             "metadata": {"name": cluster_name, "labels": labels},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_name},
             "subjects": [{"kind": "ServiceAccount", "name": "student", "namespace": name}]},
        ]  # fmt: skip

    def _write_kubeconfig(self, *, name: str, cluster: dict[str, Any], token: str, out: Path) -> Student:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "class", "cluster": cluster["cluster"]}],
            "users": [{"name": name, "user": {"token": token}}],
            "contexts": [{"name": name, "context": {"cluster": "class", "user": name, "namespace": name}}],
            "current-context": name,
        }
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "kubeconfig"
        # Created 0600 from the start: the token is never readable by others, not even for a moment.
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "w") as file:
            yaml.safe_dump(config, file)
        path.chmod(0o600)
        return Student(name=name, namespace=name, kubeconfig=path)

    def delete(self, *, out: Path) -> list[str]:
        """Delete what `create` recorded in `out/class.json`, and only objects that carry its label."""
        record = ClassRecord.load(out)
        made, class_id = record.made, record.class_id
        label_path = "jsonpath={.metadata.labels." + LABEL.replace(".", "\\.") + "}"
        deleted = []
        for kind, plural in (("clusterrolebinding", "clusterrolebindings"), ("clusterrole", "clusterroles"),
                             ("namespace", "namespaces")):  # fmt: skip
            for name in made.get(plural, []):
                proc = self._kubectl("get", kind, name, "-o", label_path, check=False)
                if proc.returncode != 0:
                    continue  # already gone
                if proc.stdout.strip() != class_id:
                    continue  # not ours (any more): leave it
                self._kubectl("delete", kind, name, "--wait=false")
                deleted.append(f"{kind}/{name}")
        for name in made.get("namespaces", []):
            (out / name / "kubeconfig").unlink(missing_ok=True)
            if (out / name).is_dir() and not any((out / name).iterdir()):
                (out / name).rmdir()
        (out / "class.json").unlink()
        return deleted
