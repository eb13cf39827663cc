"""The demo app's routes, served in-process over real HTTP."""

import importlib.util
import threading
from pathlib import Path

import pytest
import requests

APP = Path(__file__).resolve().parents[1] / "app" / "app.py"


def load_app():
    spec = importlib.util.spec_from_file_location("first_app", APP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def served():
    """The app on a free loopback port, with its process exit recorded instead of performed."""
    app = load_app()
    exits = []
    server = app.make_server(host="127.0.0.1", port=0, version="1.0.0", message="!!! Hola is new version !!!",
                             exit_process=exits.append)  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", exits
    server.shutdown()
    server.server_close()


def test_home_page_shows_greeting_version_and_message(served):
    """GET / is an HTML page with the greeting, the version and the version's message."""
    base, _ = served
    response = requests.get(base + "/", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Hello from this app!" in response.text
    assert "1.0.0" in response.text
    assert "!!! Hola is new version !!!" in response.text


def test_healthz_is_ok(served):
    """GET /healthz answers 200 for the readiness probe."""
    base, _ = served
    assert requests.get(base + "/healthz", timeout=5).status_code == 200


def test_error_answers_500_then_exits_with_code_1(served):
    """GET /error answers 500, then asks the process to exit with code 1."""
    base, exits = served
    assert requests.get(base + "/error", timeout=5).status_code == 500
    import time

    deadline = time.monotonic() + 5
    while not exits and time.monotonic() < deadline:
        time.sleep(0.05)
    assert exits == [1]


def test_unknown_path_is_404(served):
    """Other paths are 404, not the home page."""
    base, _ = served
    assert requests.get(base + "/nope", timeout=5).status_code == 404


def test_message_is_escaped():
    """A message is shown as text, never as HTML."""
    page = load_app().page(version="1", message="<script>x</script>")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
