"""`./scripts/lab` opens the course: JupyterLab on 127.0.0.1 with a token, a lab opens, and its cells run."""

import contextlib
import json
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import Kubectl, chromium, wait_for
from rolloutlab import process
from rolloutlab.course import jupyter

# Counts the machine's kernels and namespaces, or drives a browser: never beside the suite's lab run.
pytestmark = pytest.mark.alone

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def course(sandbox) -> Iterator[str]:
    """`rolloutlab lab --no-browser` as `./scripts/lab` runs it after its set-up, on a free port; its URL."""
    env = {**os.environ, "KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry}
    with serve(repo=ROOT, lang="en", env=env) as url:
        yield url


def test_the_url_is_loopback_with_a_token(course):
    """The printed URL is on 127.0.0.1, carries a long token, and nothing answers without it."""
    import requests

    assert course.startswith("http://127.0.0.1:")
    assert len(course.split("token=")[1]) >= 24
    base = course.split("/lab/")[0]

    def answer() -> int | None:  # its status code: a Response of 403 is falsy itself
        try:
            return requests.get(f"{base}/api/contents", timeout=5).status_code
        except requests.ConnectionError:
            return None

    assert wait_for(answer, timeout=60, what="JupyterLab to answer", interval=0.5) == 403


@pytest.mark.sandbox
def test_lab_02_opens_and_its_first_cell_runs_in_chromium(course, tmp_path):
    """In headless Chromium: JupyterLab loads, lab 02 opens, its first cell runs and prints where kubectl points."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chromium(window="1400,1000")
    try:
        shown = open_notebook(driver, course, "en/02-deploy-and-set-image.ipynb")
        assert "Lab 02" in shown.text
        first = shown.find_elements(By.CSS_SELECTOR, ".jp-CodeCell")[0]
        first.find_element(By.CSS_SELECTOR, ".cm-content").click()
        first.find_element(By.CSS_SELECTOR, ".cm-content").send_keys(Keys.SHIFT, Keys.ENTER)
        wait = WebDriverWait(driver, 120)
        wait.until(lambda d: "lab 02: context" in first.find_element(By.CSS_SELECTOR, ".jp-Cell-outputArea").text)
        output = first.find_element(By.CSS_SELECTOR, ".jp-Cell-outputArea").text
        driver.save_screenshot(str(ROOT / "build" / "jupyterlab-lab02.png"))
    finally:
        driver.quit()
    assert "namespace default" in output
    assert "Traceback" not in output


@contextlib.contextmanager
def serve(*, repo: Path, lang: str, env: dict[str, str]) -> Iterator[str]:
    """`rolloutlab lab --no-browser --lang <lang>` on the clone `repo` (ROLLOUTLAB_REPO), on a free port; its URL."""
    port = jupyter.free_port(18900)
    proc = process.spawn([sys.executable, "-m", "rolloutlab", "lab", "--no-browser", "--port", str(port), "--lang",
                          lang], cwd=repo, env={**env, "ROLLOUTLAB_REPO": str(repo)}, stdout=process.PIPE,
                         stderr=None, new_session=True)  # fmt: skip
    try:
        line = process.first_line(proc, timeout=120)
        found = re.search(r"(http://127\.0\.0\.1:\d+/lab/tree/\w+\?token=\S+)", line)
        assert found, line
        # The URL is printed before JupyterLab listens: wait for its API to answer.
        base = found.group(1).split("/lab/")[0]
        wait_for(lambda: answers(f"{base}/api/status"), timeout=60, what="JupyterLab to answer")
        yield found.group(1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)  # its stdout is closed by first_line's reader


def answers(url: str) -> bool:
    import requests

    try:
        requests.get(url, timeout=2)
    except requests.ConnectionError:
        return False
    return True


@pytest.fixture
def clone(tmp_path) -> Path:
    """A copy of the repository's course folders, so that what a test types never reaches the real labs."""
    copy = tmp_path / "repo"
    for name in ("labs", "app", "docs"):
        shutil.copytree(ROOT / name, copy / name)
    for name in ("pyproject.toml", ".gitignore"):
        shutil.copy(ROOT / name, copy / name)
    process.run(["git", "init", "-q"], cwd=copy, timeout=60, check=True)
    process.run(["git", "add", "-A"], cwd=copy, timeout=60, check=True)
    process.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "labs"], cwd=copy, timeout=60, check=True
    )
    return copy


