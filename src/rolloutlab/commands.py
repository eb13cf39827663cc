"""What each `rolloutlab` command does, thin over the package; cli.py parses the line and calls one of these."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rolloutlab import environment, i18n
from rolloutlab.course import jupyter  # light: its heavy imports wait for the functions that need them
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.paths import Paths, repository
from rolloutlab.settings import LabSettings

if TYPE_CHECKING:
    from rolloutlab.sandbox.lifecycle import Sandbox

# Each command imports what it needs when it runs: `rolloutlab sandbox env` must not pay for nbformat, jsonschema
# and the kubernetes client (seconds of imports), and `./scripts/lab` calls the command five times.


def _sandbox() -> Sandbox:
    from rolloutlab.sandbox.lifecycle import Sandbox

    return Sandbox(paths=Paths.from_env(), settings=LabSettings.from_env())


def cmd_sandbox_up(args: argparse.Namespace) -> int:
    _sandbox().up(build=not args.no_build)
    return 0


def cmd_sandbox_down(args: argparse.Namespace) -> int:
    stopped = _sandbox().down(delete=args.delete)
    print(_("stopped: {what}", what=", ".join(stopped) if stopped else _("nothing was running")))
    return 0


def cmd_sandbox_status(args: argparse.Namespace) -> int:
    sandbox = _sandbox()
    status = sandbox.status()
    print("\n".join(sandbox.report(status)))
    return 0 if status.up else 1


def cmd_sandbox_env(args: argparse.Namespace) -> int:
    print("\n".join(_sandbox().env_lines()))
    return 0


def cmd_sandbox_build(args: argparse.Namespace) -> int:
    sandbox = _sandbox()
    sandbox.build()
    print(_("binaries ready in {folder}", folder=sandbox.paths.bin))
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    # `--lang fr` speaks French here too, where LAB_LANG does not say otherwise.
    i18n.use_lab_language(args.lang)
    built = None
    if not (environment.is_set(environment.LAB_CONTEXT) or environment.is_set(environment.LAB_KUBECONFIG)):
        with contextlib.suppress(LabError):
            built = Path(_sandbox().binaries(build=False).kubectl)
    kubectl_path = jupyter.which_kubectl(built=built)
    log = repository().build / "jupyter-lab.log"
    return jupyter.launch(env=os.environ, kubectl_path=kubectl_path, port=args.port, open_browser=not args.no_browser,
                          log=log, lang=args.lang or i18n.language())  # fmt: skip


def cmd_validate(args: argparse.Namespace) -> int:
    from rolloutlab.course import validate

    languages = i18n.LANGUAGES if args.lang == "all" else (args.lang,)
    labs = validate.find_lab_sets(languages=languages, chosen=args.labs.split(",") if args.labs else None)
    env = {}
    if args.context:
        env["LAB_CONTEXT"] = args.context
    if args.kubeconfig:
        env["LAB_KUBECONFIG"] = str(Path(args.kubeconfig).resolve())
    out = Path(args.out)
    if args.students:
        seats = validate.seats_of(Path(args.students), labs=labs)
        results = validate.validate(labs=[], out_dir=out, env=env, jobs=args.jobs, seats=seats, prove=args.prove,
                                    restart_kernels=args.restart_kernels)  # fmt: skip
    else:
        results = validate.validate(labs=labs, out_dir=out, env=env, jobs=args.jobs, namespace=args.namespace,
                                    prove=args.prove, restart_kernels=args.restart_kernels)  # fmt: skip
    for result in results:
        where = "" if result.ok else _(" at cell {cell}: {error}", cell=result.failed_cell, error=result.error)
        print(_("{result} {lab} ({seconds:.0f} s){where}", result=_("PASS") if result.ok else _("FAIL"),
                lab=result.lab, seconds=result.seconds, where=where))  # fmt: skip
    print(_("report: {html} and {json}", html=out / "report.html", json=out / "report.json"))
    return 0 if all(r.ok for r in results) else 1


def cmd_bench_sandbox(args: argparse.Namespace) -> int:
    from rolloutlab.course import bench

    result = bench.run(sandbox=_sandbox(), out=Path(args.out), runs=args.runs)
    print(json.dumps(result, indent=2))
    return 0


def cmd_images_base(args: argparse.Namespace) -> int:
    from rolloutlab.images import baseimage
    from rolloutlab.sandbox.gobuild import say_to_stderr

    print(baseimage.pick_base(say=say_to_stderr))
    return 0


def cmd_record_samples(args: argparse.Namespace) -> int:
    from rolloutlab.course import scenarios

    box = _sandbox()
    status = box.status()
    if not status.up:
        raise LabError(
            _("the sandbox is not up ({describe})", describe=box.describe(status)), fix=_("run `rolloutlab sandbox up`")
        )
    bins = box.binaries(build=False)
    timelines = scenarios.run_all(
        kubeconfig=str(status.kubeconfig), registry=box.registry.address, kubectl=bins.kubectl, program=bins.nodes.pause
    )
    for path in scenarios.save_all(timelines, out_dir=Path(args.out)):
        print(path)
    return 0


def cmd_bench_recorder(args: argparse.Namespace) -> int:
    from rolloutlab.course import bench

    result = bench.recorder_lag_and_cost(_sandbox(), out=Path(args.out), changes=args.changes, replicas=args.replicas)
    print(json.dumps(result, indent=2))
    return 0


def cmd_bench_view(args: argparse.Namespace) -> int:
    from rolloutlab.course import benchview

    result = benchview.view_cost(_sandbox(), out=Path(args.out), replicas=args.replicas, rounds=args.rounds)
    print(json.dumps(result, indent=2))
    return 0


def cmd_bench_labs(args: argparse.Namespace) -> int:
    from rolloutlab.course import bench

    result = bench.validate_wall_times(out=Path(args.out), env={}, parallel_jobs=args.jobs)
    print(json.dumps(result, indent=2))
    return 0


def cmd_bench_soak(args: argparse.Namespace) -> int:
    from rolloutlab.course import soak

    extra = args.validate_args[1:] if args.validate_args[:1] == ["--"] else args.validate_args
    report = soak.soak(runs=args.runs, hogs=args.hogs, out=Path(args.out), validate_args=extra)
    print(json.dumps({k: v for k, v in report.items() if k != "rounds"}, indent=2))
    return 0 if soak.passed(report) else 1


def cmd_bench_lab_start(args: argparse.Namespace) -> int:
    from rolloutlab.course import bench

    result = bench.lab_start(out=Path(args.out), runs=args.runs, sandbox=_sandbox())
    print(json.dumps(result, indent=2))
    return 0


def cmd_bench_class(args: argparse.Namespace) -> int:
    from rolloutlab.course import benchclass

    places = tuple(None if p == "none" else p for p in args.places.split(","))
    result = benchclass.class_refresh(out=Path(args.out), students=args.students, refreshes=args.refreshes,
                                      places=places)  # fmt: skip
    print(json.dumps(result, indent=2))
    return 0


def cmd_class_create(args: argparse.Namespace) -> int:
    from rolloutlab.course import classroom

    names = classroom.student_names(students=args.students, names_file=Path(args.names) if args.names else None)
    room = classroom.Classroom(context=args.context, kubeconfig=args.kubeconfig)
    for student in room.create(names=names, out=Path(args.out)):
        print(_("{name}: namespace {namespace}, kubeconfig {kubeconfig}", name=student.name,
                namespace=student.namespace, kubeconfig=student.kubeconfig))  # fmt: skip
    return 0


def cmd_class_delete(args: argparse.Namespace) -> int:
    from rolloutlab.course import classroom

    room = classroom.Classroom(context=args.context, kubeconfig=args.kubeconfig)
    deleted = room.delete(out=Path(args.out))
    print(_("deleted: {what}", what=", ".join(deleted) if deleted else _("nothing (already gone)")))
    return 0


def cmd_class_status(args: argparse.Namespace) -> int:
    from rolloutlab.course import classread, classroom, classview

    record = classroom.ClassRecord.load(Path(args.out))
    settings = LabSettings.from_env()

    def read() -> classread.ClassReading:
        return classread.read_class(record, context=args.context, kubeconfig=args.kubeconfig, settings=settings)

    stuck = args.stuck_minutes
    if args.json:
        print(classview.as_json(read(), stuck_minutes=stuck))
    elif args.serve:
        classview.serve(read, port=args.port, ready=lambda url: print(_("the class, live: {url}", url=url),
                                                                      flush=True), stuck_minutes=stuck)  # fmt: skip
    else:
        classview.show(read, stream=sys.stdout, watch=args.every if args.watch else None, stuck_minutes=stuck)
    return 0


def cmd_class_export(args: argparse.Namespace) -> int:
    from rolloutlab.course import classexport, classread, classroom

    if not args.csv and not args.feedback:
        raise LabError(_("nothing to export"), fix=_("pass --csv FILE, --feedback DIR, or both"))
    record = classroom.ClassRecord.load(Path(args.out))
    reading = classread.read_class(record, context=args.context, kubeconfig=args.kubeconfig,
                                   settings=LabSettings.from_env())  # fmt: skip
    now = time.time()
    if args.csv:
        Path(args.csv).write_text(classexport.csv_text(reading, now=now, stuck_minutes=args.stuck_minutes))
        print(_("grades of {count} students: {path}", count=len(reading.found), path=args.csv))
    if args.feedback:
        pages = classexport.write_feedback(reading, Path(args.feedback), now=now, stuck_minutes=args.stuck_minutes)
        print(_("{count} feedback pages in {folder}", count=len(pages), folder=args.feedback))
    return 0


def cmd_cluster(args: argparse.Namespace) -> int:
    if args.kind == "kind":
        return _kind_cluster(args)
    from rolloutlab.course import clusters

    plan = clusters.minikube_plan(profile=args.name)
    if args.dry_run:
        print(plan.show())
        return 0
    if shutil.which("minikube") is None:
        raise LabError(
            _("minikube is not installed; the minikube cluster cannot be made here"),
            fix=_("install minikube (docs/clusters.md), or read the plan: `rolloutlab cluster minikube --dry-run`"),
        )
    plan.run(workdir=Path(args.workdir))
    return 0


def _kind_cluster(args: argparse.Namespace) -> int:
    from rolloutlab.kind import cluster, setup
    from rolloutlab.sandbox.gobuild import say_to_stderr

    settings = cluster.KindSettings(name=args.name, registry_port=args.registry_port)
    if args.dry_run:
        print("\n".join(cluster.steps_shown(settings)))
        return 0
    if args.delete:
        setup.delete(settings=settings, say=say_to_stderr)
        return 0
    times = setup.setup(settings=settings, workdir=Path(args.workdir), say=say_to_stderr)
    if args.times:
        Path(args.times).parent.mkdir(parents=True, exist_ok=True)
        Path(args.times).write_text(json.dumps({k: round(v, 1) for k, v in times.items()}, indent=2) + "\n")
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    from rolloutlab.course import site

    out = site.build(labs_dir=Path(args.labs), out=Path(args.out), work=Path(args.out).parent / "site-src")
    print(_("site: {page}", page=out / "index.html"))
    if args.serve:
        site.serve(out, port=args.port)
    return 0


def cmd_environment(args: argparse.Namespace) -> int:
    if not args.write_docs:
        print(environment.page(args.lang or i18n.language()), end="")
        return 0
    for lang in i18n.LANGUAGES:
        page = repository().docs_in(lang) / environment.PAGE
        page.write_text(environment.page(lang))
        print(page)
    return 0
