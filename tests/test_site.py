"""The course site, built from the executed labs and looked at in headless Chromium (Debian's package)."""

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import requests

from helpers import chromium
from rolloutlab.course import site
from rolloutlab.paths import repository

SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "site-screenshots"


@pytest.fixture(scope="module")
def served(validated, tmp_path_factory):
    """The site built from this run's executed labs, served on a loopback port."""
    out, _ = validated
    work = tmp_path_factory.mktemp("site")
    built = site.build(labs_dir=out, out=work / "site", work=work / "src")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(built))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven through Debian's chromedriver (nothing is downloaded)."""
    driver = chromium(window="1300,2000")
    yield driver
    driver.quit()


LAB_PAGES = ["00-setup", "01-build-and-push", "02-deploy-and-set-image", "03-failed-rollout", "04-rollback",
             "05-rolling-upgrade-strategy"]  # fmt: skip


@pytest.mark.sandbox
@pytest.mark.parametrize("page", LAB_PAGES)
def test_lab_page_renders_with_its_images_and_links(served, browser, page):
    """Each lab page renders its heading, every image loads, and every internal link answers 200."""
    url = urljoin(served, f"labs/{page}/")
    browser.get(url)
    assert browser.title.startswith(f"Lab {page[:2]}")
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0])"
    )
    broken = [src for src, ok in images if not ok]
    assert not broken, f"images that did not load: {broken}"
    if page[:2] in ("02", "03", "04", "05"):
        assert len(images) >= 2, "the lab's plots are on the page"
    links = browser.execute_script("return Array.from(document.links).map(a => a.href)")
    internal = {link.split("#")[0] for link in links if urlparse(link).netloc == urlparse(served).netloc}
    dead = [link for link in sorted(internal) if requests.get(link, timeout=5).status_code != 200]
    assert not dead, f"broken internal links: {dead}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / f"{page}.png"))


GUIDES = {
    "": "rollout labs",
    "clusters/": "Getting a cluster",
    "setup/sandbox/": "The sandbox (default, works offline)",
    "setup/kind/": "kind, with kind's local-registry recipe",
    "setup/minikube/": "minikube, with its registry addon",
    "setup/existing/": "An existing cluster",
    "instructor/": "Instructor guide",
    "benchmarks/": "Benchmarks",
}


@pytest.mark.sandbox
@pytest.mark.parametrize("path", list(GUIDES), ids=[p.strip("/") or "home" for p in GUIDES])
def test_guide_pages_render(served, browser, path):
    """Home, one set-up page per way to get a cluster, the instructor guide and benchmarks render."""
    browser.get(urljoin(served, path))
    assert browser.find_element("tag name", "h1").text == GUIDES[path]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / f"{path.strip('/').replace('/', '-') or 'index'}.png"))


@pytest.mark.parametrize("relative", [True, False])
def test_site_builds_from_relative_or_absolute_folders(tmp_path, monkeypatch, relative):
    """`rolloutlab site` with relative folders (as run-labs calls it) builds the same site, one page per lab."""
    import shutil

    shutil.copytree(repository().labs, tmp_path / "labs")
    monkeypatch.chdir(tmp_path)
    base = Path() if relative else tmp_path
    built = site.build(labs_dir=base / "labs", out=base / "build" / "site", work=base / "build" / "site-src")
    assert (tmp_path / "build" / "site" / "index.html").exists()
    assert (built / "labs" / "03-failed-rollout" / "index.html").exists()
