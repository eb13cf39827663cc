"""Host commands of the sandbox's nodes (ip, iptables): a failure is one line that quotes the command."""

import pytest

from rolloutlab import i18n
from rolloutlab.errors import LabError
from rolloutlab.sandbox import hostnet


def test_a_failed_host_command_quotes_itself_and_its_answer():
    """A command that fails raises a LabError with the command and its last line, and a fix."""
    with pytest.raises(LabError) as caught:
        hostnet.run(["ip", "link", "show", "rl-no-such-link"])
    assert "`ip link show rl-no-such-link` failed:" in str(caught.value)
    assert "rl-no-such-link" in str(caught.value).split("failed:", 1)[1]
    assert caught.value.fix


def test_a_missing_host_command_speaks_french_without_english_inside():
    """With French chosen, a missing command is a French line with no English fragment in it."""
    with i18n.speaking("fr"), pytest.raises(LabError) as caught:
        hostnet.run(["rl-no-such-command", "x"])
    assert str(caught.value).startswith("rl-no-such-command n'est pas installé\u202f; les nœuds du bac à sable")
    assert "run ./scripts/setup" not in caught.value.fix


def test_a_failed_host_command_is_returned_when_not_checked():
    """With check=False a failure is the caller's to judge: its return code comes back, nothing is raised."""
    assert hostnet.run(["ip", "link", "show", "rl-no-such-link"], check=False).returncode != 0
