"""The `rolloutlab` command: a thin layer over the package. Every user-caused failure is one line and exit 2."""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import signal
import sys
from collections.abc import Iterator, Sequence
from typing import NoReturn

from rolloutlab import commands, i18n
from rolloutlab.course import jupyter  # light: its heavy imports wait for the functions that need them
from rolloutlab.errors import LabError, Stopped
from rolloutlab.i18n import N_, _


def _version() -> str:
    try:
        return importlib.metadata.version("rolloutlab")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed: run ./scripts/setup)"


# argparse's own words, as Python 3.11 writes them: argparse asks gettext's global catalogue, which has no French,
# so `_parsing` lends it ours. A word another Python version writes differently stays English.
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
)


class _Parser(argparse.ArgumentParser):
    """A mistyped command is one line, what is wrong and where the choices are, not a usage block."""

    def error(self, message: str) -> NoReturn:
        problem = LabError(message, fix=_("see `{prog} --help`", prog=self.prog))
        self.exit(2, _("{prog}: {error}", prog=self.prog, error=problem) + "\n")


@contextlib.contextmanager
def _parsing() -> Iterator[None]:
    # argparse fetches its words at build time (section titles) and at parse time (errors, help): both inside.
    own = argparse._  # type: ignore[attr-defined]
    argparse._ = _  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = own  # type: ignore[attr-defined]


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    with _parsing():
        return parser().parse_args(argv)


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="rolloutlab", description=_("Labs for 'Updating Deployments & Rollbacks'."))
    top.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    groups = top.add_subparsers(dest="group", metavar="COMMAND", required=True)

    sandbox = groups.add_parser(
        "sandbox", help=_("the local cluster: real control plane, three real nodes, a registry")
    )
    verbs = sandbox.add_subparsers(dest="verb", metavar="VERB", required=True)
    up = verbs.add_parser("up", help=_("start the sandbox (builds its binaries the first time)"))
    up.add_argument("--no-build", action="store_true", help=_("fail instead of building missing binaries"))
    up.set_defaults(func=commands.cmd_sandbox_up)
    down = verbs.add_parser("down", help=_("stop what `up` started; images stay in the registry"))
    down.add_argument("--delete", action="store_true", help=_("also delete the cluster's state (a fresh start)"))
    down.set_defaults(func=commands.cmd_sandbox_down)
    verbs.add_parser("status", help=_("what runs, where, which versions")).set_defaults(
        func=commands.cmd_sandbox_status
    )
    verbs.add_parser("env", help=_("shell export lines for KUBECONFIG and LAB_REGISTRY")).set_defaults(
        func=commands.cmd_sandbox_env
    )
    verbs.add_parser(
        "build", help=_("build the Kubernetes (control plane, kubelet, kube-proxy), etcd, kwok and pause binaries")
    ).set_defaults(func=commands.cmd_sandbox_build)

    course = groups.add_parser("lab", help=_("open the labs in JupyterLab (127.0.0.1, with a token)"))
    course.add_argument(
        "--port", type=int, help=_("port to serve on (default: {port}, or the next free one)", port=jupyter.FIRST_PORT)
    )
    course.add_argument(
        "--no-browser", action="store_true", help=_("print the URL only, for a machine without a screen")
    )
    course.add_argument(
        "--lang", choices=i18n.LANGUAGES, help=_("open the labs in this language (default: LAB_LANG, else the locale)")
    )
    course.set_defaults(func=commands.cmd_lab)

    check = groups.add_parser("validate", help=_("run the labs with nbclient and write a report"))
    check.add_argument("--labs", help=_("comma-separated lab numbers, for example 00,03 (default: all)"))
    check.add_argument("--lang", choices=[*i18n.LANGUAGES, "all"], default="all",
                       help=_("the labs of one language (labs/en, labs/fr), or all of them (default)"))  # fmt: skip
    target = check.add_mutually_exclusive_group()
    target.add_argument("--context", help=_("kube context to run against (default: the current one)"))
    target.add_argument("--kubeconfig", help=_("kubeconfig file to run with"))
    check.add_argument("--jobs", type=int, default=3, help=_("labs run at once, each in its own namespace"))
    seat = check.add_mutually_exclusive_group()
    seat.add_argument("--namespace", help=_("run in this namespace (a student's own), one lab at a time"))
    seat.add_argument("--as-students", dest="students", metavar="DIR",
                      help=_("run the labs as the students of the class in DIR (`class create --out`), dealt to "
                             "them in turn, each in their namespace with their kubeconfig"))  # fmt: skip
    check.add_argument("--out", required=True, help=_("folder for executed notebooks, report.json and report.html"))
    check.add_argument("--no-proofs", dest="prove", action="store_false",
                       help=_("run each lab straight through with its solutions, in about half the time: no check "
                              "is first run where it must fail, no student mistake is played"))  # fmt: skip
    check.add_argument("--restart-kernels", action="store_true",
                       help=_("restart each lab's kernel before each check that no recording runs through, and "
                              "after each drawn recording, then open the lab again as a student would"))  # fmt: skip
    check.set_defaults(func=commands.cmd_validate)

    images = groups.add_parser("images", help=_("images of the lesson's app"))
    image_verbs = images.add_subparsers(dest="verb", metavar="VERB", required=True)
    image_verbs.add_parser(
        "base", help=_("print the Python base image to build on; builds one from Debian packages if none can be pulled")
    ).set_defaults(func=commands.cmd_images_base)

    room = groups.add_parser("class", help=_("a namespace, rights and a kubeconfig per student on a shared cluster"))
    room_verbs = room.add_subparsers(dest="verb", metavar="VERB", required=True)
    create = room_verbs.add_parser("create", help=_("make the students' namespaces and kubeconfigs"))
    who = create.add_mutually_exclusive_group(required=True)
    who.add_argument("--students", type=int, help=_("how many students (student-01, student-02, ...)"))
    who.add_argument("--names", help=_("a file with one student name per line"))
    for verb in (create, room_verbs.add_parser("delete", help=_("remove only what `class create` made"))):
        verb.add_argument("--context", help=_("kube context of the class cluster (default: the current one)"))
        verb.add_argument("--kubeconfig", help=_("kubeconfig file of the class cluster"))
        verb.add_argument("--out", required=True, help=_("folder with DIR/<student>/kubeconfig and class.json"))
    status = room_verbs.add_parser("status", help=_("where each student is, read from their namespaces"))
    status.add_argument("--context", help=_("kube context of the class cluster (default: the current one)"))
    status.add_argument("--kubeconfig", help=_("kubeconfig file of the class cluster"))
    status.add_argument("--out", required=True, help=_("the folder `class create` wrote (its class.json)"))
    shown = status.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help=_("print JSON, for scripts"))
    shown.add_argument("--watch", action="store_true", help=_("redraw the table until Ctrl-C"))
    shown.add_argument("--serve", action="store_true", help=_("serve a live page on 127.0.0.1 until Ctrl-C"))
    status.add_argument("--every", type=float, default=5.0, help=_("seconds between two redraws of --watch"))
    status.add_argument("--port", type=int, default=8765, help=_("the port of --serve (0: any free one)"))
    export = room_verbs.add_parser("export", help=_("the class's grades as CSV, and a feedback page per student"))
    export.add_argument("--csv", help=_("write the grades to this CSV file (columns: instructor guide)"))
    export.add_argument("--feedback", help=_("write one page per student, in their language, into this folder"))
    export.add_argument("--context", help=_("kube context of the class cluster (default: the current one)"))
    export.add_argument("--kubeconfig", help=_("kubeconfig file of the class cluster"))
    export.add_argument("--out", required=True, help=_("the folder `class create` wrote (its class.json)"))
    for reader in (status, export):
        reader.add_argument("--stuck-minutes", type=float, default=10.0,
                            help=_("a student is stuck after this many minutes with no passing check while checks "
                                   "keep failing"))  # fmt: skip
    create.set_defaults(func=commands.cmd_class_create)
    room_verbs.choices["delete"].set_defaults(func=commands.cmd_class_delete)
    status.set_defaults(func=commands.cmd_class_status)
    export.set_defaults(func=commands.cmd_class_export)

    cluster = groups.add_parser("cluster", help=_("set up kind (local registry) or minikube (registry addon)"))
    cluster.add_argument("kind", choices=["kind", "minikube"])
    cluster.add_argument("--name", default="rollout-labs", help=_("cluster name / minikube profile"))
    cluster.add_argument("--dry-run", action="store_true", help=_("print the files and commands, run nothing"))
    cluster.add_argument("--workdir", default="build/cluster", help=_("where the generated files are written"))
    cluster.add_argument("--delete", action="store_true", help=_("kind: delete the cluster and its registry"))
    cluster.add_argument(
        "--registry-port", type=int, default=5001, help=_("kind: the registry's port on 127.0.0.1 (default 5001)")
    )
    cluster.add_argument("--times", help=_("kind: write how long each step took to this JSON file"))
    cluster.set_defaults(func=commands.cmd_cluster)

    site_cmd = groups.add_parser("site", help=_("build the course site from the last validate run (executes nothing)"))
    site_cmd.add_argument("--labs", default="build/labs", help=_("the --out folder of `rolloutlab validate`"))
    site_cmd.add_argument("--out", default="build/site")
    site_cmd.add_argument("--serve", action="store_true", help=_("then serve it on 127.0.0.1 until Ctrl-C"))
    site_cmd.add_argument("--port", type=int, default=8000, help=_("the port for --serve"))
    site_cmd.set_defaults(func=commands.cmd_site)

    variables = groups.add_parser("environment", help=_("the environment variables rolloutlab reads, as a page"))
    variables.add_argument(
        "--lang", choices=i18n.LANGUAGES, help=_("the page in this language (default: LAB_LANG, else the locale)")
    )
    variables.add_argument("--write-docs", action="store_true", help=_("write it in each language into docs/"))
    variables.set_defaults(func=commands.cmd_environment)

    samples = groups.add_parser("record-samples", help=_("record the lesson's update, failed rollout and rollback"))
    samples.add_argument("--out", required=True, help=_("folder for update.json, failed.json, rollback.json"))
    samples.set_defaults(func=commands.cmd_record_samples)

    bench_group = groups.add_parser("bench", help=_("benchmarks that write their figures to JSON"))
    bench_verbs = bench_group.add_subparsers(dest="verb", metavar="VERB", required=True)
    bench_sandbox = bench_verbs.add_parser("sandbox", help=_("cold build, warm up, set image to rolled out"))
    bench_sandbox.add_argument("--out", default="build/bench/sandbox.json")
    bench_sandbox.add_argument("--runs", type=int, default=3)
    bench_sandbox.set_defaults(func=commands.cmd_bench_sandbox)
    bench_recorder = bench_verbs.add_parser("recorder", help=_("recorder lag, and its cost on a large rollout"))
    bench_recorder.add_argument("--out", default="build/bench/recorder.json")
    bench_recorder.add_argument("--changes", type=int, default=30)
    bench_recorder.add_argument("--replicas", type=int, default=50)
    bench_recorder.set_defaults(func=commands.cmd_bench_recorder)
    bench_view = bench_verbs.add_parser("view", help=_("the live view's processor time through a rollout, against the "
                                                      "live figure's"))  # fmt: skip
    bench_view.add_argument("--out", default="build/bench/view.json")
    bench_view.add_argument("--replicas", type=int, default=4)
    bench_view.add_argument("--rounds", type=int, default=3)
    bench_view.set_defaults(func=commands.cmd_bench_view)
    bench_labs = bench_verbs.add_parser("labs", help=_("validate's wall time, serial and parallel"))
    bench_labs.add_argument("--out", default="build/bench/labs.json")
    bench_labs.add_argument("--jobs", type=int, default=6)
    bench_labs.set_defaults(func=commands.cmd_bench_labs)
    bench_class = bench_verbs.add_parser("class", help=_("one refresh of `class status` for a class of N students"))
    bench_class.add_argument("--out", default="build/bench/class.json")
    bench_class.add_argument("--students", type=int, default=30)
    bench_class.add_argument("--refreshes", type=int, default=5)
    bench_class.add_argument("--places", default="none,05,04",
                             help=_("where each student in turn is put: none (nothing started), 05 (lab 05's start, "
                                    "4 pods) or 04 (lab 04's start, 7 pods)"))  # fmt: skip
    bench_class.set_defaults(func=commands.cmd_bench_class)
    bench_soak = bench_verbs.add_parser("soak", help=_("validate again and again beside busy loops, then the "
                                                       "sandbox's rollout tests"))  # fmt: skip
    bench_soak.add_argument("--out", default="build/bench/soak")
    bench_soak.add_argument("--runs", type=int, default=5)
    bench_soak.add_argument("--hogs", type=int, default=1, help=_("busy loops, each holding one processor"))
    bench_soak.add_argument("validate_args", nargs=argparse.REMAINDER, help=_("arguments for each validate run"))
    bench_soak.set_defaults(func=commands.cmd_bench_soak)
    bench_start = bench_verbs.add_parser(
        "lab-start", help=_("warm ./scripts/lab: seconds to its URL and to JupyterLab")
    )
    bench_start.add_argument("--out", default="build/bench/lab-start.json")
    bench_start.add_argument("--runs", type=int, default=3)
    bench_start.set_defaults(func=commands.cmd_bench_lab_start)
    return top


def _stop(signum: int, frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    try:
        i18n.require_known_lab_lang()
    except LabError as exc:
        print(_("rolloutlab: {error}", error=exc), file=sys.stderr)
        return 2
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, _stop)
    try:
        return int(args.func(args))
    except LabError as exc:
        print(_("rolloutlab: {error}", error=exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        # Ignore a second signal while the line is written: the cleanup already ran on the way up.
        for stop in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(stop, signal.SIG_IGN)
        why = exc.signal_name if isinstance(exc, Stopped) else "Ctrl-C"
        print(_("rolloutlab: stopped by {why}; what it had started was stopped and removed", why=why), file=sys.stderr)
        return 128 + (signal.Signals[why].value if isinstance(exc, Stopped) else signal.SIGINT.value)
