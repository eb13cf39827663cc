"""Judging the Deployment's history, in pure functions: the revisions as the text numbers them and as the student's
path numbered them, the tag a revision runs, an undo's landing, a change-cause, a trimmed history."""

from __future__ import annotations

from typing import Any

from rolloutlab.i18n import _
from rolloutlab.lab import checks
from rolloutlab.lab.checks import Check
from rolloutlab.lab.judge import CHANGE_CAUSE, placement, revisions, rolled_out, template_image
from rolloutlab.lab.observe import Seen
from rolloutlab.recording.timeline import image_tag
from rolloutlab.typography import sentence_start


def history(seen: Seen, *, runs: dict[int, str]) -> Check:
    """`kubectl rollout history` as the text shows it (`runs`: revision -> tag). A history that went another way
    (an extra undo, a change made and fixed on the way) is the student's own path, not a failure: the check passes
    and says what their `rollout history` lists instead, so that the text that follows still makes sense."""
    wrong = placement(seen, what=_("history"))
    if wrong:
        return wrong
    found = {number: image_tag(template_image(rs)) for number, rs in revisions(seen).items()}
    told = ", ".join(_("{number} ({tag})", number=n, tag=t) for n, t in runs.items())
    if found == runs:
        return Check(_("history"), True, _("revisions {listed}", listed=told))
    listed = ", ".join(_("{number} ({tag})", number=n, tag=t) for n, t in found.items())
    return Check(_("history"), True, _("your history lists revisions {listed} where the text shows {told}: you "
                                       "took another path to the same place. `kubectl rollout history` and the "
                                       "revision numbers in the next cells are yours, not the text's.",
                                       listed=listed, told=told))  # fmt: skip


def undone_to(seen: Seen, *, tag: str, runs: dict[int, str] | None) -> Check:
    """An undo that ended on `tag` with the history `runs` (None: the caller judges the history); a wrong
    `--to-revision` is named."""
    wrong = placement(seen, what=_("undo"))
    if wrong:
        return wrong
    assert seen.deployment is not None
    now = image_tag(template_image(seen.deployment))
    if now != tag:
        found = revisions(seen)
        latest = list(found)[-1] if found else None
        return Check(_("undo"), False, _("the Deployment runs {now} (revision {latest}), not {tag}: an undo to the "
                                         "wrong revision, one `rollout undo` too many (each one goes back from the "
                                         "current revision: a second one returns to where the first started), or "
                                         "none yet? `kubectl rollout history deployment/first-app --revision=N` shows "
                                         "each revision's image.", now=now, latest=latest, tag=tag))  # fmt: skip
    done = rolled_out(seen, tag=tag)
    return done if not done.ok or runs is None else history(seen, runs=runs)


def revision_answer(seen: Seen, *, revision: int, answer: str | None, runs: dict[int, str] | None = None) -> Check:
    """The tag the student read for the text's revision `revision`. `runs` is the text's history at this point: on a
    path that renumbered revisions (an extra undo and its fix), the question means the student's revision that runs
    the text's revision's tag, and the check says which number that is on their cluster."""
    what = _("revision")
    found = revisions(seen)
    theirs, note = revision, ""
    text_tag = (runs or {}).get(revision)
    if text_tag and (revision not in found or image_tag(template_image(found[revision])) != text_tag):
        same = [n for n, rs in found.items() if image_tag(template_image(rs)) == text_tag]
        if same:
            theirs = same[-1]
            note = _("the text's revision {revision} is revision {theirs} on your cluster (your history has {found}): ",
                     revision=revision, theirs=theirs, found=list(found))  # fmt: skip
    if theirs not in found:
        return Check(what, False, _("there is no revision {revision} (the history has {found}).", revision=revision,
                                    found=list(found)))  # fmt: skip
    tag = image_tag(template_image(found[theirs]))
    if not answer:
        return Check(what, False, note + _("you have not written revision {revision}'s tag yet: `kubectl rollout "
                                           "history deployment/first-app --revision={revision}`.",
                                           revision=theirs))  # fmt: skip
    if answer.strip() != tag and image_tag(answer.strip()) == tag and ":" in answer:
        return Check(what, True, note + _("revision {revision} runs {tag} (the tag is what follows the image's last "
                                          "`:`)", revision=theirs, tag=tag))  # fmt: skip
    if answer.strip() != tag:
        return Check(what, False, note + _("revision {revision} does not run {answer!r}: read the Image line of "
                                           "`kubectl rollout history deployment/first-app --revision={revision}`.",
                                           revision=theirs, answer=answer.strip()))  # fmt: skip
    return Check(what, True, note + _("revision {revision} runs {tag}", revision=theirs, tag=tag))


