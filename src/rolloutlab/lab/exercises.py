"""Every step of the labs in one place: one table entry each, with its hint, its solution, what its check reads
and how it judges what was read.

A step is an exercise (the stored notebook has an empty or template cell the student fills in) or a
demonstration (the stored cell already holds the solution; a test keeps the two the same). `rolloutlab validate`
fills exercises with these solutions, and first runs each check where it must fail. `lab.solve(step)` runs the
same solution. Solutions are notebook code: `!` lines are shell commands, `{...}` is filled in by IPython.

A check is two parts: `read(ctx)` looks at the cluster once (see `reading.py`), and `judge(reading, answers)` is a
pure function of that reading and the student's answers (the names in `answers`, read from the notebook). Adding a
step is one entry here, its notebook cells, and a test of its judge.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rolloutlab.errors import LabError
from rolloutlab.i18n import N_, _
from rolloutlab.lab import checks, judge, judge_app, state
from rolloutlab.lab.checks import Check
from rolloutlab.lab.observe import Seen
from rolloutlab.lab.reading import Read, Reading, probe, reads
from rolloutlab.recording.timeline import Timeline

Judging = Callable[[Reading, Mapping[str, Any]], Check]


@dataclass(frozen=True)
class Mistake:
    """A slip students make at a step, as notebook code. `validate` plays it before the step's solution: the check
    must say what is wrong after it, and pass once the solution is run. Kinds with no code (a check or a step run
    twice) are played by running the check cell, or the solution, once more."""

    kind: str
    code: str = ""
    needs_login: bool = False  # a mistake only where the registry asks for a login (kind's asks for none)


# The kinds, as the report names them: the student's words for what they did.
MISTAKES: dict[str, str] = {
    "missing-tag": N_("a tag that is not in the registry"),
    "wrong-container": N_("the wrong container name"),
    "wrong-namespace": N_("the wrong namespace"),
    "wrong-revision": N_("`undo` to the wrong revision"),
    "status-first": N_("`rollout status` before the change"),
    "name-typo": N_("a typo in the Deployment's name"),
    "wrong-answer": N_("a wrong answer first"),
    "push-first": N_("`docker push` before `docker build`"),
    "no-login": N_("`docker push` without `docker login`"),
    "one-kind": N_("`kubectl delete deployment first-app` alone first"),
    "check-twice": N_("the check run twice"),
    "step-twice": N_("the step run twice"),
}
CHECK_TWICE = Mistake("check-twice")
STEP_TWICE = Mistake("step-twice")


@dataclass(frozen=True)
class Step:
    id: str  # "02.3": lab 02, step 3
    exercise: bool
    hint: str
    solution: str
    read: Read
    judge: Judging
    # For set-up checks that no step of the student's can break: the environment in which the check must fail.
    broken_env: Mapping[str, str] = field(default_factory=dict)
    wait: float = 0.0  # seconds the check keeps looking for what the cluster does a moment later
    # The names the student's answer cell defines, which the check reads from the notebook: `container = "..."`.
    answers: tuple[str, ...] = ()
    mistakes: tuple[Mistake, ...] = (CHECK_TWICE,)

    @property
    def lab(self) -> str:
        return self.id.split(".")[0]

    def mistake_for(self, lang: str | None, *, login_asked: bool = True) -> Mistake:
        """The mistake `validate` plays in a language's run: each language plays another one where there are
        several, so that both runs together cover more of them. Where the registry asks for no login, skipping
        `docker login` is no mistake, so another one is played."""
        mistakes = [m for m in self.mistakes if login_asked or not m.needs_login] or list(self.mistakes)
        index = 1 if lang == "fr" else 0
        return mistakes[index % len(mistakes)]


def both(*checks: Callable[[], Check]) -> Check:
    """The first failing check, else one passing line with every message."""
    done = []
    for check in checks:
        result = check()
        if not result.ok:
            return result
        done.append(result)
    said = done[0].message
    for result in done[1:]:  # a message that ends its sentence is followed by the next one, not by a semicolon
        said += (" " if said.endswith(".") else _("; ")) + result.message
    return Check(done[0].name, True, said)


# The recordings the labs draw, by the name the notebook gives them, with their figure's title.
SET_IMAGE, FAILED_ROLLOUT, UNDO, TO_REVISION_1 = "02-set-image", "03-failed-rollout", "04-undo", "04-to-revision-1"
RECORDINGS: dict[str, str] = {
    SET_IMAGE: N_("kubectl set image: latest -> your version"),
    FAILED_ROLLOUT: N_("kubectl set image: 1.0.0 -> 2.0.0"),
    UNDO: N_("kubectl rollout undo (2.0.0 -> 1.0.0)"),
    TO_REVISION_1: N_("kubectl rollout undo --to-revision=1 (1.0.0 -> latest)"),
}
# Lab 05's three Deployments (maxSurge, maxUnavailable), each recorded as "05-<name>", and the bounds it must keep:
# the most pods asked for, the fewest available.
STRATEGIES = {"surge-1-unavail-0": ("1", "0"), "surge-0-unavail-1": ("0", "1"), "surge-25-unavail-25": ("25%", "25%")}
STRATEGY_BOUNDS = {"surge-1-unavail-0": (5, 4), "surge-0-unavail-1": (4, 3), "surge-25-unavail-25": (5, 3)}


def seen(reading: Reading) -> Seen:
    if reading.seen is None:
        raise LabError(_("this check did not read the Deployment"), fix=_("report this bug"))
    return reading.seen


def timeline(reading: Reading, name: str) -> Timeline | None:
    return reading.timelines.get(name)


def _rolled_to_own(r: Reading) -> Check:
    """Lab 02's rollout: to the student's own version (lab 01's tag), whose line the page must show."""
    tag, where = r.state.get(state.NEW_TAG), r.app
    if not tag:
        return Check(_("rollout"), False, _("no version of yours chosen yet: run the lab's first cells "
                                            "(lab.start())."))  # fmt: skip
    # The page is judged when it was read: `class status` judges from the cluster alone, and cannot ask the app.
    page = [lambda: judge_app.page(r.page, url=where.url, text=r.line or "", version=tag,
                                   current_pods=judge.current_pods(seen(r)))] if where else []  # fmt: skip
    return both(
        lambda: judge.rolled_out(seen(r), tag=tag),
        lambda: judge.pods_on_current(seen(r), in_prose=2),
        *page,
        lambda: judge_app.recorded_bounds(timeline(r, SET_IMAGE), peak=5, min_available=3),
        lambda: judge_app.kept_serving(timeline(r, SET_IMAGE), via=where.via if where else ""),
    )


def _kept_serving(r: Reading, name: str) -> Check:
    return judge_app.kept_serving(timeline(r, name), via=r.app.via if r.app else "")


def _edited_back(r: Reading) -> Check:
    return both(
        lambda: judge.rolled_out(seen(r), tag="latest"), lambda: judge.history(seen(r), runs={2: "1.0.0", 3: "latest"})
    )


def _swapped(r: Reading) -> Check:
    """Two undos: back on latest, and the last two revisions swapped, on the student's own revision numbers."""
    return both(
        lambda: judge.undone_to(seen(r), tag="latest", runs=None),  # the history is swapped()'s to say
        lambda: judge.swapped(seen(r), runs=H_SWAPPED),
    )


def _pushed(r: Reading) -> Check:
    """Only the lab's own new tag: Docker may hold many other builds, which are not this step's business."""
    new = r.state.get(state.NEW_TAG)
    if not new:
        return Check(_("new tag"), False, _("no new tag chosen yet: run the lab's first cells (lab.start())."))
    before, built = state.tags(r.state.get(state.TAGS_AT_START)), [t for t in r.built if t == new]
    result = both(
        lambda: judge_app.new_tag_pushed(before=before, now=r.tags, built=built),
        lambda: judge_app.own_line(tag=new, line=r.line),
    )
    if not result.ok and r.line is None and built and not (r.probe.get("username") and r.probe.get("accepted")):
        return Check(_("push"), False, _("Docker has {tag} built, but `docker push` answers `unauthorized`: Docker "
                                         "holds no login that {registry} accepts. Log in first (step 01.1), then push "
                                         "again.", tag=new, registry=r.probe.get("registry")))  # fmt: skip
    return result


def _restarted(r: Reading) -> Check:
    pod = r.state.get(state.CRASHED_POD)
    if not pod:
        return Check(_("restart"), False, _("no pod has crashed yet: call /error first (the cell above)."))
    # The lab's pods are fresh (lab.start() redeploys): none had restarted before /error.
    return judge_app.restarted(r.pod, pod=pod, restarts_before=0)


def _fixed_forward(r: Reading) -> Check:
    tag = r.state.get(state.FIX_TAG)
    if not tag:
        return Check(_("fix forward"), False, _("no fix tag chosen: run the lab's first cells (lab.start())."))
    return judge.rolled_out(seen(r), tag=tag)


def _strategies(r: Reading) -> Check:
    return both(*[lambda n=n, b=b: judge_app.recorded_bounds(timeline(r, f"05-{n}"), peak=b[0], min_available=b[1])
                  for n, b in STRATEGY_BOUNDS.items()])  # fmt: skip


STATUS = "!kubectl rollout status deployment/first-app"
# The line validate's solution of lab 01 writes on the page of its version, and finds there in lab 02.
OWN_LINE = "Hola from my own version"
LOGIN = ("!echo {lab.login.password} | docker login {lab.settings.registry} --username {lab.login.username} "
         "--password-stdin")  # fmt: skip
BUILD = ("!docker build --build-arg BASE_IMAGE={lab.base_image()} --build-arg APP_VERSION={lab.new_tag} "
         f"--build-arg 'APP_MESSAGE={OWN_LINE}' -t {{lab.image(lab.new_tag)}} ../../app")  # fmt: skip
PUSH = "!docker push {lab.image(lab.new_tag)}"
H_THREE = {1: "latest", 3: "2.0.0", 4: "1.0.0"}
H_FIVE = {3: "2.0.0", 4: "1.0.0", 5: "latest"}
H_SWAPPED = {3: "2.0.0", 6: "1.0.0", 7: "latest"}
SEEN = reads()

_STEPS = [
    # -- lab 00: set-up -----------------------------------------------------------------------------------------
    Step("00.1", False, N_("`kubectl version --client` must print a version."), "!kubectl version --client",
         probe("kubectl"), lambda r, a: checks.judge_kubectl(**r.probe), broken_env={"PATH": "/nonexistent"},
         mistakes=(STEP_TWICE,)),
    Step("00.2", False, N_("`kubectl version` asks the cluster too."), "!kubectl version",
         probe("cluster"), lambda r, a: checks.judge_cluster(**r.probe), broken_env={"KUBECONFIG": "{nowhere}"}),
    Step("00.3", False, N_("`kubectl get nodes` lists them with STATUS Ready."), "!kubectl get nodes",
         probe("nodes"), lambda r, a: checks.judge_nodes(**r.probe), broken_env={"KUBECONFIG": "{nowhere}"},
         mistakes=(STEP_TWICE,)),
    Step("00.4", False, N_("The registry answers on LAB_REGISTRY."), "print(lab.registry_tags())",
         probe("registry"), lambda r, a: checks.judge_registry(**r.probe), broken_env={"LAB_REGISTRY": "127.0.0.1:9"}),
    Step("00.5", False, N_("`docker version` shows a Server part."), "!docker version",
         probe("docker"), lambda r, a: checks.judge_docker(**r.probe),
         broken_env={"DOCKER_HOST": "unix:///nonexistent.sock"}),
    # -- lab 01: log in, build and push ---------------------------------------------------------------------------
    Step("01.1", True,
         N_("`docker login <registry>` with the user printed by the lab's start and the password the lab holds, "
            "`lab.login.password`. A notebook cell cannot type a password at a prompt, so give it on standard input: "
            "`!echo {lab.login.password} | docker login <registry> --username <user> --password-stdin`."),
         LOGIN, probe("login"), lambda r, a: checks.judge_login(**r.probe), broken_env={"DOCKER_CONFIG": "{empty}"},
         mistakes=(CHECK_TWICE, STEP_TWICE)),
    Step("01.2", True,
         N_("Two commands: `docker build` with `-t <registry>/first-app-k8s:<new tag>` and the build arguments, then "
         "`docker push` of the same name. The tag must be one the registry does not have yet: the lab's start "
         "printed one."),
         f"{LOGIN}\n{BUILD}\n{PUSH}",
         reads(seen=False, registry=True, built=True, own_version=True, login=True), lambda r, a: _pushed(r),
         # Logged out, the push is refused: the check must say why (the solution logs in again).
         mistakes=(Mistake("push-first", PUSH),
                   Mistake("no-login", f"!docker logout {{lab.settings.registry}}\n{BUILD}\n{PUSH}",
                           needs_login=True))),
    # -- lab 02: deploy and set image ----------------------------------------------------------------------------
    Step("02.1", False, N_("`kubectl apply -f` the manifest, then `kubectl rollout status`."),
         f"!kubectl apply -f {{lab.manifest}}\n{STATUS}",
         SEEN, lambda r, a: both(lambda: judge.rolled_out(seen(r), tag="latest"),
                                 lambda: judge.lesson_shaped(seen(r))),
         mistakes=(STEP_TWICE, Mistake("name-typo", "!kubectl rollout status deployment/first-ap"))),
    Step("02.2", True,
         N_("`kubectl get deployment first-app -o jsonpath='{.spec.template.spec.containers[*].name}'` prints it; "
         "it is not the Deployment's name."),
         "!kubectl get deployment first-app -o jsonpath='{.spec.template.spec.containers[*].name}'\n"
         'container = "first-app-k8s"',
         SEEN, lambda r, a: judge.container_answer(seen(r), answer=a.get("container")),
         answers=("container",), mistakes=(Mistake("wrong-answer", 'container = "first-app"'), CHECK_TWICE)),
    Step("02.3", True,
         N_("`kubectl set image deployment/first-app <container>=<registry>/first-app-k8s:<your tag>` (the tag of "
         "your version, printed by the lab's start), then `kubectl rollout status deployment/first-app` to wait for "
         "the end of the rollout."),
         f"!kubectl set image deployment/first-app first-app-k8s={{lab.image(lab.new_tag)}}\n{STATUS}",
         reads(timelines=(SET_IMAGE,), page=True, own_version=True), lambda r, a: _rolled_to_own(r),
         mistakes=(Mistake("wrong-container",
                           "!kubectl set image deployment/first-app first-app={lab.image(lab.new_tag)}"),
                   Mistake("missing-tag", "!kubectl set image deployment/first-app first-app-k8s={lab.image('1.0')}"),
                   Mistake("wrong-namespace", "!kubectl set image -n first-app deployment/first-app "
                           "first-app-k8s={lab.image(lab.new_tag)}"),
                   Mistake("status-first", STATUS))),
    Step("02.4", False, N_("Call /error on the app's URL, then wait for RESTARTS to go up."), "lab.crash_app()",
         reads(seen=False, crashed_pod=True), lambda r, a: _restarted(r), wait=30),
    # -- lab 03: a failed rollout --------------------------------------------------------------------------------
    Step("03.1", False, N_("`kubectl scale deployment/first-app --replicas=5`."),
         f"!kubectl scale deployment/first-app --replicas=5\n{STATUS}\n!kubectl rollout history deployment/first-app",
         SEEN, lambda r, a: judge.scaled(seen(r), replicas=5, history=[1, 2]),
         mistakes=(STEP_TWICE, Mistake("name-typo", "!kubectl scale deployment/first-ap --replicas=5"))),
    Step("03.2", True,
         N_("maxSurge 25% of 5 = 1.25 pods, rounded up: 2 extra pods at most. maxUnavailable 25% of 5 = 1.25, "
         "rounded down: 1 pod may be missing."),
         "most_pods = 7\nfewest_available = 4",
         reads(seen=False, timelines=(FAILED_ROLLOUT,)),
         lambda r, a: judge_app.prediction(timeline(r, FAILED_ROLLOUT), most_pods=a.get("most_pods"),
                                       fewest_available=a.get("fewest_available")),
         answers=("most_pods", "fewest_available"),
         mistakes=(Mistake("wrong-answer", "most_pods = 6\nfewest_available = 4"), CHECK_TWICE)),
    Step("03.3", True,
         N_("The lesson's `kubectl set image` with tag 2.0.0, then `kubectl rollout status deployment/first-app` "
         "(it gives up when the progress deadline passes)."),
         f"!kubectl set image deployment/first-app first-app-k8s={{lab.image('2.0.0')}}\n{STATUS}",
         reads(timelines=(FAILED_ROLLOUT,), app=True),
         lambda r, a: both(
             lambda: judge.failed_rollout(seen(r), tag="2.0.0", pods_total=7, failing=3, serving=4),
             lambda: _kept_serving(r, FAILED_ROLLOUT)),
         mistakes=(Mistake("wrong-container", "!kubectl set image deployment/first-app first-app={lab.image('2.0.0')}"),
                   Mistake("status-first", STATUS))),
    Step("03.4", True,
         N_("`kubectl get pods -l app=first-app` shows it in the STATUS column; `kubectl describe pod <name>` ends "
         "with the events that explain it."),
         "!kubectl get pods -l app=first-app\n"
         "!kubectl get events --field-selector reason=Failed --sort-by=.lastTimestamp | tail -n 3\n"
         'reason = "ImagePullBackOff"',
         SEEN, lambda r, a: judge.waiting_reason(seen(r), answer=a.get("reason")),
         answers=("reason",), mistakes=(Mistake("wrong-answer", 'reason = "CrashLoopBackOff"'), CHECK_TWICE)),
    # -- lab 04: rollback ----------------------------------------------------------------------------------------
    Step("04.1", True, N_("`kubectl rollout undo deployment/first-app`, then `kubectl rollout status`."),
         f"!kubectl rollout undo deployment/first-app\n{STATUS}",
         reads(timelines=(UNDO,), app=True),
         lambda r, a: both(
             lambda: judge.undone_to(seen(r), tag="1.0.0", runs=H_THREE), lambda: _kept_serving(r, UNDO)),
         # Revision 3 is the current one: kubectl skips the undo and says so, and the student reads the history.
         mistakes=(Mistake("wrong-revision", "!kubectl rollout undo deployment/first-app --to-revision=3"),
                   Mistake("name-typo", "!kubectl rollout undo deployment/first-ap"))),
    Step("04.2", True,
         N_("`kubectl rollout history deployment/first-app --revision=3` shows its Image line. If your history has "
            "other numbers (an extra undo renumbers them), the text's revision 3 is yours that got stuck."),
         '!kubectl rollout history deployment/first-app --revision=3\ntag_of_revision_3 = "2.0.0"',
         SEEN, lambda r, a: judge.revision_answer(seen(r), revision=3, answer=a.get("tag_of_revision_3"),
                                                      runs=H_THREE),
         answers=("tag_of_revision_3",),
         mistakes=(Mistake("wrong-answer", 'tag_of_revision_3 = "1.0.0"'), CHECK_TWICE)),
    Step("04.3", True,
         N_("`kubectl rollout undo deployment/first-app --to-revision=1`, then `kubectl rollout status`."),
         f"!kubectl rollout undo deployment/first-app --to-revision=1\n{STATUS}",
         reads(timelines=(TO_REVISION_1,), app=True),
         lambda r, a: both(
             lambda: judge.undone_to(seen(r), tag="latest", runs=H_FIVE),
             lambda: judge_app.recorded_bounds(timeline(r, TO_REVISION_1), peak=7, min_available=4),
             lambda: _kept_serving(r, TO_REVISION_1)),
         # Revision 2 is gone (its template is revision 4 now): kubectl refuses, and nothing changes.
         mistakes=(Mistake("wrong-revision", "!kubectl rollout undo deployment/first-app --to-revision=2"),
                   Mistake("status-first", STATUS))),
    Step("04.4", False, N_("Two `kubectl rollout undo`, each followed by `kubectl rollout status`."),
         f"!kubectl rollout undo deployment/first-app\n{STATUS}\n!kubectl rollout undo deployment/first-app\n"
         f"{STATUS}\n!kubectl rollout history deployment/first-app",
         SEEN, lambda r, a: _swapped(r),
         mistakes=(Mistake("name-typo", "!kubectl rollout undo deployment/first-ap"), CHECK_TWICE)),
    Step("04.5", False, N_("set image to a tag not pushed yet, push it, and wait with `kubectl rollout status`."),
         "!kubectl set image deployment/first-app first-app-k8s={lab.image(lab.fix_tag)}\n"
         "lab.wait_for_pull_errors()\n!kubectl get pods -l app=first-app\n"
         "lab.push_version(lab.fix_tag, message=\"fixed forward\")\n" + STATUS,
         reads(with_state=True), lambda r, a: _fixed_forward(r)),
    # -- lab 05: strategies, change-cause, edit, history limit, delete -------------------------------------------
    Step("05.1", False, "", "lab.roll_strategies()",
         reads(seen=False, timelines=tuple(f"05-{name}" for name in STRATEGIES)), lambda r, a: _strategies(r)),
    Step("05.2", True,
         N_("`kubectl annotate deployment/first-app kubernetes.io/change-cause=\"why you made the change\"`. The "
         "Deployment already has a cause; kubectl replaces this one annotation without `--overwrite` (it makes an "
         "exception for kubernetes.io/change-cause), any other it would refuse to."),
         '!kubectl annotate deployment/first-app kubernetes.io/change-cause="set image 1.0.0: Hola"\n'
         "!kubectl rollout history deployment/first-app",
         SEEN, lambda r, a: judge.change_cause(seen(r)),
         # Copied from the cell above: the cause of revision 1 again, which is the very mistake the check names.
         mistakes=(Mistake("wrong-answer", "!kubectl annotate deployment/first-app "
                           'kubernetes.io/change-cause="kubectl apply: latest"'),
                   Mistake("wrong-namespace", "!kubectl annotate -n first-app deployment/first-app "
                           'kubernetes.io/change-cause="set image 1.0.0: Hola"'))),
    Step("05.3", True,
         N_("Give `kubectl edit` a scripted editor: `KUBE_EDITOR='sed -i -e \"s#:1.0.0#:latest#\"' kubectl edit "
         "deployment/first-app`, then `kubectl rollout status`."),
         "!KUBE_EDITOR='sed -i -e \"s#first-app-k8s:1.0.0#first-app-k8s:latest#\"' kubectl edit "
         f"deployment/first-app\n{STATUS}",
         SEEN, lambda r, a: _edited_back(r),
         mistakes=(Mistake("name-typo", "!KUBE_EDITOR='sed -i -e \"s#first-app-k8s:1.0.0#first-app-k8s:latest#\"' "
                           "kubectl edit deployment/first-ap"), Mistake("status-first", STATUS))),
    Step("05.4", False, "", "!kubectl patch deployment first-app -p '{\"spec\": {\"revisionHistoryLimit\": 1}}'\n"
         f"!kubectl set env deployment/first-app GREETING=third\n{STATUS}\nlab.show_replicasets()",
         SEEN, lambda r, a: judge.trimmed(seen(r), kept=[3, 4], gone=2), wait=30),
    Step("05.5", True, N_("`kubectl delete deployment,service first-app` (one command, two kinds)."),
         "!kubectl delete deployment,service first-app",
         reads(service=True), lambda r, a: judge.deleted(seen(r), service_left=r.service_left), wait=30,
         mistakes=(Mistake("one-kind", "!kubectl delete deployment first-app"),
                   Mistake("name-typo", "!kubectl delete deployment,service first-ap"))),
]  # fmt: skip

STEPS: dict[str, Step] = {s.id: s for s in _STEPS}


# What `lab.solution(step)` says after the code of an exercise: why it is the answer, in the lesson's terms.
EXPLANATIONS: dict[str, str] = {
    "01.1": N_(
        "`docker push` sends the image under the login Docker holds for that registry: the registry refuses a push "
        "from anyone it does not know (`unauthorized`). The login stays in Docker's config until `docker logout`."
    ),
    "01.2": N_(
        "An image is known by its name and tag: a new version under a new tag changes the pod template "
        "when you set it, so the Deployment rolls out. `docker push` puts it where the nodes pull from."
    ),
    "02.2": N_(
        "`set image` changes one container of the pod template, named before the `=`. The jsonpath reads the "
        "names of the template's containers; the Deployment (first-app) and the image (first-app-k8s:...) "
        "have their own names."
    ),
    "02.3": N_(
        "A new image in the pod template makes a new ReplicaSet; the Deployment controller scales it up and "
        "the old one down within maxSurge and maxUnavailable. `rollout status` waits for the end."
    ),
    "03.2": N_(
        "maxSurge is rounded up and maxUnavailable down: with 5 replicas, 25% gives 2 extra pods and 1 "
        "missing one, so at most 7 pods and at least 4 available."
    ),
    "03.3": N_(
        "The new pods can never pull 2.0.0, so they never become ready: the rollout stops at the bounds "
        "and, after progressDeadlineSeconds, `rollout status` reports the failure. Nothing is rolled back."
    ),
    "03.4": N_(
        "The kubelet could not pull the image (ErrImagePull) and now waits longer and longer between tries "
        "(ImagePullBackOff): the STATUS alternates between the two."
    ),
    "04.1": N_(
        "`rollout undo` copies the previous revision's pod template (1.0.0) back into the Deployment, "
        "which rolls to it like to any other change; its ReplicaSet is reused and gets a new number."
    ),
    "04.2": N_("`rollout history --revision=N` shows the pod template of revision N; its Image line names the tag."),
    "04.3": N_(
        "`--to-revision=1` copies revision 1's template (latest) back: a rollout like the others, which "
        "makes revision 5 and removes 1 from the list."
    ),
    "05.2": N_(
        "The annotation kubernetes.io/change-cause is what the CHANGE-CAUSE column shows; it sits on the "
        "Deployment, so it must be written again for each change (kubectl replaces this annotation without "
        "`--overwrite`)."
    ),
    "05.3": N_(
        "`kubectl edit` opens the Deployment in KUBE_EDITOR and applies what the editor saves: here sed "
        "replaces the tag, as you would in vim, and the change rolls out."
    ),
    "05.5": N_(
        "Deleting a Deployment deletes its ReplicaSets and their pods with it; the Service is a separate "
        "object, named in the same command."
    ),
}


def steps_of(lab: str) -> list[Step]:
    return [s for s in _STEPS if s.lab == lab]
