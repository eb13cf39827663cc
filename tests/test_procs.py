"""Background processes are found again by pid file, and a pid reused by another program is not ours."""

import sys

from rolloutlab.procs import Daemon


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
