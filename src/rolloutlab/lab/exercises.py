"""Every step of the labs in one place: one table entry each, with its hint, its solution, what its check reads
and how it judges what was read.

A step is an exercise (the stored notebook has an empty or template cell the student fills in) or a
demonstration (the stored cell already holds the solution; a test keeps the two the same). `rolloutlab validate`
fills exercises with these solutions, and first runs each check where it must fail. `lab.solve(step)` runs the
same solution. Solutions are notebook code: `!` lines are shell commands, `{...}` is filled in by IPython.

A check is two parts: `read(ctx)` looks at the cluster once (see `reading.py`), and `judge(reading, answers)` is a
pure function of that reading and the student's answers (the names in `answers`, read from the notebook), built
from `judge`, `judge_history`, `judge_app` and `composed`. Adding a step is one entry here, its cells in the two
notebooks, its French messages, and a test of its judge when it needs a new one.
"""

from __future__ import annotations

from rolloutlab.i18n import N_
from rolloutlab.lab import checks, composed, judge, judge_app, judge_history, state
from rolloutlab.lab.composed import FAILED_ROLLOUT, LIMIT, SET_IMAGE, TO_REVISION_1, UNDO, seen, timeline
from rolloutlab.lab.composed import STRATEGIES as STRATEGIES  # lab 05's Deployments, named in the table's order
from rolloutlab.lab.reading import probe, reads
from rolloutlab.lab.step import CHECK_TWICE, STEP_TWICE, Mistake, Recording, Step, Way, both
from rolloutlab.recording.history import Expected

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

# A line of a student's own (validate's French run writes it): an apostrophe, quotes, accents, `&` and `<`, all of
# which the page escapes and a reader sees as typed.
OWN_WORDS = 'Bonjour, c\'est « Léa » & "co" <3'
BUILD_OWN_WORDS = BUILD.replace(f"'APP_MESSAGE={OWN_LINE}'", '"APP_MESSAGE=' + OWN_WORDS.replace('"', '\\"') + '"')
SET_LATEST = "!kubectl set image deployment/first-app first-app-k8s={lab.image('latest')}\n" + STATUS


def annotate(cause: str) -> str:
    """The notes' way to say why a change was made: the annotation the CHANGE-CAUSE column shows."""
    return f'!kubectl annotate deployment/first-app kubernetes.io/change-cause="{cause}"'


def patch_cause(cause: str) -> str:
    """The same annotation written with `kubectl patch`, as another way."""
    return ("cause = '{\"metadata\": {\"annotations\": {\"kubernetes.io/change-cause\": "
            f"\"{cause}\"}}}}}}'\n!kubectl patch deployment first-app -p '{{cause}}'")  # fmt: skip


HISTORY = "!kubectl rollout history deployment/first-app"


def solve(step: str) -> Way:
    return Way("solve", f"lab.solve({step!r})")