def swapped(seen: Seen, *, runs: dict[int, str]) -> Check:
    """Two undos in a row swap the last two revisions: each undo gives the previous revision the next number, so the
    text's last two (1.0.0, latest) come back as the two newest, with the number between them and the older ones
    gone. Judged on the student's own numbers: an extra undo earlier shifts them all, and the text's `runs` are
    then only what it shows."""
    wrong = placement(seen, what=_("history"))
    if wrong:
        return wrong
    found = {number: image_tag(template_image(rs)) for number, rs in revisions(seen).items()}
    told = ", ".join(_("{number} ({tag})", number=n, tag=t) for n, t in runs.items())
    listed = ", ".join(_("{number} ({tag})", number=n, tag=t) for n, t in found.items())
    if found == runs:
        return Check(_("history"), True, _("revisions {listed}", listed=told))
    numbers, wanted = sorted(found), [runs[n] for n in sorted(runs)[-2:]]
    if (len(numbers) >= 2 and [found[n] for n in numbers[-2:]] == wanted and numbers[-1] == numbers[-2] + 1
            and (len(numbers) == 2 or numbers[-3] < numbers[-2] - 1)):  # fmt: skip
        return Check(_("history"), True, _("your history lists revisions {listed} where the text shows {told}: the "
                                           "two undos swapped your last two revisions, as in the text.",
                                           listed=listed, told=told))  # fmt: skip
    return Check(_("history"), False, _("your history lists revisions {listed}. After the two undos, the text's "
                                        "lists {told}: your last two revisions swapped, whatever your numbers. Run "
                                        "the two undos, each followed by `rollout status`.", listed=listed,
                                        told=told))  # fmt: skip


def change_cause(seen: Seen) -> Check:
    """The current revision carries a cause written for it, not one copied from the revision before."""
    wrong = placement(seen, what="change-cause")
    if wrong:
        return wrong
    found = revisions(seen)
    if not found:
        return Check("change-cause", False, _("first-app has no revision yet: deploy it first."))
    causes = {n: ((rs.get("metadata") or {}).get("annotations") or {}).get(CHANGE_CAUSE) for n, rs in found.items()}
    current = max(found)
    cause = causes.pop(current)
    if not cause:
        return Check("change-cause", False, _("the current revision ({current}) has no CHANGE-CAUSE: `kubectl "
                                              "annotate deployment/first-app {annotation}=\"...\"`.", current=current,
                                              annotation=CHANGE_CAUSE))  # fmt: skip
    copied = [n for n, c in causes.items() if c == cause]
    if copied:
        return Check("change-cause", False, _("revision {current} carries revision {earlier}'s cause {cause!r}: the "
                                              "annotation stays on the Deployment and is copied to each new revision "
                                              "until you change it. Annotate again, with why this change was made "
                                              "(kubectl replaces this annotation, no `--overwrite` needed).",
                                              current=current, earlier=copied[0],
                                              cause=cause))  # fmt: skip
    return Check("change-cause", True, _("revision {current}: {cause!r}", current=current, cause=cause))


