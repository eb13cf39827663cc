"""Messages in the student's language: every message of the code has its French, the language is chosen as
documented, and a failing check speaks French with LAB_LANG=fr."""

import ast
import os
import re
import string
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from rolloutlab import i18n, process
from rolloutlab.errors import LabError
from rolloutlab.i18n import _
from rolloutlab.lab import exercises, judge
from rolloutlab.lab.observe import Seen
from rolloutlab.lab.student import open_lab

PACKAGE = Path(i18n.__file__).parent


def catalogue():
    with i18n.catalogue_file("fr").open("rb") as source:
        return read_po(source, locale="fr")


def code_messages() -> set[str | tuple[str, str]]:
    """What `./scripts/messages` extracts: the first argument of every `_()` and `N_()` in the package, and the
    (singular, plural) pair of every `ngettext()`."""
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    found = extract_from_dir(str(PACKAGE), method_map=[("**.py", "python")], keywords=keywords)
    return {message for _file, _line, message, _comments, _context in found}


def forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    return text if isinstance(text, tuple) else (text,)


def fields(text: str) -> set[str]:
    """The `{name!conv:spec}` fields of a message, and the `%(name)s` ones of argparse's words."""
    braces = {f"{name}!{conv}:{spec}" for _lit, name, spec, conv in string.Formatter().parse(text) if name is not None}
    return braces | set(re.findall(r"%(?:\(\w+\))?[sr]", text))


def test_every_message_of_the_code_has_its_french():
    """Each message the code writes is in the French catalogue, translated and not fuzzy; none is left over."""
    entries = {m.id: m for m in catalogue() if m.id}
    wanted = code_messages()
    assert len(wanted) > 300
    missing = sorted(wanted - set(entries))
    assert not missing, f"not in the catalogue (run ./scripts/messages, then translate): {missing[:5]}"
    untranslated = sorted(
        (m for m in wanted if not all(forms(entries[m].string)) or entries[m].fuzzy), key=lambda m: forms(m)[0]
    )
    assert not untranslated, f"no French yet: {untranslated[:5]}"
    assert sorted(set(entries) - wanted) == [], "the catalogue holds messages the code no longer has"


def test_every_lab_call_a_message_names_exists():
    """A message that tells the student to call `lab.something(...)` names a method the lab has, in both
    languages (two messages once sent students to `lab.ensure_images`, which never existed)."""
    from rolloutlab.lab.demos import Demo
    from rolloutlab.lab.student import Lab

    named = set()
    called = r"\blab\.((?:demo\.)?[a-z_]\w*)"
    for message in code_messages():
        for text in forms(message):
            named |= set(re.findall(called, text))
    for entry in catalogue():
        for text in forms(entry.string or ""):
            named |= set(re.findall(called, text))
    assert named >= {"start", "solve", "hint", "demo.rebuild_images"}
    missing = [n for n in named if not (hasattr(Demo, n[5:]) if n.startswith("demo.") else hasattr(Lab, n))]
    assert sorted(missing) == []


def test_translations_keep_every_placeholder():
    """A French message has exactly the `{placeholders}` (with their conversions and formats) of its English."""
    broken = []
    for m in catalogue():
        if not (m.id and m.string):
            continue
        english = fields(forms(m.id)[-1])
        for french in forms(m.string):
            # A plural form may leave the count out ("un seul tag"), never add or lose another placeholder.
            kept = english - fields("{count}") <= fields(french) <= english if isinstance(m.id, tuple) else None
            if kept is False or (kept is None and fields(french) != english):
                broken.append(m.id)
    assert broken == []


def test_plural_messages_have_both_french_forms_and_choose_by_count(monkeypatch):
    """A plural entry has a French singular and plural, each with the English plural's placeholders (the
    singular may leave out `{count}`), and French says "1 tag" and "0 tag" where English says "0 tags"."""
    plural = [m for m in catalogue() if isinstance(m.id, tuple)]
    assert plural, "the catalogue has plural entries"
    for entry in plural:
        assert len(entry.string) == 2, entry.id
        assert all(entry.string), entry.id
    monkeypatch.setenv("LAB_LANG", "fr")
    one = i18n.ngettext("the registry has {count} tag: {near}", "the registry has {count} tags, the closest: {near}",
                        1, near="latest")  # fmt: skip
    many = i18n.ngettext("the registry has {count} tag: {near}", "the registry has {count} tags, the closest: {near}",
                         40, near="1.0.0")  # fmt: skip
    assert (one, many) == ("le registre a 1 tag\u00a0: latest", "le registre a 40 tags, les plus proches\u00a0: 1.0.0")
    monkeypatch.setenv("LAB_LANG", "en")
    assert i18n.ngettext("{count} pod", "{count} pods", 0) == "0 pods"


