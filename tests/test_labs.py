"""The labs: stored clean, and each runs green against the sandbox through the same code as `validate`."""

import json
import re
from pathlib import Path

import nbformat
import pytest

from rolloutlab import kubectl
from rolloutlab.course import execution, validate
from rolloutlab.errors import LabError
from rolloutlab.images import credentials, registry
from rolloutlab.lab import exercises
from rolloutlab.paths import repository
from rolloutlab.recording.timeline import Timeline

LABS = validate.find_lab_sets(languages=("en", "fr"), chosen=None)
IDS = [validate.lab_key(p) for p in LABS]
PAIRS = [(repository().labs_in("en") / p.name, p) for p in repository().labs_in("fr").glob("[0-9][0-9]-*.ipynb")]


def test_every_lab_of_the_lesson_is_there_in_both_languages():
    """Set-up, build and push, set image, failed rollout, rollback, strategies: in labs/en and in labs/fr."""
    for lang in ("en", "fr"):
        found = sorted(p.name for p in repository().labs_in(lang).glob("[0-9][0-9]-*.ipynb"))
        assert [name[:2] for name in found] == ["00", "01", "02", "03", "04", "05"], lang
    assert sorted(p.name for p in repository().labs_in("fr").glob("*.ipynb")) == sorted(
        p.name for p in repository().labs_in("en").glob("*.ipynb")
    )


@pytest.mark.parametrize(("en", "fr"), PAIRS, ids=[p.stem for _, p in PAIRS])
def test_french_and_english_labs_have_the_same_code(en: Path, fr: Path):
    """Same cells in the same order; every code cell identical, source and metadata (steps, checks); only the
    prose differs, and the French prose really is another text."""
    a, b = nbformat.read(en, as_version=4), nbformat.read(fr, as_version=4)
    assert [c.cell_type for c in a.cells] == [c.cell_type for c in b.cells]
    for index, (x, y) in enumerate(zip(a.cells, b.cells, strict=True)):
        if x.cell_type == "code":
            assert (x.source, x.metadata) == (y.source, y.metadata), f"{fr.name} cell {index} differs from English"
        else:
            assert x.source != y.source, f"{fr.name} cell {index} is not translated"
    assert a.metadata.get("rolloutlab") == b.metadata.get("rolloutlab")