_STEPS = [
    # -- lab 00: set-up -----------------------------------------------------------------------------------------
    Step(id="00.1", exercise=False, hint=N_("`kubectl version --client` must print a version."),
         solution="!kubectl version --client", read=probe("kubectl"),
         judge=lambda r, a: checks.judge_kubectl(**r.probe), broken_env={"PATH": "/nonexistent"},
         mistakes=(STEP_TWICE,)),
    Step(id="00.2", exercise=False, hint=N_("`kubectl version` asks the cluster too."), solution="!kubectl version",
         read=probe("cluster"), judge=lambda r, a: checks.judge_cluster(**r.probe),
         broken_env={"KUBECONFIG": "{nowhere}"}),
    Step(id="00.3", exercise=False, hint=N_("`kubectl get nodes` lists them with STATUS Ready."),
         solution="!kubectl get nodes", read=probe("nodes"), judge=lambda r, a: checks.judge_nodes(**r.probe),
         broken_env={"KUBECONFIG": "{nowhere}"}, mistakes=(STEP_TWICE,)),
    Step(id="00.4", exercise=False, hint=N_("The registry answers on LAB_REGISTRY."),
         solution="print(lab.demo.registry_tags())", read=probe("registry"),
         judge=lambda r, a: checks.judge_registry(**r.probe), broken_env={"LAB_REGISTRY": "127.0.0.1:9"}),
    Step(id="00.5", exercise=False, hint=N_("`docker version` shows a Server part."), solution="!docker version",
         read=probe("docker"), judge=lambda r, a: checks.judge_docker(**r.probe),
         broken_env={"DOCKER_HOST": "unix:///nonexistent.sock"}),
    # -- lab 01: log in, build and push ---------------------------------------------------------------------------
    Step(id="01.1", exercise=True,
         hint=N_("`docker login <registry>` with the user printed by the lab's start and the password the lab holds, "
                 "`lab.login.password`. A notebook cell cannot type a password at a prompt, so give it on standard "
                 "input: `!echo {lab.login.password} | docker login <registry> --username <user> --password-stdin`."),
         solution=LOGIN,
         explanation=N_("`docker push` sends the image under the login Docker holds for that registry: the registry "
                        "refuses a push from anyone it does not know (`unauthorized`). The login stays in Docker's "
                        "config until `docker logout`."),
         read=probe("login"), judge=lambda r, a: checks.judge_login(**r.probe),
         broken_env={"DOCKER_CONFIG": "{empty}"},
         mistakes=(CHECK_TWICE, STEP_TWICE), ways=(solve("01.1"),)),
    Step(id="01.2", exercise=True,
         hint=N_("Two commands: `docker build` with `-t <registry>/first-app-k8s:<new tag>` and the build arguments "
                 "(`BASE_IMAGE`, the base image the lab's start printed: without it, Docker looks for python:3.12-slim "
                 "on Docker Hub; `APP_VERSION`; `APP_MESSAGE`, your line), then `docker push` of the same name. The "
                 "tag must be one the registry does not have yet: the lab's start printed one."),
         solution=f"{LOGIN}\n{BUILD}\n{PUSH}",
         explanation=N_("An image is known by its name and tag: a new version under a new tag changes the pod "
                        "template when you set it, so the Deployment rolls out. `docker push` puts it where the "
                        "nodes pull from."),
         read=reads(seen=False, registry=True, built=True, own_version=True, login=True),
         judge=lambda r, a: composed.pushed(r),
         # Logged out, the push is refused: the check must say why (the solution logs in again).
         mistakes=(Mistake("push-first", PUSH),
                   Mistake("no-login", f"!docker logout {{lab.settings.registry}}\n{BUILD}\n{PUSH}", needs_login=True)),
         ways=(Way("own-words", f"{LOGIN}\n{BUILD_OWN_WORDS}\n{PUSH}"),)),
    # -- lab 02: deploy and set image ----------------------------------------------------------------------------
    Step(id="02.1", exercise=False, hint=N_("`kubectl apply -f` the manifest, then `kubectl rollout status`."),
         solution=f"!kubectl apply -f {{lab.manifest}}\n{STATUS}",
         read=SEEN, judge=lambda r, a: both(lambda: judge.rolled_out(seen(r), tag="latest"),
                                            lambda: judge.lesson_shaped(seen(r))),
         mistakes=(STEP_TWICE, Mistake("name-typo", "!kubectl rollout status deployment/first-ap")),
         ways=(Way("create", f"!kubectl create -f {{lab.manifest}}\n{STATUS}"),)),
    Step(id="02.2", exercise=True,
         hint=N_("`kubectl get deployment first-app -o jsonpath='{.spec.template.spec.containers[*].name}'` prints "
                 "it; it is not the Deployment's name."),
         solution="!kubectl get deployment first-app -o jsonpath='{.spec.template.spec.containers[*].name}'\n"
                  'container = "first-app-k8s"',
         explanation=N_("`set image` changes one container of the pod template, named before the `=`. The jsonpath "
                        "reads the names of the template's containers; the Deployment (first-app) and the image "
                        "(first-app-k8s:...) have their own names."),
         read=SEEN, judge=lambda r, a: judge.container_answer(seen(r), answer=a.get("container")),
         answers=("container",), mistakes=(Mistake("wrong-answer", 'container = "first-app"'), CHECK_TWICE),
         ways=(Way("another-read", "!kubectl get pods -l app=first-app -o "
                   "jsonpath='{.items[0].spec.containers[0].name}'\ncontainer = 'first-app-k8s'"),)),
    Step(id="02.3", exercise=True,
         hint=N_("`kubectl set image deployment/first-app <container>=<registry>/first-app-k8s:<your tag>` (the tag "
                 "of your version, printed by the lab's start), then `kubectl rollout status deployment/first-app` to "
                 "wait for the end of the rollout."),
         solution=f"!kubectl set image deployment/first-app first-app-k8s={{lab.image(lab.new_tag)}}\n{STATUS}",
         explanation=N_("A new image in the pod template makes a new ReplicaSet; the Deployment controller scales it "
                        "up and the old one down within maxSurge and maxUnavailable. `rollout status` waits for the "
                        "end."),
         read=reads(timelines=(SET_IMAGE,), page=True, own_version=True), judge=lambda r, a: composed.rolled_to_own(r),
         recordings=(Recording(SET_IMAGE, N_("kubectl set image: latest -> your version"), Expected("new-version")),),
         mistakes=(Mistake("wrong-container",
                           "!kubectl set image deployment/first-app first-app={lab.image(lab.new_tag)}"),
                   Mistake("missing-tag", "!kubectl set image deployment/first-app first-app-k8s={lab.image('1.0')}"),
                   Mistake("wrong-namespace", "!kubectl set image -n first-app deployment/first-app "
                           "first-app-k8s={lab.image(lab.new_tag)}"),
                   Mistake("status-first", STATUS)),
         # A JSON patch holds braces, which IPython would read as its own: the student names it in Python first.
         ways=(Way("patch", "patch = '{\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": "
                   "\"first-app-k8s\", \"image\": \"%s\"}]}}}}' % lab.image(lab.new_tag)\n"
                   f"!kubectl patch deployment first-app -p '{{patch}}'\n{STATUS}"),)),
    Step(id="02.4", exercise=False, hint=N_("Call /error on the app's URL, then wait for RESTARTS to go up."),
         solution="lab.demo.crash_app()", read=reads(seen=False, crashed_pod=True),
         judge=lambda r, a: composed.restarted(r), wait=30),
    # -- lab 03: a failed rollout --------------------------------------------------------------------------------
    Step(id="03.1", exercise=False, hint=N_("`kubectl scale deployment/first-app --replicas=5`."),
         solution=f"!kubectl scale deployment/first-app --replicas=5\n{STATUS}\n"
                  "!kubectl rollout history deployment/first-app",
         read=SEEN, judge=lambda r, a: judge.scaled(seen(r), replicas=5, history=[1, 2]),
         mistakes=(STEP_TWICE, Mistake("name-typo", "!kubectl scale deployment/first-ap --replicas=5")),
         ways=(Way("scale-up-down", f"!kubectl scale deployment/first-app --replicas=7\n{STATUS}\n"
                   f"!kubectl scale deployment first-app --replicas 5\n{STATUS}"),)),
    Step(id="03.2", exercise=True,
         hint=N_("maxSurge 25% of 5 = 1.25 pods, rounded up: 2 extra pods at most. maxUnavailable 25% of 5 = 1.25, "
                 "rounded down: 1 pod may be missing."),
         solution="most_pods = 7\nfewest_available = 4",
         explanation=N_("maxSurge is rounded up and maxUnavailable down: with 5 replicas, 25% gives 2 extra pods and "
                        "1 missing one, so at most 7 pods and at least 4 available."),
         read=reads(seen=False, timelines=(FAILED_ROLLOUT,), with_state=True),
         judge=lambda r, a: judge_app.prediction(timeline(r, FAILED_ROLLOUT), most_pods=a.get("most_pods"),
                                                 fewest_available=a.get("fewest_available"),
                                                 first=composed.taken(r, "03.2")),
         answers=("most_pods", "fewest_available"),
         mistakes=(Mistake("wrong-answer", "most_pods = 6\nfewest_available = 4"), CHECK_TWICE),
         ways=(Way("text-answer", 'most_pods = "7"\nfewest_available = " 4 "'),)),
    Step(id="03.3", exercise=True,
         hint=N_("The lesson's `kubectl set image` with tag 2.0.0, then `kubectl rollout status deployment/first-app` "
                 "(it gives up when the progress deadline passes)."),
         solution=f"!kubectl set image deployment/first-app first-app-k8s={{lab.image('2.0.0')}}\n{STATUS}",
         explanation=N_("The new pods can never pull 2.0.0, so they never become ready: the rollout stops at the "
                        "bounds and, after progressDeadlineSeconds, `rollout status` reports the failure. Nothing is "
                        "rolled back."),
         read=reads(timelines=(FAILED_ROLLOUT,), app=True, with_state=True),
         # Its counts and bounds are 03.2's answer: said once that prediction was graded.
         judge=lambda r, a: both(
             lambda: judge.failed_rollout(seen(r), tag="2.0.0", pods_total=7, failing=3, serving=4,
                                          reveal=state.graded_key("03.2") in r.state),
             lambda: composed.kept_serving(r, FAILED_ROLLOUT)),
         recordings=(Recording(FAILED_ROLLOUT, N_("kubectl set image: 1.0.0 -> 2.0.0"), Expected("stuck")),),
         mistakes=(Mistake("wrong-container", "!kubectl set image deployment/first-app first-app={lab.image('2.0.0')}"),
                   Mistake("status-first", STATUS)),
         ways=(Way("edit", "!KUBE_EDITOR='sed -i -e \"s#first-app-k8s:1.0.0#first-app-k8s:2.0.0#\"' kubectl edit "
                   f"deployment/first-app\n{STATUS}"),)),
    Step(id="03.4", exercise=True,
         hint=N_("`kubectl get pods -l app=first-app` shows it in the STATUS column; `kubectl describe pod <name>` "
                 "ends with the events that explain it."),
         solution="!kubectl get pods -l app=first-app\n"
                  "!kubectl get events --field-selector reason=Failed --sort-by=.lastTimestamp | tail -n 3\n"
                  'reason = "ImagePullBackOff"',
         explanation=N_("The kubelet could not pull the image (ErrImagePull) and now waits longer and longer between "
                        "tries (ImagePullBackOff): the STATUS alternates between the two."),
         read=SEEN, judge=lambda r, a: judge.waiting_reason(seen(r), answer=a.get("reason")),
         answers=("reason",), mistakes=(Mistake("wrong-answer", 'reason = "CrashLoopBackOff"'), CHECK_TWICE),
         ways=(Way("other-answer",
                   '!kubectl describe pods -l app=first-app | tail -n 5\nreason = "ErrImagePull"'),)),
    # -- lab 04: rollback ----------------------------------------------------------------------------------------
    Step(id="04.0", exercise=True,
         hint=N_("Each rollout makes a revision, and `rollout undo` is a rollout to the previous template. Does it "
                 "make a new ReplicaSet, or reuse one? And what number does it get?"),
         solution="revisions_after_undo = [1, 3, 4]",
         explanation=N_("The undo copies revision 2's template back. The Deployment finds revision 2's ReplicaSet, "
                        "which has that template, scales it up again and gives it the next number, 4: revision 2 is "
                        "no longer listed, and 3 (2.0.0, which failed) still is."),
         read=reads(timelines=(UNDO,), with_state=True),
         judge=lambda r, a: composed.predicted_history(r, a.get("revisions_after_undo")),
         answers=("revisions_after_undo",),
         mistakes=(Mistake("wrong-answer", "revisions_after_undo = [1, 2, 3, 4]"), CHECK_TWICE),
         ways=(Way("text-answer", 'revisions_after_undo = "1, 3, 4"'),)),
    Step(id="04.1", exercise=True,
         hint=N_("`kubectl rollout undo deployment/first-app`, then `kubectl rollout status`."),
         solution=f"!kubectl rollout undo deployment/first-app\n{STATUS}",
         explanation=N_("`rollout undo` copies the previous revision's pod template (1.0.0) back into the "
                        "Deployment, which rolls to it like to any other change; its ReplicaSet is reused and gets a "
                        "new number."),
         read=reads(timelines=(UNDO,), app=True, with_state=True),
         # The history it lists is 04.0's answer: judged and said once that prediction was graded.
         judge=lambda r, a: both(
             lambda: judge_history.undone_to(seen(r), tag="1.0.0",
                                             runs=H_THREE if state.graded_key("04.0") in r.state else None),
             lambda: composed.kept_serving(r, UNDO)),
         recordings=(Recording(UNDO, N_("kubectl rollout undo (2.0.0 -> 1.0.0)"), Expected("back-to-previous")),),
         # Revision 3 is the current one: kubectl skips the undo and says so, and the student reads the history.
         mistakes=(Mistake("wrong-revision", "!kubectl rollout undo deployment/first-app --to-revision=3"),
                   Mistake("name-typo", "!kubectl rollout undo deployment/first-ap")),
         # The second undo goes back to 2.0.0, the third to 1.0.0 again: revisions 4 to 6.
         ways=(Way("extra-undo", f"!kubectl rollout undo deployment/first-app\n{STATUS}\n"
                   "!kubectl rollout undo deployment/first-app\n!kubectl rollout undo deployment/first-app\n"
                   f"{STATUS}"),)),
    Step(id="04.2", exercise=True,
         hint=N_("`kubectl rollout history deployment/first-app --revision=3` shows its Image line. If your history "
                 "has other numbers (an extra undo renumbers them), the text's revision 3 is yours that got stuck."),
         solution='!kubectl rollout history deployment/first-app --revision=3\ntag_of_revision_3 = "2.0.0"',
         explanation=N_("`rollout history --revision=N` shows the pod template of revision N; its Image line names "
                        "the tag."),
         read=SEEN,
         judge=lambda r, a: judge_history.revision_answer(seen(r), revision=3, answer=a.get("tag_of_revision_3"),
                                                          runs=H_THREE),
         answers=("tag_of_revision_3",),
         mistakes=(Mistake("wrong-answer", 'tag_of_revision_3 = "1.0.0"'), CHECK_TWICE), ways=(solve("04.2"),)),
    Step(id="04.3", exercise=True,
         hint=N_("`kubectl rollout undo deployment/first-app --to-revision=1`, then `kubectl rollout status`."),
         solution=f"!kubectl rollout undo deployment/first-app --to-revision=1\n{STATUS}",
         explanation=N_("`--to-revision=1` copies revision 1's template (latest) back: a rollout like the others, "
                        "which makes revision 5 and removes 1 from the list."),
         read=reads(timelines=(TO_REVISION_1,), app=True),
         judge=lambda r, a: both(
             lambda: judge_history.undone_to(seen(r), tag="latest", runs=H_FIVE),
             lambda: judge_app.recorded_bounds(timeline(r, TO_REVISION_1), peak=7, min_available=4),
             lambda: composed.kept_serving(r, TO_REVISION_1)),
         recordings=(Recording(TO_REVISION_1, N_("kubectl rollout undo --to-revision=1 (1.0.0 -> latest)"),
                               Expected("back-to-revision", revision=1)),),
         # Revision 2 is gone (its template is revision 4 now): kubectl refuses, and nothing changes.
         mistakes=(Mistake("wrong-revision", "!kubectl rollout undo deployment/first-app --to-revision=2"),
                   Mistake("status-first", STATUS)),
         ways=(Way("set-image-back", SET_LATEST),)),
    Step(id="04.4", exercise=False, hint=N_("Two `kubectl rollout undo`, each followed by `kubectl rollout status`."),
         solution=f"!kubectl rollout undo deployment/first-app\n{STATUS}\n!kubectl rollout undo deployment/first-app\n"
                  f"{STATUS}\n!kubectl rollout history deployment/first-app",
         read=SEEN, judge=lambda r, a: composed.swapped(r, runs=H_SWAPPED),
         mistakes=(Mistake("name-typo", "!kubectl rollout undo deployment/first-ap"), CHECK_TWICE)),
    Step(id="04.5", exercise=False,
         hint=N_("set image to a tag not pushed yet, push it, and wait with `kubectl rollout status`."),
         solution="!kubectl set image deployment/first-app first-app-k8s={lab.image(lab.fix_tag)}\n"
                  "lab.demo.wait_for_pull_errors()\n!kubectl get pods -l app=first-app\n"
                  "lab.demo.push_version(lab.fix_tag)\n" + STATUS,
         read=reads(with_state=True), judge=lambda r, a: composed.fixed_forward(r)),
    Step(id="04.6", exercise=True,
         hint=N_("`kubectl rollout history deployment/first-app` lists the revisions, oldest first: the last one is "
                 "the current one, which runs the fix. `--revision=N` shows what N runs."),
         solution="!kubectl rollout history deployment/first-app\nfix_revision = 8",
         explanation=N_("A fix forward is a rollout like any other: it made a new revision, the last one the history "
                        "lists. The text's path reaches it as revision 8: 3 (2.0.0), 6 (1.0.0) and 7 (latest) before "
                        "it."),
         read=reads(with_state=True),
         judge=lambda r, a: judge_history.revision_of(seen(r), tag=r.state.get(state.FIX_TAG, ""),
                                                      answer=a.get("fix_revision"), text_revision=8),
         answers=("fix_revision",), mistakes=(Mistake("wrong-answer", "fix_revision = 7"), CHECK_TWICE),
         ways=(Way("another-read", "out = !kubectl get deployment first-app -o "
                   "jsonpath='{.metadata.annotations.deployment\\.kubernetes\\.io/revision}'\n"
                   "fix_revision = int(out[0])"),)),
    # -- lab 05: strategies, change-cause, edit, history limit, delete -------------------------------------------
    Step(id="05.1", exercise=False, hint="", solution="lab.demo.roll_strategies()",
         read=reads(seen=False, timelines=tuple(f"05-{name}" for name in STRATEGIES)),
         judge=lambda r, a: composed.strategies(r),
         recordings=tuple(Recording(f"05-{name}", expected=Expected("strategy")) for name in STRATEGIES)),
    Step(id="05.2", exercise=True,
         hint=N_("`kubectl annotate deployment/first-app kubernetes.io/change-cause=\"why you made the change\"`. The "
                 "Deployment already has a cause; kubectl replaces this one annotation without `--overwrite` (it "
                 "makes an exception for kubernetes.io/change-cause), any other it would refuse to."),
         solution=f"{annotate('set image 1.0.0: Hola')}\n{HISTORY}",
         explanation=N_("The annotation kubernetes.io/change-cause is what the CHANGE-CAUSE column shows; it sits on "
                        "the Deployment, so it must be written again for each change (kubectl replaces this "
                        "annotation without `--overwrite`)."),
         read=SEEN, judge=lambda r, a: judge_history.change_cause(seen(r)),
         # Copied from the cell above: the cause of revision 1 again, which is the very mistake the check names.
         mistakes=(Mistake("wrong-answer", annotate("kubectl apply: latest")),
                   Mistake("wrong-namespace", "!kubectl annotate -n first-app deployment/first-app "
                           'kubernetes.io/change-cause="set image 1.0.0: Hola"')),
         ways=(Way("patch", f"{patch_cause('set image 1.0.0: Hola')}\n{HISTORY}"),)),
    Step(id="05.3", exercise=True,
         hint=N_("`kubectl edit` runs the editor `KUBE_EDITOR` names on a file of the Deployment. In a cell, let "
                 "`sed -i -e \"s#old#new#\"` be that editor and replace the image's tag; then wait with `kubectl "
                 "rollout status`. `lab.solution(\"05.3\")` shows the whole line."),
         solution="!KUBE_EDITOR='sed -i -e \"s#first-app-k8s:1.0.0#first-app-k8s:latest#\"' kubectl edit "
                  f"deployment/first-app\n{STATUS}",
         explanation=N_("`kubectl edit` opens the Deployment in KUBE_EDITOR and applies what the editor saves: here "
                        "sed replaces the tag, as you would in vim, and the change rolls out."),
         read=SEEN, judge=lambda r, a: composed.edited_back(r),
         mistakes=(Mistake("name-typo", "!KUBE_EDITOR='sed -i -e \"s#first-app-k8s:1.0.0#first-app-k8s:latest#\"' "
                           "kubectl edit deployment/first-ap"), Mistake("status-first", STATUS)),
         # Back to 1.0.0, then forward to latest again: two more revisions than the text's, which 05.7 then trims.
         ways=(Way("set-image-back", SET_LATEST),
               Way("extra-undo", f"{SET_LATEST}\n!kubectl rollout undo deployment/first-app\n"
                   f"!kubectl rollout undo deployment/first-app\n{STATUS}"))),
    Step(id="05.4", exercise=True,
         hint=N_("`kubectl rollout history deployment/first-app` shows the cause the edit's revision got; annotate "
                 "the Deployment again, with why you made the edit."),
         solution=f"{annotate('kubectl edit: back to latest')}\n{HISTORY}",
         explanation=N_("The edit's revision reused latest's ReplicaSet, and the controller copied the Deployment's "
                        "cause (05.2's, written for 1.0.0) onto it. Annotating the Deployment again corrects the "
                        "current revision's cause; `--record` on the slides' `kubectl edit` did the same."),
         read=SEEN, judge=lambda r, a: judge_history.change_cause(seen(r)),
         # 05.2's cause again, which is what the edit's revision already claims.
         mistakes=(Mistake("wrong-answer", annotate("set image 1.0.0: Hola")),),
         ways=(Way("patch", patch_cause("kubectl edit: back to latest")),)),
    Step(id="05.5", exercise=True,
         hint=N_("`lab.demo.show_app()` prints the app's address and its page as it answers now; or open the address "
                 "in your browser. The page has a Version line."),
         solution='lab.demo.show_app()\nversion_on_page = "latest"',
         explanation=N_("The page shows the version its pod runs: after the edit, every pod behind the Service runs "
                        "latest."),
         read=reads(page=True, seen=False), judge=lambda r, a: judge_app.page_version(
             r.page, url=r.app.url if r.app else "", answer=a.get("version_on_page")),
         answers=("version_on_page",), mistakes=(Mistake("wrong-answer", 'version_on_page = "1.0.0"'),),
         # The tag the pods run, read off the Deployment: the version the page shows.
         ways=(Way("another-read", "out = !kubectl get deployment first-app -o "
                   "jsonpath='{.spec.template.spec.containers[0].image}'\n"
                   'version_on_page = out[0].rsplit(":", 1)[-1]'),)),
    Step(id="05.6", exercise=True,
         hint=N_("With a limit of 1 and a third template, two old ReplicaSets are one too many. The controller "
                 "sorts old ReplicaSets by something before it deletes: their age, or their revision number?"),
         solution="revision_removed = 2",
         explanation=N_("The controller keeps revisionHistoryLimit old ReplicaSets and deletes the others, lowest "
                        "revision number first: revision 2's (1.0.0). Revision 3's ReplicaSet is older (made for "
                        "latest as revision 1) but has the higher number, so it stays."),
         read=reads(seen=False, timelines=(LIMIT,), with_state=True),
         judge=lambda r, a: composed.predicted_trim(r, a.get("revision_removed")),
         answers=("revision_removed",),
         mistakes=(Mistake("wrong-answer", "revision_removed = 3"), CHECK_TWICE),
         ways=(Way("text-answer", 'revision_removed = "2"'),)),
    Step(id="05.7", exercise=True,
         hint=N_("Two changes, then the wait: `spec.revisionHistoryLimit` to 1 (`kubectl patch` with a little JSON, "
                 "or `kubectl edit`), then a new pod template (`kubectl set env` changes it as `set image` does), "
                 "then `kubectl rollout status`."),
         solution="!kubectl patch deployment first-app -p '{\"spec\": {\"revisionHistoryLimit\": 1}}'\n"
                  f"!kubectl set env deployment/first-app GREETING=third\n{STATUS}\nlab.demo.show_replicasets()",
         explanation=N_("revisionHistoryLimit bounds the old ReplicaSets kept; the controller trims them when it "
                        "next syncs the Deployment, and a new template makes one more old ReplicaSet."),
         read=reads(timelines=(LIMIT,)), judge=lambda r, a: composed.trimmed(r), wait=30,
         recordings=(Recording(LIMIT, N_("revisionHistoryLimit 1, then kubectl set env (a third template)")),),
         mistakes=(Mistake("limit-only", "!kubectl patch deployment first-app -p "
                           "'{\"spec\": {\"revisionHistoryLimit\": 1}}'"),),
         ways=(Way("edit", "!KUBE_EDITOR='sed -i -e \"s#revisionHistoryLimit: 10#revisionHistoryLimit: 1#\"' "
                   f"kubectl edit deployment/first-app\n!kubectl set env deployment/first-app GREETING=third\n"
                   f"{STATUS}"),)),
    Step(id="05.8", exercise=True,
         hint=N_("`kubectl delete deployment first-app`, then `kubectl delete service first-app`: one kind each."),
         solution="!kubectl delete deployment first-app\n!kubectl delete service first-app",
         explanation=N_("Deleting a Deployment deletes its ReplicaSets and their pods with it; the Service is a "
                        "separate object, deleted on its own."),
         read=reads(service=True), judge=lambda r, a: judge.deleted(seen(r), service_left=r.service_left,
                                                                    one_command=False),
         mistakes=(Mistake("one-kind", "!kubectl delete deployment first-app"),),
         ways=(Way("by-file", "!kubectl delete -f {lab.manifest}"),)),
    Step(id="05.9", exercise=True, hint=N_("`kubectl delete deployment,service first-app` (one command, two kinds)."),
         solution="!kubectl delete deployment,service first-app",
         explanation=N_("Deleting a Deployment deletes its ReplicaSets and their pods with it; the Service is a "
                        "separate object, named in the same command."),
         read=reads(service=True), judge=lambda r, a: judge.deleted(seen(r), service_left=r.service_left),
         mistakes=(Mistake("one-kind", "!kubectl delete deployment first-app"),
                   Mistake("name-typo", "!kubectl delete deployment,service first-ap")),
         ways=(Way("two-deletes", "!kubectl delete deployment first-app\n!kubectl delete service first-app"),)),
]  # fmt: skip

STEPS: dict[str, Step] = {s.id: s for s in _STEPS}
RECORDINGS: dict[str, Recording] = {r.name: r for s in _STEPS for r in s.recordings}


def expected(recording: str) -> Expected:
    """The path a recording of the labs must take; a recording of the student's own name expects none."""
    found = RECORDINGS.get(recording)
    return found.expected if found else Expected()


def steps_of(lab: str) -> list[Step]:
    return [s for s in _STEPS if s.lab == lab]


def ways_played(lab: str, lang: str | None) -> dict[str, Way]:
    """The other ways `validate` plays in a lab, by step: the lab's ways in table order, the English run taking
    every other one from the first and the French run the others, so that one validate of both languages plays
    them all. A lab with a single way plays it in both."""
    listed = [(s.id, w) for s in steps_of(lab) for w in s.ways]
    if len(listed) < 2:
        return dict(listed)
    return dict(listed[1 if lang == "fr" else 0 :: 2])
