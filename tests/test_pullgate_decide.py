"""The pull gate's decision for a pod with several images."""

from rolloutlab.pullgate import decide
from rolloutlab.registry import PullAnswer, PullResult


def answers(table):
    return lambda image: table[image]


def test_all_found_means_found():
    """A pod pulls only when every one of its images is in its registry."""
    table = {"a": PullAnswer(PullResult.FOUND, "ok"), "b": PullAnswer(PullResult.FOUND, "ok")}
    assert decide(["a", "b"], check=answers(table)).result is PullResult.FOUND


def test_first_failure_wins():
    """One missing image fails the pod's pull, with that image's message."""
    table = {
        "a": PullAnswer(PullResult.FOUND, "ok"),
        "b": PullAnswer(PullResult.NOT_FOUND, "b: not found"),
        "c": PullAnswer(PullResult.UNREACHABLE, "c: cannot be reached"),
    }
    answer = decide(["a", "b", "c"], check=answers(table))
    assert (answer.result, answer.message) == (PullResult.NOT_FOUND, "b: not found")