@pytest.mark.parametrize("path", LABS, ids=IDS)
def test_code_cells_say_nothing_in_one_language(path: Path):
    """No comment and no English words printed from a code cell: what a cell prints comes from the catalogue."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert "#" not in cell.source.replace("s#", "").replace("#first", ""), cell.source
            assert 'print("' not in cell.source, cell.source


@pytest.mark.parametrize("path", LABS, ids=IDS)
def test_lab_is_stored_without_outputs(path: Path):
    """Executed notebooks are build artifacts: the stored lab has no outputs or execution counts."""
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells {dirty} of {path.name} hold outputs; clear them before committing"


@pytest.mark.parametrize("path", LABS, ids=IDS)
def test_lab_is_stored_as_jupyterlab_saves_it(path: Path):
    """Byte for byte what JupyterLab writes when it saves the lab unchanged (with this Python's kernel), so opening
    a lab does not mark it changed and `git status` stays clean; `./scripts/format-labs` rewrites them so."""
    from rolloutlab.course import jupyter

    text = path.read_text()
    assert text == jupyter.as_jupyterlab_saves(nbformat.reads(text, as_version=4)), "run ./scripts/format-labs"


@pytest.mark.parametrize("path", LABS, ids=IDS)
def test_lab_opens_in_one_line(path: Path):
    """The first code cell is the one line that opens the lab (settings, kubectl's target, artifacts)."""
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", [])
    assert first.source == f'from rolloutlab.lab import open_lab\n\nlab = open_lab("{path.stem[:2]}")'


@pytest.mark.parametrize("path", LABS, ids=IDS)
def test_every_step_has_its_cell_and_its_check(path: Path):
    """Each step of the lab in `exercises.py` has one step cell, then one check cell after it, and nothing else."""
    nb = nbformat.read(path, as_version=4)
    steps = [execution.step_of(c) for c in nb.cells if execution.step_of(c)]
    checked = [execution.check_of(c) for c in nb.cells if execution.check_of(c)]
    expected = [s.id for s in exercises.steps_of(path.stem[:2])]
    assert steps == expected
    assert sorted(checked) == expected
    for step in expected:
        where = [i for i, c in enumerate(nb.cells) if execution.step_of(c) == step]
        there = [i for i, c in enumerate(nb.cells) if execution.check_of(c) == step]
        assert where[0] < there[0], f"{step}: its check comes before its step"


@pytest.mark.parametrize("path", LABS, ids=IDS)
def test_demonstrations_are_their_solution_and_exercises_are_left_to_do(path: Path):
    """A demonstration cell holds exactly its step's solution; an exercise cell holds no part of it."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        step_id = execution.step_of(cell)
        if not step_id:
            continue
        step = exercises.STEPS[step_id]
        if step.exercise:
            assert not (set(cell.source.splitlines()) & set(step.solution.splitlines())), step_id
            assert "!kubectl" not in cell.source, step_id
            assert "!docker" not in cell.source, step_id
        else:
            assert cell.source == step.solution, step_id


def test_as_students_deals_the_labs_to_the_class_in_turn(tmp_path):
    """`validate --as-students DIR`: each chain of labs goes to the next student (lab 02 with lab 01), each seat
    with that student's namespace and kubeconfig; a class record that is not there is one line."""
    (tmp_path / "class.json").write_text(json.dumps({"class": "c0ffee00", "namespaces": ["ann", "bob", "cy", "dee"]}))
    labs = validate.find_labs(labs_dir=repository().labs_in("en"), chosen=None)
    seats = validate.seats_of(tmp_path, labs=labs)
    assert [(s.namespace, [p.stem[:2] for p in s.labs]) for s in seats] == [
        ("ann", ["00", "05"]), ("bob", ["01", "02"]), ("cy", ["03"]), ("dee", ["04"])]  # fmt: skip
    assert seats[1].kubeconfig == tmp_path / "bob" / "kubeconfig"
    with pytest.raises(LabError, match="no class record at"):
        validate.seats_of(tmp_path / "nowhere", labs=labs)


def test_every_step_has_a_hint_unless_it_only_shows():
    """An exercise always has a hint; the student can ask for it."""
    assert all(s.hint for s in exercises.STEPS.values() if s.exercise)


def timeline(out: Path, name: str) -> Timeline:
    return Timeline.load(out / name)


def lang_of(path: Path) -> str:
    return path.parent.name


# What the prose of each lab claims, checked on the timelines the lab recorded.
def claims_02(out: Path, *, ways: dict[str, str]) -> None:
    t = timeline(out, "02-deploy-and-set-image/02-set-image.json")
    assert (t.peak_desired(), t.min_available()) == (5, 3)


def claims_03(out: Path, *, ways: dict[str, str]) -> None:
    t = timeline(out, "03-failed-rollout/03-failed-rollout.json")
    end = t.state_counts(t.end)
    assert (sum(end.values()), end["ImagePullBackOff"] + end["ErrImagePull"], end["Ready"]) == (7, 3, 4)
    assert (t.peak_desired(), t.min_available()) == (7, 4)
    assert "ProgressDeadlineExceeded" in {reason for *_, reason in t.condition_changes()}


def claims_04(out: Path, *, ways: dict[str, str]) -> None:
    undo = timeline(out, "04-rollback/04-undo.json")
    assert {r.name for r in undo.replicasets if r.revision == 2} == {
        r.name for r in undo.replicasets if r.revision == 4
    }
    to_1 = timeline(out, "04-rollback/04-to-revision-1.json")
    # One undo too many and its fix make two more revisions before revision 1 comes back.
    assert max(r.revision or 0 for r in to_1.replicasets) == (7 if ways.get("04.1") == "extra-undo" else 5)
    assert to_1.min_available() == 4


def claims_05(out: Path, *, ways: dict[str, str]) -> None:
    for name, bounds in {
        "surge-1-unavail-0": (5, 4),
        "surge-0-unavail-1": (4, 3),
        "surge-25-unavail-25": (5, 3),
    }.items():
        t = timeline(out, f"05-rolling-upgrade-strategy/05-{name}.json")
        assert (t.peak_desired(), t.min_available()) == bounds, name


CLAIMS = {"02": claims_02, "03": claims_03, "04": claims_04, "05": claims_05}
HISTORIES = {"02": ["02-set-image"], "03": ["03-failed-rollout"], "04": ["04-to-revision-1", "04-undo"],
             "05": ["05-history-limit", "05-surge-0-unavail-1", "05-surge-1-unavail-0",
                    "05-surge-25-unavail-25"]}  # fmt: skip


@pytest.mark.sandbox
@pytest.mark.parametrize("path", LABS, ids=IDS)
def test_lab_runs_green_on_the_sandbox(path: Path, validated):
    """The lab runs top to bottom with no error output, every check passes, its recordings match its prose."""
    out, results = validated
    result = results[validate.lab_key(path)]
    assert result.ok, f"{result.lab} failed at cell {result.failed_cell}: {result.error}"
    assert result.executed.startswith(f"{lang_of(path)}/")
    executed = nbformat.read(out / result.executed, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert result.checks, "a lab proves its steps with checks"
    assert all(c["ok"] for c in result.checks), [c for c in result.checks if not c["ok"]]
    proved = {p["step"] for p in result.proofs if p["seen_failing"]}
    assert proved == {s.id for s in exercises.steps_of(path.stem[:2])}, result.proofs
    lang = lang_of(path)
    played = {d["step"]: d for d in result.detours}
    assert set(played) == proved, "every step is played with a mistake first"
    for step in exercises.steps_of(path.stem[:2]):
        detour = played[step.id]
        assert detour["mistake"] == step.mistake_for(lang).kind
        assert detour["ok"], detour
        assert bool(detour["said"]) == bool(step.mistake_for(lang).code), detour
    # Other ways to some steps' states, played in place of their solutions: each one's check and every later check
    # passed. Both languages together play every way of the lab.
    ways = {w["step"]: w["way"] for w in result.ways}
    assert ways == {s: w.kind for s, w in exercises.ways_played(path.stem[:2], lang).items()}
    assert all(w["ok"] for w in result.ways), result.ways
    claims = CLAIMS.get(path.stem[:2])
    if claims:
        claims(out / lang_of(path), ways=ways)
        assert result.plots
    # Each recording's history, graded as a path, passes; the lab shows its verdict under the figure.
    assert [v["recording"] for v in result.histories] == HISTORIES.get(path.stem[:2], [])
    assert all(v["ok"] for v in result.histories), result.histories
    shown = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    # A saved notebook keeps its outputs: the registry's password is never among them, nor in any cell.
    login = credentials.sandbox_login()
    assert login is not None
    assert login.password not in (out / result.executed).read_text()
    word = "historique de" if lang == "fr" else "history of"
    for verdict in result.histories:
        assert f"OK {word} {verdict['recording']}" in shown


@pytest.mark.sandbox
def test_validate_writes_reports_and_cleans_up(validated, sandbox):
    """report.json and report.html are written, and no lab namespace is left behind."""
    out, results = validated
    report = json.loads((out / "report.json").read_text())
    assert report["ok"] is True
    assert report["environment"]["kubernetes"] == "v1.33.13"
    assert "PASS fr/03-failed-rollout" in (out / "report.html").read_text()
    assert "02.3: missing-tag, then the solution: PASS" in (out / "report.html").read_text()
    assert "OK <b>history of 03-failed-rollout</b>: 1 rollout: 1.0.0 -&gt; 2.0.0" in (out / "report.html").read_text()
    assert {lab["lab"].split("/")[0] for lab in report["labs"]} == {"en", "fr"}
    # Labs 01 (a new 1.1.x per language, which lab 02 rolls out) and 04 (a fix tag 2.0.x per language) pushed tags,
    # each kept in its namespace's lab state; validate removed them, and no other tag.
    removed = report["removed_tags"]
    assert len([t for t in removed if t.startswith("1.1.")]) == 2, removed
    assert len([t for t in removed if t.startswith("2.0.")]) == 2, removed
    left = registry.list_tags(registry=sandbox.registry, repository="first-app-k8s")
    assert not set(removed) & set(left)
    assert {"latest", "1.0.0"} <= set(left)

    def admin(*args: str) -> list[str]:
        return kubectl.run(
            args, kubeconfig=sandbox.kubeconfig, kubectl=sandbox.kubectl, timeout=60, check=False
        ).stdout.split()

    names = admin("get", "namespaces", "-o", "jsonpath={.items[*].metadata.name}")
    # The English labs ran in the class students' own namespaces, which validate uses and never deletes.
    fresh = {r.namespace for lab, r in results.items() if lab.startswith("fr/")}
    assert not fresh & {r.namespace for lab, r in results.items() if lab.startswith("en/")}
    assert {r.namespace for lab, r in results.items() if lab.startswith("en/")} <= set(names)
    left = [n for n in names if n in fresh]
    if not left:
        return
    phases = admin("get", "namespaces", *left, "-o", "jsonpath={.items[*].status.phase}")
    assert set(phases) <= {"Terminating"}


def lab_02_with_tag_1_0_1(sandbox, tmp_path: Path, place, *, lang: str) -> dict:
    """Lab 02 of `lang` run by validate with `1.0.1` typed in `set image`; the one failing check. (The French path
    is played by validate's own detour, `1.0` typed, in the suite's shared run.)"""
    typed = f"!kubectl set image deployment/first-app first-app-k8s={sandbox.registry}/first-app-k8s:1.0.1\n"
    typed += "!kubectl rollout status deployment/first-app --timeout=10s"
    lab02 = next(p for p in LABS if p.stem.startswith("02") and lang_of(p) == lang)
    result = validate.run_lab(lab02, out_dir=tmp_path, env=place.env, namespaces=place.namespaces,
                              namespace=place.namespace, answers={"02.3": typed}, prove=False)  # fmt: skip
    assert not result.ok
    failed = [c for c in result.checks if not c["ok"]]
    assert len(failed) == 1, failed
    return failed[0]


@pytest.mark.sandbox
@pytest.mark.alone
def test_a_student_who_typed_a_wrong_tag_is_told_which_tags_exist(sandbox, tmp_path, lab_place):
    """Lab 02 played with `1.0.1` typed in `set image`: the check names the typed tag and the registry's tags."""
    failed = lab_02_with_tag_1_0_1(sandbox, tmp_path, lab_place, lang="en")
    assert failed["name"] == "02.3 rollout"
    message = failed["message"]
    assert "'1.0.1', which is not in the registry" in message
    assert "tags, the closest: " in message
    assert "1.0.0" in message
    assert "(expected '1.1." in message  # the student's own version, built by the lab's start


@pytest.mark.sandbox
def test_a_french_student_who_typed_a_missing_tag_then_the_right_one_passes(validated):
    """The issue's path, played by validate in the French lab 02: `set image` to the missing tag 1.0, the check
    says so in French (the typed tag, the registry's tags, the expected one: the student's own version, and how to
    get help, the whole line from the catalogue since validate sets LAB_LANG=fr for labs/fr), then the lesson's
    command; the check passes and says why the history is longer."""
    _out, results = validated
    detour = {d["step"]: d for d in results["fr/02-deploy-and-set-image"].detours}["02.3"]
    assert detour["mistake"] == "missing-tag"
    said = detour["said"]
    assert said.startswith("ÉCHEC 02.3 mise à jour progressive\u00a0: ")
    assert "le déploiement demande le tag '1.0', qui n'est pas dans le registre (le registre a " in said
    assert "(attendu '1.1." in said
    assert 'Bloqué\u202f? lab.hint("02.3") donne un indice' in said
    assert detour["ok"], detour
    assert (
        "Votre historique est plus long que celui du cours\u00a0: révisions 1 (latest), 2 (1.0), 3 (1.1."
        in (detour["message"])
    )


@pytest.mark.sandbox
@pytest.mark.alone
def test_a_stuck_student_solves_a_step_and_goes_on(tmp_path, lab_place):
    """Lab 02 with only `lab.solve("02.3")` typed in the set-image exercise: the step is done and the lab ends green.
    The other steps get their solutions straight away (their proofs and detours are the suite's lab run's)."""
    lab02 = next(p for p in LABS if p.stem.startswith("02"))
    result = validate.run_lab(lab02, out_dir=tmp_path, env=lab_place.env, namespaces=lab_place.namespaces,
                              namespace=lab_place.namespace, answers={"02.3": 'lab.solve("02.3")'},
                              prove=False)  # fmt: skip
    assert result.ok, result.error
    assert any(c["name"] == "02.3 rollout" and c["ok"] for c in result.checks)


@pytest.mark.sandbox
@pytest.mark.alone
def test_the_same_lab_runs_twice_at_once_in_both_languages(sandbox, tmp_path):
    """Lab 01 in English and in French at the same time (what `validate --labs 00,01` does): each builds and pushes
    its own tags, its demonstration of a refused tag reuse included, and neither disturbs the other."""
    both = [p for p in LABS if p.stem.startswith("01")]
    assert {p.parent.name for p in both} == {"en", "fr"}
    env = {"KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry}
    results = validate.validate(labs=both, out_dir=tmp_path, env=env, jobs=2, prove=False)
    assert [r.ok for r in results] == [True, True], [(r.lab, r.failed_cell, r.error) for r in results]
    shown = [(tmp_path / r.executed).read_text() for r in results]
    assert all("refused" in text or "refusé" in text for text in shown)


@pytest.mark.sandbox
@pytest.mark.alone
def test_every_lab_goes_on_after_its_kernel_restarts_at_each_check(sandbox, tmp_path):
    """Every English lab, its kernel restarted before each check that no recording runs through and after each
    drawn recording, then the lab opened again (and the step's answer cell run again) as a student would: every
    check passes to the end, reading what it needs from the cluster and the namespace, not from the dead kernel."""
    english = [p for p in LABS if p.parent.name == "en"]
    env = {"KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry}
    results = validate.validate(labs=english, out_dir=tmp_path, env=env, jobs=3, prove=False, restart_kernels=True)
    assert all(r.ok for r in results), [(r.lab, r.failed_cell, r.error) for r in results if not r.ok]
    for result in results:
        path = next(p for p in english if validate.lab_key(p) == result.lab)
        steps = {s.id for s in exercises.steps_of(path.stem[:2])}
        assert {c["step"] for c in result.checks} == steps
        cells = nbformat.read(path, as_version=4).cells
        checks_restarted = {cells[i].metadata.get("rolloutlab", {}).get("check") for i in result.restarts} - {None}
        assert checks_restarted, result.lab
        # Where a recording runs through checks, the restart comes once it is drawn.
        drawn = [i for i, c in enumerate(cells) if "lab.draw(" in c.source]
        assert all(i + 1 in result.restarts for i in drawn if i + 1 < len(cells)), (result.lab, result.restarts)
    restarted = {c for r in results for i in r.restarts for c in [r.lab]}
    assert restarted == {r.lab for r in results}


@pytest.mark.sandbox
@pytest.mark.alone
def test_a_student_who_solves_every_exercise_reaches_the_end_of_every_lab(sandbox, tmp_path):
    """Every French lab with each exercise's cell holding only `lab.solve("NN.N")`: the solve brings the cluster
    (and the answers) to where the next cells expect them, and every check passes to the end of each lab."""
    french = [p for p in LABS if p.parent.name == "fr"]
    solved = {s.id: f"lab.solve({s.id!r})" for s in exercises.STEPS.values() if s.exercise}
    env = {"KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry}
    results = validate.validate(labs=french, out_dir=tmp_path, env=env, jobs=3, prove=False, answers=solved)
    assert all(r.ok for r in results), [(r.lab, r.failed_cell, r.error) for r in results if not r.ok]
    for result in results:
        steps = {s.id for s in exercises.steps_of(result.lab.split("/")[1][:2])}
        assert {c["step"] for c in result.checks if c["ok"]} == steps, result.lab


def _prose(stem: str) -> str:
    """The markdown of a lab, white space folded: a phrase is found wherever its lines break."""
    path = next(p for p in LABS if p.stem.startswith(stem))
    text = " ".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    return " ".join(text.split())


def test_the_labs_correct_what_the_course_notes_get_wrong():
    """Each error of the notes or slides is quoted and corrected where the lab meets it."""
    assert "rollback automatisé" in _prose("03")
    assert "does **not** roll back by" in _prose("03")
    assert "répartis entre différents" in _prose("03")
    assert "**one** ReplicaSet" in _prose("03")
    assert "zéro downtime" in _prose("03")
    assert "readiness probe" in _prose("03")
    assert "supprime automatiquement" in _prose("04")
    assert "**reused**" in _prose("04")
    assert "acts on **every** Deployment" in _prose("05")


def test_the_labs_say_true_things_about_kubernetes():
    """The statements the issue found loose or wrong are now said the way Kubernetes behaves."""
    assert "imagePullPolicy: Always" in _prose("02")
    assert "grace period" in _prose("02")
    assert "an instant" not in _prose("02")
    assert "25% of 4 is exactly 1: no rounding" in _prose("02")
    assert "rounded up" not in _prose("02")
    assert "rolls out when its pod template changes" in _prose("01")
    assert "**unsupported**" in _prose("00")
    assert "cannot talk" not in _prose("00")
    assert "simulated" not in _prose("00")


def prose_in(lang: str, stem: str) -> str:
    path = repository().labs_in(lang) / next(p.name for p in LABS if p.stem.startswith(stem))
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")


def cell_sources(lang: str, stem: str) -> list[str]:
    path = repository().labs_in(lang) / next(p.name for p in LABS if p.stem.startswith(stem))
    return [c.source for c in nbformat.read(path, as_version=4).cells]


# What each language says where the notes, the slides or an earlier text were loose: (lab, English, French).
EXACT = [
    ("01", "`imagePullPolicy: IfNotPresent`, the default", "`imagePullPolicy: IfNotPresent`, la valeur par défaut"),
    ("01", "Login Succeeded", "Login Succeeded"),
    ("02", "`set image` changes the image\nand nothing else", "`set image` change l'image, et rien d'autre"),
    ("02", "Kubernetes Dashboard", "tableau de bord\nKubernetes (Dashboard)"),
    ("03", "Waiting for deployment spec update to be observed", "Waiting for deployment spec update to be\n  observed"),
    ("03", "N out of 5 new replicas", "N out of 5 new\n  replicas"),
    ("03", "or more when the\ntemplate changes again", "ou plus quand\nle modèle change de nouveau"),
    ("03", "**graceful shutdown**", "**arrêt en douceur**"),
    ("04", "Revision 5 is indeed a new revision", "La révision 5 est bien\nune nouvelle révision"),
    ("04", "« restaure exactement »", "«\u00a0restaure exactement la configuration de la révision 1\u00a0»"),
    ("04", "it does not look for one that\nworked", "il ne cherche pas une\nrévision qui a marché"),
    ("04", "a new stuck rollout", "une nouvelle\nmise à jour bloquée"),
    ("05", "**lowest revision number**", "**numéro de révision est le plus bas**"),
    ("05", "`KUBE_EDITOR`, else `EDITOR`, else `vi`", "`KUBE_EDITOR`, sinon `EDITOR`, sinon `vi`"),
    ("05", "creates and deletes no pod", "ne crée\net ne supprime aucun pod"),
]


@pytest.mark.parametrize(("stem", "english", "french"), EXACT)
def test_the_labs_make_the_lesson_exact_in_both_languages(stem: str, english: str, french: str):
    """Each correction of issue 19 is said in the English lab and in the French one (wherever its lines break)."""
    assert " ".join(english.split()) in " ".join(prose_in("en", stem).split())
    assert " ".join(french.split()) in " ".join(prose_in("fr", stem).split())


def test_exact_details_that_are_cells_and_order():
    """The pull policy is read again after `set image`; the prediction is graded before the prose gives 7 and 4;
    both forms of the notes' delete are typed, each with its check; the history limit's prediction is graded before
    the prose gives the rule; French speaks of a sonde de préparation, never de
    disponibilité; the slides' typos are marked [sic] where quoted."""
    for lang in ("en", "fr"):
        cells = cell_sources(lang, "02")
        after = cells[cells.index('lab.check("02.3")') :]
        assert any("imagePullPolicy" in c for c in after)
        cells = cell_sources(lang, "03")
        reveal = next(i for i, c in enumerate(cells) if "= **7**" in c)
        assert cells.index('lab.check("03.2")') < reveal
        cells = cell_sources(lang, "05")
        assert cells.index('lab.check("05.8")') < cells.index('lab.check("05.9")')
        assert exercises.STEPS["05.8"].exercise
        assert exercises.STEPS["05.9"].exercise
        rule = next(i for i, c in enumerate(cells) if "**lowest revision number**" in c or "**numéro de révision" in c)
        assert cells.index('lab.check("05.6")') < rule
    for stem in ("02", "03", "04"):
        assert "sonde de disponibilité" not in prose_in("fr", stem)
    assert "révision [sic] conservées est contrôle [sic]" in prose_in("fr", "05")


REVEALS_THE_BOUNDS = re.compile(r"\b7 pods\b|maxSurge 2|maxUnavailable 1|\b4 (old|anciens)\b|(at most|au plus) 7")


@pytest.mark.sandbox
def test_nothing_shown_before_the_prediction_is_graded_gives_its_answer(validated):
    """In lab 03 as executed, in both languages, no output above the 03.2 check (03.3's check line included, which
    runs first) names the pod counts or the bounds that 03.2 asks for."""
    out, results = validated
    for lang in ("en", "fr"):
        result = results[f"{lang}/03-failed-rollout"]
        executed = nbformat.read(out / result.executed, as_version=4)
        graded = next(i for i, c in enumerate(executed.cells) if c.source.strip() == 'lab.check("03.2")')
        before = [o for c in executed.cells[:graded] if c.cell_type == "code" for o in c.outputs]
        shown = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in before)
        assert 'lab.check("03.3")' in "".join(c.source for c in executed.cells[:graded])
        assert not REVEALS_THE_BOUNDS.search(shown), REVEALS_THE_BOUNDS.search(shown)
        after = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                        for c in executed.cells[graded:] if c.cell_type == "code" for o in c.outputs)  # fmt: skip
        assert REVEALS_THE_BOUNDS.search(after), "the bounds are said once graded"


@pytest.mark.sandbox
def test_french_labs_prove_their_checks_in_french(validated):
    """Each check of a French lab was seen failing with a French line; the English lab's same proof is English."""
    _out, results = validated
    fr, en = results["fr/02-deploy-and-set-image"], results["en/02-deploy-and-set-image"]
    said = {p["step"]: p["message"] for p in fr.proofs}
    assert said["02.2"].startswith("ÉCHEC 02.2 conteneur\u00a0: vous n'avez pas encore écrit le nom du conteneur")
    assert {p["step"]: p["message"] for p in en.proofs}["02.2"].startswith(
        "FAIL 02.2 container: you have not written the container's name yet"
    )
    for result in (r for key, r in results.items() if key.startswith("fr/")):
        assert all(c["message"] for c in result.checks), result.lab
        assert not any(p["message"].startswith("FAIL ") for p in result.proofs), result.proofs


def code_spans(text: str) -> list[str]:
    """The `code` a markdown cell names, as kubectl reads it: white space folded, the student's tag one word."""
    spans = (" ".join(s.split()) for s in re.findall(r"`([^`]+)`", text))
    return sorted(s.replace("<votre tag>", "<your tag>") for s in spans)


@pytest.mark.parametrize("stem", [p.stem[:2] for p in LABS])
def test_english_and_french_prose_say_the_same_sections_with_the_same_commands(stem):
    """Each lab's English and French prose have the same markdown cells, in order, with the same headings and the
    same commands, names and values in code, so that a section added or corrected in one language is not missing
    from the other."""
    english, french = (
        [c.source for c in nbformat.read(repository().labs_in(lang) / next(p.name for p in LABS
                                                                          if p.stem.startswith(stem)),
                                         as_version=4).cells if c.cell_type == "markdown"]
        for lang in ("en", "fr")
    )  # fmt: skip
    assert len(english) == len(french)
    for index, (en, fr) in enumerate(zip(english, french, strict=True)):
        heads = [[line.split(" ", 1)[0] for line in text.splitlines() if line.startswith("#")] for text in (en, fr)]
        assert heads[0] == heads[1], (stem, index)
        assert code_spans(en) == code_spans(fr), (stem, index)
