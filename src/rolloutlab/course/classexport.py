"""`rolloutlab class export`: the class's grades as a CSV file for a gradebook import, and one feedback page per
student, in the student's language. Both from one reading of the class, judged as `class status` judges it.

The CSV's columns are COLUMNS, in that order (the instructor guide documents them): one row per student, the score
and its most, then what the score is made of.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable
from pathlib import Path

from rolloutlab import i18n
from rolloutlab.course import gradebook
from rolloutlab.course.classread import ClassReading
from rolloutlab.course.gradebook import Progress
from rolloutlab.course.standing import Standing, class_standings
from rolloutlab.i18n import _, ngettext
from rolloutlab.lab import events, exercises

COLUMNS = ("username", "rollout_labs_score", "rollout_labs_max", "lab", "at_step", "steps_passed", "first_tries",
           "hints", "solutions", "solves", "stuck")  # fmt: skip


def csv_text(reading: ClassReading, *, now: float, stuck_minutes: float = gradebook.STUCK_MINUTES) -> str:
    book = gradebook.of_class(reading, now=now, stuck_minutes=stuck_minutes)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for s in class_standings(reading):
        p = book[s.student]
        writer.writerow([s.student, p.score, gradebook.most_points(), s.lab or "", s.at or "",
                         sum(r.passed for r in p.steps.values()), p.first_tries, *p.helped.values(),
                         "yes" if p.stuck else "no"])  # fmt: skip
    return out.getvalue()


def student_language(reading: ClassReading, student: str, *, default: str) -> str:
    """The language the student's last event was in; the instructor's when they have none."""
    found = gradebook.events_of((reading.found[student].named("ConfigMap", events.NAME) or {}).get("data"))
    lang = found[-1].lang if found else default
    return lang if lang in i18n.LANGUAGES else default


def write_feedback(reading: ClassReading, folder: Path, *, now: float,
                   stuck_minutes: float = gradebook.STUCK_MINUTES) -> list[Path]:  # fmt: skip
    """One page per student, `<student>.html`, in the student's language."""
    folder.mkdir(parents=True, exist_ok=True)
    book = gradebook.of_class(reading, now=now, stuck_minutes=stuck_minutes)
    written = []
    default = i18n.language()
    for s in class_standings(reading):
        with i18n.speaking(student_language(reading, s.student, default=default)):
            page = feedback_page(s, book[s.student])
        path = folder / f"{s.student}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written


def feedback_page(s: Standing, p: Progress) -> str:
    e = html.escape
    title = _("rollout labs: your work, {student}", student=s.student)
    done = [r for r in p.steps.values() if r.passed]
    lines = [_("score: {score} of {most} points ({points} for a step passed, {hint} after a hint, {solution} after "
               "a solution shown, {solve} after lab.solve)", score=p.score, most=gradebook.most_points(),
               points=gradebook.SCORING.points, hint=gradebook.SCORING.after_hint,
               solution=gradebook.SCORING.after_solution, solve=gradebook.SCORING.after_solve),
             ngettext("{count} step passed", "{count} steps passed", len(done)),
             ngettext("{count} passed at the first try", "{count} passed at the first try", p.first_tries),
             _("help: hints {hints}, solutions {solutions}, solves {solves}", **p.helped)]  # fmt: skip
    struggled = sorted((r for r in p.steps.values() if r.tries > 1 or r.hints or r.solutions or r.solves),
                       key=lambda r: (-(r.tries - r.passed), r.step))  # fmt: skip
    tries = [_("{step}: {tries} tries", step=r.step, tries=r.tries) for r in struggled[:5]]
    hard = "".join(f"<li>{e(said)}{_failures(r.kinds)}</li>" for said, r in zip(tries, struggled, strict=False))
    heads = [_("Where it was hard"), _("Your recorded rollouts, graded")]
    verdicts = "".join(f"<li>{e(str(v))}</li>" for v in s.histories)
    none = e(_("nothing yet"))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title></head><body>"
        f"<h1>{e(title)}</h1><p>{e(_where(s))}</p><ul>{''.join(f'<li>{e(line)}</li>' for line in lines)}</ul>"
        f"<h2>{e(heads[0])}</h2><ul>{hard or '<li>' + none + '</li>'}</ul>"
        f"<h2>{e(heads[1])}</h2><ul>{verdicts or '<li>' + none + '</li>'}</ul>"
        f"</body></html>"
    )


def _failures(kinds: Iterable[str]) -> str:
    seen = list(dict.fromkeys(kinds))
    if not seen:
        return ""
    return "<ul>" + "".join(f"<li>{html.escape(gradebook.describe(k))}</li>" for k in seen[:3]) + "</ul>"


def _where(s: Standing) -> str:
    if s.lab is None:
        return _("no lab started yet")
    if s.at is None:
        return _("lab {lab} done", lab=s.lab)
    step = exercises.STEPS.get(s.at)
    return _("lab {lab}, at step {step}", lab=s.lab, step=step.id if step else s.at)
