"""The one wait: poll until something holds or the deadline passes, and hand back what was last seen."""

import time

from rolloutlab import waiting


def test_until_returns_as_soon_as_the_probe_holds():
    """A probe that holds on its third call is called three times, and its value is returned."""
    calls = []

    def probe() -> int:
        calls.append(1)
        return len(calls) if len(calls) >= 3 else 0

    assert waiting.until(probe, seconds=10, every=0.01) == 3
    assert len(calls) == 3


def test_until_gives_up_at_the_deadline_with_the_last_value():
    """A probe that never holds: the wait ends near its deadline, and the caller gets the last value to judge."""
    started = time.monotonic()
    last = waiting.until(lambda: "not yet", seconds=0.3, every=0.05, done=lambda value: value == "ready")
    assert last == "not yet"
    assert 0.3 <= time.monotonic() - started < 2