def trimmed(seen: Seen, *, kept: list[int], gone: int, deleted: list[int] | None = None) -> Check:
    """revisionHistoryLimit deleted revision `gone`'s ReplicaSet; only `kept` remain. `deleted` are the revisions
    whose ReplicaSets the step's recording saw go (None: not recorded): a limit lowered with no new template yet
    deletes none, though the history may already look trimmed."""
    what = _("history limit")
    wrong = placement(seen, what=what)
    if wrong:
        return wrong
    found = list(revisions(seen))
    if deleted == []:
        return Check(what, False, _("no ReplicaSet was deleted yet (revisions {found}): with the limit at 1, make a "
                                    "new pod template, `kubectl set env deployment/first-app GREETING=third`, then "
                                    "`kubectl rollout status`.", found=found))  # fmt: skip
    if found == kept:
        return Check(what, True, _("revision {gone}'s ReplicaSet was deleted; kept: {found}", gone=gone,
                                   found=found))  # fmt: skip
    # A path with more revisions than the text's (a change made and undone on the way) keeps other numbers: the
    # limit is what is judged, the current revision and one before it.
    limit = (seen.deployment or {}).get("spec", {}).get("revisionHistoryLimit")
    if limit == len(kept) - 1 and len(found) == len(kept):
        return Check(what, True, _("revisionHistoryLimit {limit} keeps {found} where the text keeps {kept}: your "
                                   "own path, the same history limit", limit=limit, found=found,
                                   kept=kept))  # fmt: skip
    if gone in found or len(found) > len(kept):
        return Check(what, False, _("revision {gone}'s ReplicaSet is still there (revisions {found}): set "
                                    "revisionHistoryLimit to 1, then make a third pod template.",
                                    gone=gone if gone in found else found[0], found=found))  # fmt: skip
    return Check(what, False, _("the history lists {found}, expected {kept}.", found=found, kept=kept))


def revision_of(seen: Seen, *, tag: str, answer: Any, text_revision: int) -> Check:
    """The revision number the student read off `kubectl rollout history` for the one that runs `tag`: theirs, or
    the text's where their path renumbered the history (the check then says which number it is on their cluster)."""
    what = _("revision")
    found = revisions(seen)
    running = [n for n, rs in found.items() if image_tag(template_image(rs)) == tag]
    if not running:
        return Check(what, False, _("no revision runs {tag} yet: run the step before this one first.", tag=tag))
    theirs = running[-1]
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return Check(what, False, _("you have not written the revision's number yet: `kubectl rollout history "
                                    "deployment/first-app` lists them."))  # fmt: skip
    number = checks.whole(answer)
    if number is None:
        return Check(what, False, _("write the revision as a whole number, as in `fix_revision = 2`: you wrote "
                                    "{answer!r}.", answer=answer))  # fmt: skip
    current = max(found)
    if number == theirs and theirs != current:  # a rollout after the fix (an extra undo) made a newer revision
        return Check(what, True, _("revision {revision} runs {tag}; it is no longer the current one: revision "
                                   "{current}, the last listed, runs {now} (a rollout after the fix, an undo?)",
                                   revision=theirs, tag=tag, current=current,
                                   now=image_tag(template_image(found[current]))))  # fmt: skip
    if number == theirs:
        return Check(what, True, _("revision {revision} runs {tag}: the last revision listed is the current one",
                                   revision=theirs, tag=tag))  # fmt: skip
    if number == text_revision:
        return Check(what, True, _("the text's revision {text} is revision {revision} on your cluster (your history "
                                   "has {found}): it runs {tag}", text=text_revision, revision=theirs,
                                   found=list(found), tag=tag))  # fmt: skip
    return Check(what, False, _("revision {number} does not run {tag}: your history lists {found}, oldest first. "
                                "`kubectl rollout history deployment/first-app --revision=N` shows what N runs.",
                                number=number, tag=tag, found=list(found)))  # fmt: skip


def second_try(first: Any, graded: Check) -> Check:
    """A prediction changed after it was taken: the first answer stays on record, the new one is graded as a
    second try, and the student is told so."""
    return Check(_("prediction"), graded.ok, _("your first prediction, {first}, was taken before anything could "
                                               "show the answer, and it stays on record; your changed answer is "
                                               "graded as a second try. {graded}", first=first,
                                               graded=sentence_start(graded.message)))  # fmt: skip


