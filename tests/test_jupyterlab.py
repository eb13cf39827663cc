"""`./scripts/lab` opens the course: JupyterLab on 127.0.0.1 with a token, a lab opens, and its cells run."""

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import chromium
from rolloutlab.course import jupyter

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def course(sandbox) -> Iterator[str]:
    """`rolloutlab lab --no-browser` as `./scripts/lab` runs it after its set-up, on a free port; its URL."""
    env = {**os.environ, "KUBECONFIG": str(sandbox.kubeconfig), "LAB_REGISTRY": sandbox.registry}
    port = jupyter.free_port(18888)
    proc = subprocess.Popen([sys.executable, "-m", "rolloutlab", "lab", "--no-browser", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"(http://127\.0\.0\.1:\d+/lab/tree/en\?token=\S+)", line)
    assert found, line
    try:
        yield found.group(1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        proc.stdout.close()


def test_the_url_is_loopback_with_a_token(course):
    """The printed URL is on 127.0.0.1, carries a long token, and nothing answers without it."""
    import requests

    assert course.startswith("http://127.0.0.1:")
    assert len(course.split("token=")[1]) >= 24
    base = course.split("/lab/")[0]
    deadline = time.monotonic() + 60
    answer = None
    while answer is None and time.monotonic() < deadline:
        try:
            answer = requests.get(f"{base}/api/contents", timeout=5)
        except requests.ConnectionError:
            time.sleep(0.5)
    assert answer is not None, "JupyterLab never answered"
    assert answer.status_code == 403


@pytest.mark.sandbox
def test_lab_02_opens_and_its_first_cell_runs_in_chromium(course, tmp_path):
    """In headless Chromium: JupyterLab loads, lab 02 opens, its first cell runs and prints where kubectl points."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chromium(window="1400,1000")
    try:
        token = course.split("token=")[1]
        base = course.split("/lab/")[0]
        driver.get(f"{base}/lab/tree/en/02-deploy-and-set-image.ipynb?token={token}")
        wait = WebDriverWait(driver, 120)
        # The notebook shown, not one JupyterLab restored in a hidden tab from an earlier session's workspace.
        shown = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, f"{shown} .jp-CodeCell")))
        wait.until(ready.text_to_be_present_in_element((By.CSS_SELECTOR, shown), "Lab 02"))
        # The kernel is idle once its status shows it; then run the first code cell (the lab's opening line).
        wait.until(
            lambda d: (
                "Idle" in d.find_element(By.CSS_SELECTOR, ".jp-StatusBar-Widget, #jp-main-statusbar").text
                or d.find_elements(By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator[data-status='idle']")
            )
        )
        first = driver.find_elements(By.CSS_SELECTOR, f"{shown} .jp-CodeCell")[0]
        first.find_element(By.CSS_SELECTOR, ".cm-content").click()
        first.find_element(By.CSS_SELECTOR, ".cm-content").send_keys(Keys.SHIFT, Keys.ENTER)
        wait.until(lambda d: "lab 02: context" in first.find_element(By.CSS_SELECTOR, ".jp-Cell-outputArea").text)
        output = first.find_element(By.CSS_SELECTOR, ".jp-Cell-outputArea").text
        driver.save_screenshot(str(ROOT / "build" / "jupyterlab-lab02.png"))
    finally:
        driver.quit()
    assert "namespace default" in output
    assert "Traceback" not in output
