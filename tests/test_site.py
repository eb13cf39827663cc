"""The course site, built from the executed labs and looked at in headless Chromium (Debian's package)."""

import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import requests

from helpers import chromium, wait_for
from rolloutlab.course import site
from rolloutlab.paths import repository

SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "site-screenshots"
SITE_DIRS: dict[str, Path] = {}  # served URL -> built folder


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
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    SITE_DIRS[url] = built
    yield url
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
ROOT = {"en": "", "fr": "fr/"}  # where each language's site is, under the served root


@pytest.mark.sandbox
@pytest.mark.parametrize("lang", list(ROOT))
@pytest.mark.parametrize("page", LAB_PAGES)
def test_lab_page_renders_with_its_images_and_links(served, browser, page, lang):
    """Each lab page, in each language, renders its heading, every image loads, every internal link answers 200."""
    url = urljoin(served, f"{ROOT[lang]}labs/{page}/")
    browser.get(url)
    assert browser.title.startswith(f"Lab {page[:2]}")
    assert browser.execute_script("return document.documentElement.lang") == lang
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
    assert browser.save_screenshot(str(SCREENSHOTS / f"{lang}-{page}.png"))


GUIDES = {
    "en": {
        "": "rollout labs",
        "clusters/": "Getting a cluster",
        "setup/sandbox/": "The sandbox (default, works offline)",
        "setup/kind/": "kind, built here, with kind's local-registry recipe",
        "setup/minikube/": "minikube, with its registry addon",
        "setup/existing/": "An existing cluster",
        "glossary/": "Glossary",
        "instructor/": "Instructor guide",
        "environment/": "Environment variables",
        "benchmarks/": "Benchmarks",
    },
    "fr": {
        "": "rollout labs",
        "clusters/": "Obtenir un cluster",
        "setup/sandbox/": "Le bac à sable (par défaut, fonctionne hors ligne)",
        "setup/kind/": "kind, construit ici, avec sa recette de registre local",
        "setup/minikube/": "minikube, avec son extension registry",
        "setup/existing/": "Un cluster existant",
        "glossary/": "Glossaire",
        "instructor/": "Guide du formateur",
        "environment/": "Variables d'environnement",
        "benchmarks/": "Mesures",
    },
}


@pytest.mark.sandbox
@pytest.mark.parametrize(
    ("lang", "path"), [(lang, p) for lang in GUIDES for p in GUIDES[lang]],
    ids=[f"{lang}-{p.strip('/') or 'home'}" for lang in GUIDES for p in GUIDES[lang]],
)  # fmt: skip
def test_guide_pages_render(served, browser, lang, path):
    """Home, one set-up page per way to get a cluster, the glossary, the instructor guide and benchmarks render, in
    English and in French."""
    browser.get(urljoin(served, ROOT[lang] + path))
    assert browser.find_element("tag name", "h1").text == GUIDES[lang][path]
    assert browser.execute_script("return document.documentElement.lang") == lang
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = path.strip("/").replace("/", "-") or "index"
    assert browser.save_screenshot(str(SCREENSHOTS / f"{lang}-{name}.png"))


def test_both_languages_have_the_same_pages():
    """A page written in one language exists in the other: docs/en and docs/fr list the same files."""
    en, fr = repository().docs_in("en"), repository().docs_in("fr")
    assert sorted(p.relative_to(en) for p in en.rglob("*.md")) == sorted(p.relative_to(fr) for p in fr.rglob("*.md"))