def predicted_history(seen: Seen, *, undone: bool, answer: Any, first: Any, text: list[int]) -> Check:
    """The student's prediction of the revisions `kubectl rollout history` lists after one undo (`text`: 1, 3, 4
    from lab 04's start). `first` is the prediction as it was when the undo's recording started: a changed answer
    is graded as a second try, and the student is told so. On a path that went on (an extra undo), the history the
    cluster lists now passes too, and the line says which the text means."""
    what = _("prediction")
    if first is not None and checks.numbers(first) != checks.numbers(answer):
        return second_try(first, predicted_history(seen, undone=undone, answer=answer, first=None, text=text))
    if answer is None:
        return Check(what, False, _("write your prediction first: `revisions_after_undo = [...]`, the revision "
                                    "numbers `kubectl rollout history` will list after the undo."))  # fmt: skip
    if not undone:
        return Check(what, False, _("no undo seen yet: run the recorded `rollout undo` step (04.1) first, then this "
                                    "check."))  # fmt: skip
    got = checks.numbers(answer)
    if got is None:
        return Check(what, False, _("write the revision numbers as a list of whole numbers, as in `[1, 2]`: you wrote "
                                    "{answer}.", answer=answer))  # fmt: skip
    listed = list(revisions(seen))
    if got in (text, listed):
        said = _("right: after the undo, `rollout history` lists {text}", text=text)
        if listed != text:
            said += _(" (yours lists {listed} now: you went on from there)", listed=listed)
        return Check(what, True, said)
    return Check(what, False, _("you predicted {got}; after one undo `rollout history` lists {text}. The undo did not "
                                "make a new ReplicaSet: it reused revision 2's, which took the next number, 4, so 2 "
                                "is no longer listed. Your cluster lists {listed} now.", got=got, text=text,
                                listed=listed))  # fmt: skip


def predicted_trim(*, deleted: list[int] | None, answer: Any, first: Any, text: int) -> Check:
    """The student's prediction of the revision whose ReplicaSet goes when revisionHistoryLimit is lowered to 1
    and a third template is made (`text`: 2 on the text's path). `deleted` are the revisions whose ReplicaSets the
    recording of that step saw deleted (None: not recorded), the cluster's own answer on any path."""
    if first is not None and checks.whole(first) != checks.whole(answer):
        return second_try(first, predicted_trim(deleted=deleted, answer=answer, first=None, text=text))
    what = _("prediction")
    if answer is None:
        return Check(what, False, _("write your prediction first: `revision_removed = N`, the revision whose "
                                    "ReplicaSet the limit will delete."))  # fmt: skip
    if not deleted:
        return Check(what, False, _("no ReplicaSet was deleted while the step was recorded: lower the limit and make "
                                    "a third pod template (step 05.7) first, then this check."))  # fmt: skip
    got = checks.whole(answer)
    if got is None:
        return Check(what, False, _("write the revision as a whole number, as in `revision_removed = 1`: you wrote "
                                    "{answer!r}.", answer=answer))  # fmt: skip
    if got in deleted or got == text:
        said = _(
            "right: the controller deleted revision {revision}'s ReplicaSet, the old one with the lowest number",
            revision=text if got == text else got,
        )
        if deleted != [text]:
            said += _(" (on your cluster, revision {deleted}: your path numbered it otherwise)",
                      deleted=", ".join(map(str, deleted)))  # fmt: skip
        return Check(what, True, said)
    return Check(what, False, _("you predicted {got}; the controller deleted revision {deleted}'s ReplicaSet. A limit "
                                "of 1 keeps one old ReplicaSet and deletes the others, lowest revision number first: "
                                "not the oldest object (revision 3's ReplicaSet, made first for latest, is kept).",
                                got=got, deleted=", ".join(map(str, deleted))))  # fmt: skip
