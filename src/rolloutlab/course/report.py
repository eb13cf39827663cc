"""The report of a `validate` run as a page of its own (report.html, beside the executed labs): for the
instructor, in English."""

from __future__ import annotations

import html
from typing import Any

from rolloutlab.lab.step import WAYS


def report_html(report: dict[str, Any]) -> str:
    e = html.escape
    rows = []
    for lab in report["labs"]:
        status = "PASS" if lab["ok"] else "FAIL"
        expected = f" (expected about {lab['expected_seconds']:.0f} s)" if lab["expected_seconds"] else ""
        failure = (f"<p class='fail'>failed at cell {lab['failed_cell']}: {e(lab['error'] or '')}</p>"
                   if not lab["ok"] else "")  # fmt: skip
        checks = "".join(
            f"<li class='{'ok' if c['ok'] else 'fail'}'>{'OK' if c['ok'] else 'FAIL'} <b>{e(c['name'])}</b>: "
            f"{e(c['message'])}</li>"
            for c in lab["checks"]
        )
        proofs = "".join(
            f"<li class='{'ok' if p['seen_failing'] else 'fail'}'>{e(p['step'])}: "
            f"{'seen failing' if p['seen_failing'] else 'NEVER seen failing'}: {e(p['message'])}</li>"
            for p in lab.get("proofs") or []
        )
        proofs = f"<details><summary>each check run first where it must fail</summary><ul>{proofs}</ul></details>"
        detours = "".join(
            f"<li class='{'ok' if d['ok'] else 'fail'}'>{e(d['step'])}: {e(d['mistake'])}, then the solution: "
            f"{'PASS' if d['ok'] else 'FAIL'}{': ' + e(d['said']) if d['said'] else ''}</li>"
            for d in lab.get("detours") or []
        )
        proofs += (
            f"<details><summary>a student's mistake at each step, then its fix</summary><ul>{detours}</ul></details>"
        )
        ways = "".join(
            f"<li class='{'ok' if w['ok'] else 'fail'}'>{e(w['step'])}: {e(WAYS.get(w['way'], w['way']))}: "
            f"{'PASS' if w['passed'] else 'FAIL'}, every later check of the lab: "
            f"{'PASS' if w['ok'] else 'FAIL' if w['passed'] else 'not reached'}: {e(w['message'])}</li>"
            for w in lab.get("ways") or []
        )
        if ways:
            proofs += (
                f"<details open><summary>another way to a step's state, then on</summary><ul>{ways}</ul></details>"
            )
        histories = "".join(
            f"<li class='{'ok' if v['ok'] else 'fail'}'>{'OK' if v['ok'] else 'FAIL'} <b>history of "
            f"{e(v['recording'])}</b>: {e(v['message'])}</li>"
            for v in lab.get("histories") or []
        )
        checks += histories
        plots = "".join(f"<figure><img src='{e(p)}' alt='{e(p)}'><figcaption>{e(p)}</figcaption></figure>"
                        for p in lab["plots"])  # fmt: skip
        rows.append(
            f"<section><h2 class='{status.lower()}'>{status} {e(lab['lab'])}</h2>"
            f"<p>{lab['seconds']:.0f} s{expected} · namespace {e(lab['namespace'])} · "
            f"<a href='{e(lab['executed'])}'>executed notebook</a></p>{failure}<ul>{checks}</ul>{proofs}"
            f"{plots}</section>"
        )
    env = "".join(f"<li>{e(str(k))}: {e(str(v))}</li>" for k, v in report["environment"].items())
    overall = "all labs passed" if report["ok"] else "some labs failed"
    if not report.get("proved", True):
        overall += " (run with --no-proofs: no check was seen failing, no mistake was played)"
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>rollout labs: validation report</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}.pass{color:#2e7d32}.ok{color:#2e7d32}"
        ".fail{color:#c62828}img{max-width:100%;border:1px solid #ddd}figure{margin:1em 0}</style></head><body>"
        f"<h1>Validation report: {overall}</h1><p>{report['wall_seconds']:.0f} s wall time, {report['jobs']} "
        f"at a time</p><ul>{env}</ul>{''.join(rows)}</body></html>"
    )