@pytest.mark.sandbox
def test_the_language_switch_goes_both_ways(served, browser):
    """Material's switch in the header keeps the page: the English lab 03 leads to the French lab 03, the French
    home (menu in French) to the English home."""
    link = "return document.querySelector('a[hreflang=\"{}\"]').href"
    browser.get(urljoin(served, "labs/03-failed-rollout/"))
    french = browser.execute_script(link.format("fr"))
    assert french == urljoin(served, "fr/labs/03-failed-rollout/")
    browser.get(french)
    # WebDriver's text gives a no-break space as a plain one (Selenium's atoms); the NBSP itself: test_typography.
    heading = browser.find_element("tag name", "h1").text.replace("\u00a0", " ")
    assert heading.startswith("Lab 03 : une mise à jour progressive")
    browser.get(urljoin(served, "fr/"))
    assert browser.execute_script("return document.documentElement.lang") == "fr"
    menu = browser.execute_script("return Array.from(document.querySelectorAll('.md-nav__link')).map(a => "
                                  "a.textContent.trim())")  # fmt: skip
    assert {"Accueil", "Glossaire", "Guide du formateur", "Labs"} <= set(menu)
    english = browser.execute_script(link.format("en"))
    assert english == served
    browser.get(english)
    assert browser.execute_script("return document.documentElement.lang") == "en"


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
    assert (built / "fr" / "labs" / "03-failed-rollout" / "index.html").exists()
    assert "Lab 03\u00a0: une mise à jour progressive qui échoue" in (built / "fr" / "labs" / "03-failed-rollout" /
                                                                "index.html").read_text()  # fmt: skip


def test_a_lab_that_failed_a_check_renders_its_lines_without_a_warning(tmp_path):
    """A failed check's structured result has no text (the error shows its line): the page has the passing check's
    line and the error's, and nbconvert warns of nothing it cannot show (an error under this suite's filters)."""
    import nbformat

    from rolloutlab.lab import checks

    def bundle(ok: bool, line: str) -> dict:
        data = {checks.MIME: {"step": "04.3", "name": "04.3 recording", "ok": ok, "message": line, "shown": line,
                              "language": "en"}}  # fmt: skip
        return {"output_type": "display_data", "metadata": {}, "data": data | ({"text/plain": line} if ok else {})}

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("lab.check('04.3')")
    cell.outputs = [nbformat.from_dict(bundle(True, "OK 04.2 undo: fine")), nbformat.from_dict(bundle(False, "")),
                    nbformat.v4.new_output("error", ename="CheckFailed", evalue="FAIL 04.3 recording: 3 available",
                                           traceback=["CheckFailed: FAIL 04.3 recording: 3 available"])]  # fmt: skip
    nb.cells = [nbformat.v4.new_markdown_cell("# Lab 04: rollback"), cell]
    executed = tmp_path / "04-rollback.ipynb"
    nbformat.write(nb, executed)
    title, page = site.render_lab(executed, out_dir=tmp_path / "out")
    text = (tmp_path / "out" / page).read_text()
    assert title == "Lab 04: rollback"
    assert "OK 04.2 undo: fine" in text
    assert "FAIL 04.3 recording: 3 available" in text
    assert checks.MIME not in text


@pytest.mark.sandbox
def test_code_is_highlighted_with_copy_buttons_and_nothing_is_fetched_elsewhere(served, browser):
    """Material renders the lab's code highlighted with copy buttons, and every resource comes from the site."""
    browser.get(urljoin(served, "labs/02-deploy-and-set-image/"))
    wait_for(lambda: browser.execute_script("return document.querySelectorAll('.md-code__button').length"),
             timeout=15, what="copy buttons to appear", interval=0.3)  # fmt: skip
    highlighted = browser.execute_script("return document.querySelectorAll('.highlight code span.kn, .highlight "
                                         "code span.s2, .highlight code span.nn').length")  # fmt: skip
    assert highlighted >= 3, "Python keywords, module names and strings are highlighted"
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
    assert {urlparse(url).netloc for url in fetched} == {urlparse(served).netloc}


@pytest.mark.sandbox
def test_no_page_of_the_site_loads_anything_from_the_internet(served):
    """No script, stylesheet, image or font of any built page points off the site (no CDN, no web fonts)."""
    built = SITE_DIRS[served]
    loaded = re.compile(r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=\"(https?:)?//", re.IGNORECASE)
    offenders = [str(p.relative_to(built)) for p in built.rglob("*.html") if loaded.search(p.read_text())]
    assert offenders == []
    styles = "".join(p.read_text() for p in built.rglob("*.css"))
    assert "fonts.googleapis" not in styles
    assert "@import url(http" not in styles


