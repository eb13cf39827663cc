"""The course site: the pages of docs/ plus the labs as executed by the last `validate` run, with their
outputs and plots, built by mkdocs. Building executes nothing and needs no cluster."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import nbformat
import yaml
from mkdocs.utils.yaml import yaml_load
from nbconvert import MarkdownExporter

from rolloutlab import i18n, process
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.lab import checks
from rolloutlab.lab.step import MISTAKES, WAYS
from rolloutlab.paths import repository


def report_page(report: dict[str, Any], *, lang: str) -> str:
    """The last `validate` run as a page, for the labs of `lang`: one row per lab, then each lab's checks with the
    failure each was seen giving before its step (the proof that it can fail). In the page's language."""
    env = report.get("environment") or {}
    labs = [lab for lab in report["labs"] if lab["lab"].startswith(f"{lang}/")]
    ok = all(lab["ok"] for lab in labs)
    lines = [
        "# " + _("Validation report"),
        "",
        _(
            "**{verdict}** in {seconds:.0f} s, {jobs} at a time, on Kubernetes {kubernetes} (kubectl {kubectl}, "
            "context {context}, registry {registry}).",
            verdict=_("All labs passed") if ok else _("Some labs failed"),
            seconds=report["wall_seconds"],
            jobs=report["jobs"],
            kubernetes=env.get("kubernetes") or "?",
            kubectl=env.get("kubectl") or "?",
            context=env.get("context") or "?",
            registry=env.get("registry") or "?",
        ),
        "",
        "| "
        + " | ".join(
            [_("lab"), _("result"), _("time"), _("expected"), _("checks proven"), _("detours"), _("other ways")]
        )
        + " |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for lab in labs:
        name = lab["lab"].split("/", 1)[1]
        proofs = lab.get("proofs") or []
        seen = sum(1 for p in proofs if p["seen_failing"])
        expected = f"{lab['expected_seconds']:.0f} s" if lab.get("expected_seconds") else ""
        result = _("PASS") if lab["ok"] else _("FAIL at cell {cell}: {error}", cell=lab["failed_cell"],
                                                 error=_cell(lab["error"] or ""))  # fmt: skip
        detours = lab.get("detours") or []
        fixed = sum(1 for d in detours if d["ok"])
        ways = lab.get("ways") or []
        went = sum(1 for w in ways if w["ok"])
        lines.append(f"| [{name}]({name}.md) | {result} | {lab['seconds']:.0f} s | {expected} | {seen}/{len(proofs)} "
                     f"| {fixed}/{len(detours)} | {went}/{len(ways)} |")  # fmt: skip
    colon = _(": ")  # French sets a no-break space before it
    for lab in labs:
        lines += ["", f"## {lab['lab'].split('/', 1)[1]}", ""]
        for proof in lab.get("proofs") or []:
            mark = _("seen failing") if proof["seen_failing"] else "**" + _("never seen failing") + "**"
            lines.append(f"- `{proof['step']}`{colon}{mark}{colon}{_cell(proof['message'])}")
        if lab.get("detours"):
            lines += ["", _("A student's mistake at each step, then the step's solution:"), ""]
        for detour in lab.get("detours") or []:
            mistake = _(MISTAKES.get(detour["mistake"], detour["mistake"]))
            verdict = _("the check passes after the fix") if detour["ok"] else "**" + _("the check is wrong") + "**"
            said = _(" (after the mistake it said: {said})", said=_cell(detour["said"])) if detour["said"] else ""
            lines.append(f"- `{detour['step']}`{colon}{mistake}{colon}{verdict}{said}")
        if lab.get("ways"):
            lines += ["", _("Another way to a step's state, in place of its solution, then on to the end of the lab:"),
                      ""]  # fmt: skip
        for way in lab.get("ways") or []:
            verdict = (_("the step's check and every later one pass") if way["ok"] else
                       "**" + _("a check fails: {said}", said=_cell(way["message"])) + "**")  # fmt: skip
            lines.append(f"- `{way['step']}`{colon}{_(WAYS.get(way['way'], way['way']))}{colon}{verdict}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell or list item: on one line, its no-break spaces kept (French sets one
    before `:`, which `str.split()` would take for a place to cut)."""
    one_line = re.sub(r"\s+", " ", text, flags=re.ASCII).strip(" ")
    return one_line.replace("|", "\\|").replace("<", "&lt;")


def lab_title(nb: nbformat.NotebookNode, *, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.match(r"#\s+(.+)", cell.source)
            if match:
                return match.group(1).strip().replace("`", "")
    return fallback


def _without_check_results(nb: nbformat.NotebookNode) -> None:
    """Drops the checks' structured results, which are for `validate`: a passing check's line stays (the bundle's
    text), a failing one's is the error's; its bundle has no text, and nbconvert would warn it cannot show it."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data is not None and checks.MIME in data:
                del data[checks.MIME]
                if not data:
                    continue
            kept.append(output)
        cell.outputs = kept


def render_lab(executed: Path, *, out_dir: Path) -> tuple[str, str]:
    """One executed notebook as a Markdown page with its images beside it; returns (title, page path)."""
    nb = nbformat.read(executed, as_version=4)
    _without_check_results(nb)
    body, resources = MarkdownExporter().from_notebook_node(
        nb, resources={"output_files_dir": f"{executed.stem}_files"}
    )
    for name, data in (resources.get("outputs") or {}).items():
        target = out_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / f"{executed.stem}.md"
    page.write_text(body)
    return lab_title(nb, fallback=executed.stem), page.name


def build(*, labs_dir: Path, out: Path, work: Path) -> Path:
    """The site in each language: English in `out`, French in `out/fr`, each from its docs/<lang>/ pages and the
    executed labs of `labs_dir/<lang>/`, with Material's language switch between the two."""
    executed = {lang: sorted((labs_dir / lang).glob("[0-9][0-9]-*.ipynb")) for lang in i18n.LANGUAGES}
    if not any(executed.values()):
        raise LabError(
            _("no executed labs in {labs_dir}", labs_dir=labs_dir),
            fix=_(
                "run `rolloutlab validate --out build/labs` (or ./scripts/run-labs) first; the site shows its results"
            ),
        )
    shutil.rmtree(work, ignore_errors=True)
    report_file = labs_dir / "report.json"
    report = json.loads(report_file.read_text()) if report_file.is_file() else None
    # English first: mkdocs empties its site folder, and the French site lives inside the English one.
    for lang in sorted(i18n.LANGUAGES, key=lambda lang: lang != i18n.DEFAULT):
        site_dir = out if lang == i18n.DEFAULT else out / lang
        with i18n.speaking(lang):
            _build_one(lang, executed=executed[lang], report=report, out=site_dir, work=work / lang)
    return out


def _build_one(lang: str, *, executed: list[Path], report: dict[str, Any] | None, out: Path, work: Path) -> None:
    docs = work / "docs"
    shutil.copytree(repository().docs_in(lang), docs)  # docs/theme is Material's, not a page
    nav_labs = []
    for notebook in executed:
        title, page = render_lab(notebook, out_dir=docs / "labs")
        nav_labs.append({title: f"labs/{page}"})
    with repository().mkdocs_yml_for(lang).open() as source:
        config = yaml_load(source)  # resolves INHERIT (from the file's folder), as mkdocs does
    config["docs_dir"] = str(docs.resolve())  # mkdocs reads relative paths from the config file's folder
    config["site_dir"] = str(out.resolve())
    config["theme"]["custom_dir"] = str(repository().root / config["theme"]["custom_dir"])
    if nav_labs:
        config["nav"].insert(1, {_("Labs"): nav_labs})
    if report is not None and nav_labs:
        (docs / "labs" / "report.md").write_text(report_page(report, lang=lang))
        config["nav"].insert(2, {_("Validation report"): "labs/report.md"})
    config_file = work / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    proc = process.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config_file)], timeout=600,
                       check=False)  # fmt: skip
    if not proc.ok:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise LabError(
            _("mkdocs build failed: {tail}", tail=tail),
            fix=_("read {config_file} and the pages in {docs}", config_file=config_file, docs=docs),
        )


def serve(folder: Path, *, port: int) -> None:
    """Serve the built site on 127.0.0.1 until interrupted (search needs http://, not file://)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise LabError(
            _("port {port} on 127.0.0.1 is taken ({strerror})", port=port, strerror=exc.strerror),
            fix=_("pick another with --port"),
        ) from exc
    print(_("the site: http://127.0.0.1:{port}/ (Ctrl-C stops it)", port=port), flush=True)
    with server:
        server.serve_forever()