def open_notebook(driver: Any, url: str, path: str) -> Any:
    """Open `path` in the JupyterLab at `url` and wait for its kernel to be idle and every cell to be in the page;
    the notebook shown. (JupyterLab attaches cells a few at a time: a CI run once found 15 of lab 02's cells.)"""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    base, token = url.split("/lab/")[0], url.split("token=")[1]
    driver.get(f"{base}/lab/tree/{path}?token={token}")
    shown = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
    wait = WebDriverWait(driver, 120)
    wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, f"{shown} .jp-CodeCell")))
    # The kernel's status, in the interface's language (JupyterLab speaks French in the French course).
    wait.until(lambda d: re.search(r"\b(Idle|Inactif)\b", d.find_element(By.CSS_SELECTOR, "#jp-main-statusbar").text))
    count = len(json.loads((ROOT / "labs" / path).read_text())["cells"])
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, f"{shown} .jp-Cell")) == count)
    # A dialog JupyterLab opens on its own comes up just after the notebook (one once hid a cell): named if so.
    with contextlib.suppress(TimeoutException):
        WebDriverWait(driver, 2).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Dialog"))
    dialogs = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog")]
    assert not dialogs, f"JupyterLab opened a dialog over {path}: {dialogs}"
    return driver.find_element(By.CSS_SELECTOR, shown)


def dirty_tabs(driver: Any) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.lm-TabBar-tab.jp-mod-dirty')).map(t => t.innerText)"
    )


def menus(driver: Any) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#jp-menu-panel .lm-MenuBar-itemLabel')).map(t => t.innerText)"
    )


def open_tabs(driver: Any) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#jp-main-dock-panel .lm-TabBar-tab')).map(t => t.title)"
    )