@pytest.mark.sandbox
@pytest.mark.parametrize(("lang", "word"), [("en", "rollback"), ("fr", "annulation")])
def test_search_works_from_the_local_index(served, browser, lang, word):
    """Typing in Material's search box finds the rollback lab, from each language's own index."""
    browser.get(urljoin(served, ROOT[lang]))
    box = browser.find_element("css selector", "input.md-search__input")
    box.click()
    box.send_keys(word)
    found: list[str] = []

    def results() -> bool:
        found[:] = browser.execute_script(
            "return Array.from(document.querySelectorAll('.md-search-result__item a')).map(a => a.pathname)"
        )
        return f"/{ROOT[lang]}labs/04-rollback/" in found

    wait_for(results, timeout=15, what=f"the rollback lab among the search results for {word!r}", interval=0.3)


REPORT = {"en": ("Validation report", "PASS", "FAIL at cell"), "fr": ("Rapport de validation", "RÉUSSI", "ÉCHEC")}


@pytest.mark.sandbox
@pytest.mark.parametrize("lang", list(ROOT))
def test_the_last_validate_report_is_a_page(served, browser, validated, lang):
    """The report page of each language: one row per lab of that language with its result, its proven checks and
    its detours passed, each lab name linking to its page."""
    _, results = validated
    title, passed, failed = REPORT[lang]
    browser.get(urljoin(served, f"{ROOT[lang]}labs/report/"))
    assert browser.find_element("tag name", "h1").text == title
    rows = browser.execute_script(
        "return Array.from(document.querySelectorAll('table tbody tr')).map(r => Array.from(r.cells).map(c => "
        "c.innerText))"
    )
    assert [row[0] for row in rows] == sorted(k.split("/")[1] for k in results if k.startswith(f"{lang}/"))
    for row in rows:
        lab = results[f"{lang}/{row[0]}"]
        proven = sum(1 for p in lab.proofs if p["seen_failing"])
        assert row[1].startswith(passed if lab.ok else failed)
        assert row[4] == f"{proven}/{len(lab.proofs)}"
        fixed = sum(1 for d in lab.detours if d["ok"])
        assert row[5] == f"{fixed}/{len(lab.detours)}"
        assert fixed == len(lab.detours) == len(lab.proofs)
    links = browser.execute_script("return Array.from(document.querySelectorAll('table a')).map(a => a.href)")
    assert links
    assert all(requests.get(link, timeout=5).status_code == 200 for link in links)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / f"{lang}-report.png"))


@pytest.mark.sandbox
@pytest.mark.parametrize("lang", list(ROOT))
def test_the_site_replays_the_failed_rollout_with_no_server_behind_it(served, browser, lang):
    """Lab 03's page, as the site serves its files (no kernel, no cluster, nothing fetched): the recording's player
    advances when played, and scrubbing through it shows the new pods turn ErrImagePull and ImagePullBackOff."""
    browser.get(urljoin(served, f"{ROOT[lang]}labs/03-failed-rollout/"))
    players = browser.find_elements("css selector", ".rl-player")
    assert players, "no player on the page"
    seen: set[str] = set()
    for box in players:
        last = int(box.find_element("css selector", ".rl-scrub").get_attribute("max"))
        for index in range(last + 1):
            browser.execute_script("const s=arguments[0].querySelector('.rl-scrub');s.value=arguments[1];"
                                   "s.dispatchEvent(new Event('input'))", box, index)  # fmt: skip
            seen |= {p.get_attribute("data-state") for p in box.find_elements("css selector", ".rl-pod")}
    assert {"ErrImagePull", "ImagePullBackOff"} <= seen, seen
    box = players[0]
    box.find_element("css selector", ".rl-play").click()
    wait_for(lambda: int(box.find_element("css selector", ".rl-scrub").get_attribute("value")) >= 2, timeout=15,
             what="the player to advance")  # fmt: skip
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / f"{lang}-03-player.png"))
