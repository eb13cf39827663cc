"""What a step of the labs is made of: its hint, solution and explanation, what its check reads and how it judges
it, the recordings it draws, the mistakes students make at it and the other ways they reach the same state. The
steps themselves are the table in `exercises.py`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rolloutlab.i18n import N_, _
from rolloutlab.lab.checks import Check
from rolloutlab.lab.reading import Read, Reading
from rolloutlab.recording.history import Expected
from rolloutlab.typography import sentence_start

Judging = Callable[[Reading, Mapping[str, Any]], Check]


@dataclass(frozen=True)
class Mistake:
    """A slip students make at a step, as notebook code. `validate` plays it before the step's solution: the check
    must say what is wrong after it, and pass once the solution is run. Kinds with no code (a check or a step run
    twice) are played by running the check cell, or the solution, once more."""

    kind: str  # a kind of MISTAKES
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
    "limit-only": N_("`revisionHistoryLimit` lowered, with no new pod template yet"),
    "check-twice": N_("the check run twice"),
    "step-twice": N_("the step run twice"),
}
CHECK_TWICE = Mistake("check-twice")
STEP_TWICE = Mistake("step-twice")


@dataclass(frozen=True)
class Way:
    """Another way to the state the step's solution reaches, as notebook code. `validate` plays it in place of the
    solution: the step's check and every later check of the lab must pass after it."""

    kind: str  # a kind of WAYS
    code: str


# The kinds, as the report names them.
WAYS: dict[str, str] = {
    "solve": N_("`lab.solve` instead of the command, then on with the lab"),
    "own-words": N_("a line of the student's own, with quotes, an apostrophe and accents"),
    "create": N_("`kubectl create -f` instead of `kubectl apply -f`"),
    "another-read": N_("the answer read with another kubectl command"),
    "patch": N_("`kubectl patch` instead of the text's command"),
    "edit": N_("`kubectl edit` instead of `kubectl set image`"),
    "scale-up-down": N_("`kubectl scale` to another number first, then to the right one"),
    "text-answer": N_("numbers written as text"),
    "other-answer": N_("the other answer the lesson accepts"),
    "extra-undo": N_("one `rollout undo` too many, then one more to fix it"),
    "set-image-back": N_("`kubectl set image` back to the earlier tag instead of an undo or an edit"),
    "two-deletes": N_("two `kubectl delete`, one for each kind"),
    "by-file": N_("`kubectl delete -f` the manifest instead of naming each object"),
}


@dataclass(frozen=True)
class Recording:
    """A recording a step draws, by the name the notebook gives it, and what its path must look like."""

    name: str
    title: str = ""  # its figure's title (translated when shown); "" for none
    expected: Expected = field(default_factory=Expected)


@dataclass(frozen=True, kw_only=True)
class Step:
    id: str  # "02.3": lab 02, step 3
    exercise: bool  # the stored cell is empty or a template the student fills in; else it holds the solution
    hint: str
    solution: str
    read: Read
    judge: Judging
    explanation: str = ""  # what `lab.solution(step)` says after the code: why it is the answer
    # For set-up checks that no step of the student's can break: the environment in which the check must fail.
    broken_env: Mapping[str, str] = field(default_factory=dict)
    wait: float = 0.0  # seconds the check keeps looking for what the cluster does a moment later
    # The names the student's answer cell defines, which the check reads from the notebook: `container = "..."`.
    answers: tuple[str, ...] = ()
    recordings: tuple[Recording, ...] = ()
    mistakes: tuple[Mistake, ...] = (CHECK_TWICE,)
    ways: tuple[Way, ...] = ()

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
        said += " " + sentence_start(result.message) if said.endswith(".") else _("; ") + result.message
    return Check(done[0].name, True, said)
