"""The runc wrapper for machines that lack capabilities: what it finds missing, and what it removes."""

import json
import os

from rolloutlab import process
from rolloutlab.sandbox import runcwrap


def test_missing_capabilities_read_from_the_bounding_set():
    """This VM's bounding set (bit 24 clear) lacks CAP_SYS_RESOURCE alone; a full set lacks nothing."""
    assert runcwrap.missing_capabilities("CapBnd:\t000001fffeffffff\n") == ["CAP_SYS_RESOURCE"]
    assert runcwrap.missing_capabilities("CapBnd:\t000001ffffffffff\n") == []


def test_no_wrapper_where_nothing_is_missing(tmp_path):
    """A machine with every capability gets no wrapper, so dockerd keeps its own runc."""
    assert runcwrap.install(folder=tmp_path, runc="/usr/sbin/runc", status="CapBnd:\t000001ffffffffff\n") is None
    assert list(tmp_path.iterdir()) == []


def test_wrapper_drops_missing_capabilities_then_runs_runc(tmp_path):
    """On `create --bundle B`, the wrapper removes the missing capabilities from B/config.json, keeps the others,
    and runs the real runc with the same arguments."""
    fake_runc = tmp_path / "runc"
    fake_runc.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/called\n')
    fake_runc.chmod(0o755)
    wrapper = runcwrap.install(folder=tmp_path / "w", runc=str(fake_runc), status="CapBnd:\t000001fffeffffff\n")
    assert wrapper is not None
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    caps = ["CAP_CHOWN", "CAP_SYS_RESOURCE", "CAP_SYS_ADMIN"]
    (bundle / "config.json").write_text(json.dumps({"process": {"capabilities": {"bounding": caps,
                                                                                  "effective": caps}}}))  # fmt: skip
    process.run([str(wrapper), "--root", "/x", "create", "--bundle", str(bundle), "c1"], timeout=30, check=True)
    config = json.loads((bundle / "config.json").read_text())
    assert config["process"]["capabilities"]["bounding"] == ["CAP_CHOWN", "CAP_SYS_ADMIN"]
    assert config["process"]["capabilities"]["effective"] == ["CAP_CHOWN", "CAP_SYS_ADMIN"]
    assert (tmp_path / "called").read_text().split() == ["--root", "/x", "create", "--bundle", str(bundle), "c1"]


def test_wrapper_trims_a_privileged_exec(tmp_path):
    """`docker exec --privileged` runs `runc exec --process P`: P's capabilities are trimmed the same way."""
    fake_runc = tmp_path / "runc"
    fake_runc.write_text("#!/bin/sh\ntrue\n")
    fake_runc.chmod(0o755)
    wrapper = runcwrap.install(folder=tmp_path / "w", runc=str(fake_runc), status="CapBnd:\t000001fffeffffff\n")
    assert wrapper is not None
    process_json = tmp_path / "process.json"
    process_json.write_text(json.dumps({"capabilities": {"bounding": ["CAP_SYS_RESOURCE", "CAP_KILL"]}}))
    process.run([str(wrapper), "exec", "--process", str(process_json), "--detach", "c1"], timeout=30, check=True)
    assert json.loads(process_json.read_text())["capabilities"]["bounding"] == ["CAP_KILL"]


def test_wrapper_runs_on_an_interpreter_that_outlives_a_clone(tmp_path):
    """The wrapper's #! names the real interpreter, not a .venv link: dockerd keeps the wrapper's path after a CI
    clone (and its .venv) is removed, and a missing interpreter failed every `docker run` with "no such file"."""
    wrapper = runcwrap.install(folder=tmp_path, runc="/usr/sbin/runc", status="CapBnd:\t000001fffeffffff\n")
    assert wrapper is not None
    shebang = wrapper.read_text().splitlines()[0].removeprefix("#!")
    assert ".venv" not in shebang
    assert os.path.realpath(shebang) == shebang
    assert [p.name for p in tmp_path.iterdir()] == ["runc-rolloutlab"]  # nothing staged is left beside it