@pytest.mark.sandbox
def test_a_lab_opened_and_saved_unchanged_leaves_git_clean_and_each_language_keeps_its_tabs(sandbox, clone, tmp_path):
    """In Chromium: the French lab 02 opens, its kernel starts, nothing is marked changed, and a save writes the
    same bytes (the stored form is JupyterLab's own), and JupyterLab's own menus are French. Then the English labs
    open in a workspace of their own, in English: no French tab comes back from the French session."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    env = {**os.environ, "KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry}
    path = clone / "labs" / "fr" / "02-deploy-and-set-image.ipynb"
    before = path.read_bytes()
    driver = chromium(window="1400,1000")
    try:
        with serve(repo=clone, lang="fr", env=env) as url:
            panel = open_notebook(driver, url, "fr/02-deploy-and-set-image.ipynb")
            time.sleep(3)  # the kernel's language_info arrives after it is idle
            assert dirty_tabs(driver) == []
            assert menus(driver)[:3] == ["Fichier", "Édition", "Affichage"], menus(driver)
            panel.click()
            unsaved = path.stat().st_mtime_ns  # the clone's copy keeps the repository's time
            ActionChains(driver).key_down(Keys.CONTROL).send_keys("s").key_up(Keys.CONTROL).perform()
            wait_for(lambda: path.stat().st_mtime_ns != unsaved, timeout=30, what="JupyterLab to write the save")
            assert any("fr/02-deploy-and-set-image.ipynb" in t for t in open_tabs(driver))
        assert path.read_bytes() == before
        status = process.run(["git", "status", "--porcelain", "labs"], cwd=clone, timeout=60, check=False)
        assert status.stdout == ""
        with serve(repo=clone, lang="en", env=env) as url:
            open_notebook(driver, url, "en/02-deploy-and-set-image.ipynb")
            tabs = open_tabs(driver)
            english = menus(driver)
            driver.save_screenshot(str(ROOT / "build" / "jupyterlab-en-workspace.png"))
    finally:
        driver.quit()
    assert tabs, "the English lab is open"
    assert not [t for t in tabs if "fr/" in t], tabs
    assert english[:3] == ["File", "Edit", "View"], english


def terminal_output(url: str, line: str, *, until: str, seconds: float = 30) -> str:
    """What a JupyterLab terminal shows after `line` is typed into it, through the server's own terminal API (as
    the browser does): everything up to `until`."""
    import asyncio

    import requests
    from tornado.websocket import websocket_connect

    base, token = url.split("/lab/")[0], url.split("token=")[1]
    name = requests.post(f"{base}/api/terminals?token={token}", timeout=10).json()["name"]

    async def talk() -> str:
        socket = await websocket_connect(f"{base.replace('http', 'ws', 1)}/terminals/websocket/{name}?token={token}")
        socket.write_message(json.dumps(["stdin", line + "\r"]))
        shown = ""
        while until not in shown:
            message = await socket.read_message()
            assert message is not None, shown
            kind, *text = json.loads(message)
            shown += "".join(text) if kind == "stdout" else ""
        socket.close()
        return shown

    try:
        return asyncio.run(asyncio.wait_for(talk(), timeout=seconds))
    finally:
        requests.delete(f"{base}/api/terminals/{name}?token={token}", timeout=10)


@pytest.mark.sandbox
def test_a_terminal_runs_the_labs_kubectl_in_the_labs_namespace(sandbox, clone):
    """A JupyterLab terminal opened by `rolloutlab lab` runs the labs' kubectl (the cluster's version, not the
    machine's, which a login shell's /etc/profile would put first), in LAB_NAMESPACE, and says so on opening."""
    env = {**os.environ, "KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry,
           "LAB_NAMESPACE": "terminal-ns", "LAB_LANG": "en"}  # fmt: skip
    with serve(repo=clone, lang="en", env=env) as url:
        shown = terminal_output(url, "command -v kubectl; kubectl config view --minify -o "
                                "jsonpath='ns={..namespace}'; echo; echo END-$((40+2))", until="END-42")  # fmt: skip
    assert "kubectl here is the labs' own, in the namespace terminal-ns" in shown
    assert sandbox.kubectl in shown
    assert "ns=terminal-ns" in shown


def run_cell(driver: Any, cell: Any, *, source: str | None = None, wait_for: str, seconds: float = 300,
             explain: Callable[[], str] | None = None, again_if_cut: bool = False) -> str:  # fmt: skip
    """Type `source` into `cell` (when given), run it with Shift+Enter, and wait until its output shows `wait_for`;
    if it never does, the failure says what the cell shows, and what `explain` finds (the cluster's state).

    `again_if_cut`: a `!kubectl rollout status` cell once finished (its prompt numbered, the kernel idle, the
    Deployment 4/4 for minutes) with its last line, "successfully rolled out", never shown: JupyterLab lost the end
    of the command's output (a pty's "\r\n" split across stream messages is the suspect). A student would run the
    cell again; so does the test, once, and writes it down in build/jupyterlab-student/cut-outputs.txt."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    editor = cell.find_element(By.CSS_SELECTOR, ".cm-content")
    editor.click()
    if source is not None:
        editor.send_keys(Keys.CONTROL, "a")
        editor.send_keys(Keys.DELETE)
        editor.send_keys(source)
    editor.send_keys(Keys.SHIFT, Keys.ENTER)
    output = ".jp-Cell-outputArea"
    try:
        finished: list[float] = []
        reran: list[bool] = []

        def shown(d: Any) -> bool:
            # In view, so that JupyterLab renders the cell's latest output (a live figure above pushes it away).
            d.execute_script("arguments[0].scrollIntoView({block: 'nearest'})", cell)
            text = cell.find_element(By.CSS_SELECTOR, output).text
            if wait_for in text:
                return True
            prompt = cell.find_element(By.CSS_SELECTOR, ".jp-InputPrompt").text
            if again_if_cut and not reran and re.fullmatch(r"\[\d+\]:", prompt.strip()):
                finished.append(time.monotonic())
                if finished[-1] - finished[0] >= 5:  # finished, and rendered by now, without the line
                    cut = ROOT / "build" / "jupyterlab-student" / "cut-outputs.txt"
                    with cut.open("a") as log:
                        log.write(f"{time.strftime('%F %T')} ran again, its output was cut: {text[-300:]!r}\n")
                    finished.clear()
                    editor.click()
                    editor.send_keys(Keys.SHIFT, Keys.ENTER)
                    reran.append(True)
            else:
                finished.clear()  # running ([*]) or not run yet: the 5 s count from when it shows finished
            return False

        WebDriverWait(driver, seconds).until(shown)
    except TimeoutException:
        driver.save_screenshot(str(ROOT / "build" / "jupyterlab-timeout.png"))
        shown = cell.find_element(By.CSS_SELECTOR, output).text
        found = f"\n{explain()}" if explain is not None else ""
        raise AssertionError(
            f"no {wait_for!r} after {seconds:.0f} s; the cell shows: {shown[-1500:]!r}{found}"
        ) from None
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)  # what a screenshot should show
    return cell.find_element(By.CSS_SELECTOR, output).text


