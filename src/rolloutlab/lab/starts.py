"""Where each lab starts: its first cell (`lab.start()`) brings the namespace there, whatever was in it, and hands
on in the lab's state (`state.py`) what its later steps need."""

from __future__ import annotations

import json
from collections.abc import Callable

from rolloutlab import kubectl
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.images import baseimage, credentials
from rolloutlab.lab import helpers, images, observe, state
from rolloutlab.paths import repository
from rolloutlab.settings import LabSettings

Say = Callable[[str], None]


def base_image() -> str:
    """The Python image the app is built on: pulled where it can be, else built from Debian packages (once)."""
    return baseimage.pick_base(say=lambda _: None)


def _build_and_push(settings: LabSettings, say: Say) -> None:
    helpers.ensure_images(settings=settings)
    before = observe.registry_tags(settings) or []
    new = helpers.next_free_tag(settings=settings, series="1.1")
    state.remember(new_tag=new, tags_at_start=",".join(before))
    say(_("the registry has {tags}; a new tag it does not have: {new}", tags=", ".join(before), new=new))
    say(_("base image for the build: {image}", image=base_image()))
    login = credentials.to_give(settings.registry)
    # The password is never printed: a saved notebook keeps its outputs, and a shared one would share the login.
    say(_("the registry's login: user {user}; its password is `lab.login.password` (not printed: a saved notebook "
          "keeps what its cells print)", user=login.username))  # fmt: skip


def _fresh(settings: LabSettings, say: Say) -> None:
    helpers.reset()
    state.remember(crashed_pod="")  # a pod of an earlier run is not this run's crash
    pushed = helpers.ensure_images(settings=settings)
    say(_("clean namespace; images pushed now: {pushed}",
          pushed=", ".join(pushed) or _("none, latest and 1.0.0 were there")))  # fmt: skip


def _own_version(settings: LabSettings, say: Say) -> None:
    """Lab 02 rolls out the version the student built in lab 01 (its tag is in the namespace's state). A student
    who did not do lab 01 here gets one built for them, with the notes' line, and is told so."""
    tag = state.read().get(state.NEW_TAG)
    line = images.message_of(settings=settings, tag=tag) if tag else None
    if tag and line:
        say(_('your version from lab 01: {tag}, whose page says "{line}"', tag=tag, line=line))
        return
    tag = helpers.next_free_tag(settings=settings, series="1.1")
    line = helpers.VERSIONS["1.0.0"]
    helpers.push_version(settings=settings, tag=tag, message=line)
    state.remember(new_tag=tag)
    say(_("no version of yours from lab 01 in this namespace: built and pushed {tag} for you, whose page says "
          "\"{line}\" (the notes' line)", tag=tag, line=line))  # fmt: skip


def _caught_up(number: str, settings: LabSettings, say: Say) -> None:
    helpers.catch_up(settings=settings, through="02" if number == "03" else "03")
    if number == "04":
        # Never 2.0.0 itself: it must stay missing for labs 03 and 04 to run again.
        state.remember(fix_tag=helpers.next_free_tag(settings=settings, series="2.0", first=1))
    where = {"03": _("latest, then the notes' 1.0.0 (revisions 1, 2); your own version stays in the registry"),
             # No revision number: which one runs 2.0.0 is 04.2's question.
             "04": _("the Deployment asks for 5 replicas of 2.0.0, which cannot be pulled: the rollout is stuck, "
                     "old pods serving, as lab 03 left it")}  # fmt: skip
    say(_("first-app is where the lesson stands at this lab's start: {where}", where=where[number]))
    if helpers.MISSING_TAG in (observe.registry_tags(settings) or []):
        raise LabError(_("tag {tag} is in the registry, and this lab needs it missing", tag=helpers.MISSING_TAG),
                       fix=_("delete it from {registry}, or use a fresh registry",
                             registry=settings.registry))  # fmt: skip


def _namespace_there(settings: LabSettings, say: Say) -> None:
    """The lab's namespace exists: a LAB_NAMESPACE of the student's own choosing is made here. In a class it was
    made for them, and a student may not even read namespaces: a refused `get` means it is there to use."""
    name = settings.namespace
    found = kubectl.run(["get", "namespace", name, "-o", "name"], check=False, timeout=30)
    if found.ok or "notfound" not in found.stderr.replace(" ", "").lower():
        return
    made = kubectl.run(["create", "namespace", name], check=False, timeout=30)
    if not made.ok and "alreadyexists" not in made.stderr.replace(" ", "").lower():
        raise LabError(_("namespace {name} does not exist, and it could not be made: {said}", name=name,
                         said=(made.stderr.strip().splitlines() or [_("no answer")])[-1]),
                       fix=_("set LAB_NAMESPACE to a namespace that exists (`kubectl get namespaces`), or ask your "
                             "instructor for yours"))  # fmt: skip
    say(_("namespace {name} did not exist: made it", name=name))


def start(number: str, *, settings: LabSettings, say: Say) -> None:
    """Bring the namespace to the state lab `number` starts from."""
    if number != "00":  # lab 00 checks the set-up: it starts even with no cluster yet
        _namespace_there(settings, say)
    if number == "01":
        _build_and_push(settings, say)
    elif number == "02":
        _fresh(settings, say)
        _own_version(settings, say)
    elif number == "05":
        _fresh(settings, say)
    elif number in ("03", "04"):
        _caught_up(number, settings, say)
    if number in ("02", "03", "04", "05"):
        state.forget_recordings(number)
    _mark(number)


def _mark(number: str) -> None:
    """The lab started last, for `class status`. Lab 00 checks the set-up, so it starts even with no cluster yet."""
    try:
        state.remember(lab=number)
    except LabError:
        if number != "00":
            raise


def replay(number: str, *, until: str) -> list[str]:
    """The code that takes a freshly started lab to step `until`, in order: each step's solution, and the stored
    notebook's cells of shell commands only that come between them (lab 05 deploys first-app again after its
    strategies in such a cell). `lab.solve` runs it when a step's own solution is not enough."""
    from rolloutlab.lab import exercises  # exercises imports the judges; a start does not need them

    stored = next(repository().labs_in("en").glob(f"{number}-*.ipynb"))  # the code cells are the same in both
    codes = []
    for cell in json.loads(stored.read_text())["cells"]:
        marks = (cell.get("metadata") or {}).get("rolloutlab") or {}
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] != "code" or "check" in marks:
            continue
        if "step" in marks:
            codes.append(exercises.STEPS[marks["step"]].solution)
            if marks["step"] == until:
                return codes
        elif source.strip() and all(line.startswith("!") for line in source.splitlines() if line.strip()):
            codes.append(source)
    raise LabError(_("there is no step {step!r} in lab {number}", step=until, number=number),
                   fix=_("report this bug"))  # fmt: skip
