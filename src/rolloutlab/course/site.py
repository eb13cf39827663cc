"""The course site: the pages of docs/ plus the labs as executed by the last `validate` run, with their
outputs and plots, built by mkdocs. Building executes nothing and needs no cluster."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import yaml
from nbconvert import MarkdownExporter

from rolloutlab.errors import LabError
from rolloutlab.paths import repository


def report_page(report: dict[str, Any]) -> str:
    """The last `validate` run as a page: one row per lab, then each lab's checks with the failure each was seen
    giving before its step (the proof that it can fail)."""
    env = report.get("environment") or {}
    lines = [
        "# Validation report",
        "",
        f"**{'All labs passed' if report['ok'] else 'Some labs failed'}** in {report['wall_seconds']:.0f} s, "
        f"{report['jobs']} at a time, on Kubernetes {env.get('kubernetes') or '?'} (kubectl "
        f"{env.get('kubectl') or '?'}, context {env.get('context') or '?'}, registry {env.get('registry') or '?'}).",
        "",
        "| lab | result | time | expected | checks proven |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for lab in report["labs"]:
        proofs = lab.get("proofs") or []
        seen = sum(1 for p in proofs if p["seen_failing"])
        expected = f"{lab['expected_seconds']:.0f} s" if lab.get("expected_seconds") else ""
        result = "PASS" if lab["ok"] else f"FAIL at cell {lab['failed_cell']}: {_cell(lab['error'] or '')}"
        lines.append(f"| [{lab['lab']}]({lab['lab']}.md) | {result} | {lab['seconds']:.0f} s | {expected} | "
                     f"{seen}/{len(proofs)} |")  # fmt: skip
    for lab in report["labs"]:
        lines += ["", f"## {lab['lab']}", ""]
        for proof in lab.get("proofs") or []:
            mark = "seen failing" if proof["seen_failing"] else "**never seen failing**"
            lines.append(f"- `{proof['step']}`: {mark}: {_cell(proof['message'])}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell or list item."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")


def lab_title(nb: nbformat.NotebookNode, *, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.match(r"#\s+(.+)", cell.source)
            if match:
                return match.group(1).strip().replace("`", "")
    return fallback


def render_lab(executed: Path, *, out_dir: Path) -> tuple[str, str]:
    """One executed notebook as a Markdown page with its images beside it; returns (title, page path)."""
    nb = nbformat.read(executed, as_version=4)
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
    """Copy docs/, render every executed lab of `labs_dir` into docs/labs/, then `mkdocs build` into `out`."""
    executed = sorted(labs_dir.glob("[0-9][0-9]-*.ipynb"))
    if not executed:
        raise LabError(
            f"no executed labs in {labs_dir}",
            fix="run `rolloutlab validate --out build/labs` (or ./scripts/run-labs) first; the site shows its results",
        )
    shutil.rmtree(work, ignore_errors=True)
    docs = work / "docs"
    shutil.copytree(repository().docs, docs, ignore=shutil.ignore_patterns("README.md"))
    nav_labs = []
    for notebook in executed:
        title, page = render_lab(notebook, out_dir=docs / "labs")
        nav_labs.append({title: f"labs/{page}"})
    config = yaml.safe_load(repository().mkdocs_yml.read_text())
    config["docs_dir"] = str(docs.resolve())  # mkdocs reads relative paths from the config file's folder
    config["site_dir"] = str(out.resolve())
    config["nav"].insert(1, {"Labs": nav_labs})
    report = labs_dir / "report.json"
    if report.is_file():
        (docs / "labs" / "report.md").write_text(report_page(json.loads(report.read_text())))
        config["nav"].insert(2, {"Validation report": "labs/report.md"})
    config_file = work / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise LabError(f"mkdocs build failed: {tail}", fix=f"read {config_file} and the pages in {docs}")
    return out


def serve(folder: Path, *, port: int) -> None:
    """Serve the built site on 127.0.0.1 until interrupted (search needs http://, not file://)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise LabError(f"port {port} on 127.0.0.1 is taken ({exc.strerror})", fix="pick another with --port") from exc
    print(f"the site: http://127.0.0.1:{port}/ (Ctrl-C stops it)", flush=True)
    with server:
        server.serve_forever()