def rollout_state(sandbox) -> str:
    """The lab's Deployment, ReplicaSets and pods, the pods that are not ready described, and the namespace's events:
    what a rollout that never ends was waiting for."""
    kube = Kubectl(path=sandbox.kubectl, kubeconfig=sandbox.kubeconfig, namespace="default")

    def shown(*args: str) -> str:
        done = kube(*args, timeout=60, check=False)
        return done.stdout + done.stderr

    pods = kube.json("get", "pods")["items"]
    unready = [p["metadata"]["name"] for p in pods
               if not all(c.get("ready") for c in p["status"].get("containerStatuses") or [{}])]  # fmt: skip
    return "\n".join([shown("get", "deployments,replicasets,pods", "-o", "wide"),
                      *(shown("describe", "pod", name) for name in unready),
                      shown("get", "events", "--sort-by=.lastTimestamp")])  # fmt: skip


def open_lab_02(driver: Any, url: str, *, sandbox: Any, lang: str, started: str) -> tuple[list[Any], str]:
    """Lab 02 opened as a student opens it: its first cell, the start (which says `started`), and the first
    deployment rolled out. Its cells, and what the start printed."""
    from selenium.webdriver.common.by import By

    panel = open_notebook(driver, url, f"{lang}/02-deploy-and-set-image.ipynb")
    cells = panel.find_elements(By.CSS_SELECTOR, ".jp-Cell")
    run_cell(driver, cells[1], wait_for="lab 02")
    said = run_cell(driver, cells[3], wait_for=started, seconds=180)
    run_cell(driver, cells[5], wait_for="successfully rolled out", explain=lambda: rollout_state(sandbox),
             again_if_cut=True)  # fmt: skip
    return cells, said


# What a French student wrote on their page in lab 01: an apostrophe, an accent, an ampersand (the app escapes them).
OWN_LINE = "Bonjour, c'est la version de Léa & co"


