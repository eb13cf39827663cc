"""The one kind of error a user can cause: it says what is wrong and what to do, in one line."""

from rolloutlab.typography import sentence_start


class LabError(Exception):
    """A failure the user can fix. `problem` says what is wrong, `fix` what to do about it."""

    def __init__(self, problem: str, *, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem.rstrip(".")
        self.fix = fix.rstrip(".")

    def __str__(self) -> str:
        # Two sentences: the fix starts with a capital, whatever case the caller wrote it in.
        return f"{self.problem}. {sentence_start(self.fix)}."


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP (`timeout`, a CI runner, a closed terminal), handled exactly as Ctrl-C is: every
    `except KeyboardInterrupt` and `finally` cleans up the same way."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
