"""The one way rolloutlab waits for something a moment away (a process, a registry, a node, a rollout's pods):
poll it until it holds or a deadline passes, and let the caller say what a wait that ran out means."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def until(probe: Callable[[], T], *, seconds: float, every: float, done: Callable[[T], bool] = bool) -> T:
    """Call `probe` every `every` seconds until `done(value)` holds or `seconds` have passed, and return its last
    value either way. It runs at least once, and once more at the deadline, so a slow machine gets its full time."""
    deadline = time.monotonic() + seconds
    value = probe()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(max(0.0, min(every, deadline - time.monotonic())))
        value = probe()
    return value