@pytest.mark.sandbox
def test_a_french_student_types_a_wrong_tag_then_the_right_one_in_jupyterlab(sandbox, clone, registry_restored,
                                                                             monkeypatch):  # fmt: skip
    """In Chromium, through JupyterLab, lab 02 in French as a student plays it, with the version they built in lab 01
    whose line has an apostrophe: the check run with its answer cell skipped says what to write in one line; `set
    image` to the missing tag 1.0 and its check say so; the lesson's command, and the same check passes, finds their
    line on the page as they wrote it, and says why the history is longer. Screenshots in build/."""

    from rolloutlab.lab import helpers, state
    from rolloutlab.settings import LabSettings

    # Lab 01 as the student did it: their version pushed, its tag handed on in the namespace the lab opens.
    monkeypatch.setenv("KUBECONFIG", str(sandbox.kubeconfig))
    settings = LabSettings.from_env({"KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry})
    settings.apply_to_kubectl()
    tag = helpers.next_free_tag(settings=settings, series="1.1")
    helpers.push_version(settings=settings, tag=tag, message=OWN_LINE)
    state.remember(new_tag=tag)

    # As a student opens it: no LAB_LANG (the suite sets one for itself), so the lab speaks its folder's language.
    env = {k: v for k, v in os.environ.items() if k != "LAB_LANG"}
    env.update({"KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry})
    shots = ROOT / "build" / "jupyterlab-student"
    shots.mkdir(parents=True, exist_ok=True)
    image = f"{sandbox.registry}/first-app-k8s"
    driver = chromium(window="1400,1600")
    try:
        with serve(repo=clone, lang="fr", env=env) as url:
            cells, started = open_lab_02(driver, url, sandbox=sandbox, lang="fr", started="votre version du lab 01")
            own = re.search(r"\b1\.1\.\d+\b", started)  # their version, as the start names it
            assert own, started
            assert own.group(0) == tag
            skipped = run_cell(driver, cells[13], wait_for="ÉCHEC")  # 02.2's check, its answer cell (12) not run
            driver.save_screenshot(str(shots / "1-answer-cell-skipped.png"))
            run_cell(driver, cells[15], wait_for="")
            run_cell(driver, cells[16], source=f"!kubectl set image deployment/first-app first-app-k8s={image}:1.0",
                     wait_for="image updated")  # fmt: skip
            wrong = run_cell(driver, cells[17], wait_for="ÉCHEC")
            driver.save_screenshot(str(shots / "2-missing-tag.png"))
            typed = f"!kubectl set image deployment/first-app first-app-k8s={image}:{own.group(0)}\n"
            run_cell(driver, cells[16], source=typed + "!kubectl rollout status deployment/first-app",
                     wait_for="successfully rolled out", explain=lambda: rollout_state(sandbox),
                     again_if_cut=True)  # fmt: skip
            fixed = run_cell(driver, cells[17], wait_for="OK 02.3")
            driver.save_screenshot(str(shots / "3-fixed.png"))
    finally:
        driver.quit()
    # WebDriver's text gives a no-break space as a plain one (Selenium's atoms); the NBSP itself: test_typography.
    skipped, fixed = skipped.replace("\u00a0", " "), fixed.replace("\u00a0", " ")
    assert skipped.splitlines()[0].startswith("ÉCHEC 02.2 réponse : votre réponse n'est pas encore dans le noyau de ce "
                                              "notebook")  # fmt: skip
    assert "écrivez `container = ...`" in skipped
    assert "NameError" not in skipped
    assert "Traceback" not in skipped
    assert "le déploiement demande le tag '1.0', qui n'est pas dans le registre" in wrong
    assert "Traceback" not in wrong
    assert "Votre historique est plus long que celui du cours" in fixed
    assert f"affiche la version {tag} : « {OWN_LINE} »" in fixed


# Kept in the page from the moment it is installed: when the `set image` cell's output first says so, when the view
# first shows a ReplicaSet it did not show before, and each pod's states in the order the view showed them.
WATCH_THE_VIEW = """
const cell = arguments[0];
const known = new Set(Array.from(document.querySelectorAll('.rl-live .rl-set')).map(r => r.dataset.name));
const seen = window.rlSeen = {command: null, replicaset: null, states: {}, views: 0};
new MutationObserver(() => {
  const now = performance.now();
  if (seen.command === null && cell.querySelector('.jp-Cell-outputArea').textContent.includes('image updated')) {
    seen.command = now;
  }
  const rows = Array.from(document.querySelectorAll('.rl-live .rl-set'));
  if (seen.replicaset === null && rows.some(r => !known.has(r.dataset.name))) seen.replicaset = now;
  seen.views = document.querySelectorAll('.rl-live').length;
  document.querySelectorAll('.rl-live .rl-pod').forEach(p => {
    const states = seen.states[p.title] = seen.states[p.title] || [];
    if (states[states.length - 1] !== p.dataset.state) states.push(p.dataset.state);
  });
}).observe(document.body, {subtree: true, childList: true, characterData: true});
"""


@pytest.mark.sandbox
def test_the_live_view_shows_set_image_as_it_happens_in_jupyterlab(sandbox, clone, registry_restored):
    """In Chromium, lab 02 in JupyterLab: `lab.view()` shows the Deployment, its container and its pods on the
    nodes; pinned beside the notebook ("Create New View for Cell Output") it is drawn there too; `set image` shows
    the new ReplicaSet in the view within 2 s of the command's answer, and pods change state on the nodes as the
    rollout goes; once its kernel is killed, the view says it has stopped. Screenshots:
    build/jupyterlab-live-view.png and build/jupyterlab-live-view-stopped.png."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    env = {**os.environ, "KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry,
           "LAB_LANG": "en", "LAB_LIVE_VIEW": "on"}  # fmt: skip
    driver = chromium(window="1600,1400")
    try:
        with serve(repo=clone, lang="en", env=env) as url:
            cells, _started = open_lab_02(driver, url, sandbox=sandbox, lang="en", started="from lab 01")
            view_cell = cells[11]
            assert "lab.view()" in view_cell.text
            run_cell(driver, view_cell, wait_for="Create New View for Cell Output")
            wait = WebDriverWait(driver, 30, poll_frequency=0.1)

            # Read in one script: the view redraws its elements, and a WebElement found before a redraw is stale.
            def live_text(d: Any) -> str:
                return d.execute_script("const v=arguments[0].querySelector('.rl-live');"
                                        "return v ? v.textContent : arguments[0].textContent", view_cell)  # fmt: skip

            def pod_states(d: Any) -> list[str]:
                return d.execute_script("return Array.from(arguments[0].querySelectorAll('.rl-live .rl-pod'))"
                                        ".map(p => p.dataset.state)", view_cell)  # fmt: skip

            try:
                wait.until(lambda d: "4 ready, 4 available" in live_text(d) and pod_states(d) == ["Ready"] * 4)
            except TimeoutException:
                driver.save_screenshot(str(ROOT / "build" / "jupyterlab-timeout.png"))
                raise AssertionError(f"the view never showed 4 ready pods: {live_text(driver)[-1500:]!r}") from None
            shown = view_cell.find_element(By.CSS_SELECTOR, ".rl-live").text
            assert "container first-app-k8s" in shown, shown
            assert len(view_cell.find_elements(By.CSS_SELECTOR, ".rl-node")) == 3
            # Pinned as the lab tells the student to: the output's context menu, then its item: one view more.
            views = len(driver.find_elements(By.CSS_SELECTOR, ".rl-live"))
            ActionChains(driver).context_click(view_cell.find_element(By.CSS_SELECTOR, ".rl-live")).perform()
            item = wait.until(lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, ".lm-Menu-item")
                                              if "Create New View for Cell Output" in e.text), None))  # fmt: skip
            item.click()
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".rl-live")) == views + 1)
            command = cells[16]
            driver.execute_script(WATCH_THE_VIEW, command)
            run_cell(driver, command, source="!kubectl set image deployment/first-app "
                     "first-app-k8s={lab.image('1.0.0')}\n!kubectl rollout status deployment/first-app",
                     wait_for="successfully rolled out", explain=lambda: rollout_state(sandbox),
                     again_if_cut=True)  # fmt: skip
            wait.until(lambda d: pod_states(d) == ["Ready"] * 4)  # the old pods gone
            seen = driver.execute_script("return window.rlSeen")
            view_cell.find_element(By.CSS_SELECTOR, ".rl-live").location_once_scrolled_into_view  # noqa: B018
            driver.save_screenshot(str(ROOT / "build" / "jupyterlab-live-view.png"))
            rows = [r.text for r in view_cell.find_elements(By.CSS_SELECTOR, ".rl-set")]
            # The kernel killed (JupyterLab starts another): the view's last picture stays, and says it is old.
            run_cell(driver, command, source="import os; os._exit(1)", wait_for="")
            stopped = WebDriverWait(driver, 40, poll_frequency=0.5).until(
                lambda d: d.execute_script("const s=arguments[0].querySelector('.rl-live .rl-stale');"
                                           "return s ? s.textContent : null", view_cell))  # fmt: skip
            driver.save_screenshot(str(ROOT / "build" / "jupyterlab-live-view-stopped.png"))
    finally:
        driver.quit()
    assert seen["command"] is not None, seen
    assert seen["replicaset"] is not None, seen
    assert seen["replicaset"] - seen["command"] <= 2000, seen
    assert seen["views"] >= 2
    moved = {name: states for name, states in seen["states"].items() if len(states) > 1}
    assert moved, seen["states"]
    assert any(states[-1] == "Ready" for states in moved.values()), moved  # new pods came up
    assert any("Terminating" in states for states in seen["states"].values()), seen["states"]  # old pods left
    assert len(rows) == 2, rows
    assert "1.0.0" in rows[1], rows
    assert "This view has stopped: its kernel restarted or stopped" in stopped
