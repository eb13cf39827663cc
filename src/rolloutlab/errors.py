"""The one kind of error a user can cause: it says what is wrong and what to do, in one line."""


class LabError(Exception):
    """A failure the user can fix. `problem` says what is wrong, `fix` what to do about it."""

    def __init__(self, problem: str, *, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem.rstrip(".")
        self.fix = fix.rstrip(".")

    def __str__(self) -> str:
        # Two sentences: the fix starts with a capital, whatever case the caller wrote it in.
        return f"{self.problem}. {self.fix[:1].upper()}{self.fix[1:]}."
