"""What the student did at each step, kept in their own namespace for the instructor's class view: every check
(passed or failed, and the kind of failure), hint, solution and solve, with when and in which language.

One ConfigMap, `rolloutlab-events`, one key per event. Append-only: a merge patch adds a key and never rewrites
another, so two cells at once cannot lose one. Bounded: past MOST events, the oldest keys are dropped. It is
written with the student's own rights (the lab's kubeconfig), carries the lab state's label so that `class status`
lists it with the calls it already makes, and never leaves the cluster. A failure to write is never the student's
problem: the step goes on, and the class view has one event less.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from rolloutlab import i18n, kubectl
from rolloutlab.errors import LabError
from rolloutlab.lab.state import LABELS

NAME = "rolloutlab-events"
MOST = 400  # about 100 bytes each: far under a ConfigMap's 1 MiB
ACTIONS = ("check", "hint", "solution", "solve")


@dataclass(frozen=True)
class Event:
    at: float  # seconds since the epoch
    step: str
    action: str  # one of ACTIONS
    ok: bool | None = None  # a check's verdict; None for the others
    kind: str = ""  # a failed check's kind: the id of the catalogue message it said; "" when it was composed
    lang: str = "en"


def kind_of_message(msgid: str) -> str:
    """The short id of a catalogue message: the same whatever language the student reads."""
    return hashlib.sha1(msgid.encode()).hexdigest()[:10]


def kind_of(message: str) -> str:
    found = i18n.msgid_of(message)
    return kind_of_message(found) if found else ""


def encode(event: Event) -> str:
    return json.dumps({"s": event.step, "a": event.action, "ok": event.ok, "k": event.kind, "l": event.lang},
                      separators=(",", ":"))  # fmt: skip


def key_of(at: float) -> str:
    """Keys sort by time (milliseconds), and two events in one millisecond still get two keys."""
    return f"{int(at * 1000):013d}-{secrets.token_hex(2)}"


def decode(data: Mapping[str, str]) -> list[Event]:
    """The events of a ConfigMap's data, oldest first; a key that is not an event is skipped."""
    found = []
    for key in sorted(data):
        try:
            at = int(key.split("-", 1)[0]) / 1000
            fields = json.loads(data[key])
            found.append(Event(at=at, step=str(fields["s"]), action=str(fields["a"]), ok=fields.get("ok"),
                               kind=str(fields.get("k") or ""), lang=str(fields.get("l") or "en")))  # fmt: skip
        except (ValueError, KeyError, TypeError):
            continue
    return found


def note(action: str, step: str, *, ok: bool | None = None, message: str = "") -> None:
    """Keep one event in the lab's namespace; say nothing when it cannot be kept."""
    event = Event(at=time.time(), step=step, action=action, ok=ok, kind=kind_of(message) if ok is False else "",
                  lang=i18n.language())  # fmt: skip
    try:
        _append(key_of(event.at), encode(event))
    except (LabError, ValueError):  # no cluster, or an answer that is not the ConfigMap: the step goes on
        return


def _append(key: str, value: str) -> None:
    patch = json.dumps({"data": {key: value}})
    done = kubectl.run(["patch", "configmap", NAME, "--type", "merge", "-p", patch, "-o", "json"], check=False,
                       timeout=15)  # fmt: skip
    if not done.ok:
        if "notfound" not in done.stderr.replace(" ", "").lower():
            return
        made = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": NAME, "labels": LABELS},
                "data": {key: value}}  # fmt: skip
        created = kubectl.run(["create", "-f", "-"], input_text=json.dumps(made), check=False, timeout=15)
        if not created.ok and "alreadyexists" in created.stderr.replace(" ", "").lower():  # made by another cell
            kubectl.run(["patch", "configmap", NAME, "--type", "merge", "-p", patch], check=False, timeout=15)
        return
    keys = sorted(json.loads(done.stdout).get("data") or {})
    if len(keys) > MOST:
        dropped = json.dumps({"data": dict.fromkeys(keys[: len(keys) - MOST])})
        kubectl.run(["patch", "configmap", NAME, "--type", "merge", "-p", dropped], check=False, timeout=15)
