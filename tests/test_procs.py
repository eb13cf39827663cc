"""Background processes are found again by pid file, and a pid reused by another program is not ours."""

import sys

from rolloutlab import process
from rolloutlab.sandbox.procs import Daemon


def test_daemon_start_find_stop(tmp_path):
    """A started daemon is found by its pid file, stops on request, and is then gone."""
    daemon = Daemon(name="sleeper", run_dir=tmp_path, log_dir=tmp_path)
    pid = daemon.start(argv=[sys.executable, "-c", "import time; time.sleep(60)"])
    assert daemon.pid() == pid
    assert daemon.stop(grace=5)
    assert daemon.pid() is None
    assert not daemon.stop()


def test_reused_pid_is_not_taken_for_ours(tmp_path):
    """A pid file pointing at a live process running another program does not count as running."""
    daemon = Daemon(name="registry", run_dir=tmp_path, log_dir=tmp_path)
    daemon.pid_file.write_text(f"{__import__('os').getpid()} /usr/bin/docker-registry\n")
    assert daemon.pid() is None


def test_early_exit_is_detected(tmp_path):
    """A daemon that dies as it starts is reported, and its log tail says why."""
    daemon = Daemon(name="crasher", run_dir=tmp_path, log_dir=tmp_path)
    daemon.start(argv=[sys.executable, "-c", "import sys; print('bad config'); sys.exit(3)"])
    assert daemon.exited_early(seconds=5)
    assert "bad config" in daemon.log_tail()


def test_a_restart_that_fails_shows_its_own_output_not_the_last_run(tmp_path):
    """The failure tail of a second start holds only what that start wrote, not the previous run's lines."""
    daemon = Daemon(name="proxy", run_dir=tmp_path, log_dir=tmp_path)
    daemon.log_file.write_text("Caches are synced (from the run before)\n")
    daemon.start(argv=[sys.executable, "-c", "import sys; sys.exit(1)"])
    assert daemon.exited_early(seconds=5)
    assert daemon.log_tail() == "it wrote nothing"


def test_a_program_that_cannot_be_run_is_reported_dead_with_the_shell_reason(tmp_path):
    """A missing program is seen dead at once, and the tail carries the shell's 'not found'."""
    daemon = Daemon(name="ghost", run_dir=tmp_path, log_dir=tmp_path)
    daemon.start(argv=[str(tmp_path / "no-such-program")])
    assert daemon.exited_early(seconds=5)
    assert "not found" in daemon.log_tail()


def test_start_waits_for_the_child_to_become_the_program(tmp_path):
    """A child still a shell before its exec is waited for, not taken for dead (kube-proxy's flaky restart)."""
    late = process.spawn(["/bin/sh", "-c", f"sleep 0.5; exec {sys.executable} -c 'import time; time.sleep(30)'"],
                         stdout=None, stderr=None)  # fmt: skip
    try:
        Daemon._wait_for_exec(late.pid, program=sys.executable)
        daemon = Daemon(name="late", run_dir=tmp_path, log_dir=tmp_path)
        daemon.pid_file.write_text(f"{late.pid} {sys.executable}\n")
        assert daemon.pid() == late.pid
    finally:
        late.kill()
        late.wait(timeout=10)