def test_a_list_in_a_message_is_written_as_people_write_one(monkeypatch):
    """Revision numbers in a message read "1, 3, 4", in both languages, never Python's "[1, 3, 4]"."""
    for lang in ("en", "fr"):
        monkeypatch.setenv("LAB_LANG", lang)
        said = i18n._("there is no revision {revision} (the history has {found}).", revision=2, found=[1, 3, 4])
        assert "1, 3, 4" in said
        assert "[" not in said


def test_the_code_builds_its_messages_from_the_catalogue():
    """No LabError, check message or printed line of the package is a bare English literal: all go through `_()`.
    (A check's name may stay a proper name: kubectl, Docker, ReplicaSets, change-cause.)"""

    def literal(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return any(c.isalpha() for c in node.value)
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            return any(c.isalpha() for c in text.replace("rolloutlab", ""))
        return False

    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            said: list[ast.AST] = []
            if name == "LabError":
                said = node.args[:1] + [k.value for k in node.keywords if k.arg == "fix"]
            elif name == "Check":
                said = node.args[2:3]
            elif name in ("print", "say", "task"):
                said = node.args[:1]
            offenders += [f"{path.relative_to(PACKAGE)}:{n.lineno}" for n in said if literal(n)]
    assert offenders == []


def test_every_exercise_explains_its_solution():
    """`lab.solution(step)` of an exercise shows its code and why; the why exists for every exercise."""
    assert all(s.explanation for s in exercises.STEPS.values() if s.exercise)


def seen_without_deployment() -> Seen:
    return Seen(current_context="lab", lab_context="lab", namespace="lab02-x", deployment=None, elsewhere=[],
                image_base="localhost:5001/first-app-k8s", tags=["latest", "1.0.0"], replicasets=[], pods=[],
                slices=[])  # fmt: skip


def test_with_lab_lang_fr_a_failing_check_speaks_french(monkeypatch):
    """LAB_LANG=fr: the check's line, its name and its advice are French; LAB_LANG=en: English."""
    monkeypatch.setenv("LAB_LANG", "fr")
    said = str(judge.rolled_out(seen_without_deployment(), tag="1.0.0"))
    assert said == ("ÉCHEC mise à jour progressive\u00a0: il n'y a pas de déploiement first-app dans le namespace "
                    "'lab02-x'\u00a0: rien de fait pour l'instant\u202f? Lancez d'abord la commande de l'étape (ou "
                    "les cellules au-dessus).")  # fmt: skip
    monkeypatch.setenv("LAB_LANG", "en")
    assert str(judge.rolled_out(seen_without_deployment(), tag="1.0.0")).startswith(
        "FAIL rollout: there is no Deployment first-app in namespace 'lab02-x'"
    )


def test_hints_and_explanations_are_shown_in_the_students_language(monkeypatch):
    """A hint kept in the steps' table is translated where it is shown."""
    monkeypatch.setenv("LAB_LANG", "fr")
    assert (
        _(exercises.STEPS["04.1"].hint) == "`kubectl rollout undo deployment/first-app`, puis `kubectl rollout status`."
    )
    assert _(exercises.STEPS["03.2"].explanation).startswith("maxSurge est arrondi à l'entier supérieur")


@pytest.mark.parametrize(
    ("env", "folder", "expected"),
    [
        ({"LANG": "fr_FR.UTF-8"}, None, "fr"),
        ({"LANG": "en_US.UTF-8"}, None, "en"),
        ({"LANG": "C"}, None, "en"),
        ({}, None, "en"),
        ({"LANGUAGE": "fr:en", "LANG": "en_US.UTF-8"}, None, "fr"),
        ({"LC_ALL": "fr_CA.UTF-8"}, None, "fr"),
        ({"LANG": "en_US.UTF-8"}, "fr", "fr"),
        ({"LAB_LANG": "en", "LANG": "fr_FR.UTF-8"}, "fr", "en"),
        ({"LAB_LANG": "FR"}, "en", "fr"),
        ({"LAB_LANG": "de", "LANG": "fr_FR.UTF-8"}, None, "fr"),
    ],
)
def test_the_language_is_lab_lang_then_the_labs_folder_then_the_locale(monkeypatch, env, folder, expected):
    """LAB_LANG wins; else a lab in labs/fr or labs/en speaks its folder's language; else the locale; else English."""
    for name in ("LAB_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    i18n.use_lab_language(folder)
    try:
        assert i18n.language() == expected
    finally:
        i18n.use_lab_language(None)


def test_a_lab_folder_names_its_language():
    """labs/fr and labs/en are languages; any other folder is not."""
    assert i18n.folder_language(Path("/x/labs/fr")) == "fr"
    assert i18n.folder_language(Path("/x/labs/en")) == "en"
    assert i18n.folder_language(Path("/x/labs")) is None
    assert i18n.folder_language(Path("/x/other/fr")) is None


def test_speaking_forces_a_language_inside_its_block(monkeypatch):
    """The site's French pages are written in French whatever LAB_LANG says, and only inside the block."""
    monkeypatch.setenv("LAB_LANG", "en")
    with i18n.speaking("fr"):
        assert _("Validation report") == "Rapport de validation"
    assert _("Validation report") == "Validation report"


def test_a_lab_error_speaks_french(monkeypatch):
    """A LabError's two sentences both come out in French."""
    monkeypatch.setenv("LAB_LANG", "fr")
    error = LabError(_("no pod has crashed yet"), fix=_("run the /error cell first"))
    assert str(error) == "aucun pod n'a encore planté. Exécutez d'abord la cellule /error."


def run_cli(*args: str, env: dict[str, str]) -> process.Result:
    clean = {k: v for k, v in os.environ.items() if k not in ("LAB_LANG", "LANGUAGE", "LC_ALL", "LANG")}
    return process.run([sys.executable, "-m", "rolloutlab", *args], timeout=60, env={**clean, **env}, check=False)


def test_the_cli_speaks_the_locale(tmp_path):
    """With a French locale and no LAB_LANG, an error of the command is one French line (exit 2)."""
    proc = run_cli("site", "--labs", str(tmp_path / "nothing"), "--out", str(tmp_path / "site"),
                   env={"LANG": "fr_FR.UTF-8"})  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"rolloutlab\u00a0: aucun lab exécuté dans {tmp_path / 'nothing'}. Lancez d'abord `rolloutlab validate --out "
        "build/labs` (ou ./scripts/run-labs)\u202f; le site montre ses résultats."
    ]


def test_an_unknown_lab_lang_is_one_line(tmp_path):
    """LAB_LANG=de: one line naming the value and the two languages, exit 2, nothing run."""
    proc = run_cli("site", "--labs", str(tmp_path), "--out", str(tmp_path / "site"), env={"LAB_LANG": "de"})
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("rolloutlab: LAB_LANG=de is not a language of the labs. Set LAB_LANG=fr or "
                                   "LAB_LANG=en, or unset it to let the lab's folder or your locale "
                                   "choose.")  # fmt: skip
    assert not (tmp_path / "site").exists()


def test_a_lab_refuses_an_unknown_lab_lang_as_the_cli_does(monkeypatch, tmp_path):
    """open_lab with LAB_LANG=de raises the CLI's very line before it reads any cluster."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAB_LANG", "de")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    with pytest.raises(LabError) as caught:
        open_lab("02")
    assert str(caught.value) == ("LAB_LANG=de is not a language of the labs. Set LAB_LANG=fr or LAB_LANG=en, or unset "
                                 "it to let the lab's folder or your locale choose.")  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "args", "expected"),
    [
        ("fr", ["validate", "--lang", "de"], "rolloutlab validate\u00a0: argument --lang\u00a0: choix invalide\u00a0: "
         "'de' (choix possibles\u00a0: 'en', 'fr', 'all'). Voir `rolloutlab validate --help`."),
        ("en", ["sandbx"], "rolloutlab: argument COMMAND: invalid choice: 'sandbx' (choose from 'sandbox', 'lab', "
         "'validate', 'images', 'class', 'cluster', 'site', 'environment', 'record-samples', 'bench'). See "
         "`rolloutlab --help`."),
        ("fr", ["validate"], "rolloutlab validate\u00a0: ces arguments sont obligatoires\u00a0: --out. Voir "
         "`rolloutlab validate --help`."),
        ("fr", ["validate", "--out", "x", "--jobs", "deux"], "rolloutlab validate\u00a0: argument --jobs\u00a0: "
         "valeur int invalide\u00a0: 'deux'. Voir `rolloutlab validate --help`."),
    ],
)  # fmt: skip
def test_a_mistyped_command_is_one_line_in_the_users_language(lang, args, expected):
    """A typo in a command, a choice or a value: argparse's words in the user's language, one line, exit 2."""
    proc = run_cli(*args, env={"LAB_LANG": lang})
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [expected]


def test_the_help_speaks_french():
    """`rolloutlab validate --help` with LAB_LANG=fr: argparse's headings and every option's help in French."""
    proc = run_cli("validate", "--help", env={"LAB_LANG": "fr"})
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage\u00a0: rolloutlab validate")
    assert "afficher cette aide et quitter" in proc.stdout
    assert "dossier des notebooks exécutés" in proc.stdout
